"""``veille migrate-store``: move the mentions of a table from the earlier layout (an index entry and a label
update on the insert) to the two-write layout (the stream's listed item), once, after upgrading.

Local table by default (found as ``veille digest`` finds it); ``--table NAME --region R`` migrates the deployed
table with your AWS credentials (boto3's usual chain), after ``make deploy`` of this version. Safe to run again.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from veille.cmd_digest import table_store


def add_parser(subparsers: Any) -> None:
    """Register the ``migrate-store`` subcommand."""
    parser = subparsers.add_parser(
        "migrate-store", help="move stored mentions to the two-write layout (once, after upgrading)"
    )
    parser.add_argument("--table", help="a deployed table's name (e.g. veille-prod); default: the local table")
    parser.add_argument("--region", help="the deployed table's AWS region (with --table)")
    parser.add_argument("--data-dir", type=Path, help="veille serve's data directory (default .veille)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Migrate; print the counts as JSON. 0 on success, 1 when the table cannot be read or written."""
    from chalicelib.errors import StorageError
    from chalicelib.store.migrate import migrate_store

    def progress(report: Any) -> None:
        print(f"veille migrate-store: {report.examined} examined, {report.moved} moved", file=sys.stderr)

    try:
        with table_store(args.table, args.region, args.data_dir) as store:
            report = migrate_store(store, progress=progress)
    except (StorageError, FileNotFoundError) as exc:
        print(f"veille migrate-store: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(report.as_dict()))
    return 0
