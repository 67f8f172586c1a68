"""Apple App Store customer reviews from the public JSON feed, per app and storefront.

No credentials. ``{base}/{country}/rss/customerreviews/page={n}/id={app_id}/sortby=mostrecent/json``,
about 50 reviews a page, 10 pages at most. Options: ``app_id`` (required) and ``countries``
(default ``["us"]``). All reviews of the app are returned: the watch's query decides what matches.
The first entry of a page can be the app's own metadata (no ``im:rating``): it is not a review.

Incremental: newest first; per storefront, paging stops at the last review seen (its id at the
watermark's time) or at an older ``updated`` time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial
from typing import Any, ClassVar

from chalicelib.errors import SourceError
from chalicelib.models import Author, Mention
from chalicelib.sources.base import FetchContext, FetchRequest, FetchResult, SourceConfig
from chalicelib.sources.http import fetch_json
from chalicelib.sources.text import Watermark, as_int, collect, parse_datetime, plain_text

DEFAULT_BASE_URL = "https://itunes.apple.com"
MAX_FEED_PAGES = 10  # Apple serves no older page


class AppStoreSource:
    """Reviews of one iOS/macOS app in chosen storefronts."""

    type: ClassVar[str] = "appstore"
    needs_credentials: ClassVar[bool] = False
    settings: ClassVar[tuple[str, ...]] = ()
    description: ClassVar[str] = "Apple App Store customer reviews (public JSON feed) per app id and country"

    def fetch(self, config: SourceConfig, request: FetchRequest, ctx: FetchContext) -> FetchResult:
        """Fetch the reviews newer than each storefront's watermark."""
        app_id = str(config.option("app_id", "")).strip()
        if not app_id.isdigit():
            raise SourceError(self.type, "set the numeric app_id option (the digits after 'id' in the App Store URL)")
        base = (config.base_url or DEFAULT_BASE_URL).rstrip("/")
        countries = _countries(config.option("countries", config.option("country", "us")))
        limit = min(config.limit, request.limit)
        max_pages = min(int(config.option("max_pages", 3)), MAX_FEED_PAGES)
        cursor = dict(request.cursor)
        mentions: list[Mention] = []
        skipped, notes = 0, []
        for country in countries:
            mark = Watermark.load(request.cursor.get(country), request.since)
            found: list[Mention] = []
            for page in range(1, max_pages + 1):
                url = f"{base}/{country}/rss/customerreviews/page={page}/id={app_id}/sortby=mostrecent/json"
                entries, feed_time = _entries(fetch_json(ctx.http, self.type, "GET", url, timeout=config.timeout_s))
                build = partial(_review, app_id=app_id, country=country, retention_days=ctx.retention_days)
                dated = [(entry, _stand_in(feed_time, page, place)) for place, entry in enumerate(entries)]
                reviews, bad = collect(dated, lambda pair: build(pair[0], fallback=pair[1]))  # noqa: B023
                skipped += bad
                reached = False
                for review in reviews:
                    if mark.reached(review.created_at, review.external_id):
                        reached = True
                        break
                    if mark.is_new(review.created_at, review.external_id):
                        found.append(review)
                if reached or not entries or len(found) >= limit:
                    break
            else:
                if max_pages < MAX_FEED_PAGES:
                    notes.append(f"stopped after {max_pages} pages for {country}; older reviews were left")
            found = found[:limit]
            if found:
                cursor[country] = mark.advance(found).dump()
                mentions += found
        return FetchResult(mentions, cursor, skipped, notes)


def _countries(value: Any) -> list[str]:
    items = value.split(",") if isinstance(value, str) else list(value or [])
    return [str(c).strip().lower() for c in items if str(c).strip()] or ["us"]


def _entries(body: Any) -> tuple[list[Any], datetime | None]:
    """The page's entries and the feed's own ``updated`` time (None when absent or unreadable)."""
    feed = body.get("feed") if isinstance(body, dict) else None
    if not isinstance(feed, dict):
        raise SourceError("appstore", "unexpected answer: no 'feed' object; check the base_url and app_id")
    entry = feed.get("entry", [])
    try:
        feed_time: datetime | None = parse_datetime(_label(feed, "updated"))
    except (TypeError, ValueError):
        feed_time = None
    # A feed with a single entry serialises it as an object, not a one-item list.
    return ([entry] if isinstance(entry, dict) else list(entry) if isinstance(entry, list) else []), feed_time


def _stand_in(feed_time: datetime | None, page: int, position: int) -> datetime | None:
    """A time for a review without its own: the feed's, one second earlier per place down the newest-first list."""
    return feed_time - timedelta(seconds=(page - 1) * 100 + position) if feed_time else None


def _label(entry: dict[str, Any], key: str) -> Any:
    value = entry.get(key)
    return value.get("label") if isinstance(value, dict) else None


def _review(
    entry: dict[str, Any], app_id: str, country: str, retention_days: int, fallback: datetime | None = None
) -> Mention | None:
    rating = _label(entry, "im:rating")
    if rating is None:
        return None  # the app's own metadata entry, not a review
    author = entry.get("author") or {}
    name = _label(author, "name")
    extra: dict[str, str] = {}
    if _label(entry, "updated") is not None or fallback is None:
        created = parse_datetime(_label(entry, "updated"))
    else:
        # Some storefronts' feeds give reviews no ``updated``: keep the review, dated by the feed.
        created, extra["date"] = fallback, "feed"
    return Mention(
        source="appstore",
        external_id=str(entry["id"]["label"]),
        url=f"https://apps.apple.com/{country}/app/id{app_id}?see-all=reviews",
        author=Author(handle=name, name=name, url=_label(author, "uri")),
        # Reviews are plain text: "<3" or "<Settings>" are the reviewer's words.
        title=plain_text(_label(entry, "title")) or None,
        text=plain_text(entry["content"]["label"]),
        created_at=created,
        engagement=as_int(_label(entry, "im:voteSum")),
        extra={
            "rating": str(int(rating)),
            "version": str(_label(entry, "im:version") or ""),
            "country": country,
            "app_id": app_id,
            "votes": str(as_int(_label(entry, "im:voteCount")) or 0),
            **extra,
        },
        retention_days=retention_days,
    )
