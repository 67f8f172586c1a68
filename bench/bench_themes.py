"""How good are the themes? `chalicelib.themes.discover` (what `veille themes` and the scheduled job run) on
topic-labelled sets, against the topics.

    .venv/bin/python bench/bench_themes.py [--clinc .data/clinc150] [--tune]

Sets:
- **CLINC150** (customer-support questions to a banking/travel/home assistant, 150 intents in 10 domains;
  clinc/oos-eval, CC BY 3.0). Get it with `git clone https://github.com/clinc/oos-eval` and copy
  `data/data_full.json` into `.data/clinc150/` (git-ignored). Dev: the `val` split of 5 domains (used to
  tune); held out: the `test` split of the 5 other domains (never used to tune), all together (75 intents,
  one batch) and one domain at a time (15 intents, the size of a watch). Intent sets carry no kind, so
  every unit has the same kind, and no author, so each unit counts as its own author.
- **EN/FR pairs** (`bench/data/themes_pairs_en_fr.jsonl`, written for Veille): 12 product-feedback topics,
  4 pairs each; 6 topics dev, 6 held out. Grouped without their kinds (harder: kinds would keep topics
  of different kinds apart) and with them.

Metrics: V-measure of the themes against the topics (a unit no theme took counts as a theme of its own,
so leaving units out costs completeness); the share of units given a theme; labels that name their topic
(a theme's topic is its members' majority topic; its label names it when it shares a content word with
the topic's name, both lower-cased, accent-folded and suffix-stripped, function words aside: intent
`book_flight` -> "book", "flight"; French labels are judged against the French topic name); and on the
pairs, the share of French units in the same theme as their English equivalent (none counts as a miss).

`--tune` searches the thresholds and the words' weight on the dev parts only and prints the best; the
values in chalicelib/themes/grouping.py were chosen that way. Writes bench/results/themes.json and the
`themes` section of bench/README.md.
"""

from __future__ import annotations

import argparse
import itertools
import json
import platform
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
from sklearn.metrics import v_measure_score  # noqa: E402

from bench.sections import write_section  # noqa: E402
from chalicelib.themes import FeedbackUnit, Space, Thresholds, discover, thresholds_for  # noqa: E402
from chalicelib.themes.vectors import word_vectors  # noqa: E402
from chalicelib.themes.words import EXTRA_STOPWORDS, fold, stem  # noqa: E402

RESULTS = REPO / "bench" / "results" / "themes.json"
PAIRS = REPO / "bench" / "data" / "themes_pairs_en_fr.jsonl"
START, END = "<!-- themes:start -->", "<!-- themes:end -->"
CLINC_SOURCE = {
    "repo": "clinc/oos-eval",
    "commit": "828f8093932c8fe6ca7936c3d2e52903b1c523de",
    "file": "data/data_full.json",
    "licence": "CC BY 3.0 (repository LICENSE)",
}
TARGETS = {"clinc": {"v": 0.75, "coverage": 0.90, "labels": 0.85}, "pairs": {"v": 0.90, "fr_with_en": 0.90}}
NAME_STOPWORDS = frozenset({"what", "is", "your", "the", "a", "to", "of", "how", "do", "you", "are", "who", "me"})


# ---------------------------------------------------------------- data


def load_clinc(folder: Path) -> dict[str, Any]:
    """CLINC150's in-scope rows, and its domains split into dev and held-out halves."""
    data = json.loads((folder / "data_full.json").read_text(encoding="utf-8"))
    domains = json.loads((folder / "domains.json").read_text(encoding="utf-8"))
    names = sorted(domains)
    dev = names[0::2]
    return {"data": data, "domains": domains, "dev_domains": dev, "test_domains": [d for d in names if d not in dev]}


def clinc_units(clinc: dict[str, Any], split: str, domains: list[str]) -> tuple[list[FeedbackUnit], list[str]]:
    intents = {i for d in domains for i in clinc["domains"][d]}
    rows = [(text, intent) for text, intent in clinc["data"][split] if intent in intents]
    units = [FeedbackUnit(id=f"{split}-{n}", text=text, lang="en") for n, (text, _) in enumerate(rows)]
    return units, [intent for _, intent in rows]


def pairs_units(split: str, with_kind: bool) -> tuple[list[FeedbackUnit], list[str], dict[str, str], dict[str, Any]]:
    """Units (EN then FR of each pair), their topics, FR id -> EN id, and each topic's names."""
    rows = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if r["split"] == split]
    units: list[FeedbackUnit] = []
    topics: list[str] = []
    pair_of: dict[str, str] = {}
    names: dict[str, Any] = {}
    for n, r in enumerate(rows):
        kind = r["kind"] if with_kind else None
        units.append(FeedbackUnit(id=f"en{n}", text=r["en"], lang="en", kind=kind, author=f"en-author-{n}"))
        units.append(FeedbackUnit(id=f"fr{n}", text=r["fr"], lang="fr", kind=kind, author=f"fr-author-{n}"))
        topics += [r["topic"], r["topic"]]
        pair_of[f"fr{n}"] = f"en{n}"
        names[r["topic"]] = {"en": r["topic_en"], "fr": r["topic_fr"]}
    return units, topics, pair_of, names


# ---------------------------------------------------------------- metrics


def content_words(text: str) -> set[str]:
    words = fold(text).replace("_", " ").replace("'", " ").replace("’", " ").replace("-", " ").split()
    words = ["".join(c for c in w if c.isalnum()) for w in words]
    return {stem(w) for w in words if w and w not in NAME_STOPWORDS and w not in EXTRA_STOPWORDS and len(w) > 1}


def names_topic(label: str, topic_name: str) -> bool:
    """Whether a label shares a content word with the topic's name (the kind's prefix aside)."""
    body = label.split(":", 1)[1] if ":" in label else label
    return bool(content_words(body) & content_words(topic_name))


def score(
    units: list[FeedbackUnit],
    topics: list[str],
    found: Any,
    topic_names: dict[str, dict[str, str]] | None = None,
    pair_of: dict[str, str] | None = None,
) -> dict[str, Any]:
    """V-measure, coverage, labels naming their topic and (pairs) French with English."""
    assigned = [a.theme for a in found.assignments]
    predicted = [t if t is not None else f"alone-{i}" for i, t in enumerate(assigned)]
    out: dict[str, Any] = {
        "units": len(units),
        "topics": len(set(topics)),
        "themes": len(found.themes),
        "v_measure": round(float(v_measure_score(topics, predicted)), 4),
        "coverage": round(sum(t is not None for t in assigned) / max(len(units), 1), 4),
    }
    topic_of = dict(zip((u.id for u in units), topics, strict=True))
    judged: dict[str, list[bool]] = {}
    examples = []
    for theme in found.themes:
        majority = Counter(topic_of[m] for m in theme.members if m in topic_of).most_common(1)
        if not majority:
            continue
        topic = majority[0][0]
        for lang, label in theme.labels.items():
            name = (topic_names or {}).get(topic, {}).get(lang, topic) if topic_names else topic
            if not topic_names and lang != "en":
                continue
            judged.setdefault(lang, []).append(names_topic(label, name))
        if len(examples) < 8:
            examples.append({"topic": topic, "size": len(theme.members), **theme.labels})
    out["labels_naming_topic"] = {lang: round(sum(v) / len(v), 4) for lang, v in judged.items() if v}
    out["label_examples"] = examples
    if pair_of:
        theme_of = dict(zip((u.id for u in units), assigned, strict=True))
        together = [theme_of[fr] is not None and theme_of[fr] == theme_of[en] for fr, en in pair_of.items()]
        out["fr_with_en"] = round(sum(together) / len(together), 4)
    return out


# ---------------------------------------------------------------- spaces


class Vectors:
    """USE vectors and word vectors computed once per set; joined for any words' weight."""

    def __init__(self, texts: list[str], encode: Any) -> None:
        self.words = word_vectors(texts)
        self.meaning = None if encode is None else np.asarray(encode(texts), dtype=np.float32)

    def joined(self, weight: float | None) -> np.ndarray:
        if weight is None or self.meaning is None:
            return self.words
        a, b = (1 - weight) ** 0.5, weight**0.5
        v = np.hstack([a * self.meaning, b * self.words])
        return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-9)


def run_one(units: list[FeedbackUnit], vecs: np.ndarray, space: Space, th: Thresholds) -> Any:
    return discover(units, space=space, thresholds=th, vectors=vecs, lang="en")


# ---------------------------------------------------------------- tuning


def tune(clinc: dict[str, Any] | None, encode: Any) -> None:
    """Grid search on the dev parts; prints the best settings for the encoder space and the words space."""
    sets = []
    if clinc:
        units, topics = clinc_units(clinc, "val", clinc["dev_domains"])
        sets.append(("clinc", units, topics, None, Vectors([u.text for u in units], encode)))
    units, topics, pair_of, _ = pairs_units("dev", with_kind=False)
    sets.append(("pairs", units, topics, pair_of, Vectors([u.text for u in units], encode)))
    spaces: list[tuple[str, float | None]] = [("words", None)]
    if encode is not None:
        spaces += [("use", w) for w in (0.15, 0.3, 0.5)]
    for name, weight in spaces:
        space = Space(encode=None) if weight is None else Space(encode=encode, word_weight=weight)
        rows = []
        if weight is None:
            strict, loose = ((0.3, 0.2), (0.35, 0.25), (0.4, 0.3)), ((0.2, 0.1), (0.25, 0.1), (0.25, 0.15))
        else:
            strict = ((0.4, 0.35), (0.45, 0.35), (0.45, 0.4), (0.5, 0.4))
            loose = ((0.25, 0.2), (0.3, 0.2), (0.3, 0.25), (0.35, 0.25))
        for (link, join), looser, merge in itertools.product(strict, loose, (0.7, 0.8, 0.9)):
            th = Thresholds(link=link, join=join, merge=merge, looser=(looser,))
            figures = {}
            for set_name, units, topics, pair_of, vectors in sets:
                found = run_one(units, vectors.joined(weight), space, th)
                figures[set_name] = score(units, topics, found, pair_of=pair_of)
            objective = _objective(figures)
            rows.append((objective, th, figures))
        rows.sort(key=lambda r: -r[0])
        for objective, th, figures in rows[:3]:
            summary = {
                k: {m: f[m] for m in ("v_measure", "coverage", "fr_with_en") if m in f} for k, f in figures.items()
            }
            levels = f"{th.link}/{th.join} then {th.looser}"
            print(f"{name} w={weight} {levels} merge={th.merge} -> {objective:.4f} {summary}")


def _objective(figures: dict[str, dict[str, Any]]) -> float:
    """Mean of V-measures and French-with-English, minus a penalty for coverage under 90 %."""
    parts = []
    for f in figures.values():
        parts.append(f["v_measure"] - 2 * max(0.0, 0.9 - f["coverage"]))
        if "fr_with_en" in f:
            parts.append(f["fr_with_en"])
    return sum(parts) / len(parts)


# ---------------------------------------------------------------- report


def evaluate(clinc: dict[str, Any] | None, encode: Any) -> dict[str, Any]:
    """Every held-out (and dev) figure, for the encoder space (when it runs) and the words space."""
    spaces = [("words only (encoder off)", Space(encode=None))]
    if encode is not None:
        from chalicelib.themes import default_space

        spaces.insert(0, ("encoder + words", default_space()))
    out: dict[str, Any] = {}
    for label, space in spaces:
        th = thresholds_for(space)
        weight = None if space.encode is None else space.word_weight
        rows: dict[str, Any] = {"space": space.name, "thresholds": dict(th.__dict__)}
        if clinc:
            for key, split, domains in (
                ("clinc_dev", "val", clinc["dev_domains"]),
                ("clinc_test", "test", clinc["test_domains"]),
            ):
                units, topics = clinc_units(clinc, split, domains)
                started = time.perf_counter()
                found = run_one(units, Vectors([u.text for u in units], encode).joined(weight), space, th)
                rows[key] = score(units, topics, found) | {"seconds": round(time.perf_counter() - started, 2)}
            per_domain = []
            for domain in clinc["test_domains"]:
                units, topics = clinc_units(clinc, "test", [domain])
                found = run_one(units, Vectors([u.text for u in units], encode).joined(weight), space, th)
                per_domain.append(score(units, topics, found) | {"domain": domain})
            rows["clinc_test_per_domain"] = {
                "v_measure": round(float(np.mean([d["v_measure"] for d in per_domain])), 4),
                "coverage": round(float(np.mean([d["coverage"] for d in per_domain])), 4),
                "labels_naming_topic": {
                    "en": round(float(np.mean([d["labels_naming_topic"].get("en", 0.0) for d in per_domain])), 4)
                },
                "domains": [{k: d[k] for k in ("domain", "v_measure", "coverage", "themes")} for d in per_domain],
            }
        for split in ("dev", "test"):
            for with_kind in (False, True):
                units, topics, pair_of, names = pairs_units(split, with_kind)
                found = run_one(units, Vectors([u.text for u in units], encode).joined(weight), space, th)
                key = f"pairs_{split}" + ("_with_kinds" if with_kind else "")
                rows[key] = score(units, topics, found, topic_names=names, pair_of=pair_of)
        out[label] = rows
    return out


def write_report(results: dict[str, Any]) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    lines = [
        START,
        "## Themes (`bench/bench_themes.py`)",
        "",
        "`chalicelib.themes.discover`, the code `veille themes` and the scheduled job run, on topic-labelled sets; "
        "held-out parts were never used to choose a threshold or a weight (`--tune` searches the dev parts). "
        f"CPython {platform.python_version()}, {results['generated_at']}.",
        "",
        "Sets: **CLINC150** customer-support questions "
        f"([{CLINC_SOURCE['repo']}](https://github.com/{CLINC_SOURCE['repo']}) at `{CLINC_SOURCE['commit'][:12]}`, "
        f"`{CLINC_SOURCE['file']}`, {CLINC_SOURCE['licence']}; in-scope rows only): dev = `val` split of 5 domains, "
        "held out = `test` split of the 5 others, grouped all together (75 intents) and one domain at a time "
        "(15 intents, about a watch's worth); **EN/FR pairs** (`bench/data/themes_pairs_en_fr.jsonl`, written for "
        "Veille, see `bench/data/README.md`): 6 topics dev, 6 held out, 4 English/French pairs each, grouped "
        "without their kinds unless said.",
        "",
        "V-measure counts a unit left out as a theme of its own. A label names its topic when it shares a "
        "content word with the topic's name (intent `book_flight`; the pairs' English and French names), "
        "lower-cased, accent-folded, suffix-stripped. Each intent row counts as its own author.",
        "",
        "| set | space | V-measure | in a theme | labels naming topic (en / fr) | FR with its EN | themes / topics "
        "| target |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    target_of = {
        "clinc_test": "V ≥ 0.75, ≥ 90 % in a theme, labels ≥ 85 %",
        "clinc_test_per_domain": "same",
        "pairs_test": "V ≥ 0.90, FR with EN ≥ 90 %",
        "pairs_test_with_kinds": "same",
    }
    names = {
        "clinc_test": "CLINC150 held out, 75 intents together",
        "clinc_test_per_domain": "CLINC150 held out, per domain (mean of 5)",
        "clinc_dev": "CLINC150 dev (tuned on)",
        "pairs_test": "EN/FR pairs held out",
        "pairs_test_with_kinds": "EN/FR pairs held out, with kinds",
        "pairs_dev": "EN/FR pairs dev (tuned on)",
    }
    for key in names:
        for space_label, rows in results["spaces"].items():
            row = rows.get(key)
            if not row:
                continue
            labels = row.get("labels_naming_topic", {})
            lab = " / ".join(f"{labels[k]:.0%}" for k in ("en", "fr") if k in labels)
            fr = f"{row['fr_with_en']:.0%}" if "fr_with_en" in row else "—"
            themes = f"{row.get('themes', '—')} / {row.get('topics', '—')}" if "themes" in row else "—"
            lines.append(
                f"| {names[key]} | {space_label} | {row['v_measure']:.3f} | {row['coverage']:.0%} | {lab} | {fr} | "
                f"{themes} | {target_of.get(key, '')} |"
            )
    enc = next(iter(results["spaces"].values()))
    examples = enc.get("pairs_test", {}).get("label_examples", [])[:4]
    if examples:
        lines += ["", "Labels on the held-out pairs (encoder space when it runs):", ""]
        lines += [f'- `{e["topic"]}` ({e["size"]} units): "{e.get("en", "")}" / "{e.get("fr", "")}"' for e in examples]
    lines += [
        "",
        "Regenerate with `.venv/bin/python bench/bench_themes.py` (CLINC150 rows need `.data/clinc150/`, see the "
        "script's docstring); raw figures, per-domain rows and label examples in `bench/results/themes.json`.",
        END,
    ]
    write_section(START, END, "\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--clinc", type=Path, default=REPO / ".data" / "clinc150", help="folder of data_full.json")
    parser.add_argument("--tune", action="store_true", help="search thresholds on the dev parts and print the best")
    parser.add_argument("--no-write", action="store_true", help="print the figures without writing results")
    args = parser.parse_args(argv)
    clinc = load_clinc(args.clinc) if (args.clinc / "data_full.json").exists() else None
    if clinc is None:
        print(f"no CLINC150 at {args.clinc}: pairs only (see the docstring to get it)", file=sys.stderr)
    try:
        from chalicelib.classify.encoder import EncoderUnavailable, bare_encoder

        encode = bare_encoder().vectors
    except EncoderUnavailable as exc:
        print(f"sentence encoder off ({exc}): words only", file=sys.stderr)
        encode = None
    if args.tune:
        tune(clinc, encode)
        return 0
    results = {
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "clinc150": CLINC_SOURCE if clinc else None,
        "pairs": str(PAIRS.relative_to(REPO)),
        "targets": TARGETS,
        "spaces": evaluate(clinc, encode),
    }
    print(json.dumps(results["spaces"], indent=1, ensure_ascii=False)[:6000])
    if not args.no_write:
        write_report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
