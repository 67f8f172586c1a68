"""``veille demo``: the whole pipeline once, offline, on the bundled sample, through the real handlers.

Stages: fetch (the schedule handler over the recorded feeds), intake (each recorded form delivery,
signed and POSTed to the real webhook route), stream (the stream poller feeding the stream handler:
language, labels, alerts), digest (built, rendered and written to out/). A summary table is printed
and ``out/demo-summary.json`` holds the counts of each stage. Exit code 1 if any stage failed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DEMO_STATE = "demo.json"  # in the demo's data directory: the day it digested, for `veille digest`
DEMO_SECRET = "demo-secret-not-for-production"  # noqa: S105 - a well-known value for the offline demo only
SECRET_SETTINGS = (
    "TYPEFORM_SECRET",
    "TALLY_SECRET",
    "FORMSPREE_SECRET",
    "GOOGLE_FORMS_SECRET",
    "GENERIC_SECRET",
    "JOTFORM_TOKEN",
    "FILLOUT_TOKEN",
    "API_TOKEN",
    "LINK_SECRET",
)


DESCRIPTION = """Run every stage once, offline, on the bundled sample (samples/), through the real handlers:
fetch (the recorded feeds, dated as if just fetched), intake (each recorded form delivery, signed and
posted to its webhook route), stream (language, labels, alerts), classify (the labels and why of every
mention, and the alerts sent) and digest (printed, and written to --out). The data stays in
DATA_DIR/demo, so that `veille digest` can show the digest again. Exit code 1 if any stage failed."""


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo", help="run the whole pipeline once, offline, on the bundled sample", description=DESCRIPTION
    )
    parser.add_argument("--samples", type=Path, default=Path("samples"), help="the recorded sample (default samples/)")
    parser.add_argument("--out", type=Path, default=Path("out"), help="where to write the summary and the digest")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(".veille"),
        help="the demo keeps its table in DATA_DIR/demo, emptied at each run (default .veille)",
    )
    parser.add_argument(
        "--verbose", action="store_true", help="also show the handlers' own logs, metrics and the HTTP access log"
    )
    parser.set_defaults(func=run)


class Stages:
    """Runs stages in order, timing each and keeping going after a failure so every problem shows."""

    def __init__(self, say: Callable[[str], None]) -> None:
        self.say = say
        self.results: dict[str, dict[str, Any]] = {}

    def run(self, name: str, body: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        self.say(f"[{len(self.results) + 1}] {name}...")
        started = time.perf_counter()
        try:
            counts = body()
            ok = not counts.pop("_failed", False)
            result = {"ok": ok, **counts}
        except Exception as exc:  # noqa: BLE001 - one failed stage is reported, the others still run
            result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        result["seconds"] = round(time.perf_counter() - started, 2)
        self.results[name] = result
        self.say(
            f"    {'ok' if result['ok'] else 'FAILED'} "
            + ", ".join(f"{k}={v}" for k, v in result.items() if k not in ("ok", "seconds", "mentions", "alerts"))
        )
        return result

    @property
    def ok(self) -> bool:
        return all(r["ok"] for r in self.results.values())


def run(args: argparse.Namespace) -> int:
    from veille.runtime.console import AlertConsole, quiet_handlers
    from veille.runtime.stack import LocalStack

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    args.out.mkdir(parents=True, exist_ok=True)
    data_dir = demo_data_dir(args.data_dir)
    shutil.rmtree(data_dir, ignore_errors=True)  # the demo's own directory: every run starts empty
    alerts = AlertConsole()
    env = {f"VEILLE_{name}": DEMO_SECRET for name in SECRET_SETTINGS}
    env["VEILLE_SLACK_WEBHOOK_URL"] = alerts.url
    verbose = bool(getattr(args, "verbose", False))
    # The stages speak for the handlers; their JSON logs and EMF metrics are what CloudWatch would get.
    quiet_handlers(verbose)
    stages = Stages(say)
    stack = LocalStack(
        port=0,
        data_dir=data_dir,
        run_schedules=False,
        extra_env=env,
        progress=lambda m: say(f"    {m}"),
        access_log=verbose,
    )
    try:
        say("Veille demo: the whole pipeline, offline, on the bundled sample")
        stages.run("start", lambda: (stack.start(), {"api": stack.url})[1])
        if stages.ok:
            stages.run("fetch", lambda: _fetch(stack))
            stages.run("intake", lambda: _intake(stack, args.samples))
            stages.run("stream", lambda: _stream(stack))
            stages.run("classify", lambda: _classified(stack, alerts))
            stages.run("digest", lambda: _digest(stack, args.out))
            stages.run("themes", lambda: _themes(stack))
            stages.run("report", lambda: _report(stack, args.out, stages.results["digest"].get("date")))
    finally:
        stack.stop()
        alerts.close()
    summary = _summary(stages)
    (args.out / "demo-summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    _print_table(stages, summary)
    digest = stages.results.get("digest", {})
    if digest.get("ok"):
        (data_dir / DEMO_STATE).write_text(
            json.dumps({"date": digest["date"], "watch": digest["watch"], "generated_at": summary["generated_at"]})
            + "\n",
            encoding="utf-8",
        )
        say(f"\nthe demo's data stays in {data_dir}: `veille digest` shows its digest again")
    say(f"wrote {args.out / 'demo-summary.json'}" + ("" if stages.ok else "; some stages FAILED (see above)"))
    return 0 if stages.ok else 1


def demo_data_dir(data_dir: Path) -> Path:
    """Where ``veille demo`` keeps its DynamoDB Local data, beside (never in) the data of ``veille serve``."""
    return data_dir / "demo"


def demo_state(data_dir: Path) -> dict[str, Any] | None:
    """What the last successful demo on ``data_dir`` digested (``{"date", "watch"}``), or None."""
    try:
        state = json.loads((demo_data_dir(data_dir) / DEMO_STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) else None


def _fetch(stack: Any) -> dict[str, Any]:
    result = stack.invoke_schedule("fetch_mentions") or {}
    failed = result.get("failed_sources", []) or bool(stack.errors)
    return {
        "fetched": result.get("fetched", 0),
        "matched": result.get("matched", 0),
        "stored": result.get("stored", 0),
        "skipped": result.get("skipped", 0),
        "failed_sources": len(result.get("failed_sources", [])),
        "_failed": failed or not result,
    }


def _intake(stack: Any, samples: Path) -> dict[str, Any]:
    import dataclasses

    import httpx

    from chalicelib.intake.samples import sample_deliveries, sign
    from chalicelib.models import utcnow
    from chalicelib.sources.recorded import freshen, recorded_dates

    # Dated like the feeds (see chalicelib/sources/recorded.py): one shift for the whole recorded sample.
    recorded = [path.read_bytes() for path in sorted((samples / "feeds").glob("*")) if path.is_file()]
    deliveries = sample_deliveries(samples / "forms")
    dates = [d for body in recorded + [x.body for x in deliveries] for d in recorded_dates(_text(body))]
    if dates:
        now, newest = utcnow(), max(dates)
        deliveries = [dataclasses.replace(d, body=freshen(d.body, now, newest)) for d in deliveries]
    stored = answered = 0
    errors: list[str] = []
    with httpx.Client(base_url=stack.url, timeout=10) as client:
        for delivery in deliveries:
            extra = sign(delivery.provider, delivery.body, DEMO_SECRET, int(time.time()))
            headers = {**delivery.headers, "content-type": delivery.content_type, **extra.get("headers", {})}
            response = client.post(
                f"/webhooks/{delivery.provider}", content=delivery.body, headers=headers, params=extra.get("params", {})
            )
            if response.status_code == 200:
                answered += 1
                stored += int(bool(response.json().get("stored")))
            else:
                errors.append(f"{delivery.provider}: HTTP {response.status_code} {response.text[:200]}")
    for error in errors:
        print(f"    {error}", file=sys.stderr)
    providers = sorted({d.provider for d in deliveries})
    return {
        "deliveries": len(deliveries),
        "accepted": answered,
        "stored": stored,
        "providers": len(providers),
        "_failed": bool(errors) or not deliveries,
    }


def _text(body: bytes) -> str:
    return body.decode("utf-8", errors="replace")


def _stream(stack: Any) -> dict[str, Any]:
    stack.drain_stream(timeout_s=120)
    stats = stack.poller.stats
    return {
        "delivered": stats.delivered,
        "processed": stats.succeeded,
        "retried": stats.retried,
        "failed": stats.failed,
        "_failed": stats.failed > 0 or stats.delivered == 0,
    }


def _all_mentions(stack: Any) -> list[Any]:
    from datetime import timedelta

    from chalicelib.config import get_config

    today = datetime.now(UTC).date()
    days = [(today - timedelta(days=n)).isoformat() for n in range(0, 30)]
    mentions: list[Any] = []
    for watch in get_config().watches:
        mentions += list(stack.store.iter_mentions(watch.name, days))
    return mentions


def _classified(stack: Any, alerts: Any) -> dict[str, Any]:
    mentions = _all_mentions(stack)
    labelled = [m for m in mentions if m.labels]
    print(file=sys.stderr)
    for mention in sorted(labelled, key=lambda m: -int(m.labels.get("urgency", 0))):
        labels = mention.labels
        flags = [f for f in ("complaint", "spam", "offensive", "lead", "needs_reply") if labels.get(f)]
        why = "; ".join(f"{k}: {', '.join(v)}" for k, v in labels.get("why", {}).items() if v)
        print(
            f"    {labels.get('urgency', 0):>3} {labels.get('lang', '?'):<5} {labels.get('sentiment', '?'):<8} "
            f"{labels.get('kind', 'other'):<15} {','.join(flags) or '-':<28} {mention.source:<15} "
            f"{mention.quote(60)!r}",
            file=sys.stderr,
        )
        if why:
            print(f"        why: {why[:150]}", file=sys.stderr)
    if alerts.lines:
        print("\n    alerts sent:", file=sys.stderr)
        for line in alerts.lines:
            print(f"    {line}", file=sys.stderr)
    urgent = [line for line in alerts.lines if line.startswith("ALERT urgent")]
    return {
        "mentions": len(mentions),
        "labelled": len(labelled),
        "complaints": _count(labelled, "complaint"),
        "leads": _count(labelled, "lead"),
        "needs_reply": _count(labelled, "needs_reply"),
        "spam": _count(labelled, "spam"),
        "offensive": _count(labelled, "offensive"),
        "alerts": len(alerts.messages),
        "urgent_alerts": len(urgent),
        "_failed": not labelled or len(labelled) != len(mentions),
    }


def _count(mentions: list[Any], flag: str) -> int:
    return sum(1 for m in mentions if m.labels.get(flag))


def _digest(stack: Any, out: Path) -> dict[str, Any]:
    from zoneinfo import ZoneInfo

    from chalicelib.config import get_config
    from chalicelib.digest import build_digest, render_html, render_text
    from chalicelib.digest.send import production_links

    config = get_config()
    watch = config.default_watch
    zone = ZoneInfo(watch.timezone)
    # The sample is recorded: report on its busiest local day rather than on today.
    days = Counter(
        m.created_at.astimezone(zone).date().isoformat() for m in _all_mentions(stack) if m.watch == watch.name
    )
    date = days.most_common(1)[0][0] if days else datetime.now(zone).date().isoformat()
    # Signed triage links (the demo's link secret): the written file has the served digest's actions.
    digest = build_digest(stack.store, config, watch.name, date, links=production_links(datetime.now(UTC)))
    (out / f"digest-{date}.json").write_text(json.dumps(digest, indent=2, ensure_ascii=False, default=str) + "\n")
    (out / f"digest-{date}.html").write_text(render_html(digest), encoding="utf-8")
    print("\n" + render_text(digest), file=sys.stderr)
    totals = digest.get("totals", {})
    return {"date": date, "watch": watch.name, "mentions": totals.get("mentions", totals.get("total", 0)), "files": 2}


def _themes(stack: Any) -> dict[str, Any]:
    """The scheduled theme discovery, run now on what the demo stored."""
    result = stack.invoke_schedule("discover_themes") or {}
    runs = [r for r in result.values() if isinstance(r, dict)]
    failed = not result or any("error" in r for r in runs)
    return {
        "units": sum(r.get("units", 0) for r in runs),
        "themes": sum(r.get("themes", 0) for r in runs),
        "_failed": failed,
    }


def _report(stack: Any, out: Path, day: str | None) -> dict[str, Any]:
    """The weekly and monthly reports of the default watch, ending on the digest's day, as JSON and HTML."""
    from datetime import date as date_type

    from chalicelib.config import get_config
    from chalicelib.report import render_text
    from chalicelib.report.collect import collect_report
    from veille.cmd_report import render

    config = get_config()
    watch = config.default_watch
    end = date_type.fromisoformat(day) if day else datetime.now(UTC).date()
    written = 0
    themes = 0
    for period in ("week", "month"):
        report = collect_report(stack.store, config, watch.name, period, end, inbox_url=f"{stack.url}/app")
        for fmt in ("json", "html"):
            (out / f"report-{period}-{end.isoformat()}.{fmt}").write_text(render(report, fmt), encoding="utf-8")
            written += 1
        if period == "week":
            themes = len(report.get("themes") or [])
            print("\n" + render_text(report), file=sys.stderr)
    return {"files": written, "themes": themes}


def _summary(stages: Stages) -> dict[str, Any]:
    counts = {name: dict(result) for name, result in stages.results.items()}
    flat = {
        "fetched": counts.get("fetch", {}).get("fetched", 0),
        "stored": counts.get("fetch", {}).get("stored", 0) + counts.get("intake", {}).get("stored", 0),
        "delivered": counts.get("intake", {}).get("deliveries", 0),
        "processed": counts.get("stream", {}).get("processed", 0),
        "labelled": counts.get("classify", {}).get("labelled", 0),
        "alerts": counts.get("classify", {}).get("alerts", 0),
    }
    return {"ok": stages.ok, **flat, "stages": counts, "generated_at": datetime.now(UTC).isoformat()}


def _print_table(stages: Stages, summary: dict[str, Any]) -> None:
    print(f"\n{'stage':<10} {'status':<7} {'seconds':>7}  counts")
    for name, result in stages.results.items():
        counts = ", ".join(f"{k}={v}" for k, v in result.items() if k not in ("ok", "seconds"))
        print(f"{name:<10} {'ok' if result['ok'] else 'FAILED':<7} {result['seconds']:>7}  {counts}")
    print(
        f"\ntotal: fetched={summary['fetched']} stored={summary['stored']} processed={summary['processed']} "
        f"labelled={summary['labelled']} alerts={summary['alerts']}"
    )
