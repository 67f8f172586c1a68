"""Proof of cost, cold start, package size and throughput of the deployed code.

    .venv/bin/python bench/bench_ops.py [--mentions 10000] [--budget-s 240] [--runs 10] [--skip-package]

Measures, in this order (progress on stderr):
- ``import app`` against ``import boto3`` in fresh interpreters (median of --runs, alternating);
- the classifier's first load (``get_classifier()``) in fresh interpreters;
- the package built by ``chalice package --stage dev`` (arm64 wheels from PyPI);
- the whole pipeline on DynamoDB Local (signed generic webhooks over loopback, store, stream
  poller, classify, labels, alerts), with DynamoDB capacity counted by botocore hooks;
- the monthly bill at 10k, 100k and 1M mentions a day from those counts (bench/ops/cost.py).
Writes bench/results/ops.json and the "ops" section of bench/README.md (between its markers).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.ops import cost  # noqa: E402
from bench.ops.imports import classifier_load_ms, heaviest_imports, import_ratio  # noqa: E402
from bench.ops.package import chalice_package  # noqa: E402
from bench.sections import write_section  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "ops.json"
README = ROOT / "bench" / "README.md"
START, END = "<!-- ops:start -->", "<!-- ops:end -->"
VOLUMES = (10_000, 100_000, 1_000_000)
TARGETS = {10_000: 1.0, 100_000: 5.0, 1_000_000: 60.0}
# Assumed latency of one DynamoDB call from Lambda in the same region ("single-digit ms"); DynamoDB
# Local on this shared 2-core machine answers in tens of ms, which says nothing about AWS.
AWS_DDB_CALL_MS = 6.0


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mentions", type=int, default=10_000, help="mentions through the pipeline (default 10000)")
    parser.add_argument("--budget-s", type=float, default=240.0, help="stop posting after this many seconds")
    parser.add_argument("--runs", type=int, default=10, help="fresh interpreters per import measurement")
    parser.add_argument("--skip-package", action="store_true", help="keep the previous package figures")
    args = parser.parse_args(argv)
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    started = time.perf_counter()

    say(f"[1/5] import app vs import boto3, {args.runs} fresh interpreters each...")
    imports: dict[str, Any] = {
        "plain": import_ratio(ROOT, args.runs),
        "lambda_like": import_ratio(ROOT, args.runs, lambda_like=True),
        "traced": import_ratio(ROOT, args.runs, lambda_like=True, traced=True),
        "heaviest": heaviest_imports(ROOT),
        "heaviest_lambda_like": heaviest_imports(ROOT, lambda_like=True),
    }
    say(
        f"    ratio {imports['plain']['ratio']} (as on Lambda: {imports['lambda_like']['ratio']}; "
        f"with -c tracing=sdk: {imports['traced']['ratio']})"
    )

    say("[2/5] classifier load...")
    classifier = classifier_load_ms(ROOT, args.runs)
    say(f"    {classifier['median_ms']} ms")

    if args.skip_package and "package" in previous:
        package = previous["package"]
    else:
        say("[3/5] chalice package --stage dev (downloads arm64 wheels)...")
        package = chalice_package(ROOT)
    say(f"    {package.get('zip_mb', '?')} MB zipped, {package.get('unzipped_mb', '?')} MB unzipped")

    say(f"[4/5] pipeline: {args.mentions:,} mentions on DynamoDB Local...")
    from bench.ops.pipeline import run_pipeline

    pipeline = run_pipeline(args.mentions, say, budget_s=args.budget_s)
    say(f"    {pipeline['mentions']:,} mentions, {pipeline['mentions_per_s']} mentions/s")

    say("[5/5] cost model...")
    usage, per_mention = usage_from(pipeline)
    costs = {str(d): cost.monthly_cost(d, usage) for d in VOLUMES}
    sensitivities = {
        name: {str(d): cost.monthly_cost(d, u, a)["total"] for d in VOLUMES}
        for name, u, a in scenarios(usage, per_mention, pipeline)
    }
    results = {
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "python": platform.python_version(),
        "seconds": round(time.perf_counter() - started, 1),
        "import_ratio": imports["plain"]["ratio"],
        "import_ratio_lambda_like": imports["lambda_like"]["ratio"],
        "import_ratio_traced": imports["traced"]["ratio"],
        "classifier_load_ms": classifier["median_ms"],
        "package_zip_mb": package.get("zip_mb"),
        "package_unzipped_mb": package.get("unzipped_mb"),
        "mentions_per_s": pipeline["mentions_per_s"],
        "write_units_per_mention": per_mention["write_units"],
        # A burst of 10k mentions fills one stream window; spread over a day, every window writes its counter.
        "write_units_per_mention_at_volume": {
            str(d): round(cost.write_units_per_mention(d, usage), 4) for d in VOLUMES
        },
        "read_units_per_mention": per_mention["read_units"],
        "scans": pipeline["capacity"]["scans"],
        "cost_usd_month": {d: round(c["total"], 2) for d, c in costs.items()},
        "targets": {
            "import_ratio": 1.5,
            "classifier_load_ms": 150,
            "package_zip_mb": 25,
            "write_units_per_mention": 2,
            "scans": 0,
            "cost_usd_month": {str(k): v for k, v in TARGETS.items()},
        },
        "imports": imports,
        "classifier": classifier,
        "package": package,
        "pipeline": pipeline,
        "per_mention": per_mention,
        "cost": {"usage": usage.__dict__, "assumptions": cost.describe(), "lines": costs},
        "sensitivities": sensitivities,
        "saas": {str(d): cost.cheapest_saas(d) for d in VOLUMES},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    write_readme(results)
    say(f"wrote {RESULTS.relative_to(ROOT)} and the ops section of {README.relative_to(ROOT)}")
    return 0


def scenarios(usage: cost.Usage, pm: dict[str, float], pipeline: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(name, usage, assumptions) of each sensitivity of the README; the main bill uses what is deployed (the
    HTTP API, retention per source: cost.Assumptions' defaults)."""
    A = cost.Assumptions
    local = replace(usage, stream_ms=pipeline["stream_ms_per_mention"], intake_ms=pipeline["webhook_ms_per_request"])
    return [
        ("all mentions through webhooks", usage, A(webhook_fraction=1.0)),
        ("local DynamoDB latency kept in Lambda time", local, A()),
        ("the REST API Chalice packages instead of the HTTP API", usage, A(front_door="rest", access_log_bytes=0)),
        ("Lambda function URLs (no API Gateway)", usage, A(front_door="function_url")),
        ("every mention kept 90 days (no retention per source)", usage, A(retention_mix=())),
        ("Standard-IA table class", usage, A(table_class="standard_ia")),
        ("as before issue 14's front door and retention (REST API, 90 days)", usage,
         A(front_door="rest", access_log_bytes=0, retention_mix=())),
    ]  # fmt: skip


def usage_from(pipeline: dict[str, Any]) -> tuple[cost.Usage, dict[str, float]]:
    """Per-mention figures from the pipeline run, with Lambda time modelled for AWS (CPU + DynamoDB calls)."""
    n = max(pipeline["mentions"], 1)
    capacity = pipeline["capacity"]
    # A failed conditional write reports no units locally but costs at least 1 WRU in AWS.
    writes = capacity["write_units"] + capacity["errors"].get("ConditionalCheckFailedException", 0)
    calls = capacity["calls_by_thread"]
    stream_calls = calls.get("stream", 0) / n
    intake_calls = calls.get("other", 0) / n
    by_kind = capacity.get("write_units_by_kind", {})
    alerts = max(pipeline.get("alerts_posted", 0), 1)
    alert_units = sum(v for k, v in by_kind.items() if k.startswith("ONCE#alert"))
    logs = pipeline.get("log_bytes_by_handler", {})
    per_mention = {
        "write_units": round(writes / n, 4),
        "write_units_without_alert_marks": round((writes - alert_units) / n, 3),
        "write_units_without_counters_and_marks": round((writes - alert_units - by_kind.get("COUNT", 0.0)) / n, 4),
        # the insert (MENTION#<id>) and the labelled item the listing reads (WATCH#<watch>#<day>)
        "mention_write_units": round((by_kind.get("MENTION", 0.0) + by_kind.get("WATCH", 0.0)) / n, 3),
        "counter_write_units": round(by_kind.get("COUNT", 0.0) / n, 3),
        "alert_write_units_per_alert": round(alert_units / alerts, 2),
        "stream_log_bytes": round(logs.get("stream", 0) / n, 1),
        "webhook_log_bytes": round(logs.get("webhook", 0) / n, 1),
        "read_units": round(capacity["read_units"] / n, 3),
        "digest_read_units": round(pipeline["digest_capacity"]["read_units"] / n, 4),
        "stream_ddb_calls": round(stream_calls, 3),
        "intake_ddb_calls": round(intake_calls, 3),
        "stream_ms_modelled": round(pipeline["stream_cpu_ms_per_mention"] + stream_calls * AWS_DDB_CALL_MS, 2),
        "intake_ms_modelled": round(pipeline["webhook_cpu_ms_per_request"] + intake_calls * AWS_DDB_CALL_MS, 2),
        "log_bytes": round(pipeline["log_bytes"] / n, 1),
    }
    usage = cost.Usage(
        write_units=per_mention["write_units_without_counters_and_marks"],
        alert_write_units=per_mention["alert_write_units_per_alert"],
        read_units=per_mention["read_units"],
        digest_read_units=per_mention["digest_read_units"],
        item_bytes=pipeline["item_bytes"]["mean"] + pipeline["item_bytes"].get("insert_mean", 0.0),
        index_bytes=pipeline["item_bytes"].get("index_mean", 0.0),
        stored_items=2 if pipeline["item_bytes"].get("insert_mean") else 1,
        stream_ms=per_mention["stream_ms_modelled"],
        intake_ms=per_mention["intake_ms_modelled"],
        log_bytes=per_mention["stream_log_bytes"] if logs else per_mention["log_bytes"],
        webhook_log_bytes=per_mention["webhook_log_bytes"],
    )
    return usage, per_mention


def _mark(ok: bool) -> str:
    return "✅" if ok else "❌"


def _write_units_line(r: dict[str, Any]) -> str:
    """Where the write units of one mention go, from the metered calls of the pipeline run, by kind of item."""
    p, pm = r["pipeline"], r["per_mention"]
    cap, n = p["capacity"], max(p["mentions"], 1)
    by_kind = cap.get("write_units_by_kind", {})
    parts = ", ".join(f"{k} {v / n:.3f}" for k, v in sorted(by_kind.items(), key=lambda kv: -kv[1]))
    return (
        f"Write units per mention, by item: {parts}. The mention takes {pm['mention_write_units']}: its insert "
        "(MENTION, the dedupe record: 1) and the labelled item the day listing reads (WATCH, written once by the "
        "stream: 1, or 2 past 1 KB); no index entry, no label update. "
        "An urgent alert writes nothing: it goes out before the labels are stored, and the stored labels are its "
        "mark (marks are written only for the channels that worked when another failed); crisis alerts keep a "
        f"mark each. This corpus sent {p['alerts_posted']:,} alerts for {n:,} mentions, "
        f"{pm['alert_write_units_per_alert']} WRU each on average. Hourly crisis counters are tallied in the "
        "stream mapping's 15-minute tumbling window (Lambda's state) and written once per watch, hour and window: "
        "this burst fits in one window, so the bill counts them per window over the day "
        "(Assumptions.tally_window_s), and the mentions at "
        f"{pm.get('write_units_without_counters_and_marks', pm['write_units_without_alert_marks'])} WRU each."
    )


def write_readme(r: dict[str, Any]) -> None:
    p, pm, t = r["pipeline"], r["per_mention"], r["targets"]
    imp, imp_l = r["imports"]["plain"], r["imports"]["lambda_like"]
    imp_t = r["imports"].get("traced")
    pkg = r["package"]
    lines = [
        START,
        "## Operations: cold start, package, throughput, capacity, cost (`bench/bench_ops.py`)",
        "",
        f"Python {r['python']}, a shared 2-core machine, {r['generated_at']}; the run took {r['seconds']:.0f} s.",
        "",
        "| measure | value | target |",
        "|---|---:|---|",
        f"| `import app` / `import boto3`, fresh interpreter (median of {imp['runs']}) | "
        f"{imp['ratio']} ({imp['app_ms']:.0f} / {imp['boto3_ms']:.0f} ms) | ≤ 1.5 {_mark(imp['ratio'] <= 1.5)} |",
        f"| same, with Lambda's environment variables | {imp_l['ratio']} "
        f"({imp_l['app_ms']:.0f} / {imp_l['boto3_ms']:.0f} ms) | ≤ 1.5 {_mark(imp_l['ratio'] <= 1.5)} |",
    ]
    if imp_t:
        lines.append(
            f"| same, opt-in SDK tracing (`-c tracing=sdk`: Powertools Tracer, X-Ray SDK) | {imp_t['ratio']} "
            f"({imp_t['app_ms']:.0f} / {imp_t['boto3_ms']:.0f} ms) | (not the default) |"
        )
    lines += [
        f"| classifier first load (`get_classifier()`) | {r['classifier_load_ms']} ms | ≤ 150 ms "
        f"{_mark(r['classifier_load_ms'] <= 150)} |",
    ]
    if pkg.get("ok"):
        lines.append(
            f"| `chalice package --stage dev` (arm64) | {pkg['zip_mb']} MB zipped, {pkg['unzipped_mb']} MB unzipped "
            f"| ≤ 25 MB zipped {_mark(pkg['zip_mb'] <= 25)} |"
        )
    else:
        lines.append(f"| `chalice package` | failed: {str(pkg.get('error', ''))[:120]} | ≤ 25 MB |")
    lines += [
        f"| pipeline throughput, {p['mentions']:,} mentions, DynamoDB Local | {p['mentions_per_s']} mentions/s | — |",
        f"| DynamoDB write units per mention | {pm['write_units']} | ≤ {t['write_units_per_mention']} "
        f"{_mark(pm['write_units'] <= t['write_units_per_mention'])} |",
        "| same, spread over a day at 10k / 100k / 1M mentions (modelled: one counter write per window, "
        f"{r['cost']['assumptions'].get('alerts_per_day', 0)} alerts a day) | "
        + " / ".join(f"{v:.4f}" for v in r.get("write_units_per_mention_at_volume", {}).values())
        + " | — |",
        f"| DynamoDB read units per mention (pipeline; digest: {pm['digest_read_units']}) | {pm['read_units']} | — |",
        f"| Scans | {r['scans']} | 0 {_mark(r['scans'] == 0)} |",
        "",
        _write_units_line(r),
        "",
        "Monthly AWS bill as deployed (HTTP API front door, retention per source: public posts 30 days, forms "
        "and reviews 90; arm64, always-free allowances only) from the measured units, item size "
        f"(listed item {p['item_bytes']['mean']:.0f} B + insert {p['item_bytes'].get('insert_mean', 0):.0f} B, "
        "no index), "
        f"log bytes (stream {pm.get('stream_log_bytes', pm['log_bytes']):.0f} B/mention, webhook "
        f"{pm.get('webhook_log_bytes', 0):.0f} B/request, API Gateway access log "
        f"{r['cost']['assumptions'].get('access_log_bytes', 0)} B/request) and "
        f"Lambda time modelled as measured CPU + {AWS_DDB_CALL_MS:.0f} ms per DynamoDB call "
        f"(stream {pm['stream_ms_modelled']} ms/mention, intake {pm['intake_ms_modelled']} ms/mention):",
        "",
        "| mentions/day | Lambda | DynamoDB writes | reads | storage | API GW | other | **total** | target | "
        "cheapest SaaS covering it |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for volume, target in TARGETS.items():
        c = r["cost"]["lines"][str(volume)]
        lam = c["lambda_requests"] + c["lambda_compute"]
        other = c["sns_alerts"] + c["ses_digests"] + c["cloudwatch_logs"] + c["eventbridge"] + c["dynamodb_streams"]
        saas = r["saas"][str(volume)]
        saas_text = f"{saas['tool']} ${saas['usd_month']}/mo ({saas['note']})" if saas else "none published (custom)"
        lines.append(
            f"| {volume:,} | ${lam:.2f} | ${c['dynamodb_writes']:.2f} | ${c['dynamodb_reads']:.2f} | "
            f"${c['dynamodb_storage']:.2f} | ${c['api_gateway']:.2f} | ${other:.2f} | **${c['total']:.2f}** | "
            f"≤ ${target:g} {_mark(c['total'] <= target)} | {saas_text} |"
        )
    lines += ["", "Sensitivities (monthly total at 10k / 100k / 1M a day):", ""]
    for name, totals in r["sensitivities"].items():
        lines.append(f"- {name}: " + " / ".join(f"${totals[str(v)]:.2f}" for v in TARGETS))
    lines += [
        "",
        "Regenerate with `.venv/bin/python bench/bench_ops.py` (`--mentions N` for a shorter run); "
        "raw figures, the heaviest imports and every assumption in `bench/results/ops.json`.",
        END,
    ]
    write_section(START, END, "\n".join(lines))


if __name__ == "__main__":
    raise SystemExit(main())
