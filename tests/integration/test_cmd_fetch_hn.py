"""``veille fetch hn`` end to end: a real HTTP client against a local server replaying recorded Algolia answers."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "sources" / "hn"


class _Replay(BaseHTTPRequestHandler):
    """Answers /search_by_date with a recorded page and /users/<name> with that user's recorded karma."""

    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        self.seen.append(self.path)
        if url.path == "/search_by_date":
            body = (FIXTURES / "search_page0.json").read_bytes()
            page = parse_qs(url.query).get("page", ["0"])[0]
            if page != "0":
                body = (FIXTURES / "empty.json").read_bytes()
        elif url.path.startswith("/users/"):
            path = FIXTURES / f"user_{url.path.rsplit('/', 1)[-1]}.json"
            body = path.read_bytes() if path.exists() else b'{"error": "not found"}'
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output quiet."""


@pytest.fixture
def algolia() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Replay)
    _Replay.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _fetch(base_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "veille.cli", "fetch", "hn", "--base-url", base_url, *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)


def test_fetch_prints_the_matching_mentions_as_jsonl(algolia: str) -> None:
    done = _fetch(algolia, "--query", "veille AND lambda", "--limit", "10")

    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    # Of the three valid hits, only the Show HN story also says "Lambda".
    assert [line["external_id"] for line in lines] == ["44100001"]
    story = lines[0]
    assert story["source"] == "hn"
    assert story["url"] == "https://news.ycombinator.com/item?id=44100001"
    assert story["author"]["handle"] == "pgdev" and story["author"]["reach"] == 1523
    assert story["created_at"] == "2026-08-03T09:15:00Z"
    assert {span["term"] for span in story["spans"]} == {"veille", "lambda"}
    assert "fetched 127.0.0.1/search_by_date -> HTTP 200" in done.stderr
    # The malformed hit is on both terms' pages, so it is counted twice.
    assert "3 fetched, 1 matched, 2 skipped" in done.stderr
    searches = {
        (query["query"][0], query["page"][0])
        for query in (parse_qs(urlsplit(p).query) for p in _Replay.seen if p.startswith("/search_by_date"))
    }
    # One query per term (Algolia cannot OR them), each paged until the empty second page.
    assert searches == {("veille", "0"), ("veille", "1"), ("lambda", "0"), ("lambda", "1")}


def test_unknown_source_exits_2_with_the_types(algolia: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "veille.cli", "fetch", "twitter", "--query", "veille"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "choose one of: appstore, bluesky" in done.stderr
    assert done.stdout == ""


def test_a_failing_source_exits_1_and_says_what_to_do(algolia: str) -> None:
    done = _fetch(f"{algolia}/missing", "--query", "veille")
    assert done.returncode == 1
    assert "HTTP 404" in done.stderr and "veille sources" in done.stderr
    assert done.stdout == ""
