"""RSS and Atom feeds, from a URL or a local file; Google Alerts feeds included.

Incremental twice over: conditional GET (ETag / Last-Modified, a 304 costs nothing) and the ids of
the entries already seen, since many publishers ignore validators.
"""

from __future__ import annotations

import calendar
import hashlib
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlparse

from chalicelib.errors import SourceError
from chalicelib.models import Author, Mention, utcnow
from chalicelib.sources import http
from chalicelib.sources.base import FetchContext, FetchRequest, FetchResult, SourceConfig
from chalicelib.sources.recorded import freshen
from chalicelib.sources.text import strip_html as _html_to_text

SEEN_IDS_KEPT = 1000
_SPACE = re.compile(r"\s+")
# Month names feeds write in other languages than English (RFC 822 dates are English only, so
# feedparser cannot read "Seg, 24 Set 2018 19:42:40 -0300"); first three letters, accents removed.
_MONTHS = {
    **dict.fromkeys(("jan", "janv", "ene", "gen", "jän"), "Jan"),
    **dict.fromkeys(("fev", "fév", "feb", "févr"), "Feb"),
    **dict.fromkeys(("mar", "mars", "mär", "maa"), "Mar"),
    **dict.fromkeys(("abr", "avr", "apr"), "Apr"),
    **dict.fromkeys(("mai", "mag", "may", "mei"), "May"),
    **dict.fromkeys(("jun", "juin", "giu"), "Jun"),
    **dict.fromkeys(("jul", "juil", "lug"), "Jul"),
    **dict.fromkeys(("ago", "aoû", "aou", "aug"), "Aug"),
    **dict.fromkeys(("set", "sep", "sept"), "Sep"),
    **dict.fromkeys(("out", "oct", "ott", "okt"), "Oct"),
    **dict.fromkeys(("nov",), "Nov"),
    **dict.fromkeys(("dez", "dic", "déc", "dec"), "Dec"),
}
_DATE_WORD = re.compile(r"[^\W\d_]+\.?")


def strip_html(value: str) -> str:
    """Markup to plain text on one line: tags dropped (inline ones without a space, so ``ft<sup>2</sup>``
    stays ``ft2``; Google's ``<b>`` highlights too), entities decoded, spaces folded."""
    return _SPACE.sub(" ", _html_to_text(value)).strip()


def _as_text(value: Any, detail: Any) -> str:
    """An entry's title or text on one line, by the type feedparser reports for it.

    ``text/plain`` (an RSS title, Atom ``type="text"``) is kept as written: ``Import <module> fails`` or
    ``<kanbo-widget>`` are the author's words. HTML (``type="html"``, RSS descriptions) loses its tags.
    """
    if not isinstance(value, str) or not value:
        return ""
    kind = detail.get("type") if isinstance(detail, dict) else None
    if kind == "text/plain":
        return _SPACE.sub(" ", value).strip()
    return strip_html(value)


def _loose_date(raw: Any) -> datetime | None:
    """A date feedparser could not read: RFC 822 with non-English day/month names, or ISO 8601."""
    if not isinstance(raw, str) or not raw.strip():
        return None
    text = raw.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        words = [w for w in text.replace(",", " ").split() if w]
        if words and _DATE_WORD.fullmatch(words[0]) and words[0].rstrip(".").lower() not in _MONTHS:
            words = words[1:]  # the day name ("Seg", "Lun.", "Mo")
        words = [_MONTHS.get(w.rstrip(".").lower(), w) if _DATE_WORD.fullmatch(w) else w for w in words]
        try:
            parsed = parsedate_to_datetime(" ".join(words))
        except (TypeError, ValueError, IndexError):
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _entry_url(entry: Any) -> str | None:
    """The entry's web page: an http(s) ``rel=alternate`` link (or ``<link>``), else a ``rel=related`` one.

    feedparser falls back to the entry's id for ``link`` (Apple's review entries give "6310006838"),
    so the links are read themselves and anything that is not an http(s) URL is dropped.
    """
    links = [item for item in entry.get("links") or [] if isinstance(item, dict)]
    for wanted in ("alternate", "related"):
        for item in links:
            href = str(item.get("href") or "")
            if (item.get("rel") or "alternate") == wanted and href.startswith(("http://", "https://")):
                return unwrap_google_redirect(href)
    link = str(entry.get("link") or "")
    return unwrap_google_redirect(link) if link.startswith(("http://", "https://")) else None


def unwrap_google_redirect(link: str) -> str:
    """``https://www.google.com/url?...&url=REAL&...`` to ``REAL``; any other link unchanged."""
    parsed = urlparse(link)
    if parsed.netloc.endswith("google.com") and parsed.path == "/url":
        target = parse_qs(parsed.query).get("url") or parse_qs(parsed.query).get("q")
        if target:
            return target[0]
    return link


def _entry_time(entry: Any) -> datetime | None:
    """The entry's own date: as feedparser read it, else read from the raw text by :func:`_loose_date`."""
    for key in ("published", "updated", "created"):
        value = entry.get(f"{key}_parsed")
        if value:
            return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    for key in ("published", "updated", "created"):
        if parsed := _loose_date(entry.get(key)):
            return parsed
    return None


class RssSource:
    """Any RSS/Atom feed (``url`` option: http(s) URL or a local file path; ``recorded = true``: see recorded.py)."""

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
        body, validators, response_headers = self._read(config, location, cursor, ctx)
        if body is None:  # 304 Not Modified
            return FetchResult(mentions=[], cursor=cursor, notes=["not modified"])
        if config.option("recorded"):  # a recorded sample: dated as if it had just been fetched
            body = freshen(body, utcnow())
        # The headers carry the charset of feeds that declare none in their XML (koi8-r, shift_jis...).
        feed = feedparser.parse(body, response_headers=response_headers)
        feed_time = _entry_time(feed.feed)
        if feed.bozo and not feed.entries:
            raise SourceError(config.name, f"{location} is not a readable RSS/Atom feed ({feed.get('bozo_exception')})")
        seen: list[str] = list(cursor.get("seen", []))
        seen_set = set(seen)
        mentions: list[Mention] = []
        skipped = 0
        for entry in feed.entries:
            mention = self._to_mention(config, entry, ctx, feed_time)
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
    ) -> tuple[bytes | None, dict[str, str], dict[str, str]]:
        if not location.startswith(("http://", "https://")):
            path = Path(location)
            try:
                return path.read_bytes(), {}, {}
            except OSError as exc:
                raise SourceError(config.name, f"cannot read feed file {path}: {exc.strerror}; check the url") from exc
        headers = {"User-Agent": "Veille/0.1 (+https://github.com/veille)"}
        if cursor.get("etag"):
            headers["If-None-Match"] = cursor["etag"]
        if cursor.get("modified"):
            headers["If-Modified-Since"] = cursor["modified"]
        response = http.request(ctx.http, config.name, "GET", location, headers=headers, timeout_s=config.timeout_s)
        if response.status_code == 304:
            return None, {}, {}
        http.check_status(config.name, response)
        validators = {
            k: response.headers[h]
            for k, h in (("etag", "etag"), ("modified", "last-modified"))
            if h in response.headers
        }
        return response.content, validators, {k.lower(): v for k, v in response.headers.items()}

    def _to_mention(
        self, config: SourceConfig, entry: Any, ctx: FetchContext, feed_time: datetime | None = None
    ) -> Mention | None:
        link = _entry_url(entry) or ""
        title = _as_text(entry.get("title"), entry.get("title_detail"))
        content = entry.get("content") or []
        if content and content[0].get("value"):
            text = _as_text(content[0].get("value"), content[0])
        else:
            text = _as_text(entry.get("summary"), entry.get("summary_detail"))
        text = text or title
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
        # An unreadable date must not pass for "now" silently (it breaks --since and the digest's day):
        # the feed's own date stands in, else the fetch time, and ``extra["date"]`` says which.
        created, extra = _entry_time(entry), dict[str, str]()
        if created is None:
            created, extra["date"] = (feed_time, "feed") if feed_time else (utcnow(), "fetched")
        return Mention(
            source=config.type,
            source_key=config.name,
            external_id=external_id,
            url=link or None,
            author=Author(name=author_name),
            title=title or None,
            text=text,
            lang=language,
            created_at=created,
            extra=extra,
            retention_days=ctx.retention_days,
        )
