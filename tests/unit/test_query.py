"""The query language: what matches, what does not, where the errors point, and the spans."""

from __future__ import annotations

import random
import re
from typing import Any

import pytest

from chalicelib.models import Span
from chalicelib.query import QuerySyntaxError, compile_query, normalise
from chalicelib.query.parser import And, Node, Not, Or, Term, parse
from chalicelib.query.patterns import variant_regex

ACME_ALIASES = {"acme": ["akme", "acme corp"]}

# (query, compile options, text, match options, expected match)
CASES: list[tuple[str, dict[str, Any], str, dict[str, Any], bool]] = [
    # accents and case, both ways
    ("elodie", {}, "Élodie a répondu", {}, True),
    ("Élodie", {}, "merci elodie", {}, True),
    ("ÉLODIE", {}, "Merci Élodie !", {}, True),
    ("café", {}, "un CAFE serré", {}, True),
    ("cafe", {}, "un café serré", {}, True),
    ("cafe", {}, "un cafe\u0301 serré", {}, True),  # decomposed accent
    ("déçu", {}, "Vraiment DECU par le service", {}, True),
    ("decu", {}, "très déçu", {}, True),
    ("déçu", {}, "très déçue", {}, False),  # another word, not an accent variant
    ("strasse", {}, "Hauptstraße", {}, False),
    ("straße", {}, "in der STRASSE", {}, True),
    # word boundaries
    ("veille", {}, "je vais veiller tard", {}, False),
    ("veille", {}, "la veille, déjà", {}, True),
    ("veille", {}, "surveille", {}, False),
    ("acme", {}, "Acme's new plan", {}, True),
    ("acme", {}, "Acme\u2019s new plan", {}, True),
    ("acme", {}, "follow #acme", {}, True),
    ("acme", {}, "ping @acme please", {}, True),
    ("acme", {}, "acmecorp is down", {}, False),
    ("acme", {}, "acme_bot says hi", {}, False),
    ("acme", {}, "see acme.com", {}, True),
    ("#acme", {}, "love #acme", {}, True),
    ("#acme", {}, "love acme", {}, False),
    # phrases
    ('"acme corp"', {}, "ACME   Corp is hiring", {}, True),
    ('"acme corp"', {}, "acme-corp rocks", {}, True),
    ('"acme corp"', {}, "acme, corp.", {}, True),
    ('"acme corp"', {}, "corp acme", {}, False),
    ('"acme corp"', {}, "acme corporate", {}, False),
    ('"service client"', {}, "Le Service-Client d'Acme", {}, True),
    # AND, OR, NOT, precedence, parentheses
    ("acme widget", {}, "the acme widget", {}, True),
    ("acme widget", {}, "the acme gadget", {}, False),
    ("acme AND widget", {}, "widget by acme", {}, True),
    ("acme OR widget", {}, "a widget", {}, True),
    ("acme OR widget", {}, "a gadget", {}, False),
    ("acme -job", {}, "acme job offer", {}, False),
    ("acme -job", {}, "acme is great", {}, True),
    ("acme NOT job", {}, "acme jobs", {}, True),  # "jobs" is another word
    ('acme -"job offer"', {}, "acme job-offer", {}, False),
    ("acme OR widget -spam", {}, "widget spam", {}, False),  # NOT > AND > OR: acme OR (widget -spam)
    ("acme OR widget -spam", {}, "acme spam", {}, True),
    ("(acme OR widget) -spam", {}, "acme spam", {}, False),
    ("acme OR widget gadget", {}, "widget only", {}, False),  # acme OR (widget AND gadget)
    ("acme OR widget gadget", {}, "acme only", {}, True),
    ("NOT NOT acme", {}, "acme", {}, True),
    ("-(spam OR job) acme", {}, "acme job", {}, False),
    ("-spam", {}, "anything at all", {}, True),
    # filters
    ("acme lang:fr", {}, "acme", {"lang": "fr"}, True),
    ("acme lang:fr", {}, "acme", {"lang": "en"}, False),
    ("acme lang:fr", {}, "acme", {"lang": "fr-CA"}, True),
    ("acme lang:fr", {}, "acme", {}, False),
    ("acme -lang:en", {}, "acme", {"lang": "fr"}, True),
    ("acme source:reddit", {}, "acme", {"source": "reddit"}, True),
    ("acme source:reddit", {}, "acme", {"source": "hn"}, False),
    ("acme source:form", {}, "acme", {"source": "form:typeform"}, True),
    ("acme source:form:typeform", {}, "acme", {"source": "form:tally"}, False),
    ("acme site:example.com", {}, "acme", {"url": "https://blog.example.com/post"}, True),
    ("acme site:example.com", {}, "acme", {"url": "https://example.com"}, True),
    ("acme site:example.com", {}, "acme", {"url": "https://notexample.com/x"}, False),
    ("acme site:example.com", {}, "acme", {"url": "https://example.com.evil.io/"}, False),
    ("acme author:jdoe", {}, "acme", {"author": "@JDoe"}, True),
    ('acme author:"Élodie Martin"', {}, "acme", {"author": "elodie martin"}, True),
    ("acme author:jdoe", {}, "acme", {"author": "jdoe2"}, False),
    ("lang:fr OR source:hn", {}, "whatever", {"source": "hn"}, True),
    # aliases
    ("acme", {"aliases": ACME_ALIASES}, "Akme support is slow", {}, True),
    ("acme", {"aliases": ACME_ALIASES}, "ACME-Corp support", {}, True),
    ("acme", {"aliases": ACME_ALIASES}, "akmes", {}, False),
    ("widget -acme", {"aliases": ACME_ALIASES}, "widget by akme", {}, False),
    ("Acmé", {"aliases": ACME_ALIASES}, "akme", {}, True),  # alias keys are normalised too
    # fuzzy: one Damerau edit on words of 6+ letters, only when asked
    ("widgets", {"fuzzy": True}, "new wigdets out", {}, True),  # transposition
    ("widgets", {"fuzzy": True}, "new widgts out", {}, True),  # deletion
    ("widgets", {"fuzzy": True}, "new widgetss out", {}, True),  # insertion
    ("widgets", {"fuzzy": True}, "new wodgets out", {}, True),  # substitution
    ("widgets", {"fuzzy": True}, "new wodgts out", {}, False),  # two edits
    ("widgets", {}, "new wigdets out", {}, False),
    ("gadget", {"fuzzy": True}, "gadgte", {}, True),  # exactly six letters
    ("acme", {"fuzzy": True}, "acne", {}, False),  # four letters: exact only
    ("tesla", {"fuzzy": True}, "telsa", {}, False),  # five letters: exact only
    ('"acme widgets"', {"fuzzy": True}, "acme widegts", {}, True),
    ("décathlon", {"fuzzy": True}, "Decathon", {}, True),
    # obfuscated domains
    ("example.com", {}, "go to example[.]com", {}, True),
    ("example.com", {}, "go to example(.)com", {}, True),
    ("example.com", {}, "go to example dot com", {}, True),
    ("example.com", {}, "go to EXAMPLE [dot] COM", {}, True),
    ("example.com", {}, "go to example.com/path", {}, True),
    ("example.com", {}, "go to examplexcom", {}, False),
    ("example.com", {}, "go to example.community", {}, False),
    # the title counts as much as the text
    ("acme", {}, "nothing here", {"title": "Acme launches"}, True),
]


@pytest.mark.parametrize(("query", "options", "text", "meta", "expected"), CASES)
def test_match_table(query: str, options: dict[str, Any], text: str, meta: dict[str, Any], expected: bool) -> None:
    result = compile_query(query, **options).match(text, **meta)
    assert (result is not None) is expected


def test_the_table_is_large_enough() -> None:
    assert len(CASES) >= 60


@pytest.mark.parametrize(
    ("query", "column", "fragment"),
    [
        ("", 1, "empty"),
        ("   ", 1, "empty"),
        ("acme OR (widget -spam", 9, 'unclosed parenthesis opened here; add ")"'),
        ("(acme", 1, "unclosed parenthesis"),
        ("acme)", 5, 'unexpected ")"'),
        ("acme ()", 6, "empty parentheses"),
        ('acme "corp', 6, "unclosed quote"),
        ('acme ""', 6, "empty phrase"),
        ("acme OR", 6, "OR needs a term after it"),
        ("OR acme", 1, "OR needs a term before it"),
        ("acme AND", 6, "AND needs a term after it"),
        ("acme AND OR b", 6, "AND needs a term after it"),
        ("acme NOT", 6, "NOT needs a term after it"),
        ("acme - spam", 6, '"-" must be followed by a term'),
        ("acme lang:", 6, "lang: needs a value"),
        ("acme !!!", 6, "no letter or digit"),
        ("(acme OR (b)", 1, "unclosed parenthesis"),
    ],
)
def test_syntax_errors_name_the_column(query: str, column: int, fragment: str) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        compile_query(query)
    assert caught.value.column == column
    assert fragment in str(caught.value)
    assert str(caught.value).startswith(f"column {column}: ")


def test_syntax_error_is_a_value_error_with_a_caret() -> None:
    with pytest.raises(ValueError, match=r"^column 9: unclosed parenthesis opened here; add \"\)\"$") as caught:
        compile_query("acme OR (widget")
    assert isinstance(caught.value, QuerySyntaxError)
    assert caught.value.caret() == "acme OR (widget\n        ^"


def test_alias_without_letters_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"alias '\.\.\.' of 'acme'"):
        compile_query("acme", aliases={"acme": ["..."]})


def quotes(original: str, spans: list[Span] | None) -> list[str]:
    assert spans is not None
    return [original[s.start : s.end] for s in spans]


def test_spans_point_into_the_accented_original() -> None:
    text = "Ça y est : Élodie a trouvé le CAFÉ de la Veille, déçue mais ravie."
    spans = compile_query("elodie cafe veille").match(text)
    assert spans == [
        Span(field="text", start=11, end=17, term="elodie"),
        Span(field="text", start=30, end=34, term="cafe"),
        Span(field="text", start=41, end=47, term="veille"),
    ]
    assert quotes(text, spans) == ["Élodie", "CAFÉ", "Veille"]


def test_spans_survive_characters_that_change_length() -> None:
    # "ﬁ" (1 char) normalises to "fi" (2), "ß" to "ss", the decomposed é loses its mark.
    text = "Le ﬁlm de Straße et le cafe\u0301 de Zoé"
    spans = compile_query("film straße café zoe").match(text)
    assert quotes(text, spans) == ["ﬁlm", "Straße", "cafe\u0301", "Zoé"]


def test_spans_cover_title_then_text_and_report_the_term_as_written() -> None:
    spans = compile_query("Acme", aliases={"acme": ["akme"]}).match("merci AKME", title="Acme, encore")
    assert spans == [Span(field="title", start=0, end=4, term="Acme"), Span(field="text", start=6, end=10, term="Acme")]


def test_spans_leave_out_excluded_terms_and_quote_phrases_whole() -> None:
    text = "Acme  Corp, no spam"
    spans = compile_query('"acme corp" OR (widget -spam)').match(text)
    assert quotes(text, spans) == ["Acme  Corp"]


def test_spans_of_obfuscated_domains_and_fuzzy_words() -> None:
    text = "Évitez example [.] com et les wigdets"
    spans = compile_query("example.com OR widgets", fuzzy=True).match(text)
    assert quotes(text, spans) == ["example [.] com", "wigdets"]


def test_filter_only_query_matches_with_no_spans() -> None:
    assert compile_query("lang:fr").match("bonjour", lang="fr") == []
    assert compile_query("lang:fr").match("hello", lang="en") is None


def test_search_terms_are_positive_terms_with_aliases() -> None:
    query = compile_query('acme OR "Acme Corp" widget -spam -"job offer" lang:fr', aliases=ACME_ALIASES)
    assert query.search_terms() == ["acme", "akme", "acme corp", "widget"]


def test_search_terms_keep_double_negation_and_drop_exclusions() -> None:
    assert compile_query("NOT (NOT acme) -spam").search_terms() == ["acme"]


def test_lowercase_operators_are_words() -> None:
    query = compile_query("rock or roll")
    assert query.match("rock and roll") is None  # "or" is a word that must be there
    assert query.match("rock or roll") is not None


def test_normalise() -> None:
    assert normalise("Élodie DÉÇUE, Straße") == "elodie decue, strasse"
    assert normalise("cafe\u0301") == "cafe"


def _reference(node: Node, text: str, aliases: dict[str, list[str]], fuzzy: bool) -> bool:
    """A slow, obviously correct matcher: one regex search per spelling, a recursive evaluation."""
    if isinstance(node, Term):
        spellings = [node.text, *aliases.get(normalise(node.text).strip(), [])]
        return any(
            re.search(variant_regex(normalise(s).strip(), phrase=node.phrase, fuzzy=fuzzy), normalise(text))
            for s in spellings
        )
    if isinstance(node, Not):
        return not _reference(node.child, text, aliases, fuzzy)
    if isinstance(node, And):
        return all(_reference(c, text, aliases, fuzzy) for c in node.children)
    if isinstance(node, Or):
        return any(_reference(c, text, aliases, fuzzy) for c in node.children)
    raise AssertionError(node)


@pytest.mark.parametrize("fuzzy", [False, True])
def test_random_queries_agree_with_a_one_regex_per_term_reference(fuzzy: bool) -> None:
    # Terms chosen to overlap ("acme" inside "acme corp", "#acme", "corp widgets"), where one
    # combined scan could hide a term behind another.
    atoms = ["acme", '"acme corp"', "corp", "#acme", '"corp widgets"', "widgets", "widget", "example.com", "com"]
    words = ["acme", "Acmé", "corp", "#acme", "widgets", "wigdets", "widget", "example", "dot", "com", ".", "x"]
    aliases = {"acme": ["akme", "acme corp"], "widgets": ["gizmos"]}
    rng = random.Random(1234)
    for _ in range(400):
        parts = []
        for _ in range(rng.randint(1, 4)):
            atom = rng.choice(atoms)
            parts.append(("-" if rng.random() < 0.3 else "") + atom)
            parts.append(rng.choice(["", "OR"]))
        source = " ".join(p for p in parts[:-1] if p)
        if source.split()[-1] == "OR" or source.split()[0] == "OR":
            continue
        query = compile_query(source, aliases=aliases, fuzzy=fuzzy)
        for _ in range(10):
            text = " ".join(rng.choice([*words, "akme", "gizmos"]) for _ in range(rng.randint(0, 8)))
            expected = _reference(parse(source), text, aliases, fuzzy)
            assert (query.match(text) is not None) is expected, (source, text)


# -- the fast paths must not change a single result --------------------------------------------

# Characters that trip fast paths: accents precomposed and decomposed, ligatures and letters that
# change length, a mark that casefolds to a letter, Cherokee (whose normal form lower() would
# change), the Kelvin sign, full-width letters, emoji, non-Latin word characters.
TRICKY = "ÉéèÀçÇßẞﬁﬀİıK\u0301\u0345ᏣᏍᎦꭰａＣｍｅ😡🙏αΩ中_’«».,-#@ \t"


def _normalise_reference(text: str) -> str:
    import unicodedata

    folded = unicodedata.normalize("NFKD", text).casefold()
    return "".join(c for c in folded if not (unicodedata.combining(c) or unicodedata.category(c) in ("Mn", "Me")))


def test_normalise_agrees_with_the_whole_text_definition() -> None:
    rng = random.Random(7)
    alphabet = TRICKY + "acmeACME veille"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        assert normalise(text) == _normalise_reference(text), text
    assert normalise("ᏣᏍᎦ ꭰ CAFÉ") == _normalise_reference("ᏣᏍᎦ ꭰ CAFÉ")  # Cherokee: the slow path
    assert normalise("\u0345") == "ι"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("acme at the start", ["acme"]),
        ("ACME", ["ACME"]),
        ("Akme!", ["Akme"]),
        ("😡acme", ["acme"]),  # emoji are not word characters
        ("éacme", []),  # normalised to "eacme": one word
        ("αacme", []),  # a Greek letter is a word character: no boundary
        ("中acme", []),
        ("_acme", []),
        ("acme,akme acme", ["acme", "akme", "acme"]),
        ("ａｃｍｅ corp", ["ａｃｍｅ corp"]),  # full-width letters normalise to ASCII
        ("Décathlon et DECAT", ["Décathlon", "DECAT"]),
        ("deca\u0301thlon", ["deca\u0301thlon"]),
        ("see EXAMPLE[.]COM", ["EXAMPLE[.]COM"]),
        ("c++acme", ["c++", "acme"]),  # a hit that ends with punctuation, then a word right after it
    ],
)
def test_fast_scan_does_not_reject_or_shift_hits(text: str, expected: list[str]) -> None:
    query = compile_query(
        "acme OR décathlon OR example.com OR c++", aliases={"acme": ["akme", "acme corp"], "décathlon": ["decat"]}
    )
    assert query._after_gap is not None  # the fast scan is the one under test
    spans = query.match(text)
    assert (quotes(text, spans) if spans is not None else []) == expected


def test_fast_scan_finds_fuzzy_words_at_every_position() -> None:
    query = compile_query("widgets", fuzzy=True)
    assert query._after_gap is not None
    for text in ["Wigdets", "new WIDGTS", "😡widgetss", "(wodgets)"]:
        assert query.match(text) is not None, text
    assert query.match("αwigdets") is None


def test_fast_and_slow_scans_agree_on_adversarial_texts() -> None:
    aliases = {"acme": ["akme", "acme corp"], "widgets": ["gizmos"]}
    query = compile_query('acme OR "corp widgets" OR widgets OR example.com OR c++ OR veille -job', aliases=aliases)
    assert query._after_gap is not None
    words = ["acme", "Acmé", "AKME", "corp", "widgets", "gizmos", "example", "dot", "com", "c++", "veille", "job"]
    rng = random.Random(99)
    for _ in range(3000):
        text = "".join(rng.choice([*words, *TRICKY]) for _ in range(rng.randint(0, 10)))
        norm = normalise(text)
        assert query._scan(norm) == query._scan_slowly(norm), text


def test_a_spelling_starting_with_punctuation_keeps_the_general_scan() -> None:
    query = compile_query("#acme OR widget")
    assert query._after_gap is None
    assert quotes("love #ACME and widget", query.match("love #ACME and widget")) == ["#ACME", "widget"]


@pytest.mark.parametrize(
    ("source", "text", "expected"),
    [
        ("acme OR -spam", "hello", True),
        ("acme OR -spam", "spam", False),
        ("acme OR -spam", "acme spam", True),
        ("acme OR -spam -job", "spam", False),  # acme OR (-spam AND -job)
        ("acme OR -spam -job", "hello", True),
        ("acme OR -spam OR -job", "spam job", False),
        ("acme OR -spam OR -job", "spam", True),
        ("(acme OR widget) -spam -job", "widget job", False),
        ("(acme OR widget) -spam -job", "widget", True),
        ("-spam -job", "job", False),
        ("-spam -job", "", True),
        ("acme -acme", "acme", False),
    ],
)
def test_exclusions_collapsed_into_one_set_check(source: str, text: str, expected: bool) -> None:
    assert (compile_query(source).match(text) is not None) is expected
    assert _reference(parse(source), text, {}, False) is expected


def test_spans_after_accents_and_emoji_keep_their_offsets() -> None:
    # Characters whose normal form is one character: the map back to offsets is the identity.
    text = "😡 déçu par ÀCME, ça 🙏 Akme"
    spans = compile_query("acme", aliases={"acme": ["akme"]}).match(text)
    assert quotes(text, spans) == ["ÀCME", "Akme"]
    # Then one that changes length, after the first text filled the cache.
    text = "ﬁ 😡 déçu par ÀCME"
    assert quotes(text, compile_query("acme").match(text)) == ["ÀCME"]


@pytest.mark.parametrize(
    ("query", "column", "fragments"),
    [
        ("acme lang:xx", 6, ["lang:xx: unknown language code", "ISO 639-1", "en, fr"]),
        ("acme lang:english", 6, ["lang:english: unknown language code"]),
        ("acme OR source:twitter", 9, ["source:twitter: unknown source", "bluesky", "reddit", "rss", "form"]),
    ],
)
def test_a_language_or_source_nothing_carries_is_an_error_naming_the_valid_values(
    query: str, column: int, fragments: list[str]
) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        compile_query(query)
    assert caught.value.column == column
    for fragment in fragments:
        assert fragment in str(caught.value)


@pytest.mark.parametrize(
    "query", ["lang:de", "lang:FR", "lang:pt-BR", "lang:fr_BE", "source:google-alerts", "source:form:tally"]
)
def test_known_languages_sources_and_prefixes_still_compile(query: str) -> None:
    assert compile_query(f"acme {query}").match("acme") is None  # compiles; no metadata given, so no match
