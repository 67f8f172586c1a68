"""Case- and accent-insensitive text, and the way back to the original offsets.

The normal form is NFKD, then casefold, then every combining mark removed. Each step works
character by character, so the normal form of a text is the concatenation of the normal forms of
its characters: that is what lets a match found in the normal form be mapped back to the original.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from bisect import bisect_right
from functools import cache, lru_cache

# Combining marks live in the BMP, the SMP and plane 14 (variation selectors); scanning those is
# ~50 ms, paid once on first use rather than at import (cold starts import every module).
_MARK_PLANES = (range(0x20000), range(0xE0000, 0xE1000))
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_NON_ASCII = re.compile("[^\x00-\x7f]")


class _Marks:
    """Every character the normal form drops, split by speed.

    Every character with a non-zero combining class is dropped, not only the Mn/Me ones: NFKD may
    reorder those, and dropping them all keeps the normal form strictly character by character.
    ``re`` compiles a class of BMP characters to a bitmap but a class with astral characters to a
    list of ranges scanned per character, 20x slower; so BMP marks get a regex and the rare
    astral ones (emoji are astral too, marks seldom) a set consulted only for astral characters.
    """

    def __init__(self) -> None:
        codepoints = [
            cp
            for plane in _MARK_PLANES
            for cp in plane
            if unicodedata.combining(chr(cp)) or unicodedata.category(chr(cp)) in ("Mn", "Me")
        ]
        # One character per match: with a "+" re loses its charset fast path (~40% slower).
        self.bmp = re.compile(_char_class([cp for cp in codepoints if cp <= 0xFFFF]))
        self.astral = frozenset(chr(cp) for cp in codepoints if cp > 0xFFFF)

    def strip(self, text: str) -> str:
        text = self.bmp.sub("", text)
        if text.isascii() or not _ASTRAL.search(text):
            return text
        astral = self.astral
        return _ASTRAL.sub(lambda m: "" if m.group() in astral else m.group(), text)


def _char_class(codepoints: list[int]) -> str:
    ranges: list[str] = []
    start = prev = codepoints[0]
    for cp in [*codepoints[1:], sys.maxunicode + 2]:
        if cp != prev + 1:
            first, last = re.escape(chr(start)), re.escape(chr(prev))
            ranges.append(first if start == prev else f"{first}-{last}")
            start = cp
        prev = cp
    return "[" + "".join(ranges) + "]"


@cache
def _marks() -> _Marks:
    return _Marks()


def normalise(text: str) -> str:
    """The text in Veille's matching form: NFKD, casefolded, without combining marks.

    "Élodie DÉÇUE" becomes "elodie decue". ASCII text (most of it) takes a fast path. Other
    text is split around its few non-ASCII characters, which are replaced from a cache of their
    forms, then joined and lowered for the ASCII letters: all C loops, ~1.7x cheaper than
    normalising the whole text. Exact because the normal form is computed character by
    character (see the module docstring) and the cache holds only forms that lowering leaves
    alone.
    """
    if text.isascii():
        return text.lower()
    parts = _SPLIT_NON_ASCII.split(text)  # ASCII runs at even indexes, one character at odd ones
    try:
        parts[1::2] = map(_FORMS.__getitem__, parts[1::2])
    except KeyError:  # a character not met yet (the slice is left as it was)
        forms = [_remember_form(char) for char in parts[1::2]]
        if None in forms:
            return _marks().strip(unicodedata.normalize("NFKD", text).casefold())
        parts[1::2] = forms
    return "".join(parts).lower()


_SPLIT_NON_ASCII = re.compile("([^\x00-\x7f])")

# Normal form of each non-ASCII character met so far, and those whose form is one character.
# Bounded, so that a text of many distinct characters cannot grow them without limit.
_FORMS: dict[str, str] = {}
_UNIT_FORMS: set[str] = set()
_MAX_FORMS = 1 << 16


@lru_cache(maxsize=4096)  # texts repeat the same few accented letters
def _normalise_char(char: str) -> str:
    if char.isascii():
        return char.lower()
    return _marks().strip(unicodedata.normalize("NFKD", char).casefold())


def _remember_form(char: str) -> str | None:
    """The normal form of one non-ASCII character, cached; None when ``str.lower`` changes it.

    Lowering such a form (Cherokee letters casefold to upper case) would break ``normalise``'s
    final ``lower()``, so texts with one take the whole-text path.
    """
    form = _FORMS.get(char)
    if form is None:
        form = _normalise_char(char)
        if form.lower() != form:
            return None
        if len(_FORMS) < _MAX_FORMS:
            _FORMS[char] = form
            if len(form) == 1:
                _UNIT_FORMS.add(char)
    return form


class OffsetMap:
    """Maps offsets in ``normalise(text)`` back to offsets in ``text``.

    Built only for texts that matched. Only non-ASCII characters can change length when
    normalised, so the map stores those (a breakpoint each) and treats the ASCII runs in between
    as identity. Most texts (accented letters, emoji) have no character that changes length:
    those are told apart with one set lookup and need no breakpoint at all.
    """

    __slots__ = ("_lengths", "_norm_at", "_orig_at", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        self._orig_at: list[int] = []
        self._norm_at: list[int] = []
        self._lengths: list[int] = []
        if text.isascii() or _UNIT_FORMS.issuperset(_NON_ASCII.findall(text)):
            return  # every character keeps its length: offsets are the same
        shift = 0  # normalised length minus original length, so far
        for found in _NON_ASCII.finditer(text):
            i = found.start()
            length = len(_normalise_char(found.group()))
            self._orig_at.append(i)
            self._norm_at.append(i + shift)
            self._lengths.append(length)
            shift += length - 1

    def _original(self, pos: int) -> int:
        """The original index of the character that produced normalised character ``pos``."""
        k = bisect_right(self._norm_at, pos) - 1
        if k < 0:
            return pos
        if pos < self._norm_at[k] + self._lengths[k]:
            return self._orig_at[k]
        return self._orig_at[k] + 1 + (pos - self._norm_at[k] - self._lengths[k])

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original ``(start, end)`` of the normalised slice ``[start, end)``.

        The end swallows combining marks that follow the last character, so the quote of "café"
        written as "cafe" + U+0301 keeps its accent.
        """
        if not self._orig_at:
            return start, end  # no character changes length, none is a mark to swallow
        orig_start = self._original(start)
        orig_end = self._original(end - 1) + 1 if end > start else orig_start
        text = self._text
        while orig_end < len(text) and not text[orig_end].isascii() and not _normalise_char(text[orig_end]):
            orig_end += 1
        return orig_start, orig_end
