"""A query compiled once into one scanning regex, then matched against many texts.

How a text is matched, cheapest first:

1. metadata filters (lang:, source:, site:, author:) that the whole query requires are checked
   before the text is even normalised;
2. title and text are normalised once each (ASCII text takes a fast path);
3. one combined regex of every spelling (factored as a trie, without capturing groups, which
   would cost the regex engine its fast paths) scans each once; when every spelling starts
   with a letter or digit, the regex tries only the places after a space or punctuation mark
   (see ``_build_scanner``). A hit is then attributed to its term by a dict lookup (plain
   words) or a fullmatch of the few other terms. A text with no hit is rejected there unless
   the query can match without terms;
4. the combined regex reports non-overlapping matches, so a term whose only occurrences overlap
   another term's ("acme" inside "acme corp") can be hidden. Which terms can overlap is worked
   out at compile time from their words; only those are searched again, and only when the term
   that can hide them was found;
5. only a matching text pays for the map back to original offsets and for Span objects.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, NamedTuple
from urllib.parse import urlsplit

from chalicelib.models import Span
from chalicelib.query.normalise import OffsetMap, normalise
from chalicelib.query.parser import And, Field, Node, Not, Or, Term, parse
from chalicelib.query.patterns import is_plain_word, trie_regex, variant_regex

_WORDS = re.compile(r"\w+")
_NOTHING: frozenset[int] = frozenset()


class _Meta(NamedTuple):
    lang: str | None
    source: str | None
    url: str | None
    author: str | None


_NO_META = _Meta(None, None, None, None)


Predicate = Callable[[frozenset[int] | set[int], _Meta], bool]


@dataclass
class _CompiledTerm:
    id: int
    label: str  # as first written in the query: what a Span reports
    spellings: list[str]  # as written: the term, then its aliases
    norms: list[str]  # normalised spellings, deduplicated
    phrase: bool
    positive: bool = False  # appears at least once outside an odd number of NOTs
    regex: re.Pattern[str] = field(default=re.compile(r"(?!)"))


class Query:
    """A compiled query: call ``match`` on as many texts as needed.

    Build it with ``compile_query``; it holds no per-text state and is safe to share.
    """

    def __init__(self, text: str, root: Node, aliases: dict[str, list[str]] | None, fuzzy: bool) -> None:
        self.text = text
        self.fuzzy = fuzzy
        self._aliases = {normalise(key).strip(): list(values) for key, values in (aliases or {}).items()}
        self._terms: list[_CompiledTerm] = []
        self._term_ids: dict[tuple[str, bool], int] = {}
        self._evaluate = self._compile(root, positive=True)
        self._positive = [t for t in self._terms if t.positive]
        self._gates = _required_fields(root)
        # Known at compile time unless filters are involved: saves an evaluation per text.
        self._matches_without_terms = None if _has_fields(root) else self._evaluate(_NOTHING, _NO_META)
        self._spelled: dict[str, list[int]] = {}  # plain-word spelling -> terms it belongs to
        self._unusual: list[int] = []  # terms with phrases, punctuation or fuzzy spellings
        self._at_start: re.Pattern[str] | None = None  # faster forms of the scanner, see _build_scanner
        self._after_gap: re.Pattern[str] | None = None
        self._scanner = self._build_scanner()
        self._may_hide = self._overlaps()

    def __repr__(self) -> str:
        return f"Query({self.text!r}, fuzzy={self.fuzzy})"

    def _build_scanner(self) -> re.Pattern[str] | None:
        """One regex over every spelling of every term, longest first so "acme corp" beats "acme".

        No capturing groups: with a named group per term the regex engine loses its fast scan
        and runs ~6x slower on these texts, so a hit is attributed to its term afterwards (see
        ``_scan``). Spellings that start with a word character share one leading \\b.

        When every spelling starts with a word character (the usual watch), ``_scan`` uses two
        faster forms of the same regex instead: one anchored at the start of the text, and one
        that consumes the character before the word. That character must be a non-word one for
        \\b to hold, and a regex that starts with a class of characters lets the engine skip
        to the next candidate in C: with the class of everything but ASCII letters, digits and
        "_" (a bitmap test; \\W itself is a slower Unicode lookup), only spaces, punctuation and
        the rare non-ASCII character are tried, ~2x fewer cycles than trying \\b everywhere.
        ``_search_after_gap`` then skips the matches whose first character is a non-ASCII letter.
        """
        worded: set[str] = set()
        other: set[str] = set()
        for term in self._terms:
            sources = [variant_regex(n, phrase=term.phrase, fuzzy=self.fuzzy) for n in term.norms]
            term.regex = re.compile("|".join(sorted(sources, key=lambda src: (-len(src), src))))
            for src, norm in zip(sources, term.norms, strict=True):
                if self.fuzzy or not is_plain_word(norm):
                    self._unusual.append(term.id)
                if src.startswith(r"\b"):
                    worded.add(src.removeprefix(r"\b"))
                else:
                    other.add(src)
                if is_plain_word(norm) and not self.fuzzy:
                    self._spelled.setdefault(norm, []).append(term.id)
        self._unusual = sorted(set(self._unusual))
        alternatives = sorted(other, key=lambda src: (-len(src), src))
        if worded:
            words = "(?:" + trie_regex(sorted(worded)) + ")"
            alternatives.insert(0, r"\b" + words)
            if not other:
                self._at_start = re.compile(words)
                self._after_gap = re.compile(r"[^0-9A-Za-z_]" + words)
        return re.compile("|".join(alternatives)) if alternatives else None

    def _overlaps(self) -> dict[int, tuple[int, ...]]:
        """For each term, the other terms whose occurrences can overlap one of its occurrences.

        Without fuzzy matching two word-bounded matches that overlap share a whole word, so terms
        with no word in common never hide each other. Spellings that start or end with
        punctuation ("#acme", "c++") and fuzzy spellings are treated as able to overlap anything
        close, which only costs a few extra searches on texts that already hit.
        """
        words: list[set[str]] = []
        loose: list[bool] = []
        for term in self._terms:
            found: set[str] = set()
            for norm in term.norms:
                found.update(_WORDS.findall(norm))
                if "." in norm:
                    found.add("dot")  # "example dot com" puts the word dot inside a match
            words.append(found)
            loose.append(any(not (n[0].isalnum() and n[-1].isalnum()) for n in term.norms))
        may_hide: dict[int, tuple[int, ...]] = {}
        for a in self._terms:
            others = tuple(
                b.id
                for b in self._terms
                if b.id != a.id and (loose[a.id] or loose[b.id] or self._words_overlap(words[a.id], words[b.id]))
            )
            if others:
                may_hide[a.id] = others
        return may_hide

    def _words_overlap(self, a: set[str], b: set[str]) -> bool:
        if not a.isdisjoint(b):
            return True
        # One typo each way: words up to four edits apart can match the same word of a text.
        return self.fuzzy and any(_edit_distance(x, y) <= 4 for x in a for y in b)

    # -- compilation -------------------------------------------------------------------------

    def _term(self, node: Term, positive: bool) -> int:
        norm = normalise(node.text).strip()
        key = (norm, node.phrase)
        term_id = self._term_ids.get(key)
        if term_id is None:
            term_id = len(self._terms)
            self._term_ids[key] = term_id
            spellings = [node.text, *self._aliases.get(norm, [])]
            norms: list[str] = []
            for spelling in spellings:
                spelled = normalise(spelling).strip()
                if not any(c.isalnum() for c in spelled):
                    raise ValueError(f"alias {spelling!r} of {node.text!r} has no letter or digit; remove it")
                if spelled not in norms:
                    norms.append(spelled)
            self._terms.append(_CompiledTerm(term_id, node.text, spellings, norms, node.phrase))
        term = self._terms[term_id]
        term.positive = term.positive or positive
        return term_id

    def _compile(self, node: Node, *, positive: bool) -> Predicate:
        if isinstance(node, Term):
            term_id = self._term(node, positive)
            return lambda present, meta: term_id in present
        if isinstance(node, Field):
            return _field_predicate(node)
        if isinstance(node, Not):
            child = self._compile(node.child, positive=not positive)
            return lambda present, meta: not child(present, meta)
        # Metadata filters first: they cost a comparison and often decide the whole branch.
        fields = [self._compile(c, positive=positive) for c in node.children if isinstance(c, Field)]
        # Plain terms, and plain excluded terms, collapse into one set operation each instead of
        # one call per term. Terms get their ids in the order they are written, whatever their kind.
        term_ids = frozenset(self._term(c, positive) for c in node.children if isinstance(c, Term))
        absent_ids: set[int] = set()
        others: list[Predicate] = []
        for sub in node.children:
            if isinstance(sub, Not) and isinstance(sub.child, Term):
                absent_ids.add(self._term(sub.child, not positive))
            elif not isinstance(sub, Field | Term):
                others.append(self._compile(sub, positive=positive))
        excluded = frozenset(absent_ids)
        if isinstance(node, And):
            checks = [
                *fields,
                *([lambda present, meta: term_ids <= present] if term_ids else []),
                *([lambda present, meta: excluded.isdisjoint(present)] if excluded else []),
                *others,
            ]
            return _every(checks)
        checks = [
            *fields,
            *([lambda present, meta: not term_ids.isdisjoint(present)] if term_ids else []),
            *([lambda present, meta: not excluded <= present] if excluded else []),
            *others,
        ]
        return _some(checks)

    # -- matching ----------------------------------------------------------------------------

    def match(
        self,
        text: str,
        *,
        title: str = "",
        lang: str | None = None,
        source: str | None = None,
        url: str | None = None,
        author: str | None = None,
    ) -> list[Span] | None:
        """The spans of positive terms found when the mention matches, else None.

        Spans point into the original ``title`` (field "title") and ``text`` (field "text"), in
        that order, each sorted by start. A query made only of filters or exclusions can match
        with an empty list of spans.
        """
        if self._gates:
            meta = _Meta(lang, source, url, author)
            for gate in self._gates:
                if not gate(_NOTHING, meta):
                    return None
        norm_text = normalise(text)
        hits_text = self._scan(norm_text)
        norm_title = normalise(title) if title else ""
        hits_title = self._scan(norm_title) if norm_title else []
        if not hits_text and not hits_title:
            # The common case: no term at all. Only a query of filters or exclusions still matches.
            matches = self._matches_without_terms
            if matches is None:
                matches = self._evaluate(_NOTHING, _Meta(lang, source, url, author))
            return [] if matches else None
        present = {term_id for _, _, term_id in hits_text}
        if hits_title:
            present.update(term_id for _, _, term_id in hits_title)
        unveiled = self._unveil(present, norm_title, norm_text) if self._may_hide else []
        if not self._evaluate(present, _Meta(lang, source, url, author)):
            return None
        if not norm_title:
            return self._spans("text", text, norm_text, hits_text, unveiled)
        spans = self._spans("title", title, norm_title, hits_title, unveiled)
        spans.extend(self._spans("text", text, norm_text, hits_text, unveiled))
        return spans

    def _scan(self, norm: str) -> list[tuple[int, int, int]]:
        """Every non-overlapping hit in ``norm`` as (start, end, term id), one entry per term."""
        after_gap = self._after_gap
        if after_gap is None:
            return self._scan_slowly(norm)
        # The same hits as _scan_slowly, found with the faster forms of the scanner: a hit at 0,
        # else one whose word follows the character the regex consumed before it.
        found = self._at_start.match(norm) if self._at_start is not None else None
        if found is not None:
            start, end = 0, found.end()
        else:
            found = _search_after_gap(after_gap, norm, 0)
            if found is None:
                return []
            start, end = found.start() + 1, found.end()
        hits: list[tuple[int, int, int]] = []
        spelled = self._spelled
        while True:
            term_ids = spelled.get(norm[start:end])
            if term_ids is None:
                self._attribute(norm, start, end, hits)
            else:  # a plain word, inline: most hits are
                for term_id in term_ids:
                    hits.append((start, end, term_id))
            # From end - 1: the character before the next word may be the last one of this hit.
            found = _search_after_gap(after_gap, norm, end - 1)
            if found is None:
                return hits
            start, end = found.start() + 1, found.end()

    def _scan_slowly(self, norm: str) -> list[tuple[int, int, int]]:
        """``_scan`` for watches with a spelling that starts with punctuation ("#acme")."""
        scanner = self._scanner
        if scanner is None:
            return []
        hits: list[tuple[int, int, int]] = []
        # Repeated search rather than finditer: most texts have no hit, and one search that
        # fails is ~30% cheaper than a finditer that yields nothing.
        m = scanner.search(norm)
        while m is not None:
            start, end = m.span()
            self._attribute(norm, start, end, hits)
            m = scanner.search(norm, end)
        return hits

    def _attribute(self, norm: str, start: int, end: int, hits: list[tuple[int, int, int]]) -> None:
        """Add to ``hits`` the hit ``norm[start:end]`` once for each term it is a spelling of."""
        term_ids = self._spelled.get(norm[start:end])
        if term_ids is None:
            # A phrase, a punctuated term or a fuzzy spelling: ask the few such terms which it is.
            term_ids = [t for t in self._unusual if self._terms[t].regex.fullmatch(norm, start, end)]
        for term_id in term_ids:
            hits.append((start, end, term_id))

    def _unveil(self, present: set[int], *norms: str) -> list[int]:
        """Add to ``present`` the terms hidden under an overlapping match; return those added."""
        added: list[int] = []
        queue = [term_id for term_id in present if term_id in self._may_hide]
        while queue:
            for other in self._may_hide.get(queue.pop(), ()):
                if other not in present and any(n and self._terms[other].regex.search(n) for n in norms):
                    present.add(other)
                    added.append(other)
                    queue.append(other)
        return added

    def _spans(
        self,
        name: Literal["title", "text"],
        original: str,
        norm: str,
        hits: list[tuple[int, int, int]],
        unveiled: list[int],
    ) -> list[Span]:
        terms = self._terms
        found: list[tuple[int, int, int]] = []
        for start, end, term_id in hits:
            # One span per place: when two terms share a spelling, the first one names it.
            if terms[term_id].positive and not (found and found[-1][:2] == (start, end)):
                found.append((start, end, term_id))
        for term_id in unveiled:
            if terms[term_id].positive:
                # A hidden term overlaps a reported hit: quote it only where it does not overlap.
                for m in terms[term_id].regex.finditer(norm):
                    if all(m.end() <= s or m.start() >= e for s, e, _ in found):
                        found.append((m.start(), m.end(), term_id))
                found.sort()
        if not found:
            return []
        offsets = OffsetMap(original)
        spans = []
        for start, end, term_id in found:
            orig_start, orig_end = offsets.span(start, end)
            # Plain construction: pydantic-core validates these in ~3 us, model_construct is slower.
            spans.append(Span(field=name, start=orig_start, end=orig_end, term=terms[term_id].label))
        return spans

    def search_terms(self) -> list[str]:
        """The positive terms and phrases, with their aliases, to ask a source's search API for.

        Spellings come back as written (phrases without their quotes), in query order, without
        case- or accent-insensitive duplicates. Excluded terms and filters are left out.
        """
        seen: set[str] = set()
        terms: list[str] = []
        for term in self._positive:
            for spelling in term.spellings:
                key = normalise(spelling).strip()
                if key not in seen:
                    seen.add(key)
                    terms.append(spelling.strip())
        return terms


def _field_predicate(node: Field) -> Predicate:
    value = normalise(node.value)
    if node.name == "lang":
        # lang:fr also accepts regional tags such as fr-CA or fr_BE.
        def lang(present: frozenset[int] | set[int], meta: _Meta) -> bool:
            got = meta.lang.lower() if meta.lang else ""
            return got == value or got.startswith((value + "-", value + "_"))

        return lang
    if node.name == "source":
        # A prefix so that source:form covers form:typeform, form:tally, ...
        return lambda present, meta: bool(meta.source) and normalise(meta.source or "").startswith(value)
    if node.name == "site":
        host = _host(value) or value
        suffix = "." + host

        def site(present: frozenset[int] | set[int], meta: _Meta) -> bool:
            got = _host(meta.url) if meta.url else None
            return got is not None and (got == host or got.endswith(suffix))

        return site
    handle = value.lstrip("@")
    return lambda present, meta: bool(meta.author) and normalise(meta.author or "").strip().lstrip("@") == handle


def _search_after_gap(after_gap: re.Pattern[str], norm: str, pos: int) -> re.Match[str] | None:
    """The next match of ``after_gap`` from ``pos`` whose first character is not a word character.

    The regex's first class lets every non-ASCII character through, letters included (a class
    of the non-ASCII non-word characters would be a slow list of ranges); a lookbehind to
    reject those costs more than this check, made only where the rest of the regex matched.
    """
    found = after_gap.search(norm, pos)
    while found is not None and norm[found.start()].isalnum():  # "_" is ASCII: not in the class
        found = after_gap.search(norm, found.start() + 1)
    return found


def _every(checks: list[Predicate]) -> Predicate:
    """A predicate true when all ``checks`` are, in order.

    One or two checks (the usual watch: its terms, then its exclusions) skip the generator that
    all() would need, which costs more than the checks themselves.
    """
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda present, meta: first(present, meta) and second(present, meta)
    return lambda present, meta: all(check(present, meta) for check in checks)


def _some(checks: list[Predicate]) -> Predicate:
    """A predicate true when one of ``checks`` is, tried in order."""
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda present, meta: first(present, meta) or second(present, meta)
    return lambda present, meta: any(check(present, meta) for check in checks)


def _has_fields(node: Node) -> bool:
    if isinstance(node, Field):
        return True
    if isinstance(node, Not):
        return _has_fields(node.child)
    if isinstance(node, And | Or):
        return any(_has_fields(c) for c in node.children)
    return False


def _required_fields(root: Node) -> tuple[Predicate, ...]:
    """The filters the whole query requires (children of a top-level AND), checked before any text work."""
    if isinstance(root, Field):
        return (_field_predicate(root),)
    if isinstance(root, And):
        return tuple(_field_predicate(c) for c in root.children if isinstance(c, Field))
    return ()


def _edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (only used at compile time, on a query's few words)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _host(url: str) -> str | None:
    """The lower-case host of a URL, tolerating a missing scheme and a leading "www."."""
    if "//" not in url:
        url = "//" + url
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if host is None:
        return None
    return host.removeprefix("www.")


def compile_query(text: str, *, aliases: dict[str, list[str]] | None = None, fuzzy: bool = False) -> Query:
    """Compile a query once; match it against many texts with ``Query.match``.

    The language: words and "exact phrases"; AND, also implied by juxtaposition; OR; NOT or
    ``-term``; parentheses; precedence NOT > AND > OR; operators in upper case. Filters:
    ``lang:fr`` (also fr-CA), ``source:reddit`` (a prefix: ``source:form`` covers
    ``form:typeform``), ``site:example.com`` (and its subdomains), ``author:jdoe``. Matching is
    case- and accent-insensitive and on word boundaries; ``example.com`` also matches
    ``example[.]com``, ``example(.)com`` and ``example dot com``.

    ``aliases`` maps a term to other spellings that count as that term (brand misspellings,
    nicknames, multi-word names). ``fuzzy`` also accepts one typo (insertion, deletion,
    substitution or transposition) in words of six letters or more. Raises QuerySyntaxError,
    whose message names the 1-based column and what to change.
    """
    return Query(text, parse(text), aliases, fuzzy)
