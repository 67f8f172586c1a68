"""The small things a first-time user of the veille command trips on, each fixed."""

from __future__ import annotations

import io
import json
import socket
from typing import Any

import pytest

from veille import cmd_classify, cmd_serve
from veille.cli import build_parser, main


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    from chalicelib import __version__

    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"veille {__version__}"


@pytest.mark.parametrize("argv", [["match", "-acme"], ["match", "--", "-acme"], ["match", "--fuzzy", "-acme"]])
def test_a_query_that_starts_with_a_minus_is_a_query(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [{"id": 1, "text": "acme is down"}, {"id": 2, "text": "nothing to see"}]
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(json.dumps(line) + "\n" for line in lines)))
    assert main(argv) == 0
    assert [json.loads(line)["id"] for line in capsys.readouterr().out.splitlines()] == [2]


def test_an_unquoted_query_of_several_words_says_to_quote_it(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["match", "-acme", "-job"])
    assert done.value.code == 2
    assert "put the query in quotes: veille match '-acme -job'" in capsys.readouterr().err


def test_match_without_a_query_still_says_it_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["match"])
    assert "required: query" in capsys.readouterr().err


def test_match_and_classify_say_what_they_wait_for_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", Terminal(""))
    assert main(["match", "acme"]) == 0
    assert "veille match: reading JSONL from stdin; Ctrl-D to end, or pipe a file" in capsys.readouterr().err
    monkeypatch.setattr(cmd_classify, "classify_stream", lambda *args, **kwargs: (0, 0))
    assert main(["classify"]) == 0
    assert "veille classify: reading JSONL from stdin; Ctrl-D to end" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # a pipe or a file: no hint
    assert main(["match", "acme"]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("command", ["demo", "serve"])
def test_demo_and_serve_help_describe_them(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args([command, "--help"])
    text = capsys.readouterr().out
    assert "--verbose" in text and ("offline" in text if command == "demo" else "until Ctrl-C" in text)


def test_ctrl_c_exits_130(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(args: Any) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cmd_classify, "run", interrupted)  # bound when main() builds the parser
    assert main(["classify"]) == 130


def test_a_port_in_use_is_reported_with_what_to_do() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        problem = cmd_serve.port_problem(port)
    assert problem is not None and f"port {port} is already in use" in problem and f"--port {port + 1}" in problem
    assert cmd_serve.port_problem(port) is None  # free again


def test_serve_without_a_token_makes_one_for_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.settings import get_settings

    monkeypatch.setenv("VEILLE_API_TOKEN", "")  # so that the token made below is forgotten after the test
    monkeypatch.delenv("VEILLE_API_TOKEN")
    get_settings.cache_clear()
    try:
        token = cmd_serve.local_api_token()
        assert token and len(token) >= 32
        assert get_settings().api_token is not None and get_settings().api_token.get_secret_value() == token
        assert cmd_serve.local_api_token() is None  # set now: kept, not replaced
        assert cmd_serve.local_api_token() is None
    finally:
        get_settings.cache_clear()
