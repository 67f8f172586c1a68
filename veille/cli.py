"""``veille``: the local handle on everything (serve, demo, fetch, match, sources, classify, themes, digest,
report, corrections, migrate-store)."""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = (
    "serve",
    "demo",
    "fetch",
    "match",
    "sources",
    "classify",
    "themes",
    "digest",
    "report",
    "corrections",
    "migrate_store",
)


def build_parser() -> argparse.ArgumentParser:
    return _build()[0]


def _build() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The ``veille`` parser, and each command's own parser by name."""
    from chalicelib import __version__

    parser = argparse.ArgumentParser(prog="veille", description="Veille: social listening and feedback triage.")
    parser.add_argument("--version", action="version", version=f"veille {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"veille.cmd_{name}")
        module.add_parser(subparsers)
    return parser, dict(subparsers.choices)


def main(argv: list[str] | None = None) -> int:
    parser, commands = _build()
    # parse_known_args, so that a query starting with "-" (veille match '-acme') is not taken for an option.
    args, extra = parser.parse_known_args(argv)
    if getattr(args, "command", None) == "match":
        if args.query is None and len(extra) == 1:
            args.query = extra.pop()
        if args.query is None and extra:
            commands["match"].error(f"put the query in quotes: veille match '{' '.join(extra)}'")
        if args.query is None:
            commands["match"].error("the following arguments are required: query")
    if extra:
        (commands[args.command] if getattr(args, "command", None) else parser).error(
            f"unrecognized arguments: {' '.join(extra)}"
        )
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    from chalicelib.errors import ConfigError

    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        print(f"veille: invalid configuration:\n{exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
