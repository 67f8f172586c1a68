"""Text to hashed features, shared by training (training/) and inference (builtin backend).

Pure Python and deterministic: `zlib.crc32` hashes feature strings into a fixed number of buckets,
so the model needs no vocabulary file (only a small polarity word list). A text's features fall into groups:

- token features, which depend on one token only (the word itself, its polarity class when the
  model ships a word list, and its character n-grams inside word boundaries). The runtime caches
  their summed weights per token, which is what makes pure-Python inference fast: most tokens of a
  new text were seen before.
- word bigrams (the runtime caches them together with their second word's token features);
- context features: negated words ("not good" -> `n:good`), and a few
  text-level cues (question mark, @mention, URL, length, all caps).

Every feature has the same value, 1/sqrt(number of features of the text): a cheap stand-in for
L2 normalisation that keeps the model linear in the per-feature weights.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Mapping
from itertools import pairwise

URL_RE = re.compile(r"https?://\S+|www\.\S+|\bhttp\b", re.IGNORECASE)
USER_RE = re.compile(r"@\w+")
ELONGATED_RE = re.compile(r"(\w)\1{2,}")
NONZERO_DIGIT_RE = re.compile(r"[1-9]")
UPPER_RE = re.compile(r"[A-ZÀ-Ý]")
UPPER_BYTES = bytes(range(0x41, 0x5B)) + bytes(range(0xC0, 0xDE))  # UPPER_RE in latin-1
LETTER_RE = re.compile(r"[^\W\d_]")
TOKEN_RE = re.compile(
    r"<url>|<user>"
    r"|[:;=8x][\-o\*']?[\)\]\(\[dpo/\\|@3]"  # emoticons, on lowercased text
    r"|<3"
    r"|[#$]?\w+(?:['’]\w+)?"
    r"|[!?]+"
    r"|[^\w\s]",
)
NEGATORS = frozenset(
    [
        "not",
        "no",
        "never",
        "none",
        "nobody",
        "nothing",
        "neither",
        "nor",
        "cannot",
        "can't",
        "don't",
        "doesn't",
        "didn't",
        "isn't",
        "aren't",
        "wasn't",
        "weren't",
        "won't",
        "wouldn't",
        "shouldn't",
        "couldn't",
        "haven't",
        "hasn't",
        "hadn't",
        "ain't",
        "dont",
        "doesnt",
        "didnt",
        "isnt",
        "arent",
        "wasnt",
        "cant",
        "wont",
        "ne",
        "pas",
        "jamais",
        "rien",
        "aucun",
        "aucune",
        "personne",
        "plus",
        "sans",
        "ni",
        "n'est",
        "n'ai",
        "n'a",
        "n'y",
    ]
)
CLAUSE_END = frozenset('.,;:!?()[]"')
# French elision ("l'avion", "j'ai", "qu'il") splits so the word itself is a feature.
ELISION_RE = re.compile(r"^(?:[ldjmnstc]|qu|jusqu|lorsqu|puisqu)['’](\w)")


def normalise(text: str) -> str:
    """Lowercase, mask URLs and user names, shorten elongations ("soooo" -> "soo")."""
    text = text.lower()
    if "http" in text or "www." in text:
        text = URL_RE.sub(" <url> ", text)
    if "@" in text:
        text = USER_RE.sub(" <user> ", text)
    return ELONGATED_RE.sub(r"\1\1", NONZERO_DIGIT_RE.sub("0", text))


def tokenize(text: str) -> list[str]:
    """Tokens of a normalised text; French elisions split off ("j'ai" -> "j'", "ai")."""
    tokens: list[str] = TOKEN_RE.findall(text)
    if "'" not in text and "’" not in text:
        return tokens
    out: list[str] = []
    for tok in tokens:
        if "'" in tok or "’" in tok:
            m = ELISION_RE.match(tok)
            if m:
                out.append(tok[: m.start(1)])
                tok = tok[m.start(1) :]
        out.append(tok)
    return out


def strip_accents(word: str) -> str:
    """ "réclamation" -> "reclamation": users often type French without accents."""
    if word.isascii():
        return word
    return "".join(c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn")


def token_features(tok: str, lexicon: Mapping[str, str] | None = None) -> list[str]:
    """Features that depend on one token only: the word, its polarity class in `lexicon` (word ->
    class name, see training/recipe.py) and its char 3-5-grams with boundaries."""
    feats = ["w:" + tok]
    if lexicon:
        polarity = lexicon.get(tok.lstrip("#"))
        if polarity:
            feats.append("lex:" + polarity)
    if len(tok) < 3 or not tok[0].isalnum():
        if tok.startswith("#") and len(tok) > 2:
            feats.append("w:" + tok[1:])
        return feats
    plain = strip_accents(tok)
    if plain != tok:
        feats.append("w:" + plain)
    padded = " " + plain.lstrip("#") + " "
    n_chars = len(padded)
    for n in (3, 4, 5):
        if n > n_chars:
            break
        feats.extend("c" + padded[i : i + n] for i in range(n_chars - n + 1))
    return feats


def context_features(tokens: list[str], raw: str) -> list[str]:
    """Features that need the neighbours or the whole text."""
    feats: list[str] = []
    if not NEGATORS.isdisjoint(tokens):
        negated = False
        for tok in tokens:
            if tok in NEGATORS:
                negated = True
            elif tok[0] in CLAUSE_END:
                negated = False
            elif negated:
                feats.append("n:" + tok)
    n_tok = len(tokens)
    feats.append("len:" + ("0" if n_tok < 5 else "1" if n_tok < 12 else "2" if n_tok < 25 else "3"))
    if "?" in raw:
        feats.append("t:question")
    if "!" in raw:
        feats.append("t:exclaim")
    if "<user>" in tokens:
        feats.append("t:mention")
        if tokens[0] == "<user>":
            feats.append("t:starts_mention")
    if "<url>" in tokens:
        feats.append("t:url")
    latin1 = raw.encode("latin-1", "ignore")  # UPPER_RE's letters, counted at C speed
    n_upper = len(latin1) - len(latin1.translate(None, UPPER_BYTES))
    if n_upper > 8 and n_upper > 0.6 * len(LETTER_RE.findall(raw)):
        feats.append("t:caps")
    return feats


def bigrams(tokens: list[str]) -> list[str]:
    """Word bigram features, with sentence boundaries: the first is "b:<s> w1", the last "b:wn </s>"."""
    padded = ["<s>", *tokens, "</s>"]
    return [f"b:{a} {b}" for a, b in pairwise(padded)]


def featurize(text: str) -> tuple[list[str], list[str]]:
    """(tokens, context features except bigrams) of a raw text; see `token_features` and `bigrams`."""
    tokens = tokenize(normalise(text))
    return tokens, context_features(tokens, text)


def hash_feature(feature: str, mask: int) -> int:
    """Bucket of a feature string (crc32 is stable across processes, unlike hash())."""
    return zlib.crc32(feature.encode("utf-8")) & mask


def feature_indices(text: str, n_bits: int, lexicon: Mapping[str, str] | None = None) -> list[int]:
    """All bucket indices of a text, with repetition (used by training; the runtime caches per token)."""
    mask = (1 << n_bits) - 1
    tokens, ctx = featurize(text)
    out = [hash_feature(f, mask) for tok in tokens for f in token_features(tok, lexicon)]
    out.extend(hash_feature(f, mask) for f in bigrams(tokens))
    out.extend(hash_feature(f, mask) for f in ctx)
    return out
