"""A Slack incoming webhook stand-in on 127.0.0.1 that records what it is sent (shared by notify tests)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class SlackCapture:
    """Answers ``status`` (200 ``ok`` by default) to every POST and keeps each JSON body."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.status = 200
        capture = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                capture.bodies.append(json.loads(self.rfile.read(length)))
                reply = b"ok" if capture.status == 200 else b"invalid_payload"
                self.send_response(capture.status)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/services/T000/B000/secret"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def texts(self) -> str:
        """Every posted body as one JSON string (to look for a quote or an escape)."""
        return "\n".join(json.dumps(b, ensure_ascii=False) for b in self.bodies)


@contextmanager
def running_slack() -> Iterator[SlackCapture]:
    """A started SlackCapture, shut down on exit (wrap it in a fixture)."""
    capture = SlackCapture()
    capture.thread.start()
    try:
        yield capture
    finally:
        capture.server.shutdown()
        capture.server.server_close()
