"""Issue 21's scale targets, measured: theme discovery on its bounded sample, and a month's report from aggregates.

    .venv/bin/python bench/bench_scale.py [--clinc .data/clinc150] [--themes 200]

1. Discovery: the daily job reads at most ``MAX_MENTIONS`` mentions (chalicelib/themes/job.py), about two units
   each. This runs ``chalicelib.themes.discover`` (the job's grouping) on 6,000 real short texts (CLINC150's
   train split, see bench_themes.py for where to get it), in the encoder's space when the encoder is installed,
   and reports the time and the peak Python memory against the DiscoverThemes function (1,769 MB, 900 s).
2. Report: at 1M mentions a day a month report reads two months of hourly counter items (the month and the one
   before, 1,464 items) holding KPIs for 6 sources and counts for ``--themes`` themes. This builds such items,
   sums them into local days and builds the report (``chalicelib.report.collect.local_days`` and
   ``build_report``, what ``collect_report`` runs after its Queries), and gives the items' size, hence the
   read units of those Queries.

Results: bench/results/scale.json and the scale section of bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.sections import write_section  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "scale.json"
SOURCES = ("reddit", "hn", "appstore", "rss", "form:typeform", "bluesky")
LAMBDA_MEMORY_MB = 1769
LAMBDA_TIMEOUT_S = 900


def discovery(clinc_dir: Path, units_wanted: int) -> dict[str, Any]:
    from chalicelib.themes import FeedbackUnit, discover
    from chalicelib.themes.vectors import default_space

    data_file = clinc_dir / "data_full.json"
    if not data_file.exists():
        raise SystemExit(f"no {data_file}: see bench/bench_themes.py for how to get CLINC150 (git-ignored)")
    rows = json.loads(data_file.read_text(encoding="utf-8"))["train"]
    rng = random.Random(21)
    rng.shuffle(rows)
    units = [
        FeedbackUnit(id=f"u{n}", text=text, kind="question", author=f"a{n % 997}", lang="en")
        for n, (text, _intent) in enumerate(rows[:units_wanted])
    ]
    space = default_space()
    tracemalloc.start()
    started = time.perf_counter()
    found = discover(units, space=space)
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    taken = sum(1 for a in found.assignments if a.theme)
    return {
        "units": len(units),
        "space": space.name,
        "seconds": round(seconds, 1),
        "peak_python_mb": round(peak / 2**20, 1),
        "themes": len(found.themes),
        "share_in_a_theme": round(taken / len(units), 3),
        "within_lambda": seconds < LAMBDA_TIMEOUT_S and peak / 2**20 < LAMBDA_MEMORY_MB,
    }


def report_items(themes: int, end: date, zone: ZoneInfo) -> dict[str, dict[str, int]]:
    """Two months of hourly counter items as the stream writes them at 1M mentions a day (one watch)."""
    rng = random.Random(7)
    start = datetime.combine(end.replace(day=1) - timedelta(days=31), datetime.min.time(), zone).astimezone(UTC)
    hours = int(
        (datetime.combine(end + timedelta(days=1), datetime.min.time(), zone).astimezone(UTC) - start)
        / timedelta(hours=1)
    )
    items: dict[str, dict[str, int]] = {}
    per_hour = 1_000_000 // 24
    for h in range(hours):
        fields: dict[str, int] = {"n": per_hour // 10}
        for source in SOURCES:
            n = per_hour // len(SOURCES)
            fields.update({f"n|{source}": n, f"pos|{source}": n // 3, f"neu|{source}": n // 3})
            fields.update({f"neg|{source}": n // 3, f"cmp|{source}": n // 10, f"lead|{source}": n // 100})
            fields.update({f"rep|{source}": n // 50, f"rh24|{source}": n // 50})
        for t in range(themes):
            units = rng.randint(0, 40)
            fields.update({f"t|th-{t:05d}": units, f"tm|th-{t:05d}": units, f"tn|th-{t:05d}": units // 2})
        items[(start + timedelta(hours=h)).strftime("%Y-%m-%dT%H")] = fields
    return items


def item_bytes(fields: dict[str, int]) -> int:
    """DynamoDB's size of an item: names plus numbers (about one byte per two digits, plus one)."""
    return 40 + sum(len(k) + 1 + (len(str(v)) + 1) // 2 + 1 for k, v in fields.items())


def report(themes: int) -> dict[str, Any]:
    from chalicelib.report import build_report
    from chalicelib.report.collect import day_counts, local_days

    zone = ZoneInfo("Europe/Paris")
    end = date(2026, 3, 31)
    items = report_items(themes, end, zone)
    infos = [
        {"id": f"th-{t:05d}", "kind": ("problem", "request", "question", "praise")[t % 4], "label": f"Theme {t}"}
        for t in range(themes)
    ]
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        days = [day_counts(d, f, {}) for d, f in sorted(local_days(items, zone).items())]
        built = build_report("acme", "en", "month", end, days, infos)
        timings.append(time.perf_counter() - started)
    sizes = [item_bytes(f) for f in items.values()]
    total = sum(sizes)
    return {
        "hourly_items": len(items),
        "themes": themes,
        "item_bytes_median": int(statistics.median(sizes)),
        "query_read_units": round(total / 4096 / 2, 1),  # eventually consistent Query, 4 KB per half unit
        "seconds_median": round(statistics.median(timings), 3),
        "report_themes": len(built["themes"]),
        "proposals": len(built["proposals"]),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clinc", type=Path, default=ROOT / ".data" / "clinc150", help="CLINC150 folder")
    parser.add_argument("--units", type=int, default=6000, help="units for discovery (default 6000)")
    parser.add_argument("--themes", type=int, default=200, help="themes counted in the hourly items (default 200)")
    args = parser.parse_args()
    print(f"[1/2] discovery on {args.units:,} units...", file=sys.stderr, flush=True)
    found = discovery(args.clinc, args.units)
    print(f"    {found}", file=sys.stderr)
    print(f"[2/2] a month's report from {args.themes} themes' hourly counters...", file=sys.stderr, flush=True)
    built = report(args.themes)
    print(f"    {built}", file=sys.stderr)
    result = {"generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "discovery": found, "report": built}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    ok = "✅" if found["within_lambda"] else "❌"
    discovery_row = (
        f"| discovery on the job's bounded sample: {found['units']:,} units ({found['space']}) "
        f"| {found['seconds']} s, {found['peak_python_mb']} MB peak Python memory, {found['themes']} themes, "
        f"{found['share_in_a_theme']:.0%} in a theme "
        f"| one DiscoverThemes invocation ({LAMBDA_TIMEOUT_S} s, {LAMBDA_MEMORY_MB} MB) {ok} |"
    )
    report_row = (
        f"| a month report at 1M mentions a day: {built['hourly_items']:,} hourly items, {built['themes']} themes "
        f"| {built['seconds_median']} s to sum and build (median of 3); items {built['item_bytes_median']:,} B each, "
        f"about {built['query_read_units']} read units of Query | one API or SendDigests invocation ✅ |"
    )
    section = f"""<!-- scale:start -->
## Scale: theme discovery and the month report at 1M mentions a day (`bench/bench_scale.py`)

Python {sys.version.split()[0]}, a shared 2-core machine, {result["generated_at"]}.

| measure | value | bound |
|---|---:|---|
{discovery_row}
{report_row}

The job reads at most 3,000 mentions a run, newest first (a bounded sample at 1M a day); the report never reads
a mention. Regenerate with `.venv/bin/python bench/bench_scale.py`.
<!-- scale:end -->"""
    write_section("<!-- scale:start -->", "<!-- scale:end -->", section)
    print(f"wrote {RESULTS.relative_to(ROOT)} and the scale section of bench/README.md", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
