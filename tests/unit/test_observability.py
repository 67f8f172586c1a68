"""The Tracer is opt-in: without VEILLE_TRACING nothing of X-Ray is imported, with it Powertools traces."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
import app
from chalicelib.observability import tracer

@tracer.capture_lambda_handler(capture_response=False)
def handler(event, context):
    return {"echo": event["n"]}

@tracer.capture_method
def double(n):
    return 2 * n

out = {"result": handler({"n": 21}, None), "method": double(4)}
out["xray_imported"] = "aws_xray_sdk" in sys.modules
out["tracer_built"] = tracer._tracer is not None
print(json.dumps(out))
"""


def run_probe(**env: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("VEILLE_", "POWERTOOLS_"))}
    clean.update(env)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_by_default_the_app_never_imports_the_xray_sdk():
    out = run_probe()
    assert out == {"result": {"echo": 21}, "method": 8, "xray_imported": False, "tracer_built": False}


def test_with_veille_tracing_the_powertools_tracer_wraps_the_handler():
    # POWERTOOLS_TRACE_DISABLED keeps the SDK from trying to reach an X-Ray daemon on this machine.
    out = run_probe(VEILLE_TRACING="1", POWERTOOLS_TRACE_DISABLED="true")
    assert out == {"result": {"echo": 21}, "method": 8, "xray_imported": True, "tracer_built": True}
