"""Feedback units: a message read part by part, so a bug inside a kind review is still a bug.

A unit is a sentence, or a clause around a contrast ("great app but it drains my battery" is two units);
a line is never joined to the next, so each answer of a form ("Question: answer" lines, answers only in
what the classifier reads) is its own unit. A unit is only its offsets into the text that was split plus
its labels: no text copy and no vector, so a labelled mention stays one DynamoDB write unit.

Pure functions and a pydantic model, no model load: the builtin backend labels the units.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from chalicelib.classify.schema import Unit

__all__ = ["Unit", "align", "keep_units", "mention_kind", "split_units"]
# Which unit's kind names the whole message: a broken thing first, a praise or chatter last.
PRESSING = ("complaint", "feature_request", "question", "praise", "other")
MAX_CHARS = 2_000  # past this, no units (the encoder reads no further either)
MAX_UNITS = 8  # stored per mention; the most pressing are kept when a long post has more

# A sentence ends at . ! ? … (repeated or not) followed by a space; a line break always ends one.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"')\]]*\s+")
# Contrast words that open a new clause, after a comma, a semicolon, a dash or a plain space.
CONTRAST_WORDS = (
    "but",
    "however",
    "except",
    "though",
    "although",
    "whereas",
    "mais",
    "sauf que",
    "par contre",
    "cependant",
    "toutefois",
    "néanmoins",
    "pourtant",
    "en revanche",
)
_CONTRAST = re.compile(
    r"(?:[,;]\s*|\s[-–—]\s|\s+)(?=(?:" + "|".join(re.escape(w) for w in CONTRAST_WORDS) + r")\b)",
    re.IGNORECASE,
)
_OPENER = re.compile(r"(?:" + "|".join(re.escape(w) for w in CONTRAST_WORDS) + r")\b", re.IGNORECASE)
_WORD = re.compile(r"\w+")


def split_units(text: str) -> list[tuple[int, int]]:
    """(start, end) of each unit of ``text``, in order, whitespace trimmed; none for an empty text.

    Lines, then sentences, then clauses around a contrast word; a fragment (no words, or a contrast word
    with fewer than two words after it: "..., though.") joins its neighbour on the same line. Only the first
    ``MAX_CHARS`` characters are split.
    """
    spans: list[tuple[int, int]] = []
    limit = min(len(text), MAX_CHARS)
    line_start = 0
    while line_start < limit:
        line_end = text.find("\n", line_start, limit)
        line_end = limit if line_end < 0 else line_end
        pieces: list[tuple[int, int]] = []
        for s, e in _cut(text, line_start, line_end, _SENTENCE_END):
            pieces.extend(_cut(text, s, e, _CONTRAST))
        trimmed = [_trim(text, s, e) for s, e in pieces]
        spans.extend(_join_short(text, [(s, e) for s, e in trimmed if s < e]))
        line_start = line_end + 1
    return spans


def _cut(text: str, start: int, end: int, boundary: re.Pattern[str]) -> list[tuple[int, int]]:
    out, at = [], start
    for m in boundary.finditer(text, start, end):
        if m.start() > at:
            out.append((at, m.start()))
        at = m.end()
    out.append((at, end))
    return out


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _words(text: str, start: int, end: int) -> int:
    return len(_WORD.findall(text, start, end))


def _fragment(text: str, start: int, end: int) -> bool:
    """No words, or a contrast word with fewer than two after it ("though.", "but yes"): not a unit alone."""
    words = _words(text, start, end)
    if words == 0:
        return True
    opener = _OPENER.match(text, start, end)
    return opener is not None and words - len(opener.group(0).split()) < 2


def _join_short(text: str, pieces: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Joins each fragment to the piece before it (to the one after it when it comes first)."""
    out: list[tuple[int, int]] = []
    pending: int | None = None  # start of a leading fragment waiting for the next piece
    for s, e in pieces:
        if pending is not None:
            s, pending = pending, None
        if _fragment(text, s, e):
            if out:
                out[-1] = (out[-1][0], e)
            else:
                pending = s
            continue
        out.append((s, e))
    if pending is not None:
        out.append((pending, pieces[-1][1]))
    return out


def mention_kind(kinds: Sequence[str]) -> str:
    """The most pressing of the units' kinds ("other" for none)."""
    return min(kinds, key=PRESSING.index, default="other")


def keep_units(units: list[Unit], limit: int = MAX_UNITS) -> list[Unit]:
    """Neighbouring units of the same kind and sentiment as one; at most ``limit``, the most pressing kept."""
    merged: list[Unit] = []
    for unit in units:
        last = merged[-1] if merged else None
        if last is not None and (last.kind, last.sentiment) == (unit.kind, unit.sentiment):
            merged[-1] = last.model_copy(update={"end": unit.end})
        else:
            merged.append(unit)
    if len(merged) <= limit:
        return merged
    ranked = sorted(range(len(merged)), key=lambda i: (PRESSING.index(merged[i].kind), i))[:limit]
    return [merged[i] for i in sorted(ranked)]


def align(units: Sequence[Unit], classified: str, original: str) -> list[Unit]:
    """The units of ``classified`` with offsets into ``original``, the text it was built from.

    The stream classifies ``classification_text(mention)``: for a post, the title, ". " and the text; for
    a form, its answers without their questions. Each unit is found in ``original`` in order (searching on
    from the previous one); a unit that is not there (one from the title) is left out.
    """
    out: list[Unit] = []
    at = 0
    for unit in units:
        piece = classified[unit.start : unit.end]
        found = original.find(piece, at) if piece else -1
        if found < 0:
            continue
        out.append(unit.model_copy(update={"start": found, "end": found + len(piece)}))
        at = found + len(piece)
    return out
