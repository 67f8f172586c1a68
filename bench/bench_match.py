"""Throughput of Query.match against a plain one-regex-per-term baseline, on one core.

    .venv/bin/python bench/bench_match.py [--texts 20000] [--runs 5]

Builds a reproducible corpus of English and French social-media-like posts (accents, hashtags,
handles, links), a watch of 20 terms, 5 aliases and 5 exclusions, then times both matchers over
the same corpus in the same process. Writes bench/results/match.json and the "match" section of
bench/README.md (only between its markers; other sections belong to other benchmarks).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.sections import write_section  # noqa: E402
from chalicelib.query import compile_query  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "match.json"
START, END = "<!-- match:start -->", "<!-- match:end -->"

TERMS = [
    "acme",
    "widgetco",
    "zorglub",
    "veille",
    "décathlon",
    "carrefour",
    "bouygues",
    "sncf",
    "kiwibank",
    "nimbus",
    "orbitale",
    "lumière",
    "pixelfox",
    "quantix",
    "helios",
    "bricomarché",
    "service client",  # a phrase
    "example.com",  # a domain
    "datapulse",
    "frigonet",
]
ALIASES = {
    "acme": ["akme", "acme corp"],
    "décathlon": ["decat"],
    "sncf": ["ouigo"],
    "pixelfox": ["pixel fox"],
    "zorglub": ["zorg"],
}
EXCLUSIONS = ["job", "stage", "offre d'emploi", "giveaway", "crypto"]

EN = [
    "Just tried the new app and honestly it is great",
    "shipping took forever and nobody answers the phone",
    "anyone else having issues with their support team today?",
    "the update broke my login again, third time this week",
    "really impressed by how fast the checkout is now",
    "not sure it is worth the price but the design is nice",
    "we switched our whole team last month, no regrets so far",
    "the mobile version keeps crashing on my phone",
    "customer care solved my problem in five minutes, kudos",
    "prices went up again and the quality went down",
    "is there an open source alternative to this?",
    "their API docs are confusing, took me hours to find the right endpoint",
    "loving the new dark mode, finally",
    "thread below with everything that went wrong during the migration",
]
FR = [
    "Franchement déçu par la livraison, trois semaines d'attente",
    "le café était froid et le serveur pas très aimable",
    "Élodie m'a conseillé leur nouvelle offre, très contente",
    "quelqu'un a déjà essayé leur appli ? elle plante à chaque mise à jour",
    "génial, le remboursement est arrivé en deux jours",
    "après la grève, le train a eu deux heures de retard",
    "le rayon vélo est super bien fourni, prix corrects",
    "ça fait trois fois que j'appelle et personne ne répond",
    "très bonne expérience en magasin, vendeur compétent",
    "la facture a encore augmenté sans prévenir, inadmissible",
    "leur équipe a été réactive et sympa, merci",
    "où est passée la fonctionnalité d'export ? on en a besoin",
    "honnêtement la qualité a baissé depuis l'été dernier",
    "petite pépite découverte ce week-end à Montréal",
]
EXTRAS = ["#startup", "#bonplan", "@support", "@jdoe", "https://t.co/xYz12", "lol", "😡", "🙏", "(edit: typo)", "!!!"]
DECOYS = ["acmes", "veiller", "surveille", "helioscope", "nimbuses", "examplecom", "decathlonien", "kiwi", "quant"]


def corpus(count: int, seed: int = 42) -> list[str]:
    """``count`` posts of 200-300 characters; ~35% mention a term or alias, ~8% an exclusion."""
    rng = random.Random(seed)
    spellings = TERMS + [alt for alts in ALIASES.values() for alt in alts]
    styled = [str.lower, str.upper, str.title, lambda s: s]
    texts: list[str] = []
    for _ in range(count):
        pool = FR if rng.random() < 0.45 else EN
        words: list[str] = []
        while sum(len(w) + 1 for w in words) < rng.randint(200, 280):
            words.append(rng.choice(pool) + rng.choice([".", ",", " -", "", "!", " ?"]))
            if rng.random() < 0.3:
                words.append(rng.choice(EXTRAS))
            if rng.random() < 0.15:
                words.append(rng.choice(DECOYS))
        if rng.random() < 0.35:
            term = rng.choice(spellings)
            if term == "example.com" and rng.random() < 0.5:
                term = rng.choice(["example[.]com", "example dot com"])
            words.insert(rng.randrange(len(words) + 1), rng.choice(["#", "@", "", ""]) + rng.choice(styled)(term))
        if rng.random() < 0.08:
            words.insert(rng.randrange(len(words) + 1), rng.choice(styled)(rng.choice(EXCLUSIONS)))
        texts.append(" ".join(words)[:300])
    return texts


def watch_query() -> str:
    """The watch as one query: any of the 20 terms, none of the 5 exclusions."""

    def quoted(term: str) -> str:
        return f'"{term}"' if " " in term or "'" in term else term

    return "(" + " OR ".join(quoted(t) for t in TERMS) + ") " + " ".join("-" + quoted(x) for x in EXCLUSIONS)


def baseline() -> Callable[[str], bool]:
    """What one would write first: one case-insensitive \\b regex per spelling, searched in turn."""
    positives = [re.compile(rf"\b{re.escape(s)}\b", re.IGNORECASE) for t in TERMS for s in [t, *ALIASES.get(t, [])]]
    negatives = [re.compile(rf"\b{re.escape(s)}\b", re.IGNORECASE) for s in EXCLUSIONS]

    def matches(text: str) -> bool:
        return any(p.search(text) for p in positives) and not any(n.search(text) for n in negatives)

    return matches


def time_both(matchers: dict[str, Callable[[str], object]], texts: list[str], runs: int) -> dict[str, dict[str, float]]:
    """Per matcher: median CPU and wall seconds of ``runs`` passes over ``texts``, and its match count.

    The matchers take turns within each run so that a change in machine load hits both alike.
    CPU time (process_time) is the headline: on a shared machine wall time also counts the
    time spent waiting for a core.
    """
    cpu: dict[str, list[float]] = {name: [] for name in matchers}
    wall: dict[str, list[float]] = {name: [] for name in matchers}
    matched = {name: sum(1 for t in texts if matcher(t)) for name, matcher in matchers.items()}  # also warms up
    for _ in range(runs):
        for name, matcher in matchers.items():
            start_cpu, start_wall = time.process_time(), time.perf_counter()
            for text in texts:
                matcher(text)
            cpu[name].append(time.process_time() - start_cpu)
            wall[name].append(time.perf_counter() - start_wall)
    return {
        name: {"cpu_s": statistics.median(cpu[name]), "wall_s": statistics.median(wall[name]), "matched": matched[name]}
        for name in matchers
    }


def pin_to_one_core() -> str:
    """Pin the process to one CPU so that the figure is a single-core one; say which."""
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to cpu {cpu}"
    return "not pinned (no sched_setaffinity here)"


def write_readme_section(body: str) -> None:
    """Replace only what lies between the match markers, creating the file or markers if missing."""
    write_section(START, END, f"{START}\n{body.rstrip()}\n{END}")


def main() -> int:
    """Run the benchmark, print a summary, write the results file and the README section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()

    pinning = pin_to_one_core()
    texts = corpus(options.texts)
    query_text = watch_query()
    query = compile_query(query_text, aliases=ALIASES)
    timings = time_both({"query": query.match, "baseline": baseline()}, texts, options.runs)
    query_rate = len(texts) / timings["query"]["cpu_s"]
    base_rate = len(texts) / timings["baseline"]["cpu_s"]
    query_matched, base_matched = timings["query"]["matched"], timings["baseline"]["matched"]

    def figures(name: str) -> dict[str, float]:
        cpu_s, wall_s = timings[name]["cpu_s"], timings[name]["wall_s"]
        return {
            "texts_per_s": round(len(texts) / cpu_s),
            "texts_per_s_wall": round(len(texts) / wall_s),
            "median_cpu_s": round(cpu_s, 4),
            "median_wall_s": round(wall_s, 4),
            "matched": timings[name]["matched"],
        }

    result = {
        "benchmark": "match",
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpu": pinning,
        "load_average_1m": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
        "texts": len(texts),
        "avg_chars": round(statistics.mean(len(t) for t in texts), 1),
        "non_ascii_share": round(sum(not t.isascii() for t in texts) / len(texts), 3),
        "watch": {"terms": len(TERMS), "aliases": len(ALIASES), "exclusions": len(EXCLUSIONS)},
        "runs": options.runs,
        "query": figures("query"),
        "baseline": figures("baseline"),
        "speedup": round(query_rate / base_rate, 2),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    write_readme_section(
        "\n".join(
            [
                "## Query matching (`bench/bench_match.py`)",
                "",
                f"{len(texts):,} generated EN/FR posts (avg {result['avg_chars']} chars, "
                f"{result['non_ascii_share']:.0%} with accents or emoji); a watch of 20 terms, 5 aliases and "
                f"5 exclusions; median CPU time of {options.runs} interleaved runs, {pinning}, Python "
                f"{result['python']}, 1-minute load average {result['load_average_1m']} ({result['date']}).",
                "",
                "| matcher | texts/s | matched |",
                "|---|---:|---:|",
                f"| `Query.match` (one compile, normalised once, combined prefilter) | {query_rate:,.0f} "
                f"| {query_matched:,} |",
                f"| baseline: one `re.search(r'\\bterm\\b', IGNORECASE)` per spelling | {base_rate:,.0f} "
                f"| {base_matched:,} |",
                "",
                f"Speed-up: **{result['speedup']}x**. The match counts differ because the baseline is not "
                "accent-insensitive and does not read obfuscated domains; `Query.match` also returns spans.",
                "",
                "Regenerate with `.venv/bin/python bench/bench_match.py`; raw figures in `bench/results/match.json`.",
            ]
        )
    )
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
