"""`veille themes`: JSONL in, one line out per input in order; a summary; bad lines named and skipped."""

from __future__ import annotations

import io
import json
import sys

import pytest

from veille.cli import main

LINES = [
    {"id": "1", "text": "Please add a dark mode", "kind": "request", "author": "ann"},
    {"id": "2", "text": "Ajoutez un mode sombre svp", "lang": "fr", "kind": "request", "author": "bea"},
    {"id": 3, "text": "We need a dark mode for night work", "kind": "feature_request", "author": "cal"},
    {"id": "4", "text": "The invoice PDF has the wrong address", "kind": "problem", "author": "dan"},
]


def run(monkeypatch: pytest.MonkeyPatch, stdin: str, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    code = main(["themes", "--words-only", *args])
    return code, out.getvalue(), err.getvalue()


def jsonl(rows: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def test_one_line_out_per_line_in_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = run(monkeypatch, jsonl(LINES))
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and err == ""
    assert [r["id"] for r in rows] == ["1", "2", "3", "4"]
    assert set(rows[0]) == {"id", "theme", "label"}
    assert rows[0]["theme"] == rows[1]["theme"] == rows[2]["theme"] is not None
    assert rows[0]["label"].startswith("Request: ") and "dark mode" in rows[0]["label"].lower()
    assert rows[3] == {"id": "4", "theme": None, "label": None}


def test_labels_in_french_with_lang_fr(monkeypatch: pytest.MonkeyPatch) -> None:
    _, out, _ = run(monkeypatch, jsonl(LINES), "--lang", "fr")
    label = json.loads(out.splitlines()[0])["label"]
    assert label.startswith("Demande : ") and "mode sombre" in label.lower()


def test_summary_lists_themes_with_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run(monkeypatch, jsonl(LINES), "--summary")
    assert code == 0
    first, theme_line, *_ = out.splitlines()
    assert first == "1 themes, 3/4 units in a theme"
    assert "3 units" in theme_line and "3 authors" in theme_line and "Request: " in theme_line
    assert "(en 2, fr 1)" in theme_line


def test_bad_lines_are_named_skipped_and_give_exit_code_2(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = ["not json\n", '{"id": "9"}\n', jsonl([LINES[0]]), '{"id": "8", "text": "x", "lang": "de"}\n']
    stdin = jsonl(LINES[:2]) + "".join(bad)
    code, out, err = run(monkeypatch, stdin)
    assert code == 2
    assert [json.loads(line)["id"] for line in out.splitlines()] == ["1", "2"]
    assert "line 3: not valid JSON" in err
    assert "line 4: text: Field required" in err and 'each line needs "id" and "text"' in err
    assert "line 5: id '1' was already used by an earlier line" in err
    assert "line 6: lang:" in err and "en or fr" in err
    assert "2 grouped, 4 skipped" in err


def test_progress_on_stderr_for_long_inputs(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [{"id": str(i), "text": f"note number {i} about topic {i % 7}"} for i in range(1000)]
    code, out, err = run(monkeypatch, jsonl(rows))
    assert code == 0 and len(out.splitlines()) == 1000
    assert "read 1000 lines" in err and "themes in" in err
