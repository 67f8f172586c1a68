"""Hacker News through the Algolia HN Search API: stories and comments, newest first.

No credentials. One ``search_by_date`` query per search term (Algolia ANDs the words of a query, so
terms cannot be ORed in one request), filtered by ``numericFilters=created_at_i>=T``, paged until a
page is empty, ``max_pages`` is reached or the limit is met. Author karma comes from ``/users/{name}``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from chalicelib.errors import SourceError
from chalicelib.models import Author, Mention
from chalicelib.sources.base import FetchContext, FetchRequest, FetchResult, SourceConfig
from chalicelib.sources.http import fetch_json
from chalicelib.sources.text import (
    Watermark,
    as_int,
    collect,
    fill_reach,
    next_cursor,
    parse_datetime,
    plain_text,
    strip_html,
)

DEFAULT_BASE_URL = "https://hn.algolia.com/api/v1"
ITEM_URL = "https://news.ycombinator.com/item?id={}"
USER_URL = "https://news.ycombinator.com/user?id={}"


class HackerNewsSource:
    """Stories and comments mentioning the terms on Hacker News."""

    type: ClassVar[str] = "hn"
    needs_credentials: ClassVar[bool] = False
    settings: ClassVar[tuple[str, ...]] = ()
    description: ClassVar[str] = "Hacker News stories and comments (Algolia search_by_date, no key needed)"

    def fetch(self, config: SourceConfig, request: FetchRequest, ctx: FetchContext) -> FetchResult:
        """Fetch stories and comments created since the cursor, newest first."""
        base = (config.base_url or DEFAULT_BASE_URL).rstrip("/")
        limit = min(config.limit, request.limit)
        max_pages = int(config.option("max_pages", 5))
        watermark = Watermark.load(request.cursor, request.since)
        found: dict[str, Mention] = {}
        skipped, notes = 0, []
        for term in request.terms:
            for page in range(max_pages):
                params: dict[str, Any] = {
                    "query": term,
                    "tags": "(story,comment)",
                    "hitsPerPage": min(limit, 100),
                    "page": page,
                }
                if watermark.at is not None:
                    # Inclusive, so same-second items are not lost; the seen ids drop the repeats.
                    params["numericFilters"] = f"created_at_i>={int(watermark.at.timestamp())}"
                body = fetch_json(
                    ctx.http, self.type, "GET", f"{base}/search_by_date", params=params, timeout=config.timeout_s
                )
                hits = _hits(body)
                mentions, bad = collect(hits, lambda hit: _mention(hit, ctx.retention_days))
                skipped += bad
                for mention in mentions:
                    if watermark.is_new(mention.created_at, mention.external_id):
                        found.setdefault(mention.external_id, mention)
                if not hits or len(found) >= limit or page + 1 >= _int(body.get("nbPages"), 1):
                    break
            else:
                notes.append(f"stopped after {max_pages} pages for {term!r}; older hits were left")
        mentions = sorted(found.values(), key=lambda m: m.created_at, reverse=True)[:limit]
        if config.option("author_karma", True):

            def karma(handle: str) -> int | None:
                user = fetch_json(ctx.http, self.type, "GET", f"{base}/users/{handle}", timeout=config.timeout_s)
                return as_int(user.get("karma")) if isinstance(user, dict) else None

            if failed := fill_reach(mentions, karma, int(config.option("max_reach_lookups", 20))):
                notes.append(f"karma unavailable for {failed} author(s)")
        return FetchResult(mentions, next_cursor(request.cursor, watermark, mentions), skipped, notes)


def _hits(body: Any) -> list[Any]:
    if not isinstance(body, dict) or not isinstance(body.get("hits"), list):
        raise SourceError("hn", "unexpected answer from Algolia: no 'hits' list; check the base_url")
    return list(body["hits"])


def _int(value: Any, default: int) -> int:
    number = as_int(value)
    return default if number is None else number


def _mention(hit: dict[str, Any], retention_days: int) -> Mention:
    object_id = str(hit["objectID"])
    tags = hit.get("_tags") or []
    is_comment = "comment" in tags or hit.get("comment_text") is not None
    created = parse_datetime(hit["created_at_i"] if hit.get("created_at_i") is not None else hit["created_at"])
    author = hit.get("author")
    extra: dict[str, str] = {"kind": "comment" if is_comment else "story"}
    if is_comment:
        text = strip_html(hit.get("comment_text"))
        title = None  # the story's title is context, not the comment's words: matching on it misleads
        for key in ("story_id", "story_title", "story_url", "parent_id"):
            if hit.get(key) is not None:
                extra[key] = str(hit[key])
    else:
        title = plain_text(hit.get("title"), entities=True) or None  # titles are plain text; story_text is HTML
        text = strip_html(hit.get("story_text")) or title or ""
        if hit.get("url"):
            extra["link"] = str(hit["url"])
        if hit.get("num_comments") is not None:
            extra["num_comments"] = str(hit["num_comments"])
    if not text:
        raise ValueError(f"hit {object_id} has no text")
    return Mention(
        source="hn",
        external_id=object_id,
        url=ITEM_URL.format(object_id),
        author=Author(handle=author, name=author, url=USER_URL.format(author) if author else None),
        title=title,
        text=text,
        created_at=created,
        engagement=as_int(hit.get("points")),
        extra=extra,
        retention_days=retention_days,
    )
