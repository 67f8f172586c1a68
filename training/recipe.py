"""The training recipe, shared by `training.train` and `bench/bench_classify.py` (which retrains per fold).

Features come from `chalicelib.classify.features` (the exact code the runtime uses); each head is a
scikit-learn logistic regression on those hashed features.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from chalicelib.classify.features import feature_indices

N_BITS = 18
SEED = 13

# Heads that take another head's logits as extra inputs (multi-task stacking; folded away at export).
AUX_HEADS = {"complaint": "sent_en"}
AUX_SCALE = 1.0

# name -> config; C found on dev/CV sets (see docs/classifier.md)
HEADS: dict[str, dict[str, Any]] = {
    "sent_en": {"classes": ["negative", "neutral", "positive"], "C": 2.0},
    "sent_fr": {"classes": ["negative", "neutral", "positive"], "C": 8.0},
    "complaint": {"classes": ["complaint"], "C": 8.0},
    "spam": {"classes": ["spam"], "C": 16.0},
    "offensive": {"classes": ["offensive"], "C": 2.0},
    "lead": {"classes": ["lead"], "C": 4.0},
    "needs_reply": {"classes": ["needs_reply"], "C": 4.0},
    "lang_fr": {"classes": ["fr"], "C": 4.0},
}


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Rows of a JSON-lines file."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def top_rated_without_kind(row: dict[str, Any]) -> bool:
    """A product-feedback row with no kind label that is 5-star (or "positive" with no stars): mostly praise."""
    if row.get("kind"):
        return False
    return row.get("stars") == 5 or (row.get("stars") is None and row.get("sentiment") == "positive")


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@cache
def polarity_lexicon() -> dict[str, str]:
    """Word -> polarity class, from VADER's lexicon (vaderSentiment, MIT licence; a training-only dependency).

    The mean valence (-4..4) is cut into four classes; the model learns one weight per class, which
    carries what the lexicon knows about words too rare in the tweets to have weights of their own.
    It ships beside the weights as lexicon.json, so the runtime needs no vaderSentiment.
    """
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    def polarity(valence: float) -> str:
        return "neg2" if valence <= -2 else "neg1" if valence < 0 else "pos1" if valence < 2 else "pos2"

    return {word: polarity(v) for word, v in sorted(SentimentIntensityAnalyzer().lexicon.items()) if v != 0}


def matrix(texts: Iterable[str], n_bits: int = N_BITS) -> sparse.csr_matrix:
    """Hashed feature matrix, each row's features valued 1/sqrt(count), duplicates summed."""
    indptr = [0]
    indices: list[int] = []
    data: list[float] = []
    lexicon = polarity_lexicon()
    for text in texts:
        idx = feature_indices(text, n_bits, lexicon)
        value = 1.0 / math.sqrt(len(idx)) if idx else 0.0
        indices.extend(idx)
        data.extend([value] * len(idx))
        indptr.append(len(indices))
    m = sparse.csr_matrix(
        (np.asarray(data, dtype=np.float32), np.asarray(indices, dtype=np.int32), np.asarray(indptr, dtype=np.int64)),
        shape=(len(indptr) - 1, 1 << n_bits),
    )
    m.sum_duplicates()
    return m


def fit_head(
    x: sparse.csr_matrix, y: Sequence[int], c: float, multiclass: bool, sample_weight: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(coef [n_out, n_features], intercept [n_out]) of a class-balanced logistic regression."""
    model = LogisticRegression(
        C=c, class_weight="balanced", max_iter=2000, random_state=SEED, solver="lbfgs" if multiclass else "liblinear"
    )
    model.fit(x, np.asarray(y), sample_weight=sample_weight)
    return model.coef_.astype(np.float64), model.intercept_.astype(np.float64)


def predict_scores(x: sparse.csr_matrix, coef: np.ndarray, intercept: np.ndarray) -> np.ndarray:
    """Raw linear scores [n, n_out]."""
    return np.asarray(x @ coef.T) + intercept


def best_threshold(probs: np.ndarray, y: np.ndarray) -> float:
    """Probability threshold with the best F1 of the positive class."""
    best, best_t = -1.0, 0.5
    for t in np.linspace(0.2, 0.8, 25):
        pred = probs >= t
        tp = float(np.sum(pred & (y == 1)))
        f1 = 2 * tp / (float(np.sum(pred)) + float(np.sum(y == 1)) or 1.0)
        if f1 > best:
            best, best_t = f1, float(t)
    return best_t


def with_aux(x: sparse.csr_matrix, aux: np.ndarray) -> sparse.csr_matrix:
    """Hashed features plus auxiliary logits (scaled by AUX_SCALE) as extra columns."""
    return sparse.hstack([x, sparse.csr_matrix(aux * AUX_SCALE)], format="csr")


def fold_aux(
    coef: np.ndarray, intercept: np.ndarray, aux_coef: np.ndarray, aux_intercept: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A head fitted on `with_aux` inputs, rewritten as one linear head on the hashed features alone.

    The auxiliary logits are themselves linear in the same features (aux = x @ aux_coef.T + aux_intercept),
    so their weights fold into the hashed weights exactly: the runtime needs no extra column or step.
    """
    n_aux = aux_coef.shape[0]
    v = coef[:, -n_aux:] * AUX_SCALE
    return coef[:, :-n_aux] + v @ aux_coef, intercept + v @ aux_intercept


def complaint_predict(
    x_train: sparse.csr_matrix,
    y_train: np.ndarray,
    x_test: sparse.csr_matrix,
    aux_train: np.ndarray,
    aux_test: np.ndarray,
) -> np.ndarray:
    """0/1 complaint predictions of the complaint head trained on (x_train, y_train): the bench's CV step.

    `aux_*` are the English sentiment head's logits of the same texts (a model trained on other data).
    """
    coef, intercept = fit_head(with_aux(x_train, aux_train), y_train, HEADS["complaint"]["C"], multiclass=False)
    return (predict_scores(with_aux(x_test, aux_test), coef, intercept)[:, 0] >= 0).astype(int)
