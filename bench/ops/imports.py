"""Fresh-interpreter import times: ``import app`` against ``import boto3``, and the classifier's load.

Each sample is a new ``python -c`` process from the repository root (warm ``.pyc``), timed from
outside; the two commands alternate so that a change in the machine's load hits both alike.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

CLASSIFIER_PROBE = (
    "import time; from chalicelib.classify import get_classifier; t = time.perf_counter(); "
    "get_classifier(); print((time.perf_counter() - t) * 1000)"
)


def _wall(code: str, root: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=root, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def _env(lambda_like: bool, traced: bool = False) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VEILLE_", "POWERTOOLS_", "LAMBDA_"))}
    if lambda_like:
        # What the Lambda runtime sets.
        env.update({"LAMBDA_TASK_ROOT": str(Path.cwd()), "AWS_REGION": "us-east-1", "AWS_LAMBDA_FUNCTION_NAME": "x"})
    if traced:
        # infra's -c tracing=sdk: the Powertools Tracer is built, which imports the X-Ray SDK and patches
        # botocore and httpx (measured at first invocation in Lambda; here at import, to show its cost).
        env["VEILLE_TRACING"] = "1"
    return env


def import_ratio(root: Path, runs: int = 10, lambda_like: bool = False, traced: bool = False) -> dict[str, Any]:
    """Median wall time of ``import app`` and ``import boto3`` in fresh processes, and their ratio."""
    env = _env(lambda_like, traced)
    # With tracing on, the Tracer is built at the first invocation: import app and touch it.
    app_code = "import app; from chalicelib.observability import tracer; tracer.real()" if traced else "import app"
    app_s: list[float] = []
    boto_s: list[float] = []
    base_s: list[float] = []
    _wall(app_code, root, env)  # compile .pyc once
    for _ in range(runs):
        app_s.append(_wall(app_code, root, env))
        boto_s.append(_wall("import boto3", root, env))
        base_s.append(_wall("pass", root, env))
    app_ms, boto_ms, base_ms = (statistics.median(v) * 1000 for v in (app_s, boto_s, base_s))
    return {
        "runs": runs,
        "app_ms": round(app_ms, 1),
        "boto3_ms": round(boto_ms, 1),
        "bare_interpreter_ms": round(base_ms, 1),
        "ratio": round(app_ms / boto_ms, 2),
        "ratio_above_bare": round((app_ms - base_ms) / (boto_ms - base_ms), 2),
    }


def classifier_load_ms(root: Path, runs: int = 10) -> dict[str, Any]:
    """The first ``get_classifier()`` call (model load) in fresh processes, after the package import."""
    env = _env(False)
    samples = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", CLASSIFIER_PROBE], cwd=root, env=env, check=True, capture_output=True, text=True
        ).stdout
        samples.append(float(out.strip().splitlines()[-1]))
    return {"runs": runs, "median_ms": round(statistics.median(samples), 1), "max_ms": round(max(samples), 1)}


_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)")


def heaviest_imports(root: Path, top: int = 12, lambda_like: bool = False) -> list[dict[str, Any]]:
    """``python -X importtime -c 'import app'``: the modules with the largest cumulative time, top-level first."""
    err = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import app"],
        cwd=root,
        env=_env(lambda_like),
        check=True,
        capture_output=True,
        text=True,
    ).stderr
    rows: list[dict[str, Any]] = []
    for line in err.splitlines():
        found = _LINE.match(line)
        if found:
            rows.append(
                {
                    "module": found.group(4),
                    "depth": len(found.group(3)) // 2,
                    "cumulative_ms": int(found.group(2)) / 1000,
                }
            )
    shallow = [r for r in rows if r["depth"] <= 2 and r["module"] != "app"]
    shallow.sort(key=lambda r: -r["cumulative_ms"])
    return [{**r, "cumulative_ms": round(r["cumulative_ms"], 1)} for r in shallow[:top]]
