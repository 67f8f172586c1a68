"""What a classifier takes and returns: pydantic models and the backend protocol."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

from pydantic import BaseModel, Field


class ClassifyInput(BaseModel):
    """One text to label, with what we know about its author's reach."""

    id: str
    text: str
    lang: str | None = None
    followers: int | None = None
    engagement: int | None = None


KINDS = ("complaint", "feature_request", "question", "praise", "other")
Kind = Literal["complaint", "feature_request", "question", "praise", "other"]


class Labels(BaseModel):
    """Everything the classifier says about one text, with the cues behind each raised flag."""

    lang: Literal["en", "fr", "other"]
    sentiment: Literal["negative", "neutral", "positive"]
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
    scores: dict[str, float] = Field(default_factory=dict)
    backend: str
    model_version: str


class Classifier(Protocol):
    """A labelling backend: builtin (local model), comprehend or bedrock."""

    name: str

    def classify(self, items: Sequence[ClassifyInput]) -> list[Labels]:
        """Labels for each item, in the same order."""
        ...
