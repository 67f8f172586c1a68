"""The whole stack on 127.0.0.1: DynamoDB Local, the HTTP routes, the schedules and the stream poller.

Used by ``veille serve``, ``veille demo`` and the integration tests. Every thread stops with
:meth:`LocalStack.stop`, and DynamoDB Local's Java process with it.
"""

from __future__ import annotations

import importlib
import os
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from veille.runtime.dynamodb_local import DynamoDBLocal, free_port, local_aws_environment
from veille.runtime.lambda_shim import LambdaContext, handler_function, handlers_of, rate_seconds, scheduled_event
from veille.runtime.poller import StreamPoller

Progress = Callable[[str], None]


def _quiet(message: str) -> None:
    return None


# How often ``veille serve`` runs the daily theme discovery (the first run, at start, finds the table empty).
LOCAL_THEMES_INTERVAL_S = 120.0


class LocalStack:
    """Start with :meth:`start` (or as a context manager); :meth:`stop` ends every part of it."""

    def __init__(
        self,
        *,
        port: int = 8000,
        data_dir: Path | None = None,
        table_name: str = "veille",
        config_path: Path | None = None,
        fetch_interval: float | None = None,
        poll_interval: float = 1.0,
        run_schedules: bool = True,
        serve_http: bool = True,
        ddb_endpoint: str | None = None,
        extra_env: dict[str, str] | None = None,
        progress: Progress = _quiet,
        access_log: bool = True,
    ) -> None:
        self.port = port or free_port()
        self.data_dir = data_dir
        self.table_name = table_name
        self.config_path = config_path
        self.fetch_interval = fetch_interval
        self.poll_interval = poll_interval
        self.run_schedules = run_schedules
        self.serve_http = serve_http
        self.extra_env = extra_env or {}
        self.access_log = access_log
        self.progress = progress
        self._ddb_endpoint = ddb_endpoint
        self.ddb: DynamoDBLocal | None = None
        self.poller: StreamPoller | None = None
        self.app_module: Any = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._server: Any = None
        # Each Lambda function runs in its own process; here they share one, so event handlers take
        # turns (Powertools' logger and metrics are process-wide). HTTP requests are not serialised.
        self._invoke_lock = threading.Lock()
        self.schedule_runs: dict[str, int] = {}
        self.errors: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def endpoint(self) -> str:
        if self._ddb_endpoint:
            return self._ddb_endpoint
        assert self.ddb is not None
        return self.ddb.endpoint

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> LocalStack:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        # Lambda's log shows this once per function; locally it would repeat on every quiet invocation.
        warnings.filterwarnings("ignore", message="No application metrics to publish")
        if not self._ddb_endpoint:
            where = f"in {self.data_dir}" if self.data_dir else "in memory"
            self.progress(f"starting DynamoDB Local ({where})...")
            self.ddb = DynamoDBLocal(data_dir=self.data_dir).start()
        os.environ.update(local_aws_environment(self.endpoint, self.table_name))
        if self.config_path:
            os.environ["VEILLE_CONFIG"] = str(self.config_path)
        os.environ.setdefault("VEILLE_PUBLIC_URL", self.url)
        os.environ.update(self.extra_env)
        clear_caches()
        from chalicelib.store import get_store

        store = get_store()
        if store.ensure_table():
            self.progress(f"created table {self.table_name}")
        self.app_module = importlib.import_module("app")
        self.store = store
        self._build_poller(store.stream_arn())
        if self.serve_http:
            self._start_http()
        if self.run_schedules:
            self._start_schedules()
        self._spawn("stream-poller", self._poll_loop)

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server.server_close()
            self._server = None
        for thread in self._threads:
            thread.join(timeout=15)
        self._threads.clear()
        if self.poller is not None:
            try:
                self.poller.end_windows()  # the tallies of the open windows go to the counters before the end
            except Exception as exc:  # noqa: BLE001 - stopping must finish
                self.progress(f"stream windows not ended: {exc}")
        if self.ddb is not None:
            self.ddb.stop()
            self.ddb = None

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- parts ------------------------------------------------------------------------------------
    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _build_poller(self, stream_arn: str) -> None:
        import boto3

        _, streams = handlers_of(self.app_module.app)
        source = streams[0]
        client = boto3.client("dynamodbstreams", endpoint_url=self.endpoint, region_name="us-east-1")
        failure_log = (self.data_dir / "failed-records.jsonl") if self.data_dir else None
        handler = handler_function(self.app_module, source)

        def invoke(event: dict[str, Any], context: Any) -> Any:
            with self._invoke_lock:
                return handler(event, context)

        self.poller = StreamPoller(
            client,
            stream_arn,
            invoke,
            function_name=source.name,
            batch_size=source.batch_size,
            failure_log=failure_log,
            say=self.progress,
            window_s=stream_window_s(),
        )

    def _start_http(self) -> None:
        from chalice.config import Config
        from chalice.local import CustomLocalChalice, LocalChalice, LocalDevServer

        app = self.app_module.app
        config = Config.create(chalice_stage="dev", app_name="veille", chalice_app=app)
        if not isinstance(app, CustomLocalChalice):  # a second stack in this process: already patched
            # What chalice.local.create_local_server does, which takes no handler class.
            CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
            app.__class__ = CustomLocalChalice
        handler = redacting_handler(self.access_log)
        self._server = LocalDevServer(app, config, "127.0.0.1", self.port, handler_cls=handler)
        self._spawn("http", self._server.server.serve_forever)
        self.progress(f"serving the API on {self.url} (health: {self.url}/health)")

    def _start_schedules(self) -> None:
        schedules, _ = handlers_of(self.app_module.app)
        for source in schedules:
            every = rate_seconds(source.schedule_expression)
            if source.name == "fetch_mentions" and self.fetch_interval:
                every = self.fetch_interval
            if source.name == "discover_themes":
                # Deployed daily; on a laptop the sample's themes should show within minutes, not tomorrow.
                every = min(every, LOCAL_THEMES_INTERVAL_S)
            self.progress(f"schedule {source.name}: every {every:g}s")
            self._spawn(f"schedule-{source.name}", lambda s=source, e=every: self._schedule_loop(s, e))

    def _schedule_loop(self, source: Any, every: float) -> None:
        while not self._stop.is_set():
            self.invoke_schedule(source.name)
            self._stop.wait(every)

    def _poll_loop(self) -> None:
        while not self._stop.is_set():
            try:
                assert self.poller is not None
                self.poller.poll_once()
            except Exception as exc:  # noqa: BLE001 - the poller must keep running, as Lambda's would
                message = f"stream poller: {exc}"
                if message not in self.errors[-1:]:  # once, not at every poll while it lasts
                    self.progress(message)
                self.errors.append(message)
            self._stop.wait(self.poll_interval)

    # -- direct invocation (demo, tests) ------------------------------------------------------------
    def invoke_schedule(self, name: str) -> Any:
        """Run one schedule's handler now, as EventBridge would; errors are kept, not raised."""
        schedules, _ = handlers_of(self.app_module.app)
        source = next(s for s in schedules if s.name == name)
        self.schedule_runs[name] = self.schedule_runs.get(name, 0) + 1
        try:
            with self._invoke_lock:
                return handler_function(self.app_module, source)(scheduled_event(name), LambdaContext(name))
        except Exception as exc:  # noqa: BLE001 - a failed run is reported, and the next one goes on
            self.errors.append(f"{name}: {exc}")
            self.progress(f"schedule {name} failed: {exc}")
            return None

    def drain_stream(self, timeout_s: float = 60.0) -> int:
        """Poll until the stream has nothing new (twice in a row), then end the open stream windows (as if their
        time were up: their tallies reach the counters); return the records read."""
        assert self.poller is not None
        total, quiet, deadline = 0, 0, time.monotonic() + timeout_s
        while quiet < 2 and time.monotonic() < deadline:
            read = self.poller.poll_once()
            total += read
            quiet = quiet + 1 if read == 0 else 0
        self.poller.end_windows()
        return total


def stream_window_s() -> float:
    """The stream mapping's tumbling window, as infra deploys it."""
    from chalicelib.pipeline.react import TALLY_WINDOW_S

    return float(TALLY_WINDOW_S)


def clear_caches() -> None:
    """Forget the lazily built settings, store and config, so that a changed environment is seen."""
    from chalicelib.config import get_config
    from chalicelib.settings import get_settings
    from chalicelib.store.repo import get_store

    get_settings.cache_clear()
    get_store.cache_clear()
    get_config.cache_clear()


SECRET_QUERY_KEYS = ("token", "sig", "signature", "secret", "key")


def redact_query(request_line: str) -> str:
    """The request line with the values of secret-looking query parameters masked (``token=***``)."""
    import re

    pattern = r"([?&](?:" + "|".join(SECRET_QUERY_KEYS) + r")=)[^&\s]*"
    return re.sub(pattern, r"\1***", request_line, flags=re.IGNORECASE)


def redacting_handler(access_log: bool = True) -> Any:
    """Chalice's local request handler, whose access log never prints a token or a link signature."""
    from chalice.local import ChaliceRequestHandler

    class RedactingHandler(ChaliceRequestHandler):
        def log_request(self, code: Any = "-", size: Any = "-") -> None:
            if not access_log:
                return
            code = getattr(code, "value", code)
            self.log_message('"%s" %s %s', redact_query(self.requestline), str(code), str(size))

    return RedactingHandler
