"""``veille sources``: every source type, what it needs, and whether its settings are set here."""

from __future__ import annotations

import argparse
import json
import os
from typing import Any


def add_parser(subparsers: Any) -> None:
    """Register the ``sources`` subcommand."""
    parser = subparsers.add_parser("sources", help="list the source types and the settings each one reads")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of a table")
    parser.set_defaults(func=run)


def describe() -> list[dict[str, Any]]:
    """One entry per source type: credentials needed, settings (set or not, never their values), description."""
    from chalicelib.sources import SOURCE_TYPES, get_source

    rows = []
    for name in SOURCE_TYPES:
        source = get_source(name)
        rows.append(
            {
                "type": name,
                "needs_credentials": source.needs_credentials,
                # Only whether a value exists: a secret must never reach a terminal or a log.
                "settings": {setting: bool(os.environ.get(setting)) for setting in source.settings},
                "description": source.description,
            }
        )
    return rows


def run(args: argparse.Namespace) -> int:
    """Print the source types as a table or, with ``--json``, as JSON."""
    rows = describe()
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    width = max(len(row["type"]) for row in rows)
    for row in rows:
        needs = "needs credentials" if row["needs_credentials"] else "no credentials"
        print(f"{row['type']:<{width}}  {needs:<17}  {row['description']}")
        optional = "" if row["needs_credentials"] else " (optional)"
        for setting, is_set in row["settings"].items():
            print(f"{'':<{width}}    {setting}{optional}: {'set' if is_set else 'not set'}")
    return 0
