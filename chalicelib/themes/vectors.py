"""Unit vectors: the sentence encoder's meaning plus the units' cross-lingual words.

The encoder (Universal Sentence Encoder multilingual v3, see chalicelib/classify/encoder.py) puts an
English sentence and its French translation close together. Its vector is joined with a hashed bag of
the unit's canonical words (`words.terms`, where "exporter" and "export" are one word), each part
unit-length and weighted, so the cosine of two units is a weighted mean of both similarities. Without
the encoder, the words alone make the vector, and the space's name says so: a theme is only ever
compared with units of its own space.

numpy is imported inside the functions: in AWS it comes with the encoder's layer.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from chalicelib.themes.words import terms

if TYPE_CHECKING:
    import numpy as np

WORD_DIMS = 1024
TextEncoder = Callable[[Sequence[str]], "np.ndarray"]


@dataclass(frozen=True)
class Space:
    """How units become vectors: an optional text encoder, and the weight of the words part (0-1)."""

    encode: TextEncoder | None
    word_weight: float = 0.3

    @property
    def name(self) -> str:
        if self.encode is None:
            return f"words-{WORD_DIMS}"
        return f"use-m3+words-{WORD_DIMS}@{self.word_weight:g}"

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        """One unit-length row per text."""
        import numpy as np

        words = word_vectors(texts)
        if self.encode is None:
            return words
        meaning = np.asarray(self.encode(list(texts)), dtype=np.float32)
        meaning = meaning / np.maximum(np.linalg.norm(meaning, axis=1, keepdims=True), 1e-9)
        a, b = (1.0 - self.word_weight) ** 0.5, self.word_weight**0.5
        joined = np.hstack([a * meaning, b * words])
        return joined / np.maximum(np.linalg.norm(joined, axis=1, keepdims=True), 1e-9)  # type: ignore[no-any-return]


def word_vectors(texts: Sequence[str]) -> np.ndarray:
    """Signed hashed counts (square-rooted) of each text's canonical words, unit length; zero for none."""
    import numpy as np

    out = np.zeros((len(texts), WORD_DIMS), dtype=np.float32)
    for row, text in enumerate(texts):
        counts: dict[str, int] = {}
        for term in terms(text):
            counts[term] = counts.get(term, 0) + 1
        for term, count in counts.items():
            h = zlib.crc32(term.encode("utf-8"))
            out[row, h % WORD_DIMS] += (1.0 if (h >> 16) & 1 else -1.0) * count**0.5
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.maximum(norms, 1e-9)  # type: ignore[no-any-return]


@cache
def default_space(word_weight: float = 0.3) -> Space:
    """The encoder's space when the encoder can run here, else words alone (loaded once per process)."""
    from chalicelib.classify.encoder import EncoderUnavailable, bare_encoder

    try:
        encoder: Any = bare_encoder()
    except EncoderUnavailable:
        return Space(encode=None)
    return Space(encode=encoder.vectors, word_weight=word_weight)


def words_space() -> Space:
    """The encoder-free space (what a machine without the encoder gets)."""
    return Space(encode=None)
