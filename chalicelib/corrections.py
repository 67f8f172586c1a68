"""A person's correction of a mention's labels: the value the store keeps and the classifier adapts to.

Its own module, importing nothing of Veille, so that the store need not import the classifier and the
classifier need not import the domain.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# Labels a correction carries over to similar mentions; urgency and language belong to one mention.
CARRIED = ("complaint", "kind", "sentiment", "spam", "offensive", "lead", "needs_reply")


@dataclass(frozen=True)
class Correction:
    """One mention a person relabelled: its text, the labels they gave it, when, and its vector if known.

    The store keeps these; the classifier's adaptation (chalicelib.classify.adapt) reads them.
    """

    mention_id: str
    text: str
    labels: Mapping[str, Any]
    at: datetime
    vector: str | None = None  # chalicelib.classify.adapt.encode_vector's base64, computed by the stream function
    vector_version: str | None = None
    lang: str | None = None

    def carried(self) -> dict[str, Any]:
        """The corrected labels that act on similar mentions."""
        return {k: self.labels[k] for k in CARRIED if self.labels.get(k) is not None}
