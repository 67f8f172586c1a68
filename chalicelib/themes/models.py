"""What themes are made of: feedback units in, themes out."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

ThemeKind = Literal["problem", "request", "question", "praise", "any"]
THEMED_KINDS: tuple[ThemeKind, ...] = ("problem", "request", "question", "praise")
# The classifier's kind names (chalicelib.classify.schema.KINDS) and the issue's, to one vocabulary.
KIND_ALIASES: dict[str, ThemeKind | None] = {
    "problem": "problem",
    "complaint": "problem",
    "bug": "problem",
    "request": "request",
    "feature_request": "request",
    "question": "question",
    "praise": "praise",
    "other": None,  # news and chatter: never themed
}


class FeedbackUnit(BaseModel):
    """One thing someone said: a unit of feedback (or a whole message until units exist)."""

    id: str = Field(min_length=1)
    text: str
    lang: Literal["en", "fr"] | None = None
    kind: ThemeKind | None = "any"
    author: str | None = None
    created_at: datetime | None = None

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, value: object) -> object:
        if value is None:
            return "any"
        if isinstance(value, str) and value in KIND_ALIASES:
            return KIND_ALIASES[value]
        return value

    @field_validator("created_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        # naive times are taken as UTC, so units from different sources compare
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value

    @property
    def author_key(self) -> str:
        """Who said it; a unit with no known author counts as its own author."""
        return self.author or f"unit:{self.id}"


class Theme(BaseModel):
    """Units of one kind that say the same thing, in any language, under a stable id."""

    id: str
    kind: ThemeKind
    label: str
    labels: dict[str, str] = Field(default_factory=dict, description="label per language (en, fr)")
    members: list[str] = Field(default_factory=list, description="unit ids, oldest first")
    authors: int = 0
    size: int = Field(0, description="units that shaped the centroid (may exceed members when trimmed)")
    centroid: list[float] = Field(default_factory=list, description="unit-length mean vector of its units")
    space: str = Field("", description="the vector space of the centroid (encoder and word weights)")
    threshold: float | None = Field(None, description="the cosine to its centroid a unit needs to join it")
    first_seen: datetime | None = None
    last_seen: datetime | None = None

    def label_in(self, lang: str) -> str:
        """The label in ``lang`` when there is one, else the default label."""
        return self.labels.get(lang, self.label)


class Assignment(BaseModel):
    """Which theme took a unit (``theme`` None when none did), and how close it was."""

    id: str
    theme: str | None
    label: str | None
    similarity: float | None = None
