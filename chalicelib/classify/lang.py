"""Language: en / fr / other, offline and in microseconds.

English vs French comes from the model's `lang_fr` head (char n-grams learned from the training
data). "other" needs no model: mostly non-Latin letters, or more function words of another
common language than of English and French.
"""

from __future__ import annotations

import re

WORD_RE = re.compile(r"[^\W\d_]+")
LATIN_RE = re.compile(r"[A-Za-z\u00c0-\u024f]")
NON_LATIN_RE = re.compile(r"[^\W\d_A-Za-z\u00c0-\u024f]")
EN = frozenset(
    [
        "the",
        "and",
        "you",
        "that",
        "this",
        "with",
        "for",
        "are",
        "was",
        "have",
        "not",
        "but",
        "what",
        "all",
        "they",
        "your",
        "just",
        "can",
        "will",
        "my",
        "me",
        "is",
        "it",
        "of",
        "to",
        "in",
        "on",
        "be",
        "at",
        "so",
        "i",
    ]
)
FR = frozenset(
    [
        "le",
        "la",
        "les",
        "des",
        "une",
        "est",
        "et",
        "que",
        "qui",
        "pas",
        "pour",
        "dans",
        "sur",
        "avec",
        "je",
        "tu",
        "il",
        "nous",
        "vous",
        "ce",
        "cette",
        "mais",
        "ou",
        "du",
        "au",
        "aux",
        "son",
        "sa",
        "ses",
        "mon",
        "ma",
        "mes",
        "très",
        "plus",
        "c'est",
        "j'ai",
    ]
)
OTHER = (
    frozenset(
        # es
        "el los las una por con para como pero muy está esta este hay porque cuando también gracias que "  # noqa: SIM905
        # de
        "der die das und ist nicht ich sie mit auf für ein eine wie auch noch nur wir sehr danke "
        # it
        "il di che non della sono per gli una anche questo grazie molto ma come "
        # pt
        "não uma com para muito obrigado você são também está isso "
        # nl
        "het een niet van dat ik je zijn met voor ook maar wel dank".split()
    )
    - EN
    - FR
)


def normalise_lang(lang: str | None) -> str | None:
    """'fr-FR' -> 'fr', 'EN' -> 'en', any other language -> 'other', None -> None."""
    if not lang:
        return None
    code = lang.strip().lower().replace("_", "-").split("-")[0]
    return code if code in ("en", "fr") else "other"


def looks_other(text: str, words: list[str] | None = None) -> bool:
    """True when the text is clearly neither English nor French.

    `words` are the text's lowercase words when the caller has them already (the classifier's tokens).
    """
    if NON_LATIN_RE.search(text):
        non_latin = len(NON_LATIN_RE.findall(text))
        if non_latin > len(LATIN_RE.findall(text)):
            return True
    if words is None:
        words = WORD_RE.findall(text.lower())
    other = sum(map(OTHER.__contains__, words))
    if other < 2:
        return False
    return other > sum(map(EN.__contains__, words)) + sum(map(FR.__contains__, words))
