"""A theme's name: the words its units share and others do not, as one of its units says them.

The label is the shortest stretch of a central unit, in the watch's language, that covers the theme's
most distinctive words ("export a Kanbo board to CSV"), after the kind ("Question: ..."). When no unit
of the theme is in that language, the distinctive words are said through the lexicon instead.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

from chalicelib.themes.words import LEXICON, PHRASES, canonical, fold, stem, surface_tokens, terms

PREFIX = {
    "en": {"problem": "Problem: ", "request": "Request: ", "question": "Question: ", "praise": "Praise: ", "any": ""},
    "fr": {
        "problem": "Problème : ",
        "request": "Demande : ",
        "question": "Question : ",
        "praise": "Compliment : ",
        "any": "",
    },
}
MAX_WORDS = 8
_PHRASE_KEYS = {fold(k): stem(v.replace(" ", "")) for k, v in PHRASES.items()}  # as words.terms keys them
_TRAILING = re.compile(r"[\s,;:.!?…\-–—]+$")


def distinctive_terms(
    member_texts: Sequence[str], doc_freq: Counter[str], n_docs: int, top: int = 3
) -> dict[str, float]:
    """The theme's words that most of its units use and the batch's other units do not, with their weight.

    The weight is a word's share of the theme's units times how much likelier it is in the theme than in
    the batch (log ratio): a word two units of twenty share by chance weighs little however rare it is.
    """
    in_theme = Counter(t for text in member_texts for t in set(terms(text)))
    size = max(len(member_texts), 1)
    scored = []
    for term, count in in_theme.items():
        if count < 2 and size > 1:
            continue
        share = count / size
        batch_share = max(doc_freq.get(term, 0), count) / max(n_docs, 1)
        scored.append((share * math.log(1.0 + share / batch_share), term))
    scored.sort(key=lambda s: (-s[0], s[1]))
    if not scored:
        return {}
    best = scored[0][0]
    return {term: score for score, term in scored[:top] if score >= 0.35 * best}


def _positions(text: str) -> list[tuple[str, int, int]]:
    """(canonical term, start, end) for the words of ``text``, phrases ("mot de passe") as one."""
    toks = surface_tokens(text)
    out: list[tuple[str, int, int]] = []
    i = 0
    while i < len(toks):
        for width in (3, 2):
            if i + width <= len(toks):
                start, end = toks[i][1], toks[i + width - 1][2]
                key = _PHRASE_KEYS.get(" ".join(fold(t[0]) for t in toks[i : i + width]))
                if key:
                    out.append((key, start, end))
                    i += width
                    break
        else:
            key = canonical(toks[i][0])
            if key:
                out.append((key, toks[i][1], toks[i][2]))
            i += 1
    return out


def best_span(text: str, wanted: dict[str, float]) -> tuple[float, str] | None:
    """(weight of the wanted terms covered, the shortest stretch of ``text`` covering them), at most MAX_WORDS
    words."""
    pos = _positions(text)
    best: tuple[float, int, str] | None = None
    for i, (term_i, s_i, _) in enumerate(pos):
        if term_i not in wanted:
            continue
        seen: set[str] = set()
        for term_j, _, e_j in pos[i:]:
            span = text[s_i:e_j]
            if len(span.split()) > MAX_WORDS:
                break
            if term_j in wanted:
                seen.add(term_j)
                key = (round(sum(wanted[t] for t in seen), 6), -len(span), span)
                if best is None or key[:2] > best[:2]:
                    best = key
    if best is None:
        return None
    return best[0], _TRAILING.sub("", best[2])


def _say(term: str, lang: str, surfaces: Counter[tuple[str, str, str]]) -> str:
    """One canonical term as a word of ``lang``: as the units wrote it, else through the lexicon."""
    written = [(n, w) for (t, w, wl), n in surfaces.items() if t == term and wl == lang]
    if written:
        return max(written)[1]
    if lang == "fr":
        french = sorted(w for w, en in LEXICON.items() if stem(en) == term)
        if french:
            return min(french, key=len)
    if lang == "en":  # the lexicon's English for a word only French units used ("tableaux" -> "board")
        english = sorted({en for en in LEXICON.values() if stem(en) == term})
        if english:
            return min(english, key=len)
    for phrase, key in PHRASES.items():
        if stem(key.replace(" ", "")) == term:
            return key if lang == "en" else phrase
    anywhere = [(n, w) for (t, w, _), n in surfaces.items() if t == term]
    return max(anywhere)[1] if anywhere else term


def make_labels(
    kind: str,
    members: Sequence[tuple[str, str]],
    doc_freq: Counter[str],
    n_docs: int,
    langs: Sequence[str] = ("en", "fr"),
) -> dict[str, str]:
    """A label per language for a theme whose ``members`` are (text, lang), most central first."""
    texts = [text for text, _ in members]
    wanted = distinctive_terms(texts, doc_freq, n_docs)
    surfaces: Counter[tuple[str, str, str]] = Counter()
    for text, unit_lang in members:
        for term, s, e in _positions(text):
            surfaces[(term, text[s:e].lower() if not text[s:e].isupper() else text[s:e], unit_lang)] += 1
    out: dict[str, str] = {}
    for lang in langs:
        prefix = PREFIX[lang].get(kind, "")
        phrase = ""
        if wanted:
            candidates = [best_span(text, wanted) for text, unit_lang in members[:5] if unit_lang == lang]
            found = [c for c in candidates if c]
            if found:
                top = max(c[0] for c in found)
                phrase = next(c[1] for c in found if c[0] == top)
            else:
                # No unit in this language: its words for the distinctive terms, in the order the most central
                # unit says them ("ouvrir nos tableaux" -> "open board").
                order = {t: i for i, (t, _s, _e) in reversed(list(enumerate(_positions(texts[0]))))}
                ranked = sorted(wanted, key=lambda t: order.get(t, len(order)))
                phrase = " ".join(_say(term, lang, surfaces) for term in ranked)
        if not phrase:
            phrase = " ".join(texts[0].split()[:MAX_WORDS]) if texts else ""
        out[lang] = prefix + (phrase[:1].upper() + phrase[1:] if not prefix else phrase)
    return out
