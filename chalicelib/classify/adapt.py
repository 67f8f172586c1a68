"""Per-watch adaptation: a founder's corrections change the next labels of their watch, without retraining.

A correction is the text of a mention a person relabelled, the labels they gave it, when, and (once the
stream function's encoder has seen it) its sentence vector. A new mention of the SAME watch that is close
enough to a corrected one takes the corrected value of each label the correction sets, and its ``why``
says so ("like the mention you marked not a complaint on 3 Dec"). Closeness is the cosine of the
encoder's vectors when the mention was classified with the encoder, else the Jaccard overlap of content
words (the n-gram tier alone). The nearest correction above the threshold wins each label.

Bounds: the newest :data:`MAX_CORRECTIONS` corrections of a watch act (older ones are ignored and pruned
by the stream); comparing a mention costs one 512 x n matrix product (encoder) or n set intersections.
Isolation: a :class:`WatchCorrections` holds one watch's corrections and :func:`adapt` refuses a mention
of another watch. Undo: the corrections are read again whenever the watch's set changes, so a removed
correction stops acting on the next batch.

Pure: no boto3; numpy is imported only when vectors are compared (the stream function has it).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.classify.features import normalise, tokenize
from chalicelib.classify.stopwords import STOPWORDS

if TYPE_CHECKING:
    import numpy as np

MAX_CORRECTIONS = 500
MAX_TEXT_CHARS = 2_000  # what the encoder reads; more would only grow the stored item
VECTOR_DIM = 512
# Closeness needed for a correction to act: the best net errors fixed after 50 corrections on the
# product-feedback dev split (bench/bench_learning.py --tune; never the test split it reports). Cosine
# 0.65 and 0.70 tied (the higher kept); below 0.60 corrections made more errors than they fixed.
COSINE_MIN = 0.70
JACCARD_MIN = 0.20
# Labels a correction carries over to similar mentions; urgency and language belong to one mention.
CARRIED = ("complaint", "kind", "sentiment", "spam", "offensive", "lead", "needs_reply")
_FLAG_WORDS = {
    "complaint": ("a complaint", "not a complaint"),
    "spam": ("spam", "not spam"),
    "offensive": ("offensive", "not offensive"),
    "lead": ("a lead", "not a lead"),
    "needs_reply": ("needing a reply", "not needing a reply"),
}
_KIND_WORDS = {
    "complaint": "a complaint",
    "feature_request": "a feature request",
    "question": "a question",
    "praise": "praise",
    "other": "other",
}


def encode_vector(vector: Any) -> str:
    """A 512-dim vector as base64 of little-endian float16 (1,368 characters)."""
    import numpy as np

    return base64.b64encode(np.asarray(vector, dtype="<f2").tobytes()).decode("ascii")


def decode_vector(text: str) -> np.ndarray:
    """The float32 vector of :func:`encode_vector`'s text."""
    import numpy as np

    return np.frombuffer(base64.b64decode(text), dtype="<f2").astype(np.float32)


def content_words(text: str) -> frozenset[str]:
    """The words of a text that say something (no function words, no one-letter tokens), for Jaccard."""
    return frozenset(t for t in tokenize(normalise(text[:MAX_TEXT_CHARS])) if len(t) > 1 and t not in STOPWORDS)


@dataclass(frozen=True)
class Correction:
    """One mention a person relabelled: its text, the labels they gave it, when, and its vector if known."""

    mention_id: str
    text: str
    labels: Mapping[str, Any]
    at: datetime
    vector: str | None = None  # encode_vector's base64, computed by the stream function
    vector_version: str | None = None
    lang: str | None = None

    def carried(self) -> dict[str, Any]:
        """The corrected labels that act on similar mentions."""
        return {k: self.labels[k] for k in CARRIED if self.labels.get(k) is not None}


@dataclass
class WatchCorrections:
    """The newest corrections of one watch, ready to compare new mentions against."""

    watch: str
    corrections: list[Correction]
    limit: int = MAX_CORRECTIONS
    cosine_min: float = COSINE_MIN
    jaccard_min: float = JACCARD_MIN
    _words: list[frozenset[str]] = field(default_factory=list, repr=False)
    _matrix: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        useful = [c for c in self.corrections if c.carried()]
        self.corrections = sorted(useful, key=lambda c: c.at, reverse=True)[: self.limit]
        self._words = [content_words(c.text) for c in self.corrections]

    def __len__(self) -> int:
        return len(self.corrections)

    def missing_vectors(self, version: str) -> list[Correction]:
        """Corrections with no vector from this encoder version (to compute once, then store)."""
        return [c for c in self.corrections if not c.vector or c.vector_version != version]

    def set_vectors(self, vectors: Mapping[str, str], version: str) -> None:
        """Give corrections their vectors (mention id -> encode_vector text)."""
        self.corrections = [
            replace(c, vector=vectors[c.mention_id], vector_version=version) if c.mention_id in vectors else c
            for c in self.corrections
        ]
        self._matrix = None

    def _vector_matrix(self) -> np.ndarray:
        """[n, 512] float32 rows of the corrections' vectors (zeros where one is missing: never close)."""
        import numpy as np

        if self._matrix is None:
            rows = [decode_vector(c.vector) if c.vector else np.zeros(VECTOR_DIM, np.float32) for c in self.corrections]
            self._matrix = np.vstack(rows) if rows else np.zeros((0, VECTOR_DIM), np.float32)
        return self._matrix

    def similarities(self, texts: Sequence[str], vectors: Any = None) -> list[list[float]]:
        """Per text, its similarity to each correction: cosine of vectors when given, else word Jaccard."""
        if not self.corrections:
            return [[] for _ in texts]
        if vectors is not None:
            import numpy as np

            sims = np.asarray(vectors, dtype=np.float32) @ self._vector_matrix().T
            return [row.tolist() for row in sims]
        out = []
        for text in texts:
            words = content_words(text)
            out.append([_jaccard(words, other) for other in self._words])
        return out


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)


def describe(key: str, value: Any, at: datetime) -> str:
    """The ``why`` line of a label taken from a correction: "like the mention you marked not a complaint on 3 Dec"."""
    if key == "kind":
        what = _KIND_WORDS.get(str(value), str(value))
    elif key == "sentiment":
        what = str(value)
    else:
        what = _FLAG_WORDS.get(key, (key, f"not {key}"))[0 if value else 1]
    return f"like the mention you marked {what} on {at.day} {at:%b}"


def adapt(
    labels: Mapping[str, Any],
    similarities: Sequence[float],
    corrections: WatchCorrections,
    watch: str,
    threshold: float,
) -> dict[str, Any]:
    """``labels`` with the values of the nearest close-enough correction laid over them, and why.

    ``similarities`` are the mention's to each of ``corrections`` (:meth:`WatchCorrections.similarities`);
    a correction acts at ``threshold`` or above. Returns a new labels dict; unchanged (a copy) when no
    correction is close enough or when ``watch`` is not the corrections' watch. A changed label gets a
    ``why`` line, and ``adapted`` maps it to the id of the corrected mention it follows.
    """
    out = dict(labels)
    if watch != corrections.watch or not corrections.corrections:
        return out
    ranked = sorted(
        (i for i, s in enumerate(similarities) if s >= threshold), key=similarities.__getitem__, reverse=True
    )
    taken: dict[str, Correction] = {}
    for i in ranked:
        for key in corrections.corrections[i].carried():
            taken.setdefault(key, corrections.corrections[i])
    changed = {k: c for k, c in taken.items() if c.labels[k] != out.get(k)}
    if not changed:
        return out
    why = {k: list(v) for k, v in (out.get("why") or {}).items()}
    for key, correction in changed.items():
        value = correction.labels[key]
        if key == "sentiment":
            why.pop(str(out.get("sentiment")), None)
            out["sentiment_score"] = _score_for(value, float(out.get("sentiment_score") or 0.0))
        out[key] = value
        why[key] = [describe(key, value, correction.at)]
    _keep_consistent(out, changed, why)
    out["why"] = why
    out["adapted"] = {**(out.get("adapted") or {}), **{k: c.mention_id for k, c in changed.items()}}
    return out


def _keep_consistent(out: dict[str, Any], changed: Mapping[str, Correction], why: dict[str, list[str]]) -> None:
    """Kind and complaint tell the same story (as a correction through the API keeps them)."""
    if "complaint" in changed and "kind" not in changed:
        if out["complaint"]:
            out["kind"] = "complaint"
        elif out.get("kind") == "complaint":
            out["kind"] = "other"
    elif "kind" in changed and "complaint" not in changed:
        was = bool(out.get("complaint"))
        out["complaint"] = out["kind"] == "complaint"
        if was != out["complaint"]:
            why["complaint"] = why["kind"]


def _score_for(sentiment: Any, score: float) -> float:
    """A sentiment score whose sign agrees with a corrected sentiment."""
    if sentiment == "neutral":
        return 0.0
    magnitude = max(abs(score), 0.3)
    return magnitude if sentiment == "positive" else -magnitude


def adapt_batch(
    items: Iterable[tuple[str, Mapping[str, Any], str]],
    corrections: WatchCorrections,
    vectors: Any = None,
) -> list[dict[str, Any]]:
    """:func:`adapt` over (watch, labels, text) items of one watch; ``vectors`` [n, 512] when the encoder ran."""
    rows = list(items)
    sims = corrections.similarities([text for _, _, text in rows], vectors)
    threshold = corrections.cosine_min if vectors is not None else corrections.jaccard_min
    return [adapt(labels, s, corrections, watch, threshold) for (watch, labels, _), s in zip(rows, sims, strict=True)]
