"""RSS and Atom feeds, from a URL or a local file; Google Alerts feeds included.

Incremental twice over: conditional GET (ETag / Last-Modified, a 304 costs nothing) and the ids of
the entries already seen, since many publishers ignore validators.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlparse

from chalicelib.errors import SourceError
from chalicelib.models import Author, Mention, utcnow
from chalicelib.sources import http
from chalicelib.sources.base import FetchContext, FetchRequest, FetchResult, SourceConfig

SEEN_IDS_KEPT = 1000
_INLINE_TAG = re.compile(r"</?(?:b|i|em|strong|u|span|a|mark|code|small)\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def strip_html(value: str) -> str:
    """Markup to plain text: tags dropped (Google's ``<b>`` highlights too), entities decoded, spaces folded."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", _INLINE_TAG.sub("", value)))).strip()


def unwrap_google_redirect(link: str) -> str:
    """``https://www.google.com/url?...&url=REAL&...`` to ``REAL``; any other link unchanged."""
    parsed = urlparse(link)
    if parsed.netloc.endswith("google.com") and parsed.path == "/url":
        target = parse_qs(parsed.query).get("url") or parse_qs(parsed.query).get("q")
        if target:
            return target[0]
    return link


def _entry_time(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    return None


class RssSource:
    """Any RSS/Atom feed (``url`` option: http(s) URL or a local file path)."""

    type: ClassVar[str] = "rss"
    needs_credentials: ClassVar[bool] = False
    settings: ClassVar[tuple[str, ...]] = ()
    description: ClassVar[str] = "Any RSS or Atom feed, Google Alerts included (option: url)"

    def fetch(self, config: SourceConfig, request: FetchRequest, ctx: FetchContext) -> FetchResult:
        import feedparser

        location = str(config.option("url") or config.base_url or "")
        if not location:
            raise SourceError(config.name, 'no url; set url = "https://..." or a file path in the source\'s config')
        cursor = dict(request.cursor)
        body, validators = self._read(config, location, cursor, ctx)
        if body is None:  # 304 Not Modified
            return FetchResult(mentions=[], cursor=cursor, notes=["not modified"])
        feed = feedparser.parse(body)
        if feed.bozo and not feed.entries:
            raise SourceError(config.name, f"{location} is not a readable RSS/Atom feed ({feed.get('bozo_exception')})")
        seen: list[str] = list(cursor.get("seen", []))
        seen_set = set(seen)
        mentions: list[Mention] = []
        skipped = 0
        for entry in feed.entries:
            mention = self._to_mention(config, entry, ctx)
            if mention is None:
                skipped += 1
                continue
            if mention.external_id in seen_set:
                continue
            if request.since and mention.created_at < request.since:
                continue
            seen_set.add(mention.external_id)
            seen.append(mention.external_id)
            mentions.append(mention)
            if len(mentions) >= request.limit:
                break
        cursor.update(validators)
        cursor["seen"] = seen[-SEEN_IDS_KEPT:]
        return FetchResult(mentions=mentions, cursor=cursor, skipped=skipped)

    def _read(
        self, config: SourceConfig, location: str, cursor: dict[str, Any], ctx: FetchContext
    ) -> tuple[bytes | None, dict[str, str]]:
        if not location.startswith(("http://", "https://")):
            path = Path(location)
            try:
                return path.read_bytes(), {}
            except OSError as exc:
                raise SourceError(config.name, f"cannot read feed file {path}: {exc.strerror}; check the url") from exc
        headers = {"User-Agent": "Veille/0.1 (+https://github.com/veille)"}
        if cursor.get("etag"):
            headers["If-None-Match"] = cursor["etag"]
        if cursor.get("modified"):
            headers["If-Modified-Since"] = cursor["modified"]
        response = http.request(ctx.http, config.name, "GET", location, headers=headers, timeout_s=config.timeout_s)
        if response.status_code == 304:
            return None, {}
        http.check_status(config.name, response)
        validators = {
            k: response.headers[h]
            for k, h in (("etag", "etag"), ("modified", "last-modified"))
            if h in response.headers
        }
        return response.content, validators

    def _to_mention(self, config: SourceConfig, entry: Any, ctx: FetchContext) -> Mention | None:
        link = unwrap_google_redirect(entry.get("link") or "")
        title = strip_html(entry.get("title") or "")
        content = entry.get("content") or []
        raw_text = (content[0].get("value") if content else None) or entry.get("summary") or ""
        text = strip_html(raw_text) or title
        external_id = entry.get("id") or link
        if not external_id and text:
            external_id = hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()[:32]
        if not external_id or not text:
            return None
        author_name = strip_html(entry.get("author") or "") or None
        # Only a language the entry itself declares (Atom xml:lang): an RSS channel's <language> speaks
        # for the channel, and aggregators (Google Alerts, forums) mix languages under one; without it
        # the classifier detects each entry's language from its text.
        detail = (content[0] if content else None) or entry.get("title_detail") or {}
        language = (detail.get("language") or "")[:2].lower() or None
        return Mention(
            source=config.type,
            source_key=config.name,
            external_id=external_id,
            url=link or None,
            author=Author(name=author_name),
            title=title or None,
            text=text,
            lang=language,
            created_at=_entry_time(entry) or utcnow(),
            retention_days=ctx.retention_days,
        )
