"""The learning bench's ceiling: a learner fitted on the true labels of the mentions seen, tried on the rest."""

from __future__ import annotations

from typing import Any

import numpy as np

from bench.bench_learning import ceiling_labels

KINDS = ("complaint", "feature_request", "question")


def _stream(n: int, seed: int = 0) -> tuple[np.ndarray, list[dict[str, Any]]]:
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(n, 8))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    # The shipped model says "other" (not a complaint) for everything: wrong on every row.
    labels = [{"kind": "other", "complaint": False, "sentiment": "neutral"} for _ in range(n)]
    return vectors, labels


def _errors(labels: list[dict[str, Any]], truths: list[dict[str, Any]], rows: list[int]) -> int:
    return sum(labels[k][key] != truths[i][key] for k, i in enumerate(rows) for key in ("kind", "complaint"))


def test_ceiling_learns_a_truth_that_is_a_function_of_the_vector() -> None:
    vectors, labels = _stream(400)
    # The truth: the kind whose direction (the first three axes) the vector leans to most.
    truths = [
        {"kind": KINDS[int(np.argmax(v[:3]))], "complaint": KINDS[int(np.argmax(v[:3]))] == "complaint"}
        for v in vectors
    ]
    seen, rest = list(range(200)), list(range(200, 400))
    out = ceiling_labels(vectors, labels, truths, seen, rest, {"kind": 10.0, "complaint": 10.0})
    shipped_errors = _errors([labels[i] for i in rest], truths, rest)
    ceiling_errors = _errors(out, truths, rest)
    assert ceiling_errors < shipped_errors / 2
    assert all(lab["sentiment"] == "neutral" for lab in out)  # labels it does not learn are the shipped ones


def test_ceiling_keeps_the_shipped_labels_when_the_seen_truths_have_one_value() -> None:
    vectors, labels = _stream(60, seed=1)
    truths: list[dict[str, Any]] = [{"kind": "question", "complaint": False} for _ in range(60)]
    truths[50] = {"kind": "complaint", "complaint": True}  # a second value, but in the rest only
    seen, rest = list(range(40)), list(range(40, 60))
    out = ceiling_labels(vectors, labels, truths, seen, rest)
    assert out == [labels[i] for i in rest]
    assert ceiling_labels(vectors, labels, truths, [], rest) == [labels[i] for i in rest]
