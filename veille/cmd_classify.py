"""`veille classify`: label JSON lines from stdin, one JSON line out per input, in order.

    echo '{"id": "1", "text": "@acme my order never arrived, refund please"}' | veille classify

Input lines: `{"id": str, "text": str}` plus optional `"lang"`, `"followers"`, `"engagement"`.
Output lines: `{"id": ..., <every Labels field>}`; `units` lists the message's parts as
`{"start", "end", "kind", "sentiment"}`, offsets into the input's `text` (`text[start:end]`).

A bad input line is skipped with a warning on stderr naming its line number and what to fix; the other
lines are still classified and written, and the exit code is 2 if any line was skipped (0 otherwise),
so a long run is never lost to one bad line and a script can still tell something went wrong.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

BACKENDS = ("builtin", "comprehend", "bedrock")


def add_parser(subparsers: Any) -> None:
    """Register the `classify` subcommand on the CLI's subparsers."""
    parser = subparsers.add_parser(
        "classify",
        help="label JSON lines from stdin (sentiment, complaint, spam, offensive, lead, needs_reply, urgency)",
        description=__doc__.split("\n\n")[0],
        epilog="Bad lines are skipped with a warning naming the line; the exit code is then 2.",
    )
    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        default="builtin",
        help="builtin (local model, default), comprehend or bedrock (AWS, billed)",
    )
    parser.add_argument(
        "--batch-size", type=_positive_int, default=100, metavar="N", help="inputs classified per call (default 100)"
    )
    parser.set_defaults(func=run)


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return number


def _parse(line: str, line_no: int) -> tuple[Any, str | None]:
    """(ClassifyInput, None) or (None, error message for the user)."""
    from chalicelib.classify import ClassifyInput
    from veille.jsonl import parse_line

    return parse_line(line, line_no, ClassifyInput, 'each line needs "id" and "text" strings')


def classify_stream(
    stdin: TextIO, stdout: TextIO, stderr: TextIO, backend: str = "builtin", batch_size: int = 100
) -> tuple[int, int]:
    """Classify every line of stdin to stdout; return (lines written, lines skipped)."""
    from chalicelib.classify import get_classifier

    classifier = get_classifier(backend)
    written = skipped = 0
    batch: list[Any] = []

    def flush() -> None:
        nonlocal written
        if not batch:
            return
        for item, labels in zip(batch, classifier.classify(batch), strict=True):
            row = {"id": item.id, **labels.model_dump(mode="json"), "units": [u.as_json() for u in labels.units]}
            stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
            written += 1
        batch.clear()

    for line_no, line in enumerate(stdin, start=1):
        if not line.strip():
            continue
        item, error = _parse(line, line_no)
        if error:
            stderr.write(f"veille classify: skipped {error}\n")
            skipped += 1
            continue
        batch.append(item)
        if len(batch) >= batch_size:
            flush()
    flush()
    stdout.flush()
    return written, skipped


def run(args: argparse.Namespace) -> int:
    """Entry point called by `veille classify`: 0 if every line was labelled, 2 if some were skipped."""
    from veille.cmd_match import stdin_hint

    stdin_hint("veille classify")
    written, skipped = classify_stream(
        sys.stdin, sys.stdout, sys.stderr, backend=args.backend, batch_size=args.batch_size
    )
    if skipped:
        sys.stderr.write(f"veille classify: {written} labelled, {skipped} skipped (see the warnings above)\n")
        return 2
    return 0
