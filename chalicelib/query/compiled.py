"""A query compiled once into lookups and regexes, then matched against many texts.

How a text is matched, cheapest first:

1. metadata filters (lang:, source:, site:, author:) are plain comparisons, evaluated first;
2. title and text are normalised once each;
3. if the query cannot match without some positive term, one combined regex of every positive
   spelling rejects most texts in a single scan;
4. otherwise single words are looked up in the set of the text's words, and only punctuated
   terms, phrases and fuzzy spellings run a regex of their own;
5. only a matching text pays for spans and for the map back to original offsets.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from chalicelib.models import Span
from chalicelib.query.normalise import OffsetMap, normalise
from chalicelib.query.parser import And, Field, Node, Not, Term, parse
from chalicelib.query.patterns import is_plain_word, variant_regex, wants_fuzzy

_WORDS = re.compile(r"\w+")
_NOTHING: frozenset[int] = frozenset()


@dataclass(frozen=True)
class _Meta:
    lang: str | None
    source: str | None
    url: str | None
    author: str | None


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
        # Word spellings found by token lookup; everything else runs its own regex.
        self._vocabulary: dict[str, list[int]] = {}
        self._regex_terms: list[tuple[int, re.Pattern[str]]] = []
        for term in self._terms:
            sources = [variant_regex(n, phrase=term.phrase, fuzzy=fuzzy) for n in term.norms]
            term.regex = re.compile("|".join(sorted(sources, key=len, reverse=True)))
            needs_regex = [src for n, src in zip(term.norms, sources, strict=True) if not self._is_lookup_word(n)]
            for n in term.norms:
                if self._is_lookup_word(n):
                    self._vocabulary.setdefault(n, []).append(term.id)
            if needs_regex:
                self._regex_terms.append((term.id, re.compile("|".join(needs_regex))))
        self._vocabulary_keys = frozenset(self._vocabulary)
        positive_sources = sorted(
            {variant_regex(n, phrase=t.phrase, fuzzy=fuzzy) for t in self._positive for n in t.norms},
            key=lambda s: (-len(s), s),
        )
        self._any_positive = re.compile("|".join(positive_sources)) if positive_sources else None

    def __repr__(self) -> str:
        return f"Query({self.text!r}, fuzzy={self.fuzzy})"

    def _is_lookup_word(self, norm: str) -> bool:
        return is_plain_word(norm) and not (self.fuzzy and wants_fuzzy(norm))

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
        ordered = sorted(node.children, key=lambda c: not isinstance(c, Field))
        children = tuple(self._compile(c, positive=positive) for c in ordered)
        if isinstance(node, And):
            return lambda present, meta: all(c(present, meta) for c in children)
        return lambda present, meta: any(c(present, meta) for c in children)

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
        meta = _Meta(lang, source, url, author)
        evaluate = self._evaluate
        norm_text = normalise(text)
        norm_title = normalise(title) if title else ""
        if not evaluate(_NOTHING, meta):
            # Without a positive term this query cannot match: one scan for any of them.
            any_positive = self._any_positive
            if any_positive is None:
                return None
            if not any_positive.search(norm_text) and not (norm_title and any_positive.search(norm_title)):
                return None
        present = self._present(norm_text, norm_title)
        if not evaluate(present, meta):
            return None
        spans = list(self._spans("title", title, norm_title, present)) if norm_title else []
        spans.extend(self._spans("text", text, norm_text, present))
        return spans

    def _present(self, *norms: str) -> set[int]:
        present: set[int] = set()
        vocabulary = self._vocabulary
        for norm in norms:
            if not norm:
                continue
            for word in self._vocabulary_keys.intersection(_WORDS.findall(norm)):
                present.update(vocabulary[word])
            for term_id, regex in self._regex_terms:
                if term_id not in present and regex.search(norm):
                    present.add(term_id)
        return present

    def _spans(self, name: Literal["title", "text"], original: str, norm: str, present: set[int]) -> Iterator[Span]:
        found: list[tuple[int, int, str]] = []
        for term in self._positive:
            if term.id in present:
                found.extend((m.start(), m.end(), term.label) for m in term.regex.finditer(norm))
        if not found:
            return
        found.sort()
        offsets = OffsetMap(original)
        for start, end, label in found:
            orig_start, orig_end = offsets.span(start, end)
            yield Span(field=name, start=orig_start, end=orig_end, term=label)

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

    ``aliases`` maps a term to other spellings that count as that term (brand misspellings,
    nicknames, multi-word names). ``fuzzy`` also accepts one typo (insertion, deletion,
    substitution or transposition) in words of six letters or more. Raises QuerySyntaxError,
    whose message names the 1-based column and what to change.
    """
    return Query(text, parse(text), aliases, fuzzy)
