"""`veille match`: JSONL in, matching JSONL with spans out, clear errors and exit codes."""

from __future__ import annotations

import argparse
import io
import json

import pytest

from veille import cmd_match


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="veille")
    cmd_match.add_parser(parser.add_subparsers())
    return parser.parse_args(["match", *argv])


def run(monkeypatch: pytest.MonkeyPatch, lines: list[str], *argv: str) -> tuple[int, list[dict[str, object]], str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(line + "\n" for line in lines)))
    monkeypatch.setattr("sys.stdout", stdout)
    monkeypatch.setattr("sys.stderr", stderr)
    args = parse(*argv)
    code = args.func(args)
    return code, [json.loads(line) for line in stdout.getvalue().splitlines()], stderr.getvalue()


def test_prints_matching_lines_with_spans_and_quotes(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = [
        json.dumps({"id": 1, "text": "Élodie adore le café d'Akme", "lang": "fr", "extra": [1, 2]}),
        json.dumps({"id": 2, "text": "nothing to see"}),
        json.dumps({"id": 3, "title": "Acme news", "text": "a job offer at acme", "lang": "en"}),
        json.dumps({"id": 4, "title": "ACME", "text": "bien", "lang": "fr"}),
    ]
    code, out, err = run(monkeypatch, lines, "acme -job", "--alias", "acme=akme,acme corp")
    assert code == 0
    assert err == ""
    assert [o["id"] for o in out] == [1, 4]
    assert out[0]["extra"] == [1, 2]  # unknown keys pass through
    assert out[0]["spans"] == [{"field": "text", "start": 23, "end": 27, "term": "acme", "quote": "Akme"}]
    assert out[1]["spans"] == [{"field": "title", "start": 0, "end": 4, "term": "acme", "quote": "ACME"}]


def test_filters_and_fuzzy(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = [
        json.dumps({"text": "les wigdets", "lang": "fr", "url": "https://forum.example.com/t/1"}),
        json.dumps({"text": "les wigdets", "lang": "fr", "url": "https://other.org/"}),
    ]
    code, out, _ = run(monkeypatch, lines, "widgets site:example.com", "--fuzzy")
    assert code == 0
    assert len(out) == 1
    assert out[0]["spans"][0]["quote"] == "wigdets"
    code, out, _ = run(monkeypatch, lines, "widgets site:example.com")
    assert (code, out) == (0, [])


def test_bad_lines_are_warned_skipped_and_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = [
        "not json",
        json.dumps({"title": "no text"}),
        "",
        json.dumps({"text": 42}),
        json.dumps(["acme"]),
        json.dumps({"text": "acme"}),
    ]
    code, out, err = run(monkeypatch, lines, "acme")
    assert code == 1
    assert [o["text"] for o in out] == ["acme"]
    assert "line 1: not JSON" in err
    assert "line 2: text: Field required" in err
    assert "line 4: text:" in err
    assert "line 5:" in err
    assert "line 3" not in err  # blank lines are not errors
    assert "skipped 4 bad line(s)" in err


def test_query_syntax_error_exits_2_with_column_and_caret(monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = run(monkeypatch, [json.dumps({"text": "acme"})], "acme OR (widget")
    assert code == 2
    assert out == []
    assert "column 9: unclosed parenthesis opened here" in err
    assert "acme OR (widget\n        ^\n" in err


def test_alias_option_must_look_like_term_equals_spellings() -> None:
    assert parse("acme", "--alias", "acme=akme, acme corp").alias == [("acme", ["akme", "acme corp"])]
    with pytest.raises(SystemExit) as caught:
        parse("acme", "--alias", "acme")
    assert caught.value.code == 2
