"""`veille match 'QUERY'`: filter JSONL mentions on stdin through a query, with the spans that matched.

cat mentions.jsonl | veille match '(acme OR "acme corp") -job lang:fr' --alias acme=akme
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from chalicelib.query import QuerySyntaxError, compile_query

EXIT_OK = 0
EXIT_SKIPPED = 1
EXIT_BAD_QUERY = 2


class _Line(BaseModel):
    """One input mention: only ``text`` is required; any other key passes through untouched."""

    model_config = ConfigDict(extra="allow")

    text: str
    title: str | None = None
    lang: str | None = None
    source: str | None = None
    url: str | None = None
    author: str | None = None


def stdin_hint(command: str) -> None:
    """Say what a command waits for when stdin is a terminal rather than a pipe or a file."""
    if sys.stdin.isatty():
        print(f"{command}: reading JSONL from stdin; Ctrl-D to end, or pipe a file", file=sys.stderr, flush=True)


def _alias(value: str) -> tuple[str, list[str]]:
    term, sep, spellings = value.partition("=")
    alternatives = [s.strip() for s in spellings.split(",") if s.strip()]
    if not sep or not term.strip() or not alternatives:
        raise argparse.ArgumentTypeError(f"expected TERM=ALT1,ALT2 (e.g. acme=akme,acme corp), got {value!r}")
    return term.strip(), alternatives


def add_parser(subparsers: Any) -> None:
    """Register the ``match`` subcommand on the dispatcher's subparsers."""
    parser = subparsers.add_parser(
        "match",
        help="print the JSONL mentions from stdin that match a query",
        description=(
            "Read JSONL mentions on stdin (a 'text' field, optionally title, lang, source, url, author) "
            "and print those matching QUERY, each with the spans that matched."
        ),
    )
    # nargs="?": veille.cli accepts a query that starts with "-" (veille match '-acme'); run() checks it is there.
    parser.add_argument("query", nargs="?", help="e.g. '(acme OR \"acme corp\") -job lang:fr' or '-job'")
    parser.add_argument(
        "--alias",
        action="append",
        type=_alias,
        default=[],
        metavar="TERM=ALT1,ALT2",
        help="other spellings that count as TERM (repeatable)",
    )
    parser.add_argument("--fuzzy", action="store_true", help="also accept one typo in words of 6+ letters")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Filter stdin to stdout; exit 2 on a bad query, 1 if any input line was skipped, else 0."""
    if args.query is None:
        print("veille match: a query is needed, e.g. veille match 'acme -job'", file=sys.stderr)
        return EXIT_BAD_QUERY
    aliases: dict[str, list[str]] = {}
    for term, spellings in args.alias:
        aliases.setdefault(term, []).extend(spellings)
    try:
        query = compile_query(args.query, aliases=aliases, fuzzy=args.fuzzy)
    except QuerySyntaxError as error:
        print(f"veille match: bad query: {error}", file=sys.stderr)
        print(error.caret(), file=sys.stderr)
        return EXIT_BAD_QUERY
    except ValueError as error:  # an alias with nothing to look for
        print(f"veille match: {error}", file=sys.stderr)
        return EXIT_BAD_QUERY

    stdin_hint("veille match")
    skipped = 0
    for number, raw in enumerate(sys.stdin, start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
            line = _Line.model_validate(obj)
        except json.JSONDecodeError as error:
            skipped += 1
            print(f"veille match: line {number}: not JSON ({error.msg}); skipped", file=sys.stderr)
            continue
        except ValidationError as error:
            skipped += 1
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'line'}: {e['msg']}" for e in error.errors())
            print(f"veille match: line {number}: {problems}; skipped", file=sys.stderr)
            continue
        title = line.title or ""
        spans = query.match(
            line.text, title=title, lang=line.lang, source=line.source, url=line.url, author=line.author
        )
        if spans is None:
            continue
        quoted = [
            {**span.model_dump(), "quote": (title if span.field == "title" else line.text)[span.start : span.end]}
            for span in spans
        ]
        print(json.dumps({**obj, "spans": quoted}, ensure_ascii=False))
    if skipped:
        print(f"veille match: skipped {skipped} bad line(s)", file=sys.stderr)
        return EXIT_SKIPPED
    return EXIT_OK
