"""What ``veille serve`` and ``veille demo`` print: readable lines, not what CloudWatch would get.

The handlers log JSON and emit EMF metric lines, as they must in Lambda. In a terminal, without
``--verbose``, :func:`quiet_handlers` turns metrics off and renders each warning or error as one line
on stderr (informational logs are dropped). :class:`AlertConsole` is a stand-in Slack incoming webhook on
127.0.0.1: the alerts the handlers send arrive there and are printed, one line each; when the user has
a real Slack webhook, each alert is relayed to it as well.
"""

from __future__ import annotations

import importlib
import json
import re
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TextIO

# What Powertools adds to every record: where it ran, not what happened.
_CONTEXT_KEYS = {
    "level",
    "location",
    "message",
    "timestamp",
    "service",
    "cold_start",
    "function_name",
    "function_memory_size",
    "function_arn",
    "function_request_id",
    "xray_trace_id",
    "sampling_rate",
    "exception_name",
    "exception",
    "exception_notes",
    "stack_trace",
}
_ALERT_EMOJI = {":rotating_light:": "urgent", ":fire:": "crisis", ":zzz:": "source_silent"}
_SLACK_LINK = re.compile(r"<(https?://[^|>]+)\|[^>]*>")
_URGENCY = re.compile(r"urgency (\d+)/100")


def readable_log(log: dict[str, Any]) -> str:
    """One log record of the handlers as one line: ``veille: warning: fetch_mentions: message (k=v, ...)``."""
    where = f"{log['function_name']}: " if log.get("function_name") else ""
    extras = ", ".join(f"{k}={v}" for k, v in log.items() if k not in _CONTEXT_KEYS)
    line = f"veille: {str(log.get('level', 'info')).lower()}: {where}{log.get('message', '')}"
    if extras:
        line += f" ({extras})"
    if log.get("exception_name"):
        last = str(log.get("exception") or "").strip().splitlines()[-1:] or [log["exception_name"]]
        line += f" [{last[0]}]"
    return line


def quiet_handlers(verbose: bool, stream: TextIO | None = None) -> Callable[[], None]:
    """Unless ``verbose``: no EMF metrics, and only warnings and errors, each as one readable line.

    Call before the handlers run. Returns what undoes it (for tests: the logger and metrics are global).
    """
    if verbose:
        return lambda: None
    import logging
    import warnings

    # Chalice(app_name="veille") sets up the stdlib logger of the same name as Powertools' one, at import:
    # level ERROR and a handler of its own on stdout. Import the app first, then set the logger up here.
    importlib.import_module("app")
    from chalicelib.observability import logger, metrics

    shared = logging.getLogger(logger.name)
    formatter: Any = logger.registered_formatter
    handler: Any = logger.registered_handler
    provider: Any = metrics.provider
    others = [h for h in shared.handlers if h is not handler]
    saved = (shared.level, formatter.json_serializer, handler.stream)
    for other in others:
        shared.removeHandler(other)
    shared.setLevel(logging.WARNING)
    formatter.json_serializer = readable_log
    handler.setStream(stream or sys.stderr)
    # Not POWERTOOLS_METRICS_DISABLED: Powertools still keeps disabled metrics, and prints them once 100
    # values pile up (a long veille serve). Metrics are simply not recorded.
    provider.add_metric = lambda *args, **kwargs: None
    provider.clear_metrics()  # and none recorded before is printed at the next flush
    warnings.filterwarnings("ignore", message="No application metrics to publish")

    def undo() -> None:
        del provider.add_metric
        level, serializer, old_stream = saved
        shared.setLevel(level)
        formatter.json_serializer = serializer
        handler.setStream(old_stream)
        for other in others:
            shared.addHandler(other)

    return undo


def alert_line(payload: dict[str, Any]) -> str | None:
    """A Slack alert body (see ``chalicelib.notify.render``) as one line; None for anything else (a digest).

    ``ALERT urgent  Urgent complaint about kanbo on rss  urgency 61  "I was billed twice..."  https://...``
    """
    texts = [
        str((block.get("text") or {}).get("text", ""))
        for block in payload.get("blocks", [])
        if isinstance(block, dict) and block.get("type") == "section"
    ]
    kind = next((k for emoji, k in _ALERT_EMOJI.items() if texts and texts[0].startswith(emoji)), None)
    if kind is None:
        return None
    parts = [f"ALERT {kind}", _unescape(str(payload.get("text", "")))]
    urgency = _URGENCY.search(texts[0])
    if urgency:
        parts.append(f"urgency {urgency.group(1)}")
    for text in texts[1:]:
        quote = next((line[1:] for line in text.splitlines() if line.startswith(">")), None)
        if quote is not None:
            parts.append(json.dumps(_shorten(_unescape(quote), 80), ensure_ascii=False))
            link = _SLACK_LINK.search(text)
            if link:
                parts.append(_unescape(link.group(1)))
            break
    else:
        parts.append(_unescape(texts[0].split(" ", 1)[-1]))
    return "  ".join(parts)


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class AlertConsole:
    """A Slack incoming webhook on 127.0.0.1 that keeps, prints and optionally relays what it receives.

    ``say`` gets one line per alert (:func:`alert_line`); ``upstream`` is a real Slack webhook URL to
    relay every body to (its answer is passed back, so a failed relay is retried like a failed post).
    """

    def __init__(self, say: Callable[[str], None] | None = None, upstream: str | None = None) -> None:
        self.messages: list[dict[str, Any]] = []
        self.lines: list[str] = []
        console = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                status, answer = console.receive(body)
                self.send_response(status)
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.say = say
        self.upstream = upstream
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/slack"
        threading.Thread(target=self.server.serve_forever, name="alert-console", daemon=True).start()

    def receive(self, body: bytes) -> tuple[int, bytes]:
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            return 400, b"invalid_payload"
        if self.upstream:
            import httpx

            try:
                answer = httpx.post(self.upstream, content=body, headers={"content-type": "application/json"})
            except httpx.HTTPError as exc:
                return 502, type(exc).__name__.encode()
            if answer.status_code >= 300:
                return answer.status_code, answer.content
        self.messages.append(payload)
        line = alert_line(payload) if isinstance(payload, dict) else None
        if line:
            self.lines.append(line)
            if self.say:
                self.say(line)
        return 200, b"ok"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
