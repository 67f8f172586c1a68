"""The domain's data: what a mention is, wherever it came from.

Pure pydantic models: no boto3, no httpx. The storage layer turns them into DynamoDB items.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Status = Literal["new", "to_reply", "replied", "ignored", "hidden"]
STATUSES: tuple[str, ...] = ("new", "to_reply", "replied", "ignored", "hidden")
# The source types a mention can come from besides forms ("form:<tool>"): the connectors' registry
# (chalicelib.sources.SOURCE_TYPES) has one entry per name, and the query language's ``source:`` reads them
# from here, so it needs no connector.
SOURCE_NAMES: tuple[str, ...] = (
    "hn",
    "reddit",
    "bluesky",
    "mastodon",
    "stackexchange",
    "github",
    "youtube",
    "appstore",
    "rss",
    "google-alerts",
)


def utcnow() -> datetime:
    """Now, timezone-aware in UTC (one place to read the clock)."""
    return datetime.now(UTC)


# Every mention passes through these caps when it is built, whatever its source: DynamoDB's 400 KB item
# limit is then out of reach (20,000 characters of 4-byte UTF-8 are 80 KB), and no renderer or classifier
# sees a code point it cannot encode.
MAX_TEXT_CHARS = 20_000
MAX_FIELD_CHARS = 2_000
MAX_EXTRA_KEYS = 50
MAX_EXTRA_CHARS = 500
MAX_SPANS = 100
# Lone surrogates cannot be encoded as UTF-8 (valid JSON can still carry them as "\ud800").
_SURROGATES = re.compile("[\ud800-\udfff]")
# C0 controls but tab, newline and carriage return; DEL; C1 controls; the two non-characters U+FFFE/U+FFFF.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
# A date this far ahead of its receipt is a wrong clock or a forged field, not a mention from the future.
CLOCK_SKEW = timedelta(minutes=5)


def clean_text(value: str, limit: int = MAX_FIELD_CHARS) -> tuple[str, bool]:
    """``value`` safe to store and render: lone surrogates become U+FFFD, control characters go, and the
    text is cut at ``limit`` characters; returns the text and whether it was cut."""
    text = _CONTROLS.sub("", _SURROGATES.sub("\ufffd", value))
    if len(text) > limit:
        return text[:limit], True
    return text, False


def _clean(value: str | None, limit: int = MAX_FIELD_CHARS) -> str | None:
    return None if value is None else clean_text(value, limit)[0]


def mention_id(source: str, external_id: str) -> str:
    """A stable id for (source, external id): a re-fetch of the same item is the same mention."""
    digest = hashlib.sha256(f"{source}\x00{external_id}".encode()).hexdigest()
    return f"m{digest[:24]}"


class Author(BaseModel):
    """Who wrote it, and how far their voice carries when the source says so."""

    model_config = ConfigDict(extra="forbid")

    handle: str | None = None
    name: str | None = None
    url: str | None = None
    reach: int | None = Field(default=None, description="followers, karma or subscribers")
    email: str | None = None

    @field_validator("handle", "name", "url", "email")
    @classmethod
    def _sanitised(cls, value: str | None) -> str | None:
        return _clean(value)


class Span(BaseModel):
    """A matched piece of a mention, quoted in alerts and digests."""

    model_config = ConfigDict(frozen=True)

    field: Literal["title", "text"] = "text"
    start: int
    end: int
    term: str


class WatchMatch(BaseModel):
    """One watch a mention matched, with the spans that made it match."""

    watch: str
    spans: list[Span] = Field(default_factory=list)

    @field_validator("spans")
    @classmethod
    def _bounded(cls, spans: list[Span]) -> list[Span]:
        # A long text that repeats the brand must not grow the item past DynamoDB's limit.
        return spans[:MAX_SPANS]


class StatusChange(BaseModel):
    """One triage step: the status a mention was given, and when."""

    status: Status
    at: datetime


class Mention(BaseModel):
    """One public mention or one piece of feedback, normalised across every source."""

    id: str = ""
    source: str = Field(description="hn, reddit, rss, form:typeform, ...")
    source_key: str = Field(default="", description="the configured source this came from")
    external_id: str
    url: str | None = None
    author: Author = Field(default_factory=Author)
    title: str | None = None
    text: str
    lang: str | None = None
    created_at: datetime
    fetched_at: datetime = Field(default_factory=utcnow)
    watch: str = ""
    matches: list[WatchMatch] = Field(default_factory=list)
    engagement: int | None = Field(default=None, description="points, likes, replies, as given")
    status: Status = "new"
    fingerprint: str | None = Field(default=None, description="near-duplicate fingerprint")
    extra: dict[str, str] = Field(default_factory=dict)
    labels: dict[str, Any] | None = Field(default=None, description="the classifier's output")
    corrections: dict[str, Any] | None = Field(default=None, description="labels corrected by a user")
    note: str | None = None
    status_changed_at: datetime | None = None
    history: list[StatusChange] = Field(default_factory=list, description="each status change, oldest first")
    retention_days: int = 90
    expires_at: int = 0
    truncated: bool = Field(default=False, description="the text was cut at MAX_TEXT_CHARS characters")

    @field_validator("source", "source_key", "external_id", "url", "title", "note", "watch")
    @classmethod
    def _sanitised(cls, value: str | None) -> str | None:
        return _clean(value)

    @field_validator("extra")
    @classmethod
    def _sanitised_extra(cls, extra: dict[str, str]) -> dict[str, str]:
        items = list(extra.items())[:MAX_EXTRA_KEYS]
        return {clean_text(k, 100)[0]: clean_text(v, MAX_EXTRA_CHARS)[0] for k, v in items}

    @model_validator(mode="after")
    def _derive(self) -> Mention:
        # The one text sanitiser every mention goes through (each source, each webhook, each read back).
        self.text, cut = clean_text(self.text, MAX_TEXT_CHARS)
        self.truncated = self.truncated or cut
        if not self.id:
            self.id = mention_id(self.source, self.external_id)
        if self.created_at.tzinfo is None:
            self.created_at = self.created_at.replace(tzinfo=UTC)
        if not self.expires_at:
            self.expires_at = int((self.fetched_at + timedelta(days=self.retention_days)).timestamp())
        if not self.watch and self.matches:
            self.watch = self.matches[0].watch
        return self

    def settle_created_at(self, received_at: datetime) -> None:
        """Trust ``created_at`` only within reason: one in the future (beyond a few minutes of clock skew) or
        older than the retention becomes ``received_at``, the original kept in ``extra["created_at_given"]``.

        Called where mentions enter (the fetch pipeline, webhook intake), so that a mention dated 2099 or
        1995 still shows in today's inbox and digest instead of a day no one reads.
        """
        if received_at.tzinfo is None:
            received_at = received_at.replace(tzinfo=UTC)
        oldest = received_at - timedelta(days=self.retention_days)
        if oldest <= self.created_at <= received_at + CLOCK_SKEW:
            return
        self.extra["created_at_given"] = self.created_at.isoformat()
        self.created_at = received_at

    @property
    def day(self) -> str:
        """The UTC day the mention was created, as the watch-by-day index keys it."""
        return self.created_at.astimezone(UTC).strftime("%Y-%m-%d")

    @property
    def spans(self) -> list[Span]:
        """The spans of the primary watch."""
        for match in self.matches:
            if match.watch == self.watch:
                return match.spans
        return []

    def quote(self, width: int = 160) -> str:
        """A short excerpt centred on the first matched span."""
        text = self.text
        spans = [s for s in self.spans if s.field == "text"]
        if len(text) <= width or not spans:
            return text[:width] + ("…" if len(text) > width else "")
        start = max(0, spans[0].start - width // 3)
        end = min(len(text), start + width)
        return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")

    def effective_labels(self, labels: dict[str, Any] | None = None) -> dict[str, Any]:
        """The classifier's labels (or ``labels``, fresh from it) with the user's corrections laid over them."""
        return {**(labels if labels is not None else self.labels or {}), **(self.corrections or {})}

    def is_hidden(self) -> bool:
        """Left out of the digest and the charts (counted only): spam unless a lead, offensive unless a
        complaint or a question (a rude customer still waits for an answer), or hidden by a user."""
        if self.status == "hidden":
            return True
        labels = self.effective_labels()
        if labels.get("spam") and not labels.get("lead"):
            return True
        return bool(labels.get("offensive")) and not (labels.get("complaint") or labels.get("needs_reply"))


class SourceRun(BaseModel):
    """What one run of one source did: the raw material of source health."""

    watch: str
    source_key: str
    source: str
    started_at: datetime
    duration_ms: int = 0
    fetched: int = 0
    new: int = 0
    skipped: int = 0
    error: str | None = None


class SourceHealth(BaseModel):
    """The running state of one source of one watch, shown in /health and the digest."""

    watch: str
    source_key: str
    source: str
    last_run: datetime | None = None
    last_success: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    fetched: int = 0
    new: int = 0
    errors: int = 0
    duration_ms: int = 0
    runs: int = 0
    empty_streak: int = 0
    ever_returned: bool = False
    silent: bool = False

    def apply(self, run: SourceRun, silent_after: int = 3) -> bool:
        """Fold a run into this health record; return True when the source has just gone silent."""
        was_silent = self.silent
        self.runs += 1
        self.last_run = run.started_at
        self.fetched = run.fetched
        self.new = run.new
        self.duration_ms = run.duration_ms
        if run.error:
            self.errors += 1
            self.last_error = run.error
            self.last_error_at = run.started_at
            self.empty_streak += 1
        else:
            self.last_success = run.started_at
            self.last_error = None
            if run.fetched:
                self.ever_returned = True
                self.empty_streak = 0
            else:
                self.empty_streak += 1
        failing = run.error is not None
        quiet = self.ever_returned and self.empty_streak >= silent_after
        self.silent = failing or quiet
        return self.silent and not was_silent


def to_jsonable(model: BaseModel) -> dict[str, Any]:
    """A model as plain JSON types (datetimes as ISO strings)."""
    return model.model_dump(mode="json")
