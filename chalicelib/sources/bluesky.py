"""Bluesky posts through ``app.bsky.feed.searchPosts`` with an app-password session.

Bluesky no longer serves post search to anonymous callers, so a session is made with
``com.atproto.server.createSession`` (handle + app password) on the PDS (``bsky.social``), which
proxies ``app.bsky.*`` calls to the AppView. createSession is limited to 30 per 5 minutes and 300 per
day per account, so the session is cached per process while its access token is young.
Search: one query per term, ``sort=latest`` with ``since`` (inclusive; it filters on ``sortAt``,
so the watermark uses ``min(createdAt, indexedAt)`` too). Followers come from
``app.bsky.actor.getProfiles``, 25 actors per call.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any, ClassVar

from chalicelib.errors import SourceError
from chalicelib.models import Author, Mention
from chalicelib.sources.base import FetchContext, FetchRequest, FetchResult, SourceConfig
from chalicelib.sources.http import fetch_json
from chalicelib.sources.text import Watermark, as_int, collect, iso, next_cursor, parse_datetime, primary_lang, total

DEFAULT_BASE_URL = "https://bsky.social"
PROFILES_PER_CALL = 25
# Access tokens live about two hours; renew well before that.
SESSION_TTL_S = 90 * 60

_sessions: dict[tuple[str, str], tuple[str, float]] = {}


class BlueskySource:
    """Posts mentioning the terms on Bluesky, newest first."""

    type: ClassVar[str] = "bluesky"
    needs_credentials: ClassVar[bool] = True
    settings: ClassVar[tuple[str, ...]] = ("VEILLE_BLUESKY_HANDLE", "VEILLE_BLUESKY_APP_PASSWORD")
    description: ClassVar[str] = "Bluesky posts (searchPosts, sort=latest); needs a handle and an app password"

    def fetch(self, config: SourceConfig, request: FetchRequest, ctx: FetchContext) -> FetchResult:
        """Fetch posts indexed since the cursor's watermark, with their authors' follower counts."""
        base = (config.base_url or DEFAULT_BASE_URL).rstrip("/")
        headers = {"Authorization": f"Bearer {self._session(base, config, ctx)}"}
        limit = min(config.limit, request.limit)
        max_pages = int(config.option("max_pages", 3))
        watermark = Watermark.load(request.cursor, request.since)
        found: dict[str, Mention] = {}
        skipped, notes = 0, []
        for term in request.terms:
            page_cursor: str | None = None
            for _ in range(max_pages):
                params: dict[str, Any] = {"q": term, "sort": "latest", "limit": min(limit, 100)}
                if watermark.at is not None:
                    params["since"] = iso(watermark.at)
                if lang := config.option("lang"):
                    params["lang"] = lang
                if page_cursor:
                    params["cursor"] = page_cursor
                body = fetch_json(
                    ctx.http,
                    self.type,
                    "GET",
                    f"{base}/xrpc/app.bsky.feed.searchPosts",
                    params=params,
                    headers=headers,
                    timeout=config.timeout_s,
                )
                posts, page_cursor = _posts(body)
                mentions, bad = collect(posts, lambda post: _mention(post, ctx.retention_days))
                skipped += bad
                for mention in mentions:
                    if watermark.is_new(_sort_at(mention), mention.external_id):
                        found.setdefault(mention.external_id, mention)
                if not posts or not page_cursor or len(found) >= limit:
                    break
            else:
                notes.append(f"stopped after {max_pages} pages for {term!r}; older posts were left")
        mentions = sorted(found.values(), key=_sort_at, reverse=True)[:limit]
        failed = self._followers(base, headers, mentions, config, ctx)
        if failed:
            notes.append(f"follower counts unavailable ({failed} profile batch(es) failed)")
        return FetchResult(mentions, next_cursor(request.cursor, watermark, mentions, _sort_at), skipped, notes)

    def _session(self, base: str, config: SourceConfig, ctx: FetchContext) -> str:
        handle = ctx.secret("VEILLE_BLUESKY_HANDLE")
        password = ctx.secret("VEILLE_BLUESKY_APP_PASSWORD")
        if not handle or not password:
            raise SourceError(
                self.type,
                "set VEILLE_BLUESKY_HANDLE and VEILLE_BLUESKY_APP_PASSWORD "
                "(an app password from Settings > Privacy and security)",
            )
        key = (base, handle)
        cached = _sessions.get(key)
        if cached and cached[1] > time.monotonic():
            return cached[0]
        body = fetch_json(
            ctx.http,
            self.type,
            "POST",
            f"{base}/xrpc/com.atproto.server.createSession",
            json={"identifier": handle, "password": password},
            timeout=config.timeout_s,
        )
        token = body.get("accessJwt") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise SourceError(self.type, "createSession gave no accessJwt; check the handle and app password")
        _sessions[key] = (token, time.monotonic() + SESSION_TTL_S)
        return token

    def _followers(
        self, base: str, headers: dict[str, str], mentions: list[Mention], config: SourceConfig, ctx: FetchContext
    ) -> int:
        """Set author reach from getProfiles, 25 DIDs per call; return how many batches failed."""
        dids = list(dict.fromkeys(m.extra["did"] for m in mentions if m.extra.get("did")))
        counts: dict[str, int] = {}
        failed = 0
        for start in range(0, len(dids), PROFILES_PER_CALL):
            batch = dids[start : start + PROFILES_PER_CALL]
            try:
                body = fetch_json(
                    ctx.http,
                    self.type,
                    "GET",
                    f"{base}/xrpc/app.bsky.actor.getProfiles",
                    params={"actors": batch},
                    headers=headers,
                    timeout=config.timeout_s,
                )
            except SourceError:
                failed += 1
                continue
            for profile in body.get("profiles", []) if isinstance(body, dict) else []:
                if isinstance(profile, dict) and (count := as_int(profile.get("followersCount"))) is not None:
                    counts[str(profile.get("did"))] = count
        for mention in mentions:
            mention.author.reach = counts.get(mention.extra.get("did", ""), mention.author.reach)
        return failed


def _posts(body: Any) -> tuple[list[Any], str | None]:
    if not isinstance(body, dict) or not isinstance(body.get("posts"), list):
        raise SourceError("bluesky", "unexpected answer from searchPosts: no 'posts' list; check the base_url")
    cursor = body.get("cursor")
    return list(body["posts"]), cursor if isinstance(cursor, str) and cursor else None


def _sort_at(mention: Mention) -> datetime:
    indexed = mention.extra.get("indexed_at")
    return min(mention.created_at, parse_datetime(indexed)) if indexed else mention.created_at


_LINK = "app.bsky.richtext.facet#link"


def _with_full_links(text: str, facets: Any) -> str:
    """The post text with each link facet's label replaced by its full URL when the label is a shortened one.

    Clients shorten long links in the text (``open.substack.com/pub/christac...``) and keep the full URL
    in a facet, indexed in UTF-8 bytes. A label that is words ("this site") is kept, followed by the URL.
    """
    data = text.encode("utf-8")
    links: list[tuple[int, int, str]] = []
    for facet in facets if isinstance(facets, list) else []:
        index = facet.get("index") if isinstance(facet, dict) else None
        features = facet.get("features") if isinstance(facet, dict) else None
        if not isinstance(index, dict) or not isinstance(features, list):
            continue
        start, end = as_int(index.get("byteStart")), as_int(index.get("byteEnd"))
        uri = next((f.get("uri") for f in features if isinstance(f, dict) and f.get("$type") == _LINK), None)
        if start is None or end is None or not 0 <= start < end <= len(data) or not isinstance(uri, str):
            continue
        links.append((start, end, uri))
    out, at = [], 0
    for start, end, uri in sorted(links):
        if start < at:
            continue  # overlapping facets: keep the first
        label = data[start:end].decode("utf-8", "replace")
        bare = label.rstrip(".…").removeprefix("https://").removeprefix("http://")
        target = uri.removeprefix("https://").removeprefix("http://")
        full = uri if target.startswith(bare) else f"{label} ({uri})"
        out += [data[at:start].decode("utf-8", "replace"), full]
        at = end
    out.append(data[at:].decode("utf-8", "replace"))
    return "".join(out)


def _link_card(record: dict[str, Any], embed: Any) -> dict[str, Any] | None:
    """The external link card (uri, title, description) of a post, from the view or the record."""
    for candidate in (embed, record.get("embed")):
        if not isinstance(candidate, dict):
            continue
        media = candidate.get("media")
        for holder in (candidate, media if isinstance(media, dict) else {}):
            external = holder.get("external")
            if isinstance(external, dict) and external.get("uri"):
                return external
    return None


def _full_text(record: dict[str, Any], embed: Any) -> str:
    """The words of a post: its text with full link URLs, then its link card's title and description."""
    text = _with_full_links(str(record["text"]), record.get("facets"))
    card = _link_card(record, embed)
    if card:
        words = [str(card.get(k) or "").strip() for k in ("title", "description")]
        if any(words):
            text = "\n\n".join([text, "\n".join(w for w in words if w)])
    return text


def _mention(post: dict[str, Any], retention_days: int) -> Mention:
    uri = str(post["uri"])
    if not uri.startswith("at://"):
        raise ValueError(f"not an at:// uri: {uri}")
    record = post["record"]
    author = post["author"]
    handle = str(author["handle"])
    rkey = uri.rsplit("/", 1)[-1]
    langs = record.get("langs") or []
    extra = {"did": str(author.get("did", "")), "cid": str(post.get("cid", ""))}
    if post.get("indexedAt"):
        extra["indexed_at"] = iso(parse_datetime(post["indexedAt"]))
    if card := _link_card(record, post.get("embed")):
        extra["link"] = str(card.get("uri", ""))
    return Mention(
        source="bluesky",
        external_id=uri,
        url=f"https://bsky.app/profile/{handle}/post/{rkey}",
        author=Author(
            handle=handle,
            name=author.get("displayName") or None,
            url=f"https://bsky.app/profile/{handle}",
            reach=as_int(author.get("followersCount")),
        ),
        text=_full_text(record, post.get("embed")),
        lang=primary_lang(langs[0]) if langs else None,
        created_at=parse_datetime(record["createdAt"]),
        engagement=total(*(post.get(k) for k in ("likeCount", "repostCount", "replyCount", "quoteCount"))),
        extra=extra,
        retention_days=retention_days,
    )
