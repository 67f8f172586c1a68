"""Helpers every connector shares to turn an API payload into mentions.

Text (HTML to plain text, dates, counts, language codes), the skip-and-count loop over raw items,
and the incremental watermark that a cursor is made of. Pure: no httpx here.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any, TypeVar

from chalicelib.errors import SourceError
from chalicelib.models import Mention

T = TypeVar("T")

# Errors that mean "this one item is malformed": count it and keep the rest of the page.
# pydantic's ValidationError is a ValueError.
ITEM_ERRORS: tuple[type[Exception], ...] = (KeyError, TypeError, ValueError, AttributeError, IndexError)

# Tags that end a line. Every other tag (<b>, <sup>, <sub>, <wbr>, <span>...) is inline: dropped without a
# space, so ``H<sub>2</sub>O`` stays one word.
_BLOCK_TAGS = frozenset(
    {
        "p", "br", "div", "li", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "hr", "table", "tr", "td", "th",
        "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "header", "footer", "figure", "figcaption",
    }
)  # fmt: skip
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def strip_html(value: str | None) -> str:
    """Plain text of an HTML fragment: tags dropped, entities decoded, paragraphs kept as line breaks."""
    if not value:
        return ""
    if "<" not in value:
        # Entity-escaped plain text (Stack Exchange titles, YouTube textDisplay): decode only.
        return _tidy(html.unescape(value))
    parser = _TextExtractor()
    parser.feed(value)
    parser.close()
    return _tidy("".join(parser.parts))


def plain_text(value: str | None, *, entities: bool = False) -> str:
    """Text that is already plain (Markdown, titles, review bodies): spaces tidied, no tag removed.

    ``<module>`` or ``<kanbo-widget>`` in a Reddit post are words the author wrote, not markup.
    ``entities=True`` decodes ``&ndash;``-style entities for APIs that escape plain text.
    """
    if not value:
        return ""
    return _tidy(html.unescape(value) if entities else value)


def _tidy(text: str) -> str:
    lines = (_SPACES.sub(" ", line).strip() for line in text.replace("\xa0", " ").split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def parse_datetime(value: Any) -> datetime:
    """A timezone-aware datetime from an ISO 8601 string (``Z`` or offset) or Unix seconds.

    Raises ValueError or TypeError for anything else, which the item loop counts as a skip.
    """
    if isinstance(value, bool):
        raise TypeError("a boolean is not a time")
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, tz=UTC)
    if not isinstance(value, str) or not value:
        raise TypeError(f"not a time: {value!r}")
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def as_int(value: Any) -> int | None:
    """An int from a count the API gives as int, float or numeric string; None when absent or not a number."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def total(*values: Any) -> int | None:
    """The sum of the counts that are present, None when none is."""
    counts = [n for n in (as_int(v) for v in values) if n is not None]
    return sum(counts) if counts else None


def primary_lang(code: Any) -> str | None:
    """``en`` from ``en-US`` / ``en_GB`` / ``EN``; None when absent or not a language code."""
    if not isinstance(code, str) or not code:
        return None
    primary = code.replace("_", "-").split("-", 1)[0].lower()
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else None


def quoted(term: str) -> str:
    """A search term as a phrase when it has spaces, for APIs with a quoted-phrase syntax."""
    term = term.strip()
    return f'"{term}"' if " " in term and not term.startswith('"') else term


def collect(items: Iterable[T], build: Callable[[T], Mention | None]) -> tuple[list[Mention], int]:
    """Build a mention from each raw item; a malformed item is counted, not fatal.

    ``build`` returns None for items that are not mentions at all (e.g. app metadata in a review feed),
    which are neither kept nor counted.
    """
    mentions: list[Mention] = []
    skipped = 0
    for item in items:
        try:
            mention = build(item)
        except ITEM_ERRORS:
            skipped += 1
            continue
        if mention is not None:
            mentions.append(mention)
    return mentions, skipped


@dataclass(frozen=True)
class Watermark:
    """Where the last run stopped: the newest time returned and the ids seen at exactly that time.

    APIs are asked for items at or after ``at`` (inclusive, so items of the same second are not lost)
    and the ids in ``seen`` are dropped, so a second run returns only what is new.
    """

    at: datetime | None = None
    seen: frozenset[str] = frozenset()

    @classmethod
    def load(cls, data: Any, since: datetime | None = None) -> Watermark:
        """Read a saved cursor (``{"since": ISO, "seen": [...]}``); fall back to ``since`` on first run."""
        if isinstance(data, dict) and data.get("since"):
            try:
                at = parse_datetime(data["since"])
            except (TypeError, ValueError):
                return cls(since)
            seen = data.get("seen") or []
            return cls(at, frozenset(str(s) for s in seen) if isinstance(seen, list) else frozenset())
        return cls(since)

    def is_new(self, at: datetime, external_id: str) -> bool:
        """True for an item newer than the watermark, or of the same instant and not seen yet."""
        if self.at is None or at > self.at:
            return True
        return at == self.at and external_id not in self.seen

    def is_before(self, at: datetime) -> bool:
        """True for an item older than the watermark."""
        return self.at is not None and at < self.at

    def reached(self, at: datetime, external_id: str) -> bool:
        """True once a newest-first listing gets to the last run's items: time to stop paging."""
        return self.is_before(at) or (at == self.at and external_id in self.seen)

    def advance(self, mentions: Iterable[Mention], stamp: Callable[[Mention], datetime] | None = None) -> Watermark:
        """The watermark after storing ``mentions``: their newest time, unchanged when there are none."""
        stamp = stamp or (lambda m: m.created_at)
        at, seen = self.at, set(self.seen)
        for mention in mentions:
            when = stamp(mention)
            if at is None or when > at:
                at, seen = when, {mention.external_id}
            elif when == at:
                seen.add(mention.external_id)
        return Watermark(at, frozenset(seen))

    def dump(self) -> dict[str, Any]:
        """The watermark as a JSON-able cursor; empty when nothing was ever returned."""
        if self.at is None:
            return {}
        return {"since": iso(self.at), "seen": sorted(self.seen)}


def iso(when: datetime) -> str:
    """An ISO 8601 UTC time with a ``Z``, as most APIs accept it."""
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def next_cursor(
    previous: dict[str, Any],
    watermark: Watermark,
    mentions: list[Mention],
    stamp: Callable[[Mention], datetime] | None = None,
) -> dict[str, Any]:
    """The cursor to save once ``mentions`` are stored: the previous one when nothing was returned."""
    return watermark.advance(mentions, stamp).dump() if mentions else dict(previous)


def fill_reach(mentions: list[Mention], lookup: Callable[[str], int | None], max_lookups: int) -> int:
    """Set each author's reach from ``lookup(handle)``, once per distinct handle, at most ``max_lookups``.

    ``lookup`` raises SourceError for an author it cannot read; that author keeps no reach and the
    failures are counted (returned) so the connector can say so in its notes instead of failing the run.
    """
    handles = list(dict.fromkeys(m.author.handle for m in mentions if m.author.handle))[:max_lookups]
    reach: dict[str, int] = {}
    failed = 0
    for handle in handles:
        try:
            value = lookup(handle)
        except SourceError:
            failed += 1
            continue
        if value is not None:
            reach[handle] = value
    for mention in mentions:
        if mention.author.handle in reach:
            mention.author.reach = reach[mention.author.handle]
    return failed
