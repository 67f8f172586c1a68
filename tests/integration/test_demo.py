"""``veille demo`` as a user runs it: one offline pass over the bundled sample, in a fresh process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def test_the_demo_runs_every_stage_and_writes_its_files(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VEILLE_", "POWERTOOLS_"))}
    done = subprocess.run(
        [sys.executable, "-m", "veille.cli", "demo", "--out", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads((tmp_path / "demo-summary.json").read_text())
    assert summary["ok"] is True
    assert summary["stored"] > 0 and summary["labelled"] == summary["stored"] == summary["processed"]
    assert summary["stages"]["intake"]["providers"] == 7  # every form tool, through the real route
    assert summary["alerts"] == 1  # the sample's urgent complaint, once
    date = summary["stages"]["digest"]["date"]
    digest = json.loads((tmp_path / f"digest-{date}.json").read_text())
    assert digest["totals"]["mentions"] > 0
    assert (tmp_path / f"digest-{date}.html").read_text().lstrip().lower().startswith("<!doctype html")
    # The terminal shows the stages and the summary table, not the handlers' JSON logs or EMF metrics.
    assert "stage" in done.stdout and "digest" in done.stdout
    assert not [line for line in (done.stdout + done.stderr).splitlines() if '"_aws"' in line]
    assert '"level":"INFO"' not in done.stdout + done.stderr
