"""bench/README.md is written by several scripts: each owns the section between its own two markers."""

from __future__ import annotations

from pathlib import Path

README = Path(__file__).resolve().parent / "README.md"
HEADER = "# Benchmarks\n\nEach section is written by its own script under bench/.\n"


def write_section(start: str, end: str, section: str, readme: Path = README) -> None:
    """Replace what lies between ``start`` and ``end`` (``section`` includes both markers); add the section at the
    end of the file when its markers are missing, and create the file when it is."""
    text = readme.read_text(encoding="utf-8") if readme.exists() else HEADER
    if start in text and end in text and text.index(start) < text.index(end):
        head, rest = text.split(start, 1)
        text = head + section + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    readme.write_text(text, encoding="utf-8")
