"""`veille themes`: group JSON lines from stdin into themes, as the scheduled job groups one watch.

    veille themes < feedback.jsonl
    veille themes --summary --lang fr < feedback.jsonl

Input lines: `{"id": str, "text": str}` plus optional `"lang"` (en, fr), `"created_at"` (ISO 8601),
`"kind"` (problem, request, question, praise, or the classifier's complaint, feature_request, other) and
`"author"`. Units of different kinds never share a theme; lines without a kind are grouped together.
Output: one line per input line, in order, `{"id", "theme", "label"}` (`theme` null when no theme took
it). With `--summary`, the themes with their counts instead.

It runs `chalicelib.themes.discover`, the deployed job's own code. A bad input line is skipped with a
warning naming its line number and what to fix; the exit code is then 2.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any, TextIO

PROGRESS_EVERY = 1_000


def add_parser(subparsers: Any) -> None:
    """Register the `themes` subcommand on the CLI's subparsers."""
    parser = subparsers.add_parser(
        "themes",
        help="group JSON lines from stdin into themes (English and French together)",
        description=__doc__.split("\n\n")[0],
        epilog="Bad lines are skipped with a warning naming the line; the exit code is then 2.",
    )
    parser.add_argument("--summary", action="store_true", help="print the themes with their counts instead")
    parser.add_argument("--lang", choices=("en", "fr"), default="en", help="language of the labels (default en)")
    parser.add_argument(
        "--words-only", action="store_true", help="group on words alone, as where the sentence encoder is off"
    )
    parser.set_defaults(func=run)


def parse_line(line: str, line_no: int) -> tuple[Any, str | None]:
    """(FeedbackUnit, None) or (None, an error message for the user)."""
    from chalicelib.themes import FeedbackUnit
    from veille.jsonl import parse_line as parse

    return parse(
        line,
        line_no,
        FeedbackUnit,
        'each line needs "id" and "text" strings; "lang" is en or fr, "kind" one of problem, request, question, '
        'praise, "created_at" an ISO 8601 date',
    )


def read_units(stdin: TextIO, stderr: TextIO) -> tuple[list[Any], int]:
    """The valid units of stdin, and how many lines were skipped (each with a warning on stderr)."""
    units: list[Any] = []
    skipped = 0
    seen: set[str] = set()
    for line_no, line in enumerate(stdin, start=1):
        if not line.strip():
            continue
        unit, error = parse_line(line, line_no)
        if unit is not None and unit.id in seen:
            error = f"line {line_no}: id {unit.id!r} was already used by an earlier line; give each line its own id"
        if error:
            stderr.write(f"veille themes: skipped {error}\n")
            skipped += 1
            continue
        seen.add(unit.id)
        units.append(unit)
        if len(units) % PROGRESS_EVERY == 0:
            stderr.write(f"veille themes: read {len(units)} lines\n")
    return units, skipped


def group_stream(
    stdin: TextIO, stdout: TextIO, stderr: TextIO, lang: str = "en", summary: bool = False, words_only: bool = False
) -> tuple[int, int]:
    """Group stdin's units and write the result; return (units written, lines skipped)."""
    from chalicelib.themes import default_space, discover, unit_vectors, words_space

    units, skipped = read_units(stdin, stderr)
    long_run = len(units) >= PROGRESS_EVERY
    started = time.monotonic()
    space = words_space() if words_only else default_space()
    if long_run:
        stderr.write(f"veille themes: encoding {len(units)} units ({space.name})\n")
    vectors = unit_vectors(units, space)
    if long_run:
        stderr.write(f"veille themes: grouping ({time.monotonic() - started:.1f} s so far)\n")
    found = discover(units, space=space, lang=lang, vectors=vectors)
    if long_run:
        stderr.write(f"veille themes: {len(found.themes)} themes in {time.monotonic() - started:.1f} s\n")
    if summary:
        write_summary(found, units, stdout, lang)
    else:
        for a in found.assignments:
            label = found_label(found, a.theme, lang)
            stdout.write(json.dumps({"id": a.id, "theme": a.theme, "label": label}, ensure_ascii=False) + "\n")
    stdout.flush()
    return len(units), skipped


def found_label(found: Any, theme_id: str | None, lang: str) -> str | None:
    """The label of a theme in ``lang``."""
    if theme_id is None:
        return None
    return next(t.label_in(lang) for t in found.themes if t.id == theme_id)


def write_summary(found: Any, units: list[Any], out: TextIO, lang: str) -> None:
    """The themes, largest first, with units, authors, languages and one example."""
    from chalicelib.themes.words import guess_lang

    text_of = {u.id: u for u in units}
    themed = sum(a.theme is not None for a in found.assignments)
    word = {"en": ("themes", "units", "authors", "in a theme"), "fr": ("thèmes", "unités", "auteurs", "dans un thème")}
    w = word.get(lang, word["en"])
    out.write(f"{len(found.themes)} {w[0]}, {themed}/{len(units)} {w[1]} {w[3]}\n")
    for theme in sorted(found.themes, key=lambda t: (-len(t.members), t.id)):
        members = [text_of[m] for m in theme.members if m in text_of]
        langs: dict[str, int] = {}
        for m in members:
            key = m.lang or guess_lang(m.text)
            langs[key] = langs.get(key, 0) + 1
        split = ", ".join(f"{k} {v}" for k, v in sorted(langs.items()))
        out.write(
            f"{len(members):5d} {w[1]}  {theme.authors:4d} {w[2]}  {theme.id}  {theme.label_in(lang)}  ({split})\n"
        )
        if members:
            out.write(f"        e.g. {members[0].text[:100]!r}\n")


def run(args: argparse.Namespace) -> int:
    """Entry point called by `veille themes`: 0 if every line was read, 2 if some were skipped."""
    from veille.cmd_match import stdin_hint

    stdin_hint("veille themes")
    written, skipped = group_stream(
        sys.stdin, sys.stdout, sys.stderr, lang=args.lang, summary=args.summary, words_only=args.words_only
    )
    if skipped:
        sys.stderr.write(f"veille themes: {written} grouped, {skipped} skipped (see the warnings above)\n")
        return 2
    return 0
