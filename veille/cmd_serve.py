"""``veille serve``: the whole stack on 127.0.0.1 until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import errno
import os
import secrets
import signal
import socket
import sys
import threading
from pathlib import Path
from typing import Any

DESCRIPTION = """Run the whole stack on 127.0.0.1 until Ctrl-C: DynamoDB Local (data in --data-dir), the HTTP API
and the inbox page (/app), the schedules at their rates (fetch, digests) and a stream poller that feeds
new mentions to the classifier as Lambda would. Each alert sent is printed on one line; the handlers'
JSON logs, metrics and the access log only with --verbose. Without VEILLE_API_TOKEN a random token is
made for the run and printed with the inbox's address."""


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the whole stack on 127.0.0.1 (DynamoDB Local, API, schedules, stream)",
        description=DESCRIPTION,
    )
    parser.add_argument("--port", type=int, default=8000, help="HTTP port (default 8000)")
    parser.add_argument("--data-dir", type=Path, default=Path(".veille"), help="where DynamoDB Local keeps its data")
    parser.add_argument("--memory", action="store_true", help="keep the data in memory only")
    parser.add_argument(
        "--fetch-interval",
        type=float,
        default=None,
        help="seconds between fetches (default: the deployed schedule, 15 minutes)",
    )
    parser.add_argument("--poll-interval", type=float, default=1.0, help="seconds between stream polls")
    parser.add_argument(
        "--verbose", action="store_true", help="also show the handlers' JSON logs, EMF metrics and the access log"
    )
    parser.set_defaults(func=run)


def say(message: str) -> None:
    print(f"veille: {message}", file=sys.stderr, flush=True)


def port_problem(port: int) -> str | None:
    """Why nothing can listen on 127.0.0.1:``port`` (checked before anything starts), or None."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (
                    f"port {port} is already in use (another veille serve?): stop what runs there, "
                    f"or pick another port, e.g. veille serve --port {port + 1}"
                )
            return f"cannot serve on port {port}: {exc.strerror}; pick another with --port"
    return None


def local_api_token() -> str | None:
    """A random token for this run when ``VEILLE_API_TOKEN`` is not set (it is then set), else None."""
    from chalicelib.settings import get_settings

    if get_settings().api_token is not None:
        return None
    token = secrets.token_urlsafe(24)
    os.environ["VEILLE_API_TOKEN"] = token
    get_settings.cache_clear()
    return token


def run(args: argparse.Namespace) -> int:
    from chalicelib.config import load_config
    from chalicelib.settings import get_settings
    from veille.runtime.console import AlertConsole, quiet_handlers
    from veille.runtime.dynamodb_local import DynamoDBLocalError
    from veille.runtime.stack import LocalStack

    load_config(get_settings().config)  # fail early, with exit code 2, on an invalid config
    problem = port_problem(args.port)
    if problem:  # before DynamoDB Local starts and the table is made
        say(problem)
        return 1
    token = local_api_token()
    if token:
        say("VEILLE_API_TOKEN is not set: this run uses a random token (export VEILLE_API_TOKEN to keep one)")
    stopped_by: list[int] = []
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stopped_by.append(signum)
        stop.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, on_signal)
    quiet_handlers(args.verbose)
    # Alerts are printed as they go out; a Slack webhook of the user's still gets them, through this relay.
    alerts = AlertConsole(say=say, upstream=os.environ.get("VEILLE_SLACK_WEBHOOK_URL") or None)
    stack = LocalStack(
        port=args.port,
        data_dir=None if args.memory else args.data_dir,
        fetch_interval=args.fetch_interval,
        poll_interval=args.poll_interval,
        progress=say,
        access_log=args.verbose,
        extra_env={"VEILLE_SLACK_WEBHOOK_URL": alerts.url},
    )
    try:
        stack.start()
    except DynamoDBLocalError as exc:
        alerts.close()
        say(str(exc))
        return 1
    except OSError as exc:
        alerts.close()
        say(f"cannot serve on port {args.port}: {exc.strerror}; pick another with --port")
        return 1
    from veille.runtime.state import remove_state, write_state

    write_state(args.data_dir, url=stack.url, dynamodb_endpoint=stack.endpoint, table=get_settings().table_name)
    say(f"ready on {stack.url} (Ctrl-C to stop)")
    if token:
        say(f"API token for this run: {token}")
        say(f"inbox: {stack.url}/app#token={token}")
    else:
        say(f"inbox: {stack.url}/app")
    say(f"DynamoDB Local on {stack.endpoint}; `veille digest` finds it through {args.data_dir}/serve.json")
    try:
        stop.wait()
    finally:
        say("stopping...")
        remove_state(args.data_dir)
        stack.stop()
        alerts.close()
    return 130 if signal.SIGINT in stopped_by else 0
