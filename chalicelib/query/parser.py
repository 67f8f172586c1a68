"""From query text to a syntax tree, with errors that point at the column to fix.

Grammar (precedence NOT > AND > OR; AND is also implied by juxtaposition)::

    query   := or_expr
    or_expr := and_expr ("OR" and_expr)*
    and_expr:= unary (["AND"] unary)*
    unary   := ("NOT" | "-") unary | primary
    primary := "(" or_expr ")" | '"phrase"' | field ":" value | term

Operators are upper case so that "or", "and" and "not" stay searchable words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chalicelib.models import SOURCE_NAMES  # the names only: the query language knows no connector
from chalicelib.query.errors import QuerySyntaxError

FIELDS = ("lang", "source", "site", "author")
_FIELD_RE = re.compile(r"(?i)(lang|source|site|author):(.*)", re.DOTALL)
_WORD_END = re.compile(r'[\s()"]')
_FIELD_EXAMPLES = {"lang": "lang:fr", "source": "source:reddit", "site": "site:example.com", "author": "author:jdoe"}
# ISO 639-1: the two-letter codes a mention's language can carry (sources declare regional tags too: fr-CA).
_ISO_639_1 = (
    "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz "
    "ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik "
    "io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml "
    "mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd "
    "se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi "
    "vo wa wo xh yi yo za zh zu"
)
LANGUAGE_CODES = frozenset(_ISO_639_1.split())


@dataclass(frozen=True)
class Term:
    """A word or a quoted phrase to look for, as written in the query."""

    text: str
    phrase: bool
    column: int


@dataclass(frozen=True)
class Field:
    """A filter on the mention's metadata: lang, source, site or author."""

    name: str
    value: str
    column: int


@dataclass(frozen=True)
class Not:
    """The negation of a sub-query."""

    child: Node


@dataclass(frozen=True)
class And:
    """Every sub-query must match."""

    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    """At least one sub-query must match."""

    children: tuple[Node, ...]


Node = Term | Field | Not | And | Or


@dataclass(frozen=True)
class _Token:
    kind: str  # "(", ")", "AND", "OR", "NOT", "-", "PHRASE", "WORD", "FIELD"
    value: str
    column: int  # 1-based
    field: str = ""


def _tokenise(query: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(query)
    while i < n:
        char = query[i]
        col = i + 1
        if char.isspace():
            i += 1
        elif char in "()":
            tokens.append(_Token(char, char, col))
            i += 1
        elif char == '"':
            value, i = _read_phrase(query, i)
            tokens.append(_Token("PHRASE", value, col))
        elif char == "-":
            if i + 1 >= n or query[i + 1].isspace() or query[i + 1] == ")":
                raise QuerySyntaxError(col, '"-" must be followed by a term without a space, e.g. -spam', query)
            tokens.append(_Token("-", "-", col))
            i += 1
        else:
            match = _WORD_END.search(query, i)
            end = match.start() if match else n
            word = query[i:end]
            i = end
            field = _FIELD_RE.fullmatch(word)
            if word in ("AND", "OR", "NOT"):
                tokens.append(_Token(word, word, col))
            elif field:
                name, value = field.group(1).lower(), field.group(2)
                if not value and i < n and query[i] == '"':
                    value, i = _read_phrase(query, i)
                if not value.strip():
                    raise QuerySyntaxError(
                        col, f"{name}: needs a value right after the colon, e.g. {_FIELD_EXAMPLES[name]}", query
                    )
                _check_field_value(name, value.strip(), col, query)
                tokens.append(_Token("FIELD", value.strip(), col, name))
            else:
                tokens.append(_Token("WORD", word, col))
    return tokens


def _check_field_value(name: str, value: str, column: int, query: str) -> None:
    """A ``lang:`` or ``source:`` value nothing could ever carry is a mistake: name the valid ones."""
    low = value.lower()
    if name == "lang" and re.split(r"[-_]", low, maxsplit=1)[0] not in LANGUAGE_CODES:
        raise QuerySyntaxError(
            column,
            f"lang:{value}: unknown language code; use a two-letter ISO 639-1 code such as en, fr, de, es, it, "
            "pt, nl (a region may follow: fr-CA)",
            query,
        )
    if name == "source":
        names = [*SOURCE_NAMES, "form"]
        if not (low.startswith("form:") or any(known.startswith(low) for known in names)):
            raise QuerySyntaxError(
                column,
                f"source:{value}: unknown source; use one of {', '.join(sorted(names))} (form:typeform, ... for "
                "one form tool)",
                query,
            )


def _read_phrase(query: str, i: int) -> tuple[str, int]:
    """The phrase whose opening quote is at ``i``, and the index after its closing quote."""
    end = query.find('"', i + 1)
    if end < 0:
        raise QuerySyntaxError(i + 1, "unclosed quote opened here; add a closing '\"'", query)
    value = query[i + 1 : end]
    if not value.strip():
        raise QuerySyntaxError(i + 1, "empty phrase; put words between the quotes or remove them", query)
    return value.strip(), end + 1


_STARTS_UNARY = frozenset({"(", "PHRASE", "WORD", "FIELD", "NOT", "-"})


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.tokens = _tokenise(query)
        self.pos = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def error(self, column: int, reason: str) -> QuerySyntaxError:
        return QuerySyntaxError(column, reason, self.query)

    def parse(self) -> Node:
        if not self.tokens:
            raise self.error(1, "the query is empty; write at least one term to look for, e.g. acme")
        node = self.parse_or()
        extra = self.peek()
        if extra is not None:
            # parse_and swallows everything but ")" so a leftover token is always a stray ")".
            raise self.error(extra.column, 'unexpected ")" with no matching "("; remove it or add "(" before')
        return node

    def parse_or(self) -> Node:
        children = [self.parse_and()]
        while (token := self.peek()) is not None and token.kind == "OR":
            self.pos += 1
            self.expect_operand(token)
            children.append(self.parse_and())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def parse_and(self) -> Node:
        children = [self.parse_unary()]
        while (token := self.peek()) is not None:
            if token.kind == "AND":
                self.pos += 1
                self.expect_operand(token)
            elif token.kind not in _STARTS_UNARY:
                break
            children.append(self.parse_unary())
        return children[0] if len(children) == 1 else And(tuple(children))

    def parse_unary(self) -> Node:
        token = self.peek()
        if token is not None and token.kind in ("NOT", "-"):
            self.pos += 1
            self.expect_operand(token)
            return Not(self.parse_unary())
        return self.parse_primary()

    def expect_operand(self, operator: _Token) -> None:
        following = self.peek()
        if following is None or following.kind not in _STARTS_UNARY:
            name = '"-"' if operator.kind == "-" else operator.kind
            raise self.error(operator.column, f"{name} needs a term after it; add one or remove {name}")

    def parse_primary(self) -> Node:
        token = self.peek()
        assert token is not None  # callers check that an operand follows
        self.pos += 1
        if token.kind == "(":
            following = self.peek()
            if following is not None and following.kind == ")":
                raise self.error(token.column, "empty parentheses; put a term inside or remove them")
            if following is None:
                raise self.error(token.column, 'unclosed parenthesis opened here; add a term and ")"')
            node = self.parse_or()
            closing = self.peek()
            if closing is None or closing.kind != ")":
                raise self.error(token.column, 'unclosed parenthesis opened here; add ")"')
            self.pos += 1
            return node
        if token.kind == ")":
            raise self.error(token.column, 'unexpected ")" with no matching "("; remove it or add "(" before')
        if token.kind in ("AND", "OR"):
            raise self.error(token.column, f"{token.kind} needs a term before it; add one or remove {token.kind}")
        if token.kind == "FIELD":
            return Field(token.field, token.value, token.column)
        if not any(c.isalnum() for c in token.value):
            raise self.error(
                token.column, f"{token.value!r} has no letter or digit to look for; remove it or add a word"
            )
        return Term(token.value, token.kind == "PHRASE", token.column)


def parse(query: str) -> Node:
    """The syntax tree of ``query``; raises QuerySyntaxError naming the column to fix."""
    return _Parser(query).parse()
