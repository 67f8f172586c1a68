"""``veille digest`` against DynamoDB Local: text, HTML and JSON of a seeded day."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from chalicelib.models import Author, Mention, Span, WatchMatch
from veille.cli import main

pytestmark = pytest.mark.integration

CONFIG = """
[[watch]]
name = "acme"
query = "acme"
timezone = "America/New_York"
language = "fr"
"""


@pytest.fixture
def seeded(store: Any, write_config: Any) -> Mention:
    write_config(CONFIG)
    # 2026-03-10 02:00 UTC is still 2026-03-09 in New York.
    m = Mention(
        source="hn",
        external_id="1",
        text="acme <i>dropped</i> my data",
        url="https://hn.example/1",
        created_at=datetime(2026, 3, 10, 2, 0, tzinfo=UTC),
        author=Author(handle="bob"),
        matches=[WatchMatch(watch="acme", spans=[Span(start=0, end=4, term="acme")])],
        labels={"sentiment": "negative", "complaint": True, "urgency": 40},
    )
    assert store.put_listed([m])
    return m


def test_text_json_and_html(seeded: Mention, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["digest", "--date", "2026-03-09"]) == 0
    text = capsys.readouterr().out
    assert "acme : votre journée du 2026-03-09" in text
    assert "acme <i>dropped</i> my data" in text and "https://hn.example/1" in text

    assert main(["digest", "--watch", "acme", "--date", "2026-03-09", "--format", "json"]) == 0
    digest = json.loads(capsys.readouterr().out)
    assert digest["totals"]["mentions"] == 1 and digest["needs_reply"][0]["id"] == seeded.id

    out = tmp_path / "digest.html"
    assert main(["digest", "--date", "2026-03-09", "--format", "html", "--output", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert "acme &lt;i&gt;dropped&lt;/i&gt; my data" in page and "<i>dropped" not in page


def test_an_unknown_watch_or_date_is_refused(seeded: Mention, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["digest", "--watch", "nope"]) == 2
    assert "the watches are: acme" in capsys.readouterr().err
    assert main(["digest", "--date", "09/03/2026"]) == 2


def test_the_digest_finds_a_running_veille_serve_through_its_data_dir(
    seeded: Mention, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from veille.runtime.state import write_state

    # veille serve on tmp_path/data wrote where its DynamoDB Local listens; the user set nothing.
    endpoint, table = os.environ["VEILLE_DYNAMODB_ENDPOINT"], os.environ["VEILLE_TABLE_NAME"]
    monkeypatch.delenv("VEILLE_DYNAMODB_ENDPOINT")
    monkeypatch.setenv("VEILLE_TABLE_NAME", "not-this-one")
    data_dir = tmp_path / "data"
    write_state(data_dir, url="http://127.0.0.1:1", dynamodb_endpoint=endpoint, table=table)

    assert main(["digest", "--data-dir", str(data_dir), "--date", "2026-03-09", "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["totals"]["mentions"] == 1
    assert f"reading the table of veille serve ({endpoint})" in captured.err


def test_without_a_server_or_data_dir_the_digest_says_what_to_run(
    seeded: Mention, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VEILLE_DYNAMODB_ENDPOINT")
    assert main(["digest", "--data-dir", str(tmp_path / "missing"), "--date", "2026-03-09"]) == 1
    err = capsys.readouterr().err
    assert "no veille serve running; run veille serve (or make demo) first" in err
    assert err.count("veille serve") == 2 and len(err.splitlines()) == 1  # said once, on one line
