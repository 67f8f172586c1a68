"""Reddit through the OAuth Data API: posts from ``/search`` and comments from subreddit listings.

Reddit blocks unauthenticated ``.json`` (HTML "403 Blocked"), so an approved OAuth app is needed:
an app-only token from ``/api/v1/access_token`` (client credentials), then ``oauth.reddit.com``.
The Data API has no comment search, so comments come from ``/r/{sub}/comments`` of the subreddits
named in the ``subreddits`` option and are kept when they contain a term.
Both listings are newest first; paging stops at the watermark, the limit or ``max_pages``.
"""

from __future__ import annotations

from base64 import b64encode
from collections.abc import Callable
from typing import Any, ClassVar

from chalicelib.errors import SourceError
from chalicelib.models import Author, Mention
from chalicelib.sources.base import FetchContext, FetchRequest, FetchResult, SourceConfig
from chalicelib.sources.http import fetch_json
from chalicelib.sources.text import Watermark, as_int, collect, parse_datetime, plain_text, quoted, strip_html

DEFAULT_BASE_URL = "https://oauth.reddit.com"
DEFAULT_AUTH_URL = "https://www.reddit.com/api/v1/access_token"
DEFAULT_USER_AGENT = "veille/0.1 (social listening; +https://github.com/veille)"
WEB = "https://www.reddit.com"


class RedditSource:
    """Posts (site-wide or per subreddit) and comments of chosen subreddits."""

    type: ClassVar[str] = "reddit"
    needs_credentials: ClassVar[bool] = True
    settings: ClassVar[tuple[str, ...]] = ("VEILLE_REDDIT_CLIENT_ID", "VEILLE_REDDIT_CLIENT_SECRET")
    description: ClassVar[str] = "Reddit posts (search, sort=new) and subreddit comments; needs an approved OAuth app"

    def fetch(self, config: SourceConfig, request: FetchRequest, ctx: FetchContext) -> FetchResult:
        """Fetch posts and comments newer than the cursor's watermarks."""
        base = (config.base_url or DEFAULT_BASE_URL).rstrip("/")
        headers = {"User-Agent": str(config.option("user_agent", DEFAULT_USER_AGENT))}
        headers["Authorization"] = f"Bearer {self._token(config, ctx, headers)}"
        limit = min(config.limit, request.limit)
        subreddits = _subreddits(config.option("subreddits", config.option("subreddit")))
        query = " OR ".join(quoted(t) for t in request.terms)
        listing = _Listing(config, ctx, headers, limit)

        cursor = dict(request.cursor)
        mentions: list[Mention] = []
        if subreddits and config.option("restrict_sr", True):
            searches = [(f"{base}/r/{sub}/search", {"restrict_sr": "1"}) for sub in subreddits]
        else:
            searches = [(f"{base}/search", {})]
        posts_mark = Watermark.load(request.cursor.get("posts"), request.since)
        posts: list[Mention] = []
        for url, scope in searches:
            params = {"q": query, "sort": "new", "t": str(config.option("time", "week")), "type": "link", **scope}
            posts += listing.walk(url, params, posts_mark, _post)
        if posts:
            cursor["posts"] = posts_mark.advance(posts).dump()
            mentions += posts
        if config.option("comments", True):
            needles = [t.casefold() for t in request.terms]
            for sub in subreddits:
                mark = Watermark.load(request.cursor.get(f"comments:{sub}"), request.since)
                comments = [
                    c
                    for c in listing.walk(f"{base}/r/{sub}/comments", {}, mark, _comment)
                    if any(n in c.text.casefold() for n in needles)
                ]
                # The watermark follows every comment read, kept or not: they were all looked at.
                if listing.last_read:
                    cursor[f"comments:{sub}"] = mark.advance(listing.last_read).dump()
                mentions += comments
        return FetchResult(mentions, cursor, listing.skipped, listing.notes)

    def _token(self, config: SourceConfig, ctx: FetchContext, headers: dict[str, str]) -> str:
        client_id = ctx.secret("VEILLE_REDDIT_CLIENT_ID")
        secret = ctx.secret("VEILLE_REDDIT_CLIENT_SECRET")
        if not client_id or not secret:
            raise SourceError(
                self.type,
                "set VEILLE_REDDIT_CLIENT_ID and VEILLE_REDDIT_CLIENT_SECRET "
                "(an approved Reddit OAuth app; see veille sources)",
            )
        auth_url = str(config.option("auth_url", DEFAULT_AUTH_URL))
        body = fetch_json(
            ctx.http,
            self.type,
            "POST",
            auth_url,
            # HTTP Basic with the app's id and secret (build_request takes no auth=).
            headers={**headers, "Authorization": "Basic " + b64encode(f"{client_id}:{secret}".encode()).decode()},
            data={"grant_type": "client_credentials"},
            timeout=config.timeout_s,
        )
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise SourceError(self.type, "Reddit gave no access_token; check the OAuth app's id and secret")
        return token


class _Listing:
    """Pages through a newest-first Reddit listing with ``after``, stopping at a watermark."""

    def __init__(self, config: SourceConfig, ctx: FetchContext, headers: dict[str, str], limit: int) -> None:
        self.config, self.ctx, self.headers, self.limit = config, ctx, headers, limit
        self.max_pages = int(config.option("max_pages", 5))
        self.skipped = 0
        self.notes: list[str] = []
        self.last_read: list[Mention] = []

    def walk(
        self, url: str, params: dict[str, Any], mark: Watermark, build: Callable[[Any, int], Mention]
    ) -> list[Mention]:
        """The new items of one listing, newest first; ``last_read`` keeps them for the watermark."""
        found: list[Mention] = []
        after: str | None = None
        for _ in range(self.max_pages):
            query = {**params, "limit": min(self.limit, 100), "raw_json": 1, **({"after": after} if after else {})}
            body = fetch_json(
                self.ctx.http, "reddit", "GET", url, params=query, headers=self.headers, timeout=self.config.timeout_s
            )
            children, after = _children(body)
            mentions, bad = collect(children, lambda c: build(c, self.ctx.retention_days))
            self.skipped += bad
            reached = False
            for mention in mentions:
                if mark.reached(mention.created_at, mention.external_id):
                    reached = True
                    break
                if mark.is_new(mention.created_at, mention.external_id):
                    found.append(mention)
            if reached or not after or not children or len(found) >= self.limit:
                break
        else:
            self.notes.append(f"stopped after {self.max_pages} pages of {url}; older items were left")
        self.last_read = found[: self.limit]
        return self.last_read


def _subreddits(value: Any) -> list[str]:
    if not value:
        return []
    names = value.split(",") if isinstance(value, str) else list(value)
    return [str(n).strip().removeprefix("r/") for n in names if str(n).strip()]


def _children(body: Any) -> tuple[list[Any], str | None]:
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("children"), list):
        raise SourceError("reddit", "unexpected answer: not a Listing; check the base_url")
    after = data.get("after")
    return list(data["children"]), after if isinstance(after, str) and after else None


def _author(data: dict[str, Any]) -> Author:
    name = data.get("author")
    if not name or name == "[deleted]":
        return Author()
    return Author(handle=name, name=name, url=f"{WEB}/user/{name}")


def _permalink(data: dict[str, Any], link_id: Any) -> str:
    """The thing's web URL: its ``permalink``, else (older answers) one built from its ids."""
    if isinstance(data.get("permalink"), str) and data["permalink"].startswith("/"):
        return WEB + data["permalink"]
    thing = str(data.get("id") or str(data["name"]).partition("_")[2])
    if not thing:
        raise ValueError("no permalink and no id")
    sub = f"/r/{data['subreddit']}" if data.get("subreddit") else ""
    if link_id is None:  # a post
        return f"{WEB}{sub}/comments/{thing}/"
    post = str(link_id).partition("_")[2] or str(link_id)
    return f"{WEB}{sub}/comments/{post}/_/{thing}/"


def _post(child: dict[str, Any], retention_days: int) -> Mention:
    if child.get("kind") != "t3":
        raise ValueError("not a post")
    data = child["data"]
    extra = {"subreddit": str(data.get("subreddit", "")), "kind": "post"}
    if data.get("url") and not data.get("is_self"):
        extra["link"] = str(data["url"])
    if data.get("num_comments") is not None:
        extra["num_comments"] = str(data["num_comments"])
    # With raw_json=1 the title and selftext are the author's plain text and Markdown, unescaped:
    # a ``<module>`` in them is words, not a tag.
    title = plain_text(data.get("title"))
    return Mention(
        source="reddit",
        external_id=str(data["name"]),
        url=_permalink(data, None),
        author=_author(data),
        title=title,
        text=plain_text(data.get("selftext")) or title,
        created_at=parse_datetime(data["created_utc"]),
        engagement=as_int(data.get("score")),
        extra=extra,
        retention_days=retention_days,
    )


def _comment(child: dict[str, Any], retention_days: int) -> Mention:
    if child.get("kind") != "t1":
        raise ValueError("not a comment")
    data = child["data"]
    # body_html is real HTML (the author's ``<`` arrives as ``&lt;``); body is the Markdown fallback.
    text = strip_html(data.get("body_html")) or plain_text(str(data["body"]))
    extra = {"subreddit": str(data.get("subreddit", "")), "kind": "comment"}
    if data.get("link_title"):
        extra["post_title"] = str(data["link_title"])
    return Mention(
        source="reddit",
        external_id=str(data["name"]),
        url=_permalink(data, data.get("link_id")),
        author=_author(data),
        text=text,
        created_at=parse_datetime(data["created_utc"]),
        engagement=as_int(data.get("score")),
        extra=extra,
        retention_days=retention_days,
    )
