"""``veille corrections export``: the label corrections of your watches as JSONL, for ``make train``.

Each line: ``{"watch", "mention_id", "text", "lang", "labels", "at"}`` (``labels`` holds only what a person
corrected), the newest first per watch. From the local table by default (found as ``veille digest`` finds
it); ``--table NAME --region R`` reads the deployed table with your AWS credentials instead (boto3's usual
chain: environment, profile, SSO). The watches are those of veille.toml, or ``--watch``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from veille.cmd_digest import table_store


def add_parser(subparsers: Any) -> None:
    """Register the ``corrections`` subcommand."""
    parser = subparsers.add_parser("corrections", help="export the label corrections of your watches (JSONL)")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    export = actions.add_parser("export", help="print every correction as JSONL (for make train CORRECTIONS=...)")
    export.add_argument("--watch", help="one watch (default: every watch of veille.toml)")
    export.add_argument("--table", help="a deployed table's name (e.g. veille-prod); default: the local table")
    export.add_argument("--region", help="the deployed table's AWS region (with --table)")
    export.add_argument("--data-dir", type=Path, help="veille serve's data directory (default .veille)")
    export.set_defaults(func=run)


def rows(store: Any, watches: list[str]) -> list[dict[str, Any]]:
    """One JSON-ready row per correction, newest first within each watch."""
    out = []
    for watch in watches:
        _, corrections = store.watch_corrections(watch)
        for c in sorted(corrections, key=lambda c: c.at, reverse=True):
            out.append(
                {
                    "watch": watch,
                    "mention_id": c.mention_id,
                    "text": c.text,
                    "lang": c.lang,
                    "labels": dict(c.labels),
                    "at": c.at.isoformat(),
                }
            )
    return out


def run(args: argparse.Namespace) -> int:
    """Print the corrections; 0 on success, 1 when the table cannot be read, 2 for an unknown watch."""
    from chalicelib.config import get_config
    from chalicelib.errors import StorageError

    config = get_config()
    names = [w.name for w in config.watches]
    if args.watch and args.watch not in names:
        print(
            f"veille corrections: no watch named {args.watch!r}; the watches are: {', '.join(names)}", file=sys.stderr
        )
        return 2
    watches = [args.watch] if args.watch else names
    try:
        with table_store(args.table, args.region, args.data_dir) as store:
            found = rows(store, watches)
    except (StorageError, FileNotFoundError) as exc:
        print(f"veille corrections: {exc}", file=sys.stderr)
        return 1
    for row in found:
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"veille corrections: {len(found)} corrections from {len(watches)} watch(es)", file=sys.stderr)
    return 0
