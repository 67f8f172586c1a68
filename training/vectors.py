"""Sentence-encoder vectors for training, cached on disk so a retrain re-encodes only new texts.

The cache (`.data/vectors.npz` by default, never committed) maps sha1(text) to the encoder's vector,
stored as float16 (the heads are fitted on float32 copies; float16 changes no decision we measured).
"""

from __future__ import annotations

import hashlib
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from chalicelib.classify.encoder import bare_encoder

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / ".data" / "vectors.npz"


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()


class VectorCache:
    """sha1(text) -> float16 vector, loaded once, saved after each batch of new texts."""

    def __init__(self, path: Path = CACHE) -> None:
        self.path = path
        self.index: dict[str, int] = {}
        self.rows: list[np.ndarray] = []
        if path.exists():
            with np.load(path) as z:
                keys, vecs = z["keys"], z["vecs"]
            self.index = {str(k): i for i, k in enumerate(keys)}
            self.rows = [vecs]
        self._matrix: np.ndarray | None = None

    def _all(self) -> np.ndarray:
        if self._matrix is None:
            self._matrix = np.concatenate(self.rows) if self.rows else np.zeros((0, 512), np.float16)
            self.rows = [self._matrix]
        return self._matrix

    def encode(self, texts: Sequence[str], chunk: int = 2000) -> np.ndarray:
        """Vectors of `texts` (float32, one row each), encoding only those not cached."""
        keys = [_key(t) for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in self.index}.items())
        if missing:
            encoder = bare_encoder()
            started = time.time()
            for start in range(0, len(missing), chunk):
                part = missing[start : start + chunk]
                vecs = encoder.vectors([t for _, t in part]).astype(np.float16)
                base = len(self._all())
                self.rows.append(vecs)
                self._matrix = None
                for i, (k, _) in enumerate(part):
                    self.index[k] = base + i
                done = start + len(part)
                rate = done / max(time.time() - started, 1e-9)
                print(f"  encoded {done}/{len(missing)} new texts ({rate:.0f}/s)", file=sys.stderr, flush=True)
                self.save()
        matrix = self._all()
        return matrix[[self.index[k] for k in keys]].astype(np.float32)

    def save(self) -> None:
        """Write the cache atomically."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = np.array(sorted(self.index, key=self.index.__getitem__))
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=keys, vecs=self._all())
        tmp.replace(self.path)
