"""The deployment package's size, from ``chalice package`` (arm64 wheels downloaded from PyPI)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

MB = 1_000_000


def chalice_package(root: Path, timeout_s: float = 600) -> dict[str, Any]:
    """Run ``chalice package --stage dev`` into a temporary directory and measure deployment.zip."""
    chalice = Path(sys.executable).parent / "chalice"
    env = dict(os.environ)
    # chalice package needs a region and credentials to resolve ARNs; none of them is used.
    env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    env.setdefault("AWS_ACCESS_KEY_ID", "package-only")
    env.setdefault("AWS_SECRET_ACCESS_KEY", "package-only")
    with tempfile.TemporaryDirectory(prefix="veille-package-") as out:
        answer = subprocess.run(
            [str(chalice), "package", "--stage", "dev", out],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )
        deployment = Path(out) / "deployment.zip"
        if answer.returncode != 0 or not deployment.exists():
            return {"ok": False, "error": (answer.stderr or answer.stdout)[-800:]}
        return {"ok": True, "method": "chalice package --stage dev", **measure_zip(deployment)}


def measure_zip(path: Path, top: int = 8) -> dict[str, Any]:
    """Zipped and unzipped sizes, and the biggest top-level entries."""
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
    unzipped: Counter[str] = Counter()
    zipped: Counter[str] = Counter()
    for info in infos:
        head = info.filename.split("/")[0]
        if head == "chalicelib":
            head = "/".join(info.filename.split("/")[:3])
        unzipped[head] += info.file_size
        zipped[head] += info.compress_size
    return {
        "zip_mb": round(path.stat().st_size / MB, 2),
        "unzipped_mb": round(sum(i.file_size for i in infos) / MB, 2),
        "largest": [
            {"entry": name, "zip_mb": round(size / MB, 2), "unzipped_mb": round(unzipped[name] / MB, 2)}
            for name, size in zipped.most_common(top)
        ],
    }
