"""What a classifier takes and returns: pydantic models and the backend protocol."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field, model_serializer, model_validator


class ClassifyInput(BaseModel):
    """One text to label, with what we know about its author's reach."""

    id: str
    text: str
    lang: str | None = None
    followers: int | None = None
    engagement: int | None = None


KINDS = ("complaint", "feature_request", "question", "praise", "other")
Kind = Literal["complaint", "feature_request", "question", "praise", "other"]
Sentiment = Literal["negative", "neutral", "positive"]


class Unit(BaseModel):
    """One feedback unit: ``text[start:end]`` of the text its offsets refer to, and its labels.

    Stored compactly as ``[start, end, kind, sentiment]``, or ``[start, end, kind, sentiment, theme]`` once a
    theme took it (what ``model_dump`` gives, so the stream stores that); reads either that or the keyed form
    ``{"start", "end", "kind", "sentiment", "theme"}``, which ``as_json`` gives.
    """

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    kind: Kind
    sentiment: Sentiment
    theme: str | None = None  # the id of the theme the unit belongs to (chalicelib.themes), if any

    @model_validator(mode="before")
    @classmethod
    def _from_compact(cls, value: Any) -> Any:
        if isinstance(value, list | tuple) and len(value) in (4, 5):
            return dict(zip(("start", "end", "kind", "sentiment", "theme"), value, strict=False))
        return value

    @model_serializer
    def _compact(self) -> list[int | str]:
        compact: list[int | str] = [self.start, self.end, self.kind, self.sentiment]
        return [*compact, self.theme] if self.theme else compact

    def as_json(self) -> dict[str, Any]:
        """The keyed form, for people: ``{"start": 0, "end": 12, "kind": "praise", "sentiment": "positive"}``
        (with ``"theme"`` once a theme took it)."""
        keyed: dict[str, Any] = {"start": self.start, "end": self.end, "kind": self.kind, "sentiment": self.sentiment}
        if self.theme:
            keyed["theme"] = self.theme
        return keyed


class Labels(BaseModel):
    """Everything the classifier says about one text, with the cues behind each raised flag."""

    lang: Literal["en", "fr", "other"]
    sentiment: Sentiment
    sentiment_score: float = Field(ge=-1.0, le=1.0)
    complaint: bool
    # What the feedback is: a bug or complaint (``complaint`` is true for these only), a feature request,
    # a question, praise, or anything else (news, chatter). Older stored labels have none: read "other".
    kind: Kind = "other"
    spam: bool
    offensive: bool
    lead: bool
    needs_reply: bool
    urgency: int = Field(ge=0, le=100)
    why: dict[str, list[str]] = Field(default_factory=dict)
    # The message part by part (chalicelib.classify.units): offsets into the classified text (`ClassifyInput.text`;
    # `units.align` maps them onto the text it was built from), stored as [start, end, kind, sentiment].
    # A one-part message has one unit; older stored labels and other backends have none.
    units: list[Unit] = Field(default_factory=list)
    scores: dict[str, float] = Field(default_factory=dict)
    backend: str
    model_version: str


class Classifier(Protocol):
    """A labelling backend: builtin (local model), comprehend or bedrock."""

    name: str

    def classify(self, items: Sequence[ClassifyInput]) -> list[Labels]:
        """Labels for each item, in the same order."""
        ...
