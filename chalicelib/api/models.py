"""What the REST API accepts: its query and body models and their bounds.

Read by the views (chalicelib.api.rest), which validate each request with them, and by the OpenAPI
document (chalicelib.api.openapi), which describes them.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    field_validator,
)
from pydantic_core import PydanticCustomError

from chalicelib.classify.schema import Kind
from chalicelib.models import Status, utcnow

MAX_WINDOW_DAYS = 92  # the longest window a request may read (GET /stats?days=)
MAX_LIMIT = 200  # the most mentions one page may hold
# The values of GET /mentions?label=.
LABEL_FILTERS = (
    "needs_you",
    "complaint",
    "lead",
    "needs_reply",
    "spam",
    "offensive",
    "negative",
    "positive",
    "neutral",
)
LabelFilter = Literal[
    "needs_you", "complaint", "lead", "needs_reply", "spam", "offensive", "negative", "positive", "neutral"
]
Sentiment = Literal["positive", "neutral", "negative"]
StatusFilter = Literal["new", "to_reply", "replied", "ignored", "hidden", "open"]
Order = Literal["newest", "priority"]


# Every day a request names (path or query) lies in these bounds: nothing older was ever stored, and a watch's
# local day runs up to 14 hours ahead of UTC, so "tomorrow" in UTC is the last day that can already exist.
EARLIEST_DAY = date(2000, 1, 1)


def latest_day() -> date:
    """The last day a request may name: tomorrow, in UTC."""
    return utcnow().date() + timedelta(days=1)


def _day_in_bounds(value: Any, handler: ValidatorFunctionWrapHandler) -> date:
    """A ``YYYY-MM-DD`` day from EARLIEST_DAY to tomorrow; anything else says what is allowed."""
    try:
        day: date | None = handler(value)
    except ValidationError:
        day = None
    latest = latest_day()
    if day is None or not EARLIEST_DAY <= day <= latest:
        raise PydanticCustomError(
            "day_out_of_bounds",
            "must be a day YYYY-MM-DD from {earliest} to {latest} (tomorrow, UTC); got {given}",
            {"earliest": EARLIEST_DAY.isoformat(), "latest": latest.isoformat(), "given": repr(str(value)[:40])},
        )
    return day


Day = Annotated[date, WrapValidator(_day_in_bounds)]


class MentionQuery(BaseModel):
    """``GET /mentions`` query parameters."""

    model_config = ConfigDict(extra="forbid")

    watch: str | None = Field(default=None, max_length=40)
    status: StatusFilter | None = None
    label: LabelFilter | None = None
    kind: Kind | None = None
    order: Order = "newest"
    source: str | None = Field(default=None, max_length=100)
    since: Day | None = None
    until: Day | None = None
    text: str | None = Field(default=None, max_length=200)
    limit: int = Field(default=50, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(default=None, max_length=1000)


class StatsQuery(BaseModel):
    """``GET /stats`` query parameters."""

    model_config = ConfigDict(extra="forbid")

    watch: str | None = Field(default=None, max_length=40)
    days: int = Field(default=14, ge=1, le=MAX_WINDOW_DAYS)
    until: Day | None = None


class DigestQuery(BaseModel):
    """``GET /digest/{date}`` path and query parameters."""

    model_config = ConfigDict(extra="forbid")

    day: Day = Field(alias="date")  # the path's {date}: an error names it as the user wrote it
    watch: str | None = Field(default=None, max_length=40)


class LabelCorrections(BaseModel):
    """What a user may correct in a mention's labels; unknown keys are refused."""

    model_config = ConfigDict(extra="forbid")

    sentiment: Sentiment | None = None
    kind: Kind | None = None
    complaint: bool | None = None
    lead: bool | None = None
    needs_reply: bool | None = None
    spam: bool | None = None
    offensive: bool | None = None
    urgency: int | None = Field(default=None, ge=0, le=100)
    lang: str | None = Field(default=None, pattern=r"^[a-z]{2}$")


class MentionPatch(BaseModel):
    """``PATCH /mentions/{id}`` body: at least one of status, labels (corrections) and note."""

    model_config = ConfigDict(extra="forbid")

    status: Status | None = None
    labels: LabelCorrections | None = None
    note: str | None = Field(default=None, max_length=2000)


# -- themes and the report (chalicelib.api.insights) --------------------------------------------------------
PERIODS = ("week", "month")
LANGUAGES = ("en", "fr")
Period = Literal["week", "month"]
Language = Literal["en", "fr"]
MAX_THEME_LABEL = 120
# A theme id as the job makes them (``th-`` and 12 hex digits), or any short slug a test or an import gave.
THEME_ID_PATTERN = r"^[A-Za-z0-9_\-]{1,64}$"


class ReportQuery(BaseModel):
    """``GET /report/{period}/{date}`` path and query parameters."""

    model_config = ConfigDict(extra="forbid")

    period: Period
    day: Day = Field(alias="date")  # the path's {date}: an error names it as the user wrote it
    watch: str | None = Field(default=None, max_length=40)
    lang: Language | None = None


class ThemesQuery(BaseModel):
    """``GET /themes`` and ``PATCH /themes/{id}`` query parameters."""

    model_config = ConfigDict(extra="forbid")

    watch: str | None = Field(default=None, max_length=40)


class ThemePatch(BaseModel):
    """``PATCH /themes/{id}`` body: rename (``label``, null restores the generated one), hide or show
    (``hidden``), or merge into another theme of the same kind (``merge_into``, sent alone)."""

    model_config = ConfigDict(extra="forbid")

    label: str | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_THEME_LABEL,
        description="a label of your own, kept across discovery runs; null restores the generated one",
    )
    hidden: StrictBool | None = Field(default=None, description="true leaves the theme out of the report")
    merge_into: str | None = Field(
        default=None,
        pattern=THEME_ID_PATTERN,
        description="the id of a theme of the same kind that takes this one's examples and counts",
    )

    @field_validator("label")
    @classmethod
    def _one_line(cls, value: str | None) -> str | None:
        """A label is one line of visible text (it heads an email, a Slack block and a page)."""
        if value is None:
            return None
        text = " ".join(value.split())
        if not text:
            raise ValueError("must not be blank; send null to restore the generated label")
        if any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in text):
            raise ValueError("must not hold control characters")
        return text
