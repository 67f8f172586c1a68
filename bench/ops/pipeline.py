"""The whole pipeline on DynamoDB Local, metered: signed generic webhooks over loopback → store →
stream poller → classify → labels written (and urgent alerts to a captured Slack).

Everything the handlers do goes through ``get_store().client``, where a :class:`CapacityMeter`
counts the units. Handler time is measured inside the process (an HTTP middleware for the webhook
route, a wrapper around the stream handler), as Lambda would bill it.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bench.ops.capacity import CapacityMeter
from bench.ops.corpus import Delivery, deliveries
from chalicelib.store.repo import item_size_bytes

SECRET = "bench-secret-not-for-production"
SECRET_SETTINGS = (
    "TYPEFORM_SECRET",
    "TALLY_SECRET",
    "FORMSPREE_SECRET",
    "GOOGLE_FORMS_SECRET",
    "GENERIC_SECRET",
    "JOTFORM_TOKEN",
    "FILLOUT_TOKEN",
    "API_TOKEN",
    "LINK_SECRET",
)
CONFIG = """
[[watch]]
name = "acme"
query = 'acme OR "acme app"'
default = true
forms = ["generic"]
competitors = ["rival"]

[[watch]]
name = "rival"
competitor = true
query = "rival"
"""

Say = Callable[[str], None]


def post_all(
    url: str,
    items: Iterable[Delivery],
    *,
    threads: int = 4,
    attempts: int = 8,
    secret: str = SECRET,
    deadline: float | None = None,
) -> dict[str, Any]:
    """POST each delivery, signed, to ``/webhooks/generic``; retry a 5xx or a timeout as form tools do.

    Returns the ids accepted (HTTP 200), the answers seen and the number of retries. Past ``deadline``
    (``time.monotonic()``), the remaining deliveries are not sent (status 0).
    """
    import httpx

    from chalicelib.intake.samples import sign

    accepted: list[str] = []
    statuses: dict[int, int] = {}
    retries = 0

    def send(client: httpx.Client, delivery: Delivery) -> tuple[str, int, int]:
        headers = {"content-type": "application/json", **sign("generic", delivery.body, secret, time.time())["headers"]}
        tried = 0
        status = 0
        if deadline is not None and time.monotonic() > deadline:
            return delivery.id, 0, 0
        for tried in range(attempts):
            try:
                status = client.post("/webhooks/generic", content=delivery.body, headers=headers).status_code
            except httpx.HTTPError:
                status = 599
            if status < 500:
                break
            time.sleep(min(0.02 * 2**tried, 0.5))
        return delivery.id, status, tried

    with httpx.Client(base_url=url, timeout=30) as client, ThreadPoolExecutor(threads) as pool:
        for ident, status, tried in pool.map(lambda d: send(client, d), items):
            statuses[status] = statuses.get(status, 0) + 1
            retries += tried
            if status == 200:
                accepted.append(ident)
    return {"accepted": accepted, "statuses": statuses, "retries": retries}


class SlackCapture:
    """A stand-in Slack incoming webhook on 127.0.0.1: the urgent alerts of the run land here."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        capture = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                capture.messages.append(json.loads(body or b"{}"))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/slack"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class HandlerClock:
    """Sums the time spent inside handlers, per kind, and the number of calls."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.cpu_seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self.records = 0

    def add(self, kind: str, seconds: float, cpu_seconds: float) -> None:
        self.seconds[kind] = self.seconds.get(kind, 0.0) + seconds
        self.cpu_seconds[kind] = self.cpu_seconds.get(kind, 0.0) + cpu_seconds
        self.calls[kind] = self.calls.get(kind, 0) + 1


def instrument(stack: Any, clock: HandlerClock) -> None:
    """Time the webhook route (HTTP middleware) and the stream handler (wrapping the poller's call)."""
    app = stack.app_module.app

    def timed_http(event: Any, get_response: Any) -> Any:
        started, cpu = time.perf_counter(), time.thread_time()
        try:
            return get_response(event)
        finally:
            clock.add("http", time.perf_counter() - started, time.thread_time() - cpu)

    app.register_middleware(timed_http, "http")
    handler = stack.poller.handler

    def timed_stream(event: dict[str, Any], context: Any) -> Any:
        started, cpu = time.perf_counter(), time.thread_time()
        try:
            return handler(event, context)
        finally:
            clock.add("stream", time.perf_counter() - started, time.thread_time() - cpu)
            clock.records += len(event.get("Records", []))

    stack.poller.handler = timed_stream


class StdoutBytes:
    """Counts what goes to standard output (Powertools log lines and EMF metrics), by handler.

    File descriptor 1 goes to a file (the total, and the terminal stays clean); ``sys.stdout`` and the
    Powertools logger's stream go through a counter that tells the stream poller's thread (the stream
    handler) from the others (the webhook handler).
    """

    def __enter__(self) -> StdoutBytes:
        import sys

        from chalicelib.observability import logger

        sys.stdout.flush()
        self._file = tempfile.TemporaryFile()
        self._saved = os.dup(1)
        os.dup2(self._file.fileno(), 1)
        self.by_handler: dict[str, int] = {"stream": 0, "webhook": 0}
        counter = self

        class Counting:
            def __init__(self, inner: Any) -> None:
                self.inner = inner

            def write(self, text: str) -> int:
                kind = "stream" if threading.current_thread().name == "stream-poller" else "webhook"
                counter.by_handler[kind] += len(text.encode("utf-8"))
                return int(self.inner.write(text))

            def flush(self) -> None:
                self.inner.flush()

            def __getattr__(self, name: str) -> Any:
                return getattr(self.inner, name)

        self._stdout = sys.stdout
        sys.stdout = Counting(sys.stdout)  # type: ignore[assignment]
        self._handlers = [(h, h.stream) for h in logger.handlers if hasattr(h, "setStream")]
        for handler, _ in self._handlers:
            handler.setStream(sys.stdout)
        return self

    def __exit__(self, *exc: object) -> None:
        import sys

        for handler, stream in self._handlers:
            handler.setStream(stream)
        sys.stdout = self._stdout
        sys.stdout.flush()
        os.dup2(self._saved, 1)
        os.close(self._saved)
        self.bytes = self._file.seek(0, 2)
        self._file.close()


def labelled_mentions(store: Any, watch: str = "acme") -> list[Any]:
    today = datetime.now(UTC).date()
    days = [(today + timedelta(days=d)).isoformat() for d in (1, 0, -1)]
    return list(store.iter_mentions(watch, days))


def run_pipeline(
    count: int, say: Say, *, threads: int = 4, budget_s: float = 240.0, timeout_s: float = 600.0
) -> dict[str, Any]:
    """Run ``count`` mentions through the whole local pipeline; return the measured figures.

    Intake stops posting after ``budget_s`` seconds (the result says how many were sent), so that a
    slow machine still finishes in bounded time.
    """
    from veille.runtime.stack import LocalStack

    workdir = Path(tempfile.mkdtemp(prefix="veille-bench-"))
    config_path = workdir / "veille.toml"
    config_path.write_text(CONFIG, encoding="utf-8")
    slack = SlackCapture()
    env = {f"VEILLE_{name}": SECRET for name in SECRET_SETTINGS}
    # The prod stage's logging (.chalice/config.json): INFO, DEBUG for 1% of invocations.
    env.update(
        {"VEILLE_SLACK_WEBHOOK_URL": slack.url, "POWERTOOLS_LOG_LEVEL": "INFO", "POWERTOOLS_LOGGER_SAMPLE_RATE": "0.01"}
    )
    saved_env = dict(os.environ)
    stack = LocalStack(
        port=0,
        table_name=f"veille-bench-{uuid.uuid4().hex[:8]}",
        config_path=config_path,
        run_schedules=False,
        # Lambda waits up to the mapping's batching window (app.py) to fill a batch of 100; so does the bench.
        poll_interval=_batching_window_s(),
        extra_env=env,
        progress=lambda m: say(f"  {m}"),
    )
    try:
        stack.start()
        _quiet_http_log(stack)
        meter = CapacityMeter().attach(stack.store.client)
        clock = HandlerClock()
        instrument(stack, clock)
        poller = stack.poller
        assert poller is not None
        say(f"  posting {count:,} signed deliveries to {stack.url}/webhooks/generic ({threads} threads)...")
        started = time.perf_counter()
        with StdoutBytes() as logs:
            posted = post_all(stack.url, deliveries(count), threads=threads, deadline=time.monotonic() + budget_s)
            intake_s = time.perf_counter() - started
            say(f"  intake done in {intake_s:.1f}s ({len(posted['accepted']):,} accepted); draining the stream...")
            deadline = time.monotonic() + timeout_s
            while poller.stats.succeeded + poller.stats.failed < len(posted["accepted"]):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"stream not drained after {timeout_s:.0f}s: {poller.stats}")
                time.sleep(0.2)
            # The stream window ends: its tally of negative mentions goes to the hourly counters (metered).
            poller.end_windows()
            elapsed = time.perf_counter() - started
        pipeline_meter = meter.as_dict()
        mentions = labelled_mentions(stack.store)
        labelled = sum(1 for m in mentions if m.labels)
        # The daily digest reads the day once (one Query per day): its units are spread over the day's mentions.
        meter.reset()
        from chalicelib.config import get_config
        from chalicelib.digest import build_digest

        build_digest(stack.store, get_config(), "acme", datetime.now(UTC).date().isoformat())
        digest_meter = meter.as_dict()
        sizes = _item_sizes(stack.store, mentions[:200])
        stats = poller.stats
        return {
            "mentions_requested": count,
            "mentions": len(posted["accepted"]),
            "cut_by_time_budget": posted["statuses"].get(0, 0) > 0,
            "accepted": len(posted["accepted"]),
            "http_statuses": {str(k): v for k, v in posted["statuses"].items()},
            "stored": len(mentions),
            "labelled": labelled,
            "stream": {
                "delivered": stats.delivered,
                "succeeded": stats.succeeded,
                "failed": stats.failed,
                "retried": stats.retried,
                "invocations": stats.invocations,
            },
            "alerts_posted": len(slack.messages),
            "intake_seconds": round(intake_s, 2),
            "seconds": round(elapsed, 2),
            "mentions_per_s": round(len(posted["accepted"]) / elapsed, 1),
            "capacity": pipeline_meter,
            "digest_capacity": digest_meter,
            "webhook_ms_per_request": _per(clock.seconds, "http", clock.calls.get("http", 0)),
            "webhook_cpu_ms_per_request": _per(clock.cpu_seconds, "http", clock.calls.get("http", 0)),
            "stream_ms_per_mention": _per(clock.seconds, "stream", clock.records),
            "stream_cpu_ms_per_mention": _per(clock.cpu_seconds, "stream", clock.records),
            "stream_invocations": clock.calls.get("stream", 0),
            "log_bytes": logs.bytes,
            "log_bytes_by_handler": logs.by_handler,
            "item_bytes": sizes,
            "errors": stack.errors[:5],
        }
    finally:
        stack.stop()
        slack.close()
        os.environ.clear()
        os.environ.update(saved_env)


def _batching_window_s() -> float:
    """``maximum_batching_window_in_seconds`` of the deployed stream mapping, as app.py declares it."""
    import ast

    tree = ast.parse((Path(__file__).resolve().parents[2] / "app.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "maximum_batching_window_in_seconds":
            return float(ast.literal_eval(node.value))
    return 0.2


def _quiet_http_log(stack: Any) -> None:
    """Chalice's dev server prints one line per request on stderr; 10,000 of them hide the progress."""
    handler = stack._server.server.RequestHandlerClass
    handler_class = getattr(handler, "func", handler)  # a functools.partial around the class
    handler_class.log_message = lambda *args, **kwargs: None


def _per(sums: dict[str, float], kind: str, count: int) -> float:
    return round(1000 * sums.get(kind, 0.0) / max(count, 1), 3)


def _item_sizes(store: Any, mentions: list[Any]) -> dict[str, float]:
    """Mean size of the items stored per mention: the listed item (labelled) and the insert (dedupe record)."""
    from chalicelib.store import schema
    from chalicelib.store.repo import listed_key_of

    assert "GlobalSecondaryIndexes" not in schema.create_table_request("sizing"), "size the index entries too"
    sizes, insert_sizes = [], []
    for mention in mentions:
        listed = store.client.get_item(TableName=store.table_name, Key=_key(listed_key_of(mention)))["Item"]
        inserted = store.client.get_item(TableName=store.table_name, Key=_key(schema.mention_key(mention.id)))["Item"]
        sizes.append(item_size_bytes(listed))
        insert_sizes.append(item_size_bytes(inserted))
    n = max(len(sizes), 1)
    return {
        "mean": round(sum(sizes) / n, 1),
        "max": max(sizes, default=0),
        "insert_mean": round(sum(insert_sizes) / n, 1),
        "index_mean": 0.0,
        "sampled": len(sizes),
    }


def _key(key: dict[str, str]) -> dict[str, Any]:
    return {k: {"S": v} for k, v in key.items()}
