"""``veille report``: the weekly or monthly report of a watch, from the local table's aggregates.

The table is found as ``veille digest`` finds it: a running ``veille serve``'s, else the data ``serve``
kept in ``.veille``, else the last demo's (whose day the report then ends on).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo


def add_parser(subparsers: Any) -> None:
    """Register the ``report`` subcommand."""
    parser = subparsers.add_parser(
        "report", help="render a watch's weekly or monthly report (KPIs, themes, proposals); sends nothing"
    )
    parser.add_argument("--watch", help="the watch (default: the default brand watch of veille.toml)")
    parser.add_argument("--period", choices=("week", "month"), default="week", help="the period (default week)")
    parser.add_argument(
        "--date", help="a day of the period, YYYY-MM-DD (default: today in the watch's time zone, or the demo's day)"
    )
    parser.add_argument("--lang", choices=("en", "fr"), help="the language (default: the watch's)")
    parser.add_argument("--format", choices=("text", "html", "json"), default="text", help="output format")
    parser.add_argument("--output", "-o", type=Path, help="write to this file instead of stdout")
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="veille serve's data directory (default .veille), as for veille digest",
    )
    parser.set_defaults(func=run)


def render(report: dict[str, Any], output_format: str) -> str:
    """The report in one of the command's formats."""
    from chalicelib.report import render_html, render_text

    if output_format == "json":
        return json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n"
    return render_html(report) if output_format == "html" else render_text(report)


def run(args: argparse.Namespace) -> int:
    """Build the report and print or write it; 0 on success, 1 when the store cannot be read, 2 on bad input."""
    from chalicelib.config import get_config
    from chalicelib.models import utcnow
    from chalicelib.report.collect import collect_report
    from veille.cmd_digest import _demo_in_use, pick_watch, read_local

    config = get_config()
    watch = pick_watch(config, args.watch, "report")
    if watch is None:
        return 2
    demo = _demo_in_use(args.data_dir)
    try:
        if args.date:
            day = date.fromisoformat(args.date)
        elif demo and demo.get("watch") == watch.name:
            day = date.fromisoformat(str(demo["date"]))
        else:
            day = utcnow().astimezone(ZoneInfo(watch.timezone)).date()
    except ValueError:
        print(f"veille report: --date {args.date!r} is not YYYY-MM-DD (e.g. --date 2026-03-09)", file=sys.stderr)
        return 2

    def build(store: Any) -> dict[str, Any]:
        from chalicelib.settings import get_settings

        inbox = get_settings().public_url.rstrip("/") + "/app"
        return collect_report(store, config, watch.name, args.period, day, lang=args.lang, inbox_url=inbox)

    report = read_local(args.data_dir, "report", build)
    if report is None:
        return 1
    output = render(report, args.format)
    if args.output:
        args.output.write_text(output, encoding="utf-8")
        print(f"veille report: wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(output)
    return 0
