"""``veille serve``: the whole stack on 127.0.0.1 until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from typing import Any


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve", help="run the whole stack on 127.0.0.1 (DynamoDB Local, API, schedules, stream)"
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
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from chalicelib.config import load_config
    from chalicelib.settings import get_settings
    from veille.runtime.dynamodb_local import DynamoDBLocalError
    from veille.runtime.stack import LocalStack

    load_config(get_settings().config)  # fail early, with exit code 2, on an invalid config
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    stack = LocalStack(
        port=args.port,
        data_dir=None if args.memory else args.data_dir,
        fetch_interval=args.fetch_interval,
        poll_interval=args.poll_interval,
        progress=lambda m: print(f"veille: {m}", file=sys.stderr, flush=True),
    )
    try:
        stack.start()
    except DynamoDBLocalError as exc:
        print(f"veille: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"veille: cannot serve on port {args.port}: {exc.strerror}; pick another with --port", file=sys.stderr)
        return 1
    from veille.runtime.state import remove_state, write_state

    write_state(args.data_dir, url=stack.url, dynamodb_endpoint=stack.endpoint, table=get_settings().table_name)
    print(f"veille: ready on {stack.url} (Ctrl-C to stop)", file=sys.stderr, flush=True)
    print(
        f"veille: DynamoDB Local on {stack.endpoint}; `veille digest` finds it through {args.data_dir}/serve.json",
        file=sys.stderr,
        flush=True,
    )
    try:
        stop.wait()
    finally:
        print("veille: stopping...", file=sys.stderr, flush=True)
        remove_state(args.data_dir)
        stack.stop()
    return 0
