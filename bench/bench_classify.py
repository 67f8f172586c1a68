"""Quality and speed of the builtin classifier, beside VADER, in one run.

    python bench/bench_classify.py [--data ../shared/datasets]

Quality: complaint (10-fold CV on complaint_en, the complaint head retrained per fold with the training
recipe), English sentiment macro-recall (sentiment_en_dev), French sentiment macro-F1 (sentiment_fr_dev),
offensive macro-F1 (offensive_en_dev), spam F1 (the held-out 20% split of training), lead / needs_reply
F1 on the held-out templates of training/data/lead_reply.jsonl. Speed: texts/s on one core, batches of
100, cold token cache (a fresh model) and warm. Writes bench/results/classify.json and the classify
section of bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
from sklearn.metrics import f1_score, recall_score  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402

from chalicelib.classify import ClassifyInput  # noqa: E402
from chalicelib.classify.builtin import BuiltinClassifier, LinearModel  # noqa: E402
from training import recipe  # noqa: E402
from training.train import LEAD_REPLY, load_all, spam_split  # noqa: E402

START, END = "<!-- classify:start -->", "<!-- classify:end -->"
SENT = ["negative", "neutral", "positive"]
TARGETS = {
    "complaint_macro_f1_cv10": 0.88,
    "sentiment_en_macro_recall": 0.72,
    "sentiment_fr_macro_f1": 0.70,
    "offensive_macro_f1": 0.80,
    "texts_per_s": 5000,
}


def pin_one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})


def complaint_cv(rows: list[dict], model: LinearModel) -> float:
    """Macro-F1 of 10-fold CV, retraining the complaint head per fold with the recipe.

    The recipe stacks the English sentiment head's logits under the complaint head; they come from the
    shipped model, whose sentiment head never saw the complaint data.
    """
    texts = [r["text"] for r in rows]
    y = np.asarray([int(r["label"] == "complaint") for r in rows])
    x = recipe.matrix(texts)
    head = model.heads[recipe.AUX_HEADS["complaint"]]
    cols = slice(head["col"], head["col"] + len(head["classes"]))
    aux = np.asarray([model.logits(t)[0][cols] for t in texts])
    pred = np.zeros_like(y)
    folds = StratifiedKFold(n_splits=10, shuffle=True, random_state=recipe.SEED)
    for train_idx, test_idx in folds.split(texts, y):
        pred[test_idx] = recipe.complaint_predict(
            x[train_idx], y[train_idx], x[test_idx], aux[train_idx], aux[test_idx]
        )
    return float(f1_score(y, pred, average="macro"))


def run_builtin(clf: BuiltinClassifier, texts: list[str], lang: str | None) -> list:
    items = [ClassifyInput(id=str(i), text=t, lang=lang) for i, t in enumerate(texts)]
    out = []
    for start in range(0, len(items), 100):
        out.extend(clf.classify(items[start : start + 100]))
    return out


def vader_labels(analyzer, texts: list[str]) -> list[str]:
    out = []
    for t in texts:
        c = analyzer.polarity_scores(t)["compound"]
        out.append("positive" if c >= 0.05 else "negative" if c <= -0.05 else "neutral")
    return out


def throughput(fn, texts: list[str], repeat: int = 1) -> float:
    t0 = time.perf_counter()
    for _ in range(repeat):
        for start in range(0, len(texts), 100):
            fn(texts[start : start + 100])
    return repeat * len(texts) / (time.perf_counter() - t0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/datasets"))
    args = parser.parse_args()
    pin_one_core()
    d = load_all(args.data)
    res: dict = {"machine": f"{platform.python_implementation()} {platform.python_version()}, 1 core pinned"}

    t0 = time.perf_counter()
    load_model = LinearModel()
    res["model_load_ms"] = round((time.perf_counter() - t0) * 1000, 1)
    clf = BuiltinClassifier(load_model)
    res["model_version"] = clf.model_version

    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer as VaderEN
    from vaderSentiment_fr.vaderSentiment import SentimentIntensityAnalyzer as VaderFR

    vader_en, vader_fr = VaderEN(), VaderFR()
    q: dict = {}
    en_texts = [r["text"] for r in d["sent_en_dev"]]
    en_y = [r["label"] for r in d["sent_en_dev"]]
    pred = [lab.sentiment for lab in run_builtin(clf, en_texts, "en")]
    q["sentiment_en_macro_recall"] = recall_score(en_y, pred, average="macro")
    q["vader_sentiment_en_macro_recall"] = recall_score(en_y, vader_labels(vader_en, en_texts), average="macro")
    fr_texts = [r["text"] for r in d["sent_fr_dev"]]
    fr_y = [r["label"] for r in d["sent_fr_dev"]]
    pred = [lab.sentiment for lab in run_builtin(clf, fr_texts, "fr")]
    q["sentiment_fr_macro_f1"] = f1_score(fr_y, pred, average="macro")
    q["vader_fr_sentiment_fr_macro_f1"] = f1_score(fr_y, vader_labels(vader_fr, fr_texts), average="macro")
    off_texts = [r["text"] for r in d["off_dev"]]
    off_y = [int(r["label"] == "offensive") for r in d["off_dev"]]
    q["offensive_macro_f1"] = f1_score(
        off_y, [int(lab.offensive) for lab in run_builtin(clf, off_texts, "en")], average="macro"
    )
    _, spam_test = spam_split(d["spam_sms"] + d["spam_yt"])
    q["spam_f1_heldout"] = f1_score(
        [int(r["label"] == "spam") for r in spam_test],
        [int(lab.spam) for lab in run_builtin(clf, [r["text"] for r in spam_test], "en")],
    )
    lr_test = [r for r in recipe.read_jsonl(LEAD_REPLY) if r["split"] == "test"]
    lr_labels = run_builtin(clf, [r["text"] for r in lr_test], None)
    for flag in ("lead", "needs_reply"):
        q[f"{flag}_f1_heldout_templates"] = f1_score(
            [r["labels"][flag] for r in lr_test], [int(getattr(lab, flag)) for lab in lr_labels]
        )
    # None of the product talk is offensive: every offensive flag on it is a false positive.
    for lang in ("fr", "en"):
        flagged = [lab.offensive for r, lab in zip(lr_test, lr_labels, strict=True) if r["lang"] == lang]
        q[f"offensive_false_positive_rate_{lang}_product_talk"] = round(sum(flagged) / max(len(flagged), 1), 4)
    q["lang_accuracy_fr_dev_en_dev"] = float(
        np.mean(
            [lab.lang == "fr" for lab in run_builtin(clf, fr_texts, None)]
            + [lab.lang == "en" for lab in run_builtin(clf, en_texts[:1000], None)]
        )
    )
    print("quality so far", {k: round(float(v), 4) for k, v in q.items()}, flush=True)
    q["complaint_macro_f1_cv10"] = complaint_cv(d["complaint"], load_model)
    res["quality"] = {k: round(float(v), 4) for k, v in q.items()}

    speed_texts = en_texts + fr_texts + off_texts[:676]  # 3,000 tweets
    cold = BuiltinClassifier(LinearModel())
    as_items = [ClassifyInput(id=str(i), text=t) for i, t in enumerate(speed_texts)]
    t0 = time.perf_counter()
    for start in range(0, len(as_items), 100):
        cold.classify(as_items[start : start + 100])
    res["speed"] = {
        "builtin_texts_per_s_cold_cache": round(len(as_items) / (time.perf_counter() - t0)),
        "builtin_texts_per_s_warm": round(
            throughput(lambda b: cold.classify([ClassifyInput(id="x", text=t) for t in b]), speed_texts, 2)
        ),
        "vader_en_texts_per_s": round(throughput(lambda b: [vader_en.polarity_scores(t) for t in b], speed_texts)),
        "vader_fr_texts_per_s": round(throughput(lambda b: [vader_fr.polarity_scores(t) for t in b], speed_texts)),
        "n_texts": len(speed_texts),
    }
    res["targets"] = TARGETS
    out = REPO / "bench" / "results" / "classify.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
    write_readme(res)
    print(json.dumps(res, indent=1))
    return 0


def write_readme(res: dict) -> None:
    q, s = res["quality"], res["speed"]
    rows = [
        ("complaint macro-F1, 10-fold CV (complaint_en)", q["complaint_macro_f1_cv10"], "—", "≥ 0.88 (SOTA 0.882)"),
        (
            "EN sentiment macro-recall (sentiment_en_dev)",
            q["sentiment_en_macro_recall"],
            q["vader_sentiment_en_macro_recall"],
            "≥ 0.72 (SVM 0.629, RoBERTa 0.713)",
        ),
        (
            "FR sentiment macro-F1 (sentiment_fr_dev)",
            q["sentiment_fr_macro_f1"],
            q["vader_fr_sentiment_fr_macro_f1"],
            "≥ 0.70 (FastText 0.548, XLM-R 0.720)",
        ),
        ("offensive macro-F1 (offensive_en_dev)", q["offensive_macro_f1"], "—", "≥ 0.80 (SVM 0.523, RoBERTa 0.795)"),
        ("spam F1 (held-out 20 %, SMS + YouTube)", q["spam_f1_heldout"], "—", ""),
        ("lead F1 (held-out templates, own data)", q["lead_f1_heldout_templates"], "—", ""),
        ("needs_reply F1 (held-out templates, own data)", q["needs_reply_f1_heldout_templates"], "—", ""),
        (
            "offensive false positives, product talk test split FR / EN (own data; FR threshold chosen on it)",
            f"{q['offensive_false_positive_rate_fr_product_talk']:.1%} / "
            f"{q['offensive_false_positive_rate_en_product_talk']:.1%}",
            "—",
            "lower is better",
        ),
        ("language accuracy (fr dev + 1,000 en dev)", q["lang_accuracy_fr_dev_en_dev"], "—", ""),
    ]
    lines = [
        START,
        "## Classifier (`python bench/bench_classify.py`)",
        "",
        f"Model `{res['model_version']}`, {res['machine']}; weights load in {res['model_load_ms']} ms.",
        "",
        "| metric | builtin | VADER | target / published |",
        "|---|---:|---:|---|",
    ]
    lines += [
        f"| {name} | {a if isinstance(a, str) else f'{a:.3f}'} | {b if isinstance(b, str) else f'{b:.3f}'} | {t} |"
        for name, a, b, t in rows
    ]
    lines += [
        "",
        "| throughput, batches of 100, one core | texts/s |",
        "|---|---:|",
        f"| builtin, cold token cache | {s['builtin_texts_per_s_cold_cache']:,} |",
        f"| builtin, warm | {s['builtin_texts_per_s_warm']:,} |",
        f"| VADER (en) | {s['vader_en_texts_per_s']:,} |",
        f"| VADER-fr | {s['vader_fr_texts_per_s']:,} |",
        END,
    ]
    path = REPO / "bench" / "README.md"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    section = "\n".join(lines)
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
