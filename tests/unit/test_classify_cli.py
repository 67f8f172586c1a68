"""`veille classify`: JSONL in, one JSONL line out per input, in order; bad lines skipped and counted."""

import argparse
import io
import json
import subprocess
import sys
from pathlib import Path

from veille.cmd_classify import add_parser, run

LABEL_FIELDS = {
    "lang",
    "sentiment",
    "sentiment_score",
    "complaint",
    "kind",
    "spam",
    "offensive",
    "lead",
    "needs_reply",
    "urgency",
    "why",
    "units",
    "scores",
    "backend",
    "model_version",
}


def parse(argv):
    parser = argparse.ArgumentParser(prog="veille")
    add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


def run_with(monkeypatch, text, argv=("classify",)):
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    args = parse(list(argv))
    return args.func(args), out.getvalue(), err.getvalue()


def test_parser_defaults_and_choices():
    args = parse(["classify"])
    assert args.backend == "builtin" and args.batch_size == 100 and args.func is run
    assert parse(["classify", "--backend", "bedrock", "--batch-size", "7"]).batch_size == 7


def test_order_and_fields_across_batches(monkeypatch):
    lines = [
        json.dumps({"id": f"m{i}", "text": f"@acme order {i} never arrived" if i % 3 else "love it!", "followers": i})
        for i in range(25)
    ]
    code, out, err = run_with(monkeypatch, "\n".join(lines) + "\n", ("classify", "--batch-size", "4"))
    assert code == 0 and err == ""
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in rows] == [f"m{i}" for i in range(25)]
    assert all(set(r) == LABEL_FIELDS | {"id"} for r in rows)


def test_bad_lines_are_skipped_counted_and_exit_2(monkeypatch):
    text = '{"id": "a", "text": "great"}\nnot json\n{"id": "b"}\n[1]\n\n{"id": 7, "text": "super", "lang": "fr"}\n'
    code, out, err = run_with(monkeypatch, text)
    assert code == 2
    assert [json.loads(line)["id"] for line in out.splitlines()] == ["a", "7"]
    assert "line 2: not valid JSON" in err and "line 3: text: Field required" in err and "line 4:" in err
    assert "2 labelled, 3 skipped" in err


def test_subprocess_roundtrip():
    code = (
        "import sys, argparse; from veille.cmd_classify import add_parser; p = argparse.ArgumentParser(); "
        "add_parser(p.add_subparsers()); a = p.parse_args(['classify']); sys.exit(a.func(a))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        input='{"id": "x", "text": "Merci beaucoup, top !"}\n',
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    row = json.loads(proc.stdout)
    assert row["id"] == "x" and row["backend"] in ("builtin+encoder", "builtin")
