"""What the report is built from: per-day aggregates and the watch's themes, never a period's mentions.

The data layer hands :func:`chalicelib.report.build.build_report` one :class:`DayCounts` per day of the
period and of the period before (a missing day counts as zero) and the watch's :class:`ThemeInfo`.
Every model also accepts what DynamoDB gives back (``Decimal`` whole numbers, ISO date strings), so a
stored item can be passed as a dict: ``build_report`` validates dicts itself.

Counting conventions the producer must follow:

- a mention counts on the day (in the watch's timezone) it was published, under its source;
- ``replied`` and ``reply_hours`` count the mentions *of that day* that have been replied to, so a
  reply on Tuesday to Monday's mention is counted on Monday's row, and ``sum(reply_hours) == replied``;
- a theme's ``units`` are the feedback units assigned to it that day, ``authors`` the distinct
  authors among them that day (the report adds days up, so a period's authors is an upper bound:
  exact when nobody speaks on the theme on two days of the period);
- ``competitors`` counts each competitor watch's mentions that day, for share of voice.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, field_validator

ThemeKind = Literal["problem", "request", "question", "praise"]
THEME_KINDS: tuple[ThemeKind, ...] = ("problem", "request", "question", "praise")
PeriodKind = Literal["week", "month"]
Language = Literal["en", "fr"]

REPLY_BUCKETS: tuple[str, ...] = ("1", "2", "4", "8", "12", "24", "48", "72", "168", "inf")
"""First-reply time histogram buckets: each is the upper bound in hours (``"4"``: more than 2 h, at most 4 h)."""


class _Counts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceDay(_Counts):
    """One source's counts for one day."""

    mentions: NonNegativeInt = 0
    positive: NonNegativeInt = 0
    neutral: NonNegativeInt = 0
    negative: NonNegativeInt = 0
    complaints: NonNegativeInt = 0
    leads: NonNegativeInt = 0
    replied: NonNegativeInt = Field(0, description="mentions of that day replied to")
    reply_hours: dict[str, NonNegativeInt] = Field(
        default_factory=dict, description="first-reply time histogram: bucket (REPLY_BUCKETS) -> replies"
    )

    @field_validator("reply_hours")
    @classmethod
    def _buckets(cls, value: dict[str, int]) -> dict[str, int]:
        unknown = sorted(set(value) - set(REPLY_BUCKETS))
        if unknown:
            raise ValueError(f"unknown reply_hours buckets {unknown}; use {list(REPLY_BUCKETS)}")
        return value


class ThemeDay(_Counts):
    """One theme's counts for one day."""

    units: NonNegativeInt = 0
    authors: NonNegativeInt = Field(0, description="distinct authors among that day's units")
    negative: NonNegativeInt = 0
    one_star: NonNegativeInt = Field(0, description="units from one-star reviews (0 when unknown)")


class DayCounts(_Counts):
    """Everything the report needs to know about one day of one watch."""

    day: date
    by_source: dict[str, SourceDay] = Field(default_factory=dict)
    themes: dict[str, ThemeDay] = Field(default_factory=dict, description="theme id -> its counts that day")
    competitors: dict[str, NonNegativeInt] = Field(
        default_factory=dict, description="competitor watch name -> its mentions that day (share of voice)"
    )


class Example(BaseModel):
    """A mention that shows what a theme is about (its quote is untrusted text, escaped when rendered)."""

    id: str
    quote: str
    url: str | None = None


class ThemeInfo(BaseModel):
    """A theme as the founder sees it. ``label`` is in the watch's language and may start with its kind
    ("Request: export to CSV", "Demande : export CSV"); proposals drop that prefix."""

    id: str = Field(min_length=1)
    kind: ThemeKind
    label: str
    examples: list[Example] = Field(default_factory=list)
    first_seen: date | None = None
    last_seen: date | None = None
    hidden: bool = False
