"""``veille``: the local handle on everything (serve, demo, fetch, match, sources, classify, digest)."""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = ("serve", "demo", "fetch", "match", "sources", "classify", "digest")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="veille", description="Veille: social listening and feedback triage.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"veille.cmd_{name}")
        module.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
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
