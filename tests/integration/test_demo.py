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
# The demo in a process whose clock is set (every thread, datetime and time alike), as on that day.
AT = """
import sys, datetime as dt, time_machine
from veille.cli import main
with time_machine.travel(dt.datetime.fromisoformat(sys.argv[1]), tick=True):
    sys.exit(main(sys.argv[2:]))
"""


def veille(*argv: str, at: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VEILLE_", "POWERTOOLS_"))}
    command = [sys.executable, "-c", AT, at, *argv] if at else [sys.executable, "-m", "veille.cli", *argv]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_the_demo_runs_every_stage_and_writes_its_files(tmp_path: Path) -> None:
    done = veille("demo", "--out", str(tmp_path), "--data-dir", str(tmp_path / "data"))
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads((tmp_path / "demo-summary.json").read_text())
    assert summary["ok"] is True
    assert summary["stored"] > 0 and summary["labelled"] == summary["stored"] == summary["processed"]
    assert summary["stages"]["intake"]["providers"] == 7  # every form tool, through the real route
    date = summary["stages"]["digest"]["date"]
    digest = json.loads((tmp_path / f"digest-{date}.json").read_text())
    assert digest["totals"]["mentions"] > 0
    assert (tmp_path / f"digest-{date}.html").read_text().lstrip().lower().startswith("<!doctype html")
    # The terminal shows the stages and the summary table, not the handlers' JSON logs or EMF metrics.
    assert "stage" in done.stdout and "digest" in done.stdout
    assert not [line for line in (done.stdout + done.stderr).splitlines() if '"_aws"' in line]
    assert '"level":' not in done.stdout + done.stderr
    # The alerts themselves, one line each, sent once: the sample's urgent complaints.
    alerts = [line.strip() for line in done.stderr.splitlines() if line.strip().startswith("ALERT ")]
    assert summary["stages"]["classify"]["urgent_alerts"] >= 1 and len(alerts) == summary["alerts"]
    assert len(set(alerts)) == len(alerts)
    assert any("Urgent complaint about kanbo" in line and "https://" in line for line in alerts)


def test_years_ahead_the_demo_shows_that_day_and_veille_digest_shows_it_again(tmp_path: Path) -> None:
    data = tmp_path / "data"
    done = veille("demo", "--out", str(tmp_path), "--data-dir", str(data), at="2031-06-15T12:34:00+00:00")
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads((tmp_path / "demo-summary.json").read_text())
    assert summary["stages"]["digest"]["date"] == "2031-06-15"  # that day (in Paris), not the recording's
    digest = json.loads((tmp_path / "digest-2031-06-15.json").read_text())
    assert digest["totals"]["mentions"] >= 10
    # Nothing else running, no flag: the digest reads what the demo kept, on the demo's day, once.
    again = veille("digest", "--data-dir", str(data), "--format", "json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["totals"]["mentions"] == digest["totals"]["mentions"]
    assert "reading the data of the last veille demo" in again.stderr


def test_the_demo_writes_the_weekly_report_with_the_csv_question_as_one_bilingual_theme(tmp_path: Path) -> None:
    data = tmp_path / "data"
    done = veille("demo", "--out", str(tmp_path), "--data-dir", str(data))
    assert done.returncode == 0, done.stderr[-3000:]
    date = json.loads((tmp_path / "demo-summary.json").read_text())["stages"]["digest"]["date"]
    report = json.loads((tmp_path / f"report-week-{date}.json").read_text())
    assert report["period"]["kind"] == "week" and {"kpis", "themes", "proposals"} <= set(report)
    # The KPIs come from the counters the stream wrote: every mention of the digest's week, per channel
    by_source = report["kpis"]["by_source"]
    assert by_source["rss"]["mentions"]["value"] >= 5 and by_source["form:typeform"]["mentions"]["value"] == 1
    # The English and French "export a board to CSV" questions are one theme, and a proposal cites it
    (csv,) = [t for t in report["themes"] if "CSV" in t["label"]]
    quotes = " ".join(e["quote"] for e in csv["examples"])
    assert csv["kind"] == "question" and csv["authors"] >= 3
    assert "export" in quotes and "exporter un tableau en CSV" in quotes
    assert any(p["theme"] == csv["id"] and p["examples"] for p in report["proposals"])
    html = (tmp_path / f"report-week-{date}.html").read_text()
    assert "CSV" in html and (tmp_path / f"report-month-{date}.json").exists()
    # veille report reads the same aggregates again, in French on request
    again = veille("report", "--data-dir", str(data), "--lang", "fr", "--format", "json")
    assert again.returncode == 0, again.stderr
    french = json.loads(again.stdout)
    assert french["language"] == "fr" and french["kpis"]["mentions"]["value"] == report["kpis"]["mentions"]["value"]
    text = veille("report", "--data-dir", str(data))
    assert text.returncode == 0 and "CSV" in text.stdout
