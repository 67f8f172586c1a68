"""A watch that learns: a simulated founder corrects the first N mistakes they see; errors on the rest, before/after.

    python bench/bench_learning.py [--feedback .data/feedback] [--tune]

The stream is the test split of the product-feedback sets (`python -m training.datasets --out
.data/feedback`), which the shipped model never trained, tuned or chose a threshold on. Its rows, shuffled
once with a fixed seed, arrive in that order ("time order") at two watches split by source: GitHub issues
(bug / feature / question) and app-store plus Trustpilot reviews (kind and star sentiment). The founder of
a watch reads each mention's labels as Veille shows them (already adapted by the corrections made so
far) and corrects every wrong label it can judge (complaint, kind, sentiment, where the row has a truth)
until they have corrected N mentions. The rest of that watch's stream is then labelled without
(before) and with (after) those N corrections, by `chalicelib.classify.adapt`, exactly as the stream
function applies it. The other watch's stream is labelled through the same path (isolated: its labels
must not move), and, to show what isolation buys, as if the corrections were shared.

`--tune` runs the same simulation on the dev split over a grid of thresholds and prints the best; the
thresholds in adapt.py were chosen that way (never on the test split this reports).

On the encoder tier it also reports a **ceiling**: what the best learner we know (a logistic regression on
the encoder vector plus the shipped label, `ceiling_labels`) does on the rest of the stream when fitted on
the TRUE labels of every mention the founder saw before the N-th correction (corrected or not: strictly more
than the N corrections give). Its C was chosen on the dev split too (`--tune`, `CEILING_C`).

Writes bench/results/learning.json and the `learning` section of bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from bench.sections import write_section  # noqa: E402
from chalicelib.classify import ClassifyInput  # noqa: E402
from chalicelib.classify.adapt import (  # noqa: E402
    COSINE_MIN,
    HEAD_PARAMS,
    HEAD_TIERS,
    HEADED,
    JACCARD_MIN,
    MAX_CORRECTIONS,
    Correction,
    Example,
    HeadParams,
    WatchCorrections,
    WatchHead,
    adapt_batch,
    encode_vector,
)
from chalicelib.classify.builtin import BuiltinClassifier  # noqa: E402
from chalicelib.classify.encoder import bare_encoder  # noqa: E402

RESULTS = REPO / "bench" / "results" / "learning.json"
START, END = "<!-- learning:start -->", "<!-- learning:end -->"
SEED = 20241203
NS = (10, 25, 50, 100)
JUDGED = ("complaint", "kind", "sentiment")
WATCHES = {"issues": ("nlbse_issues",), "reviews": ("vu_appstore", "trustpilot_fr_beauty", "android_pos_neg")}
T0 = datetime(2024, 12, 3, 9, tzinfo=UTC)


def truth(row: dict[str, Any]) -> dict[str, Any]:
    """The labels a founder would give the row, where the data says them."""
    out: dict[str, Any] = {}
    if row.get("kind"):
        out["kind"] = row["kind"]
        out["complaint"] = row["kind"] == "complaint"
    if row.get("sentiment"):
        out["sentiment"] = row["sentiment"]
    return out


def wrong(labels: dict[str, Any], true: dict[str, Any]) -> list[str]:
    return [k for k in JUDGED if k in true and labels.get(k) != true[k]]


def watch_of(row: dict[str, Any]) -> str:
    return next(w for w, sources in WATCHES.items() if row["source"] in sources)


class Stream:
    """The rows in time order with their labels (one classification) and vectors, per tier."""

    def __init__(self, rows: list[dict[str, Any]], encoder_tier: bool) -> None:
        self.rows = rows
        self.encoder_tier = encoder_tier
        clf = BuiltinClassifier(use_encoder=encoder_tier)
        inputs = [ClassifyInput(id=str(i), text=r["text"], lang=r.get("lang")) for i, r in enumerate(rows)]
        self.labels = [lab.model_dump(mode="json") for lab in clf.classify(inputs)]
        if encoder_tier and not self.labels[0]["backend"].endswith("+encoder"):
            sys.exit(f"the encoder tier did not run: {clf.encoder_error}")
        self.vectors = bare_encoder().vectors([r["text"] for r in rows]) if encoder_tier else None
        self.truth = [truth(r) for r in rows]
        self.watch = [watch_of(r) for r in rows]

    def indices(self, watch: str) -> list[int]:
        return [i for i, w in enumerate(self.watch) if w == watch]

    def correction(self, i: int, keys: list[str], at: datetime) -> Correction:
        true = self.truth[i]
        if "kind" in keys or "complaint" in keys:  # the API keeps kind and complaint together
            keys = sorted({*keys, "kind", "complaint"})
        vector = encode_vector(self.vectors[i]) if self.vectors is not None else None
        return Correction(f"row{i}", self.rows[i]["text"], {k: true[k] for k in keys}, at, vector, "bench")

    def adapted(
        self, idx: list[int], corrections: WatchCorrections, watch: str, head: WatchHead | None = None
    ) -> list[dict[str, Any]]:
        vecs = self.vectors[idx] if self.vectors is not None else None
        items = [(watch, self.labels[i], self.rows[i]["text"]) for i in idx]
        return adapt_batch(items, corrections, vecs, head)

    def example(self, i: int, truth: dict[str, Any], weight: float = 1.0) -> Example:
        """What the watch's head learns from row i: the shipped model's labels, the founder's, its vector."""
        return Example(self.labels[i], truth, self.vectors[i] if self.vectors is not None else None, weight)


def errors(stream: Stream, idx: list[int], labels: list[dict[str, Any]]) -> dict[str, list[int]]:
    """Per judged label: [errors, rows with a truth]."""
    out = {k: [0, 0] for k in JUDGED}
    for i, lab in zip(idx, labels, strict=True):
        for k in JUDGED:
            if k in stream.truth[i]:
                out[k][1] += 1
                out[k][0] += lab.get(k) != stream.truth[i][k]
    return out


# What adapts a watch's labels: the nearest-correction overrides alone (the first version), the shipped
# combination (the watch's head plus the overrides), and the same with confirmations (every mention the
# founder saw and did not correct counts as confirmed: what a founder who triages everything would give).
VARIANTS = {
    "overrides": {"head": False, "confirm": False},
    "head": {"head": True, "confirm": False},
    "head+confirmations": {"head": True, "confirm": True},
}


def shipped(tier: str) -> str:
    """The variant the stream function runs on a tier (adapt.HEAD_TIERS say where it fits a head)."""
    return "head" if tier in HEAD_TIERS else "overrides"


def simulate(
    stream: Stream,
    watch: str,
    n: int,
    thresholds: tuple[float, float],
    head_on: bool = True,
    confirm: bool = False,
    params: HeadParams | None = None,
) -> dict[str, Any] | None:
    """The founder of `watch` corrects the first n mistakes they see; errors on the rest before/after.

    The watch's head (when on) is fitted again after each correction, as the stream function refits it
    whenever the watch's corrections change; the founder sees labels adapted by everything so far."""
    cos, jac = thresholds
    idx = stream.indices(watch)
    made: list[Correction] = []
    examples: list[Example] = []
    current = WatchCorrections(watch, [], cosine_min=cos, jaccard_min=jac)
    head: WatchHead | None = None
    stop = None
    fit_ms: list[float] = []
    for pos, i in enumerate(idx):
        shown = stream.adapted([i], current, watch, head)[0]
        bad = wrong(shown, stream.truth[i])
        if not bad:
            if confirm:
                examples.append(stream.example(i, {k: shown.get(k) for k in HEADED}))
            continue
        made.append(stream.correction(i, bad, T0 + timedelta(minutes=pos)))
        examples.append(stream.example(i, dict(made[-1].labels)))
        current = WatchCorrections(watch, made, cosine_min=cos, jaccard_min=jac)
        if head_on:
            head = WatchHead.fit(watch, examples, stream.vectors is not None, params)
            fit_ms.append(head.fit_ms)
        if len(made) == n:
            stop = pos
            break
    if stop is None:
        return None
    rest = idx[stop + 1 :]
    before = errors(stream, rest, [stream.labels[i] for i in rest])
    started = time.perf_counter()
    after_labels = stream.adapted(rest, current, watch, head)
    adapt_ms = (time.perf_counter() - started) * 1000 / max(len(rest), 1)
    after = errors(stream, rest, after_labels)
    other = next(w for w in WATCHES if w != watch)
    other_idx = stream.indices(other)
    other_base = errors(stream, other_idx, [stream.labels[i] for i in other_idx])
    # The other watch's mentions through the same code: the corrections and head are watch's, so nothing
    # may move; and, to show what isolation buys, as if they were shared.
    isolated = stream.adapted(other_idx, current, other, head)
    shared_head = None
    if head is not None:
        shared_head = WatchHead(other, head.uses_vectors, head.weights, head.params, head.examples)
    shared = stream.adapted(
        other_idx, WatchCorrections(other, made, cosine_min=cos, jaccard_min=jac), other, shared_head
    )
    return {
        "n": n,
        "seen": stop + 1,
        "rest": len(rest),
        "examples": len(examples),
        "before": before,
        "after": after,
        "adapt_ms_per_mention": round(adapt_ms, 4),
        "fit_ms_max": round(max(fit_ms), 2) if fit_ms else 0.0,
        "other_watch": other,
        "other_before": other_base,
        "other_after_isolated": errors(stream, other_idx, isolated),
        "other_labels_changed_isolated": sum(a != stream.labels[i] for a, i in zip(isolated, other_idx, strict=True)),
        "other_after_if_shared": errors(stream, other_idx, shared),
    }


def flag_errors(counts: dict[str, list[int]], keys: tuple[str, ...] = ("complaint", "kind")) -> int:
    return sum(counts[k][0] for k in keys)


# The ceiling's logistic regressions (one per label): the inverse L2 strength C, per label, chosen on the
# dev split by `--tune` (the fewest errors summed over N = 10, 25, 50, 100 and both watches, ties to the
# smaller C), never on the test split this reports. On dev, kind errors 740 before -> 794 / 761 / 743 and
# complaint errors 545 -> 545 / 537 / 523 at C = 0.1 / 1 / 10 (a one-off check at C = 100 and 1000 was
# worse for both). The shipped label enters as a one-hot scaled by CEILING_ONE_HOT (the vector's entries
# are those of an L2-normalised 512-dim row).
CEILING_CS = (0.1, 1.0, 10.0)
CEILING_C = {"kind": 10.0, "complaint": 10.0}
CEILING_ONE_HOT = 3.0
CEILING_VALUES: dict[str, tuple[Any, ...]] = {"kind": HEADED["kind"], "complaint": (False, True)}


def ceiling_labels(
    vectors: np.ndarray,
    labels: list[dict[str, Any]],
    truths: list[dict[str, Any]],
    seen: list[int],
    rest: list[int],
    c: dict[str, float] | None = None,
) -> list[dict[str, Any]]:
    """The labels of `rest` by the ceiling learner, fitted on the true labels of the `seen` rows.

    Per label (kind: multinomial, complaint: binary), a logistic regression on the row's vector plus a
    one-hot of the shipped model's answer (`labels[i]`), fitted on the seen rows that have a truth for it;
    where those truths hold a single value, the shipped answer stands. Other labels are the shipped ones."""
    from sklearn.linear_model import LogisticRegression

    c = c or CEILING_C
    out = [dict(labels[i]) for i in rest]
    if not rest:
        return out

    def features(rows: list[int], key: str) -> np.ndarray:
        values = CEILING_VALUES[key]
        hot = np.zeros((len(rows), len(values)))
        for r, i in enumerate(rows):
            if labels[i].get(key) in values:
                hot[r, values.index(labels[i].get(key))] = CEILING_ONE_HOT
        return np.hstack([np.asarray(vectors[rows], dtype=float), hot])

    for key in CEILING_VALUES:
        fit_rows = [i for i in seen if key in truths[i]]
        ys = [truths[i][key] for i in fit_rows]
        if len(set(ys)) < 2:
            continue
        model = LogisticRegression(C=c[key], max_iter=5000)
        model.fit(features(fit_rows, key), ys)
        for lab, pred in zip(out, model.predict(features(rest, key)).tolist(), strict=True):
            lab[key] = pred
    return out


def ceiling(
    stream: Stream, watch: str, r: dict[str, Any] | None, c: dict[str, float] | None = None
) -> dict[str, Any] | None:
    """The ceiling on the rest of `watch`'s stream after the simulation `r` (its `seen` mentions)."""
    if r is None or stream.vectors is None:
        return None
    idx = stream.indices(watch)
    seen, rest = idx[: r["seen"]], idx[r["seen"] :]
    after = ceiling_labels(stream.vectors, stream.labels, stream.truth, seen, rest, c)
    return {
        "n": r["n"],
        "seen": len(seen),
        "seen_with_truth": sum("kind" in stream.truth[i] for i in seen),
        "rest": len(rest),
        "before": errors(stream, rest, [stream.labels[i] for i in rest]),
        "after": errors(stream, rest, after),
    }


def tune_ceiling(stream: Stream) -> dict[str, Any]:
    """Per label and C, the ceiling's errors summed over N and both watches (and the shipped model's on the
    same rows); per label the C with the fewest, ties to the smaller."""
    th = (COSINE_MIN, JACCARD_MIN)
    sims = {w: [simulate(stream, w, n, th, shipped_head(stream)) for n in NS] for w in WATCHES}
    before = {key: sum(r["before"][key][0] for rs in sims.values() for r in rs if r) for key in CEILING_VALUES}
    errs: dict[str, dict[float, int]] = {key: {} for key in CEILING_VALUES}
    for cv in CEILING_CS:
        cells = [ceiling(stream, w, r, dict.fromkeys(CEILING_VALUES, cv)) for w, rs in sims.items() for r in rs]
        for key in CEILING_VALUES:
            errs[key][cv] = sum(cell["after"][key][0] for cell in cells if cell)
            print(f"  ceiling C {cv}: {key} errors {before[key]} -> {errs[key][cv]} (all N, both watches)", flush=True)
    best = {key: min(CEILING_CS, key=lambda cv: (errs[key][cv], cv)) for key in CEILING_VALUES}
    return {"before": before, "errors": errs, "best_c": best}


def shipped_head(stream: Stream) -> bool:
    """Whether the stream function fits a head on this stream's tier."""
    return shipped("encoder" if stream.encoder_tier else "ngram") == "head"


def tune(stream: Stream) -> list[tuple[float, float, float, int]]:
    """(margin, l2, l2_bias, errors fixed over N = 25, 50, 100 and both watches) for a grid of head shapes,
    with the overrides at their thresholds; best last."""
    if stream.encoder_tier:
        grid = [(m, l2, lb) for m in (1.0, 2.0) for l2 in (0.3, 1.0, 3.0, 10.0) for lb in (1.0, 3.0, 10.0, 30.0)]
    else:  # no vectors on the n-gram tier: only the biases
        grid = [(m, 1.0, lb) for m in (1.0, 2.0, 3.0) for lb in (0.3, 1.0, 3.0, 10.0, 30.0)]
    out = []
    for m, l2, lb in grid:
        fixed = 0
        for n in (25, 50, 100):
            for watch in WATCHES:
                r = simulate(stream, watch, n, (COSINE_MIN, JACCARD_MIN), params=HeadParams(m, l2, lb))
                if r:
                    fixed += flag_errors(r["before"], JUDGED) - flag_errors(r["after"], JUDGED)
        out.append((m, l2, lb, fixed))
        print(f"  margin {m} l2 {l2} l2_bias {lb}: {fixed} errors fewer (complaint+kind+sentiment)", flush=True)
    return sorted(out, key=lambda t: t[-1])


def encode_cost_ms(texts: list[str]) -> float:
    """The stream's extra cost per mention when its watch has corrections: one more encoder pass."""
    enc = bare_encoder()
    enc.vectors(texts[:20])
    started = time.perf_counter()
    enc.vectors(texts)
    return (time.perf_counter() - started) * 1000 / len(texts)


def bound_cost_ms(stream: Stream) -> dict[str, float]:
    """Against a full watch (MAX_CORRECTIONS corrections): the head's fit, and adaptation per mention in
    100-mention batches."""
    rng = random.Random(SEED)
    picks = [rng.randrange(len(stream.rows)) for _ in range(MAX_CORRECTIONS)]
    made = [stream.correction(i, ["sentiment"] if "sentiment" in stream.truth[i] else ["kind"], T0) for i in picks]
    full = WatchCorrections("w", made)
    fits = []
    for _ in range(3):
        head = WatchHead.fit(
            "w",
            [stream.example(i, dict(c.labels)) for i, c in zip(picks, made, strict=True)],
            stream.vectors is not None,
        )
        fits.append(head.fit_ms)
    batch = list(range(100))
    stream.adapted(batch, full, "w", head)
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        stream.adapted(batch, full, "w", head)
        runs.append((time.perf_counter() - started) * 1000 / len(batch))
    return {
        "corrections": len(full),
        "ms_per_mention": round(float(np.median(runs)), 4),
        "fit_ms": round(float(np.median(fits)), 1),
    }


def run(feedback: Path, do_tune: bool) -> dict[str, Any]:
    rows_all = [json.loads(line) for line in (feedback / ("dev.jsonl" if do_tune else "test.jsonl")).open()]
    random.Random(SEED).shuffle(rows_all)
    res: dict[str, Any] = {
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "python": platform.python_version(),
        "split": "dev" if do_tune else "test",
        "rows": len(rows_all),
        "watches": {w: sum(watch_of(r) == w for r in rows_all) for w in WATCHES},
        "thresholds": {"cosine": COSINE_MIN, "jaccard": JACCARD_MIN},
        "head": {tier: vars(p) for tier, p in HEAD_PARAMS.items()},
        "tiers": {},
    }
    for tier in ("encoder", "ngram"):
        started = time.time()
        stream = Stream(rows_all, encoder_tier=tier == "encoder")
        print(f"{tier}: labelled {len(rows_all)} rows in {time.time() - started:.0f}s", flush=True)
        if do_tune:
            res["tiers"][tier] = {}
            if stream.vectors is not None:
                res["tiers"][tier]["ceiling"] = tune_ceiling(stream)
            res["tiers"][tier]["tune"] = tune(stream)
            continue
        th = (COSINE_MIN, JACCARD_MIN)
        variants = {
            name: {w: [simulate(stream, w, n, th, v["head"], v["confirm"]) for n in NS] for w in WATCHES}
            for name, v in VARIANTS.items()
        }
        res["tiers"][tier] = {
            "shipped": shipped(tier),
            "simulations": variants[shipped(tier)],
            "variants": variants,
            "bound": bound_cost_ms(stream),
        }
        if stream.vectors is not None:
            res["tiers"][tier]["ceiling"] = {
                "c": CEILING_C,
                "simulations": {w: [ceiling(stream, w, r) for r in variants[shipped(tier)][w]] for w in WATCHES},
            }
            res["tiers"][tier]["encode_ms_per_mention"] = round(encode_cost_ms([r["text"] for r in rows_all[:300]]), 3)
    return res


def _rate(c: list[int]) -> str:
    return f"{c[0] / c[1]:.1%}" if c[1] else "—"


def goal_met(r: dict[str, Any]) -> bool:
    """At least a third fewer complaint + kind errors on the rest of the stream, no new error elsewhere."""
    before, after = flag_errors(r["before"]), flag_errors(r["after"])
    return after <= before * 2 / 3 and r["other_labels_changed_isolated"] == 0


CEILING_COLUMN = "ceiling (true labels of all N seen)"


def _cs(c: dict[str, float]) -> str:
    if len(set(c.values())) == 1:
        return f"C = {next(iter(c.values())):g}"
    return "C = " + ", ".join(f"{v:g} ({k})" for k, v in c.items())


def ceiling_sentence(t: dict[str, Any]) -> list[str]:
    """One paragraph: what the ceiling column shows at N = 50, with its figures."""
    if "ceiling" not in t:
        return []
    cells, reached = [], []
    for watch, sims in t["ceiling"]["simulations"].items():
        r = sims[NS.index(50)]
        if r is None:
            continue
        b, a = flag_errors(r["before"]), flag_errors(r["after"])
        fitted = f"fitted on {r['seen_with_truth']} kind labels from {r['seen']} mentions seen"
        cells.append(f"{watch} {b} → {a} ({(a - b) / b:+.0%}, {fitted})" if b else f"{watch} no errors")
        if a <= b * 2 / 3:
            reached.append(watch)
    if not cells:
        return []
    verdict = (
        "so even a founder who labelled every mention they saw would not get a third fewer errors from this "
        "learner (the best we tried)"
        if not reached
        else f"so a third fewer is within reach with that much labelling on {', '.join(reached)}"
    )
    return [
        "The *ceiling* column puts these figures in perspective: a logistic regression on the encoder vector "
        "plus the shipped label, fitted on the true labels of every mention the founder saw before the 50th "
        "correction (corrected or not: more than the 50 corrections tell), changes complaint + kind errors on "
        f"the rest by {'; '.join(cells)}; {verdict}.",
        "",
    ]


def write_readme(res: dict[str, Any]) -> None:
    lines = [
        START,
        "## A watch that learns (`python bench/bench_learning.py`)",
        "",
        f"The test split of `.data/feedback` ({res['rows']} rows, never used to train or tune the shipped model), "
        f"shuffled once (seed {SEED}) as time order, goes to two watches split by source: "
        f"**issues** (GitHub issues, {res['watches']['issues']} rows, kind labels) and **reviews** "
        f"(app-store and French Trustpilot reviews, {res['watches']['reviews']} rows, kind and star sentiment). "
        "A simulated founder corrects every wrong label they can judge on the first N mentions shown wrong "
        "(labels already adapted by their earlier corrections); the rest of the stream is then labelled "
        "without (before) and with (after) those corrections. Errors are per rows that have the label. "
        "What adapts (the shipped combination): the watch's **head**, a residual softmax per label on top of "
        "the shipped model's answer (on the encoder tier a linear function of the 512-dim vector plus a bias "
        "per value; on the n-gram tier the biases alone), L2-pulled towards zero, refitted after each "
        "correction (on the tiers `adapt.HEAD_TIERS` name); and the **overrides**: a correction acts on a "
        "near-repeat at cosine ≥ "
        f"{res['thresholds']['cosine']} (encoder tier) or content-word Jaccard ≥ {res['thresholds']['jaccard']} "
        "(n-gram tier), and outranks the head. Head shapes and thresholds chosen on the dev split (`--tune`). "
        f"Python {res['python']}, {res['generated_at']}.",
        "",
    ]
    for tier, title in (("encoder", "n-gram + encoder (the stream function)"), ("ngram", "n-gram alone (Jaccard)")):
        t = res["tiers"][tier]
        lines += [
            f"### {title}",
            "",
            f"What the stream function runs on this tier: **{t['shipped']}**.",
            "",
            "| watch | N | rest | complaint before → after | kind before → after | sentiment before → after "
            "| complaint + kind errors | other watch: labels changed | other watch if shared (errors) | goal |",
            "|---|---:|---:|---|---|---|---|---:|---|---|",
        ]
        for watch, sims in t["simulations"].items():
            for n, r in zip(NS, sims, strict=True):
                if r is None:
                    lines.append(f"| {watch} | {n} | — | fewer than {n} mistakes seen | | | | | | |")
                    continue
                b, a = flag_errors(r["before"]), flag_errors(r["after"])
                change = f"{b} → {a} ({(a - b) / b:+.0%})" if b else "0"
                ob, osh = flag_errors(r["other_before"], JUDGED), flag_errors(r["other_after_if_shared"], JUDGED)
                goal = ("✅" if goal_met(r) else "❌") if n == 50 else ""
                lines.append(
                    f"| {watch} | {n} | {r['rest']} "
                    f"| {_rate(r['before']['complaint'])} → {_rate(r['after']['complaint'])} "
                    f"| {_rate(r['before']['kind'])} → {_rate(r['after']['kind'])} "
                    f"| {_rate(r['before']['sentiment'])} → {_rate(r['after']['sentiment'])} | {change} "
                    f"| {r['other_labels_changed_isolated']} | {ob} → {osh} | {goal} |"
                )
        columns = dict(t["variants"])
        if "ceiling" in t:
            columns[CEILING_COLUMN] = t["ceiling"]["simulations"]
        lines += [
            "",
            "Complaint + kind errors on the rest of the stream, before → after, by what adapts "
            "(*head+confirmations*: the founder's uncorrected mentions also count, as confirmed)"
            + (
                "; *ceiling*: not an adaptation but a logistic regression per label (encoder vector plus the "
                f"shipped label, {_cs(t['ceiling']['c'])} chosen on the dev split) fitted on the true labels of "
                f"every mention the founder saw before the N-th correction (under *{t['shipped']}*)"
                if "ceiling" in t
                else ""
            )
            + ":",
            "",
            "| watch | N | " + " | ".join(columns) + " |",
            "|---|---:|" + "---|" * len(columns),
        ]
        for watch in t["simulations"]:
            for k, n in enumerate(NS):
                cells = []
                for sims_v in columns.values():
                    r = sims_v[watch][k]
                    if r is None:
                        cells.append("—")
                        continue
                    b, a = flag_errors(r["before"]), flag_errors(r["after"])
                    cells.append(f"{b} → {a} ({(a - b) / b:+.0%})" if b else "0")
                lines.append(f"| {watch} | {n} | " + " | ".join(cells) + " |")
        per_mention = [r["adapt_ms_per_mention"] for s in t["simulations"].values() for r in s if r]
        fits = [r["fit_ms_max"] for s in t["simulations"].values() for r in s if r]
        cost = f"adaptation {np.median(per_mention):.3f} ms per mention; head fit ≤ {max(fits):.0f} ms per watch"
        cost += (
            f"; against a full watch ({t['bound']['corrections']} corrections) {t['bound']['ms_per_mention']:.3f} ms "
            f"per mention and {t['bound']['fit_ms']:.0f} ms to fit its head (once per change of its corrections)"
        )
        if "encode_ms_per_mention" in t:
            cost += (
                f"; plus one more encoder pass, {t['encode_ms_per_mention']:.2f} ms per mention, in a batch whose "
                "watch has corrections (the classifier's own vectors are not exposed)"
            )
        lines += ["", f"Cost: {cost}.", ""]
    verdicts = []
    for watch, sims in res["tiers"]["encoder"]["simulations"].items():
        r = sims[NS.index(50)]
        if r:
            b, a = flag_errors(r["before"]), flag_errors(r["after"])
            verdicts.append(f"{watch} {(a - b) / b:+.0%}" if b else f"{watch} no errors")
    met = all(goal_met(r) for s in res["tiers"]["encoder"]["simulations"].values() for r in [s[NS.index(50)]] if r)
    lines += [
        f"**Goal {'met' if met else 'NOT met'}** on the encoder tier after 50 corrections ({', '.join(verdicts)} "
        "complaint + kind errors; a third fewer is the goal); the other watch's labels never changed. On the "
        "encoder tier the shipped model's errors on this stream are spread over many different texts (few "
        "near-repeats for the overrides) and are not a per-watch bias a head can learn from 50 corrections: "
        "on the dev split no head shape beat the overrides by more than a few errors, and fitted on corrections "
        "alone (every example a mistake) the head's biases can flip a whole class (the +25% cells), so the "
        "stream runs the overrides alone there. With confirmations (the mentions the founder triaged without "
        "correcting) the head is stable but no better than the overrides on that tier. On the n-gram tier, "
        "whose errors lean one way per watch (feature requests read as other or complaints), the head's "
        "biases fix many.",
        "",
        *ceiling_sentence(res["tiers"]["encoder"]),
        "Goal (issue 15): after 50 corrections, at least a third fewer complaint + kind errors on the rest of that "
        "watch's stream, and no label of the other watch changed. DynamoDB: one GetItem of the watch's "
        "corrections version per watch per stream batch (0.5 read unit; the corrections themselves are read "
        "again only when they changed), i.e. at most 0.5 read unit per mention, 0.005 in a full batch of 100.",
        "",
        "Regenerate with `.venv/bin/python bench/bench_learning.py`; raw figures in `bench/results/learning.json`.",
        END,
    ]
    write_section(START, END, "\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--feedback", type=Path, default=REPO / ".data" / "feedback")
    parser.add_argument(
        "--tune", action="store_true", help="choose thresholds on the dev split (prints, writes nothing)"
    )
    parser.add_argument("--readme-only", action="store_true", help="rewrite the README section from the last results")
    args = parser.parse_args(argv)
    if args.readme_only:
        write_readme(json.loads(RESULTS.read_text(encoding="utf-8")))
        return 0
    if not (args.feedback / "test.jsonl").exists():
        sys.exit(f"{args.feedback}/test.jsonl is missing: run python -m training.datasets --out {args.feedback}")
    res = run(args.feedback, args.tune)
    if args.tune:
        print(json.dumps(res["tiers"], indent=1))
        return 0
    RESULTS.write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
    write_readme(res)
    for tier, t in res["tiers"].items():
        for watch, sims in t["simulations"].items():
            r = sims[NS.index(50)]
            if r:
                print(
                    f"{tier} {watch} N=50: complaint+kind errors {flag_errors(r['before'])} -> "
                    f"{flag_errors(r['after'])} on {r['rest']} rows; other watch labels changed "
                    f"{r['other_labels_changed_isolated']}; goal {'met' if goal_met(r) else 'NOT met'}"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
