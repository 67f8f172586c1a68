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

from chalicelib.classify.encoder import MAX_CHARS as MAX_TEXT_CHARS  # what the encoder reads; more only grows items
from chalicelib.classify.features import normalise, tokenize
from chalicelib.classify.stopwords import STOPWORDS
from chalicelib.corrections import CARRIED as CARRIED  # re-exported: where a correction's labels were read
from chalicelib.corrections import Correction as Correction

if TYPE_CHECKING:
    import numpy as np

MAX_CORRECTIONS = 500
VECTOR_DIM = 512
# Closeness needed for a correction to act: the best net errors fixed after 50 corrections on the
# product-feedback dev split (bench/bench_learning.py --tune; never the test split it reports). Cosine
# 0.65 and 0.70 tied (the higher kept); below 0.60 corrections made more errors than they fixed. Beside
# the n-gram tier's head, Jaccard 0.20 cost errors (sentiment) and 0.60 or more none: 0.60 keeps
# near-repeats following their correction.
COSINE_MIN = 0.70
JACCARD_MIN = 0.60
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


@dataclass
class WatchCorrections:
    """The newest corrections of one watch, ready to compare new mentions against."""

    watch: str
    corrections: list[Correction]
    cosine_min: float = COSINE_MIN
    jaccard_min: float = JACCARD_MIN
    _words: list[frozenset[str]] = field(default_factory=list, repr=False)
    _matrix: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        useful = [c for c in self.corrections if c.carried()]
        self.corrections = sorted(useful, key=lambda c: c.at, reverse=True)[:MAX_CORRECTIONS]
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
    learned: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """``labels`` with the values of the nearest close-enough correction laid over them, and why.

    ``similarities`` are the mention's to each of ``corrections`` (:meth:`WatchCorrections.similarities`);
    a correction acts at ``threshold`` or above. Returns a new labels dict; unchanged (a copy) when no
    correction is close enough or when ``watch`` is not the corrections' watch. A changed label gets a
    ``why`` line, and ``adapted`` maps it to the id of the corrected mention it follows.

    ``learned`` are the values the watch's head (:class:`WatchHead`) gives this mention; a close-enough
    correction outranks them (it is the founder's own word on a near-repeat). A learned value says it
    follows the most similar correction that marked the same value, if any.
    """
    out = dict(labels)
    if watch != corrections.watch or not corrections.corrections:
        return out
    ranked = sorted(
        (i for i, s in enumerate(similarities) if s >= threshold), key=similarities.__getitem__, reverse=True
    )
    taken: dict[str, tuple[Any, Correction | None]] = {}
    for i in ranked:
        for key, value in corrections.corrections[i].carried().items():
            taken.setdefault(key, (value, corrections.corrections[i]))
    for key, value in (learned or {}).items():
        if key not in taken and value != out.get(key):
            taken[key] = (value, _nearest_marking(key, value, similarities, corrections))
    changed = {k: vc for k, vc in taken.items() if vc[0] != out.get(k)}
    if not changed:
        return out
    why = {k: list(v) for k, v in (out.get("why") or {}).items()}
    for key, (value, correction) in changed.items():
        if key == "sentiment":
            why.pop(str(out.get("sentiment")), None)
            out["sentiment_score"] = _score_for(value, float(out.get("sentiment_score") or 0.0))
        out[key] = value
        why[key] = [describe(key, value, correction.at) if correction else learned_why(len(corrections))]
    _keep_consistent(out, changed, why)
    out["why"] = why
    out["adapted"] = {
        **(out.get("adapted") or {}),
        **{k: (c.mention_id if c else "watch") for k, (_, c) in changed.items()},
    }
    return out


def learned_why(n: int) -> str:
    """The ``why`` line of a label the watch's head changed where no correction marked that value."""
    return f"learned from your {n} correction{'s' if n != 1 else ''} of this watch"


def _nearest_marking(
    key: str, value: Any, similarities: Sequence[float], corrections: WatchCorrections
) -> Correction | None:
    """The correction most similar to the mention among those that marked ``key`` as ``value``."""
    best: tuple[float, Correction] | None = None
    for sim, c in zip(similarities, corrections.corrections, strict=False):
        if c.labels.get(key) == value and (best is None or sim > best[0]):
            best = (sim, c)
    return best[1] if best else None


def _keep_consistent(out: dict[str, Any], changed: Mapping[str, Any], why: dict[str, list[str]]) -> None:
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
    head: WatchHead | None = None,
) -> list[dict[str, Any]]:
    """:func:`adapt` over (watch, labels, text) items of one watch; ``vectors`` [n, 512] when the encoder ran.

    ``head`` is the watch's fitted head (:meth:`WatchHead.fit`), if any: it must be this watch's, and
    fitted with vectors exactly when ``vectors`` are given (else it is not used).
    """
    rows = list(items)
    sims = corrections.similarities([text for _, _, text in rows], vectors)
    threshold = corrections.cosine_min if vectors is not None else corrections.jaccard_min
    learned: list[dict[str, Any]] = [{} for _ in rows]
    if head is not None and head.watch == corrections.watch and head.uses_vectors == (vectors is not None):
        mine = [i for i, (watch, _, _) in enumerate(rows) if watch == head.watch]
        if mine:
            picked = vectors[mine] if vectors is not None else None
            for i, values in zip(mine, head.predict([rows[i][1] for i in mine], picked), strict=True):
                learned[i] = values
    return [
        adapt(labels, s, corrections, watch, threshold, learned=lv)
        for (watch, labels, _), s, lv in zip(rows, sims, learned, strict=True)
    ]


# -- the per-watch head: a small residual model fitted on the shipped model's output ------------------------
#
# Per label, a softmax over its values whose logits are the shipped model's answer (``margin`` for the value
# it gave, 0 for the others) plus a per-watch residual: a bias per value and, on the encoder tier, a linear
# function of the mention's 512-dim vector. Fitted by L2-regularised maximum likelihood towards zero (the
# residual starts at nothing, and few corrections move it only a little), in pure numpy (Nesterov gradient
# steps), on the watch's corrections and, where known, the mentions it confirmed (triaged, labels left as
# they were). With no examples for a label, its residual is zero and the shipped answer stands.

HEADED: dict[str, tuple[Any, ...]] = {
    "kind": ("complaint", "feature_request", "question", "praise", "other"),
    "sentiment": ("negative", "neutral", "positive"),
    "spam": (False, True),
    "offensive": (False, True),
    "lead": (False, True),
    "needs_reply": (False, True),
}


@dataclass(frozen=True)
class HeadParams:
    """The head's shape and pull towards the shipped model."""

    margin: float = 2.0  # logit given to the shipped model's answer
    l2: float = 10.0  # pull of the vector weights towards zero
    l2_bias: float = 1.0  # pull of the per-value biases towards zero
    steps: int = 150


# Chosen on the product-feedback dev split (bench/bench_learning.py --tune: the most errors fixed over
# N = 25, 50 and 100 corrections on both watches; never the test split it reports). On the encoder tier
# the best head is nearly inert (weaker pulls made more errors than they fixed: the shipped model's errors
# there are spread, not a per-watch bias); on the n-gram tier a bias per value (no vectors) fixes many.
HEAD_PARAMS = {
    "encoder": HeadParams(margin=2.0, l2=10.0, l2_bias=1.0),
    "ngram": HeadParams(margin=2.0, l2=1.0, l2_bias=0.3),
}
# The tiers on which the stream function uses a head. Not the encoder tier: there, fitted on corrections
# alone (every example a mistake of the shipped model), the head gained nothing over the overrides on the
# dev split and, on the test split, at some N its biases flipped a whole class of the watch's labels.
HEAD_TIERS = ("ngram",)


@dataclass(frozen=True)
class Example:
    """What a head learns from: the shipped model's labels of a text, the founder's, and its vector."""

    base: Mapping[str, Any]
    truth: Mapping[str, Any]
    vector: Any = None
    weight: float = 1.0


def _value_index(values: tuple[Any, ...], value: Any) -> int | None:
    if value is None:
        return None
    try:
        return values.index(value)
    except ValueError:
        return None


def _base_value(key: str, labels: Mapping[str, Any]) -> Any:
    value = labels.get(key)
    if key == "kind" and value is None:
        return "other"  # older labels have no kind
    return bool(value) if HEADED[key] == (False, True) else value


@dataclass
class WatchHead:
    """One watch's fitted residual weights, per label: [n_values, dim + 1] (the last column is the bias)."""

    watch: str
    uses_vectors: bool
    weights: dict[str, Any]
    params: HeadParams = field(default_factory=HeadParams)
    examples: int = 0
    fit_ms: float = 0.0

    @classmethod
    def fit(
        cls, watch: str, examples: Sequence[Example], use_vectors: bool, params: HeadParams | None = None
    ) -> WatchHead:
        """Fit the watch's head on its examples (corrections and confirmations); vectors are used only if
        ``use_vectors`` (then every example needs one)."""
        import time

        import numpy as np

        params = params or HEAD_PARAMS["encoder" if use_vectors else "ngram"]
        started = time.perf_counter()
        weights: dict[str, Any] = {}
        for key, values in HEADED.items():
            rows = []
            for ex in examples:
                y = _value_index(values, ex.truth.get(key))
                b = _value_index(values, _base_value(key, ex.base))
                if y is not None and b is not None:
                    rows.append((ex, b, y))
            # Nothing to learn unless some example disagrees with the shipped model on this label.
            if not any(b != y for _, b, y in rows):
                continue
            x = (
                np.vstack([np.asarray(ex.vector, dtype=np.float32) for ex, _, _ in rows])
                if use_vectors
                else np.zeros((len(rows), 0), np.float32)
            )
            weights[key] = _fit_residual(
                x,
                np.array([b for _, b, _ in rows]),
                np.array([y for _, _, y in rows]),
                np.array([ex.weight for ex, _, _ in rows], dtype=np.float32),
                len(values),
                params,
            )
        ms = (time.perf_counter() - started) * 1000
        return cls(watch, use_vectors, weights, params, len(examples), ms)

    def predict(self, labels: Sequence[Mapping[str, Any]], vectors: Any = None) -> list[dict[str, Any]]:
        """Per mention, the labels whose value the head changes (key -> new value); {} where none."""
        import numpy as np

        out: list[dict[str, Any]] = [{} for _ in labels]
        if not self.weights or not labels:
            return out
        n = len(labels)
        x = np.asarray(vectors, dtype=np.float32) if self.uses_vectors else np.zeros((n, 0), np.float32)
        a = np.hstack([x, np.ones((n, 1), np.float32)])
        for key, w in self.weights.items():
            values = HEADED[key]
            base = [_value_index(values, _base_value(key, lab)) for lab in labels]
            z = a @ w.T
            for i, b in enumerate(base):
                if b is None:
                    continue
                z[i, b] += self.params.margin
                best = int(np.argmax(z[i]))
                if best != b:
                    out[i][key] = values[best]
        return out


def _fit_residual(x: Any, base: Any, y: Any, weight: Any, k: int, params: HeadParams) -> Any:
    """Weights [k, d + 1] minimising weighted softmax cross-entropy of ``margin * onehot(base) + [x, 1] W^T``
    plus ``l2 |W_x|^2 + l2_bias |W_1|^2`` (Nesterov's accelerated gradient, step 1/L)."""
    import numpy as np

    n, d = x.shape
    a = np.hstack([x, np.ones((n, 1), np.float32)]).astype(np.float64)
    offset = np.zeros((n, k))
    offset[np.arange(n), base] = params.margin
    target = np.zeros((n, k))
    target[np.arange(n), y] = 1.0
    reg = np.full(d + 1, params.l2)
    reg[-1] = params.l2_bias
    sw = weight.astype(np.float64)[:, None]
    # Softmax cross-entropy has curvature <= 1/2 in z; |A|_2^2 <= its Frobenius norm squared.
    lipschitz = 0.5 * float((sw * a * a).sum()) + 2 * float(reg.max())
    step = 1.0 / lipschitz
    w = np.zeros((k, d + 1))
    v = w.copy()
    t = 1.0
    for _ in range(params.steps):
        z = offset + a @ v.T
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        grad = ((p - target) * sw).T @ a + 2 * reg * v
        w_next = v - step * grad
        t_next = (1 + (1 + 4 * t * t) ** 0.5) / 2
        v = w_next + ((t - 1) / t_next) * (w_next - w)
        w, t = w_next, t_next
    return w.astype(np.float32)
