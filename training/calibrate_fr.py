"""French complaint thresholds, chosen on the French rows of the product-feedback DEV split only.

    python -m training.calibrate_fr [--feedback .data/feedback] [--write]

The shared complaint thresholds were chosen on a dev split that is mostly English; in French they flag kind
reviews (4-5 stars) far more often than in English. For each tier (n-gram alone, n-gram + encoder) this
sweeps a French-only complaint threshold and keeps the one that flags the fewest French praise rows without
losing French complaint recall (recall at least that of the shared threshold); ties go to the lower threshold.
Praise is what the bench counts: rows labelled praise, else unlabelled 4-5-star reviews. `--write` stores the
choice under `thresholds_fr` in chalicelib/classify/model/calibration.json. The test split is never read.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from chalicelib.classify import ClassifyInput  # noqa: E402
from chalicelib.classify.builtin import MODEL_DIR, BuiltinClassifier, _calibration  # noqa: E402
from chalicelib.classify.units import split_units  # noqa: E402

GRID = [round(0.40 + 0.025 * i, 3) for i in range(21)]  # 0.40 .. 0.90


def is_praise(row: dict[str, Any]) -> bool:
    """The bench's French praise: labelled praise, else an unlabelled 4-5-star review."""
    return row.get("kind") == "praise" or (not row.get("kind") and (row.get("stars") or 0) >= 4)


def sweep(clf: BuiltinClassifier, rows: list[dict[str, Any]], tier: str) -> list[dict[str, float]]:
    """(threshold, praise flagged, complaint recall) for each French threshold in GRID, plus the shared one."""
    items = [ClassifyInput(id=str(i), text=r["text"], lang="fr") for i, r in enumerate(rows)]
    spans = [split_units(item.text) for item in items]
    encoded = clf._encode(items, spans) if tier == "encoder" else None
    if tier == "encoder" and encoded is None:
        raise SystemExit(f"encoder tier unavailable: {clf.encoder_error}")
    table = clf._enc_fr_thresholds if tier == "encoder" else clf._fr_thresholds
    shared = (clf._enc_thresholds if tier == "encoder" else {f: t for f, _, t in clf._flags})["complaint"]
    out = []
    for threshold in [None, *GRID]:
        table.pop("complaint", None)
        if threshold is not None:
            table["complaint"] = threshold
        if encoded is None:
            labels = [clf.classify_one(item, spans=s) for item, s in zip(items, spans, strict=True)]
        else:
            whole, parts = encoded
            labels = [clf.classify_one(item, whole[i], parts[i], spans[i]) for i, item in enumerate(items)]
        praise = [lab.complaint for r, lab in zip(rows, labels, strict=True) if is_praise(r)]
        complaints = [lab.complaint for r, lab in zip(rows, labels, strict=True) if r.get("kind") == "complaint"]
        out.append(
            {
                "threshold": shared if threshold is None else threshold,
                "shared": threshold is None,
                "praise_flagged": round(sum(praise) / len(praise), 4),
                "complaint_recall": round(sum(complaints) / len(complaints), 4),
            }
        )
    table.pop("complaint", None)
    return out


def choose(results: list[dict[str, float]]) -> dict[str, float]:
    """The fewest praise flagged among thresholds that keep the shared threshold's complaint recall."""
    base = next(r for r in results if r["shared"])
    keep = [r for r in results if not r["shared"] and r["complaint_recall"] >= base["complaint_recall"]]
    return min(keep, key=lambda r: (r["praise_flagged"], r["threshold"]), default=base)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feedback", type=Path, default=REPO / ".data" / "feedback")
    parser.add_argument("--write", action="store_true", help="store the choice in calibration.json")
    args = parser.parse_args(argv)
    with (args.feedback / "dev.jsonl").open(encoding="utf-8") as f:
        rows = [r for r in map(json.loads, f) if r["lang"] == "fr"]
    report: dict[str, Any] = {"dev_rows": len(rows)}
    chosen: dict[str, float] = {}
    for tier, clf in (("ngram", BuiltinClassifier(use_encoder=False)), ("encoder", BuiltinClassifier())):
        results = sweep(clf, rows, tier)
        best = choose(results)
        base = next(r for r in results if r["shared"])
        report[tier] = {"shared": base, "chosen": best, "sweep": [r for r in results if not r["shared"]]}
        chosen[tier] = float(best["threshold"])
        print(f"{tier}: shared {base} -> French {best}", flush=True)
    if args.write:
        path = MODEL_DIR / "calibration.json"
        calibration = json.loads(path.read_text(encoding="utf-8"))
        for tier, threshold in chosen.items():
            calibration.setdefault(tier, {})["thresholds_fr"] = {"complaint": threshold}
        calibration["chosen_on_fr"] = (
            "thresholds_fr: French rows of the product-feedback dev split only (training.calibrate_fr): fewest "
            "French praise flagged without losing French complaint recall"
        )
        path.write_text(json.dumps(calibration, indent=1) + "\n", encoding="utf-8")
        _calibration.cache_clear()
        print(f"wrote thresholds_fr to {path}")
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
