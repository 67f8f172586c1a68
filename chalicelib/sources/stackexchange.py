"""Stack Exchange API 2.3: questions mentioning the terms on one site (``/search/advanced``).

No credentials needed (300 requests/day/IP); a free key (``VEILLE_STACKEXCHANGE_KEY``) raises that to
10,000. Every answer carries ``quota_remaining`` (reported in the notes) and sometimes ``backoff``:
seconds to wait before calling the same method again, which the API enforces with bans.
Responses are always gzip/deflate compressed; httpx decodes them.

Incremental: ``fromdate`` (inclusive, Unix seconds) with ``sort=creation``. Once a watermark exists
the pages are read oldest first, so a run cut by ``max_pages`` or the limit resumes where it stopped.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, ClassVar

from chalicelib.errors import SourceError
from chalicelib.models import Author, Mention
from chalicelib.sources.base import FetchContext, FetchRequest, FetchResult, SourceConfig
from chalicelib.sources.http import fetch_json
from chalicelib.sources.text import Watermark, as_int, collect, next_cursor, parse_datetime, strip_html

DEFAULT_BASE_URL = "https://api.stackexchange.com/2.3"


class StackExchangeSource:
    """Questions on a Stack Exchange site (``site`` option, default stackoverflow)."""

    type: ClassVar[str] = "stackexchange"
    needs_credentials: ClassVar[bool] = False
    settings: ClassVar[tuple[str, ...]] = ("VEILLE_STACKEXCHANGE_KEY",)
    description: ClassVar[str] = "Stack Exchange questions (API 2.3 search/advanced); an optional key raises the quota"

    def __init__(self, sleep: Callable[[float], None] = time.sleep) -> None:
        self._sleep = sleep

    def fetch(self, config: SourceConfig, request: FetchRequest, ctx: FetchContext) -> FetchResult:
        """Fetch questions created since the cursor, honouring ``backoff`` between calls."""
        base = (config.base_url or DEFAULT_BASE_URL).rstrip("/")
        site = str(config.option("site", "stackoverflow"))
        limit = min(config.limit, request.limit)
        max_pages = int(config.option("max_pages", 3))
        max_backoff = float(config.option("max_backoff_s", 10))
        watermark = Watermark.load(request.cursor, request.since)
        ascending = watermark.at is not None
        key = ctx.secret("VEILLE_STACKEXCHANGE_KEY")
        found: dict[str, Mention] = {}
        skipped, notes = 0, []
        backoff = 0.0
        quota: int | None = None
        for term in request.terms:
            for page in range(1, max_pages + 1):
                if backoff > max_backoff:
                    notes.append(f"the API asked to back off {backoff:.0f}s; the rest waits for the next run")
                    break
                if backoff:
                    self._sleep(backoff)  # the API bans clients that ignore backoff
                params: dict[str, Any] = {
                    "site": site,
                    "q": term,
                    "sort": "creation",
                    "order": "asc" if ascending else "desc",
                    "pagesize": min(limit, 100),
                    "page": page,
                    "filter": "withbody",
                }
                if watermark.at is not None:
                    params["fromdate"] = int(watermark.at.timestamp())
                if key:
                    params["key"] = key
                body = fetch_json(
                    ctx.http, self.type, "GET", f"{base}/search/advanced", params=params, timeout=config.timeout_s
                )
                items = _items(body)
                backoff = float(as_int(body.get("backoff")) or 0)
                quota = as_int(body.get("quota_remaining"))
                mentions, bad = collect(items, lambda item: _mention(item, site, ctx.retention_days))
                skipped += bad
                for mention in mentions:
                    if watermark.is_new(mention.created_at, mention.external_id):
                        found.setdefault(mention.external_id, mention)
                if not body.get("has_more") or len(found) >= limit:
                    break
            else:
                notes.append(f"stopped after {max_pages} pages for {term!r}; the next run continues")
        # Oldest first once incremental, so what is cut by the limit is after the new watermark.
        mentions = sorted(found.values(), key=lambda m: m.created_at, reverse=not ascending)[:limit]
        if quota is not None:
            notes.append(f"quota_remaining={quota}")
        return FetchResult(mentions, next_cursor(request.cursor, watermark, mentions), skipped, notes)


def _items(body: Any) -> list[Any]:
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise SourceError("stackexchange", "unexpected answer: no 'items' list; check the base_url and site")
    return list(body["items"])


def _mention(item: dict[str, Any], site: str, retention_days: int) -> Mention:
    owner = item.get("owner") or {}
    title = strip_html(item["title"])
    tags = item.get("tags") or []
    extra = {"site": site, "tags": ",".join(str(t) for t in tags)}
    for key in ("answer_count", "view_count", "is_answered"):
        if item.get(key) is not None:
            extra[key] = str(item[key])
    return Mention(
        source="stackexchange",
        external_id=f"{site}:{item['question_id']}",
        url=str(item["link"]),
        author=Author(
            handle=str(owner["user_id"]) if owner.get("user_id") is not None else None,
            name=strip_html(owner.get("display_name")) or None,
            url=owner.get("link"),
            reach=as_int(owner.get("reputation")),
        ),
        title=title,
        text=strip_html(item.get("body")) or title,
        created_at=parse_datetime(item["creation_date"]),
        engagement=as_int(item.get("score")),
        extra=extra,
        retention_days=retention_days,
    )
