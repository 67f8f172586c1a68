"""``veille digest``: render a watch's daily digest locally, as text, email HTML or JSON.

The store, in this order: ``VEILLE_DYNAMODB_ENDPOINT`` when set; else the DynamoDB Local of a running
``veille serve`` on the data directory (``--data-dir``, default ``.veille``; serve writes its address to
``serve.json`` there); else a DynamoDB Local started on that data directory for the length of the
command. Nothing is sent: the digest is printed (or written with ``--output``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from veille.cmd_demo import demo_data_dir, demo_state
from veille.runtime.state import running_server


def add_parser(subparsers: Any) -> None:
    """Register the ``digest`` subcommand."""
    parser = subparsers.add_parser("digest", help="render a watch's daily digest (text, html or json); sends nothing")
    parser.add_argument("--watch", help="the watch (default: the default brand watch of veille.toml)")
    parser.add_argument("--date", help="the local day, YYYY-MM-DD (default: yesterday in the watch's time zone)")
    parser.add_argument("--format", choices=("text", "html", "json"), default="text", help="output format")
    parser.add_argument("--output", "-o", type=Path, help="write to this file instead of stdout")
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="veille serve's data directory (default .veille): its running server is used, or, when it is "
        "stopped, a DynamoDB Local on that directory; ignored when VEILLE_DYNAMODB_ENDPOINT is set",
    )
    parser.set_defaults(func=run)


DEFAULT_DATA_DIR = Path(".veille")


def _has_serve_data(data_dir: Path) -> bool:
    """Whether ``veille serve`` ever kept data in ``data_dir`` (DynamoDB Local's database files)."""
    return any(data_dir.glob("*.db"))


@contextlib.contextmanager
def table_store(table: str | None, region: str | None, data_dir: Path | None) -> Iterator[Any]:
    """The Store of a deployed table (``--table``, ``--region``), else of the local one (see ``_local_store``)."""
    from chalicelib.store.repo import Store, get_store

    if table:
        yield Store(table, region=region or "us-east-1")
        return
    with _local_store(data_dir):
        yield get_store()


@contextlib.contextmanager
def _local_store(data_dir: Path | None) -> Iterator[None]:
    """Point the settings at the local table for the duration: see the module's docstring for the order."""
    if os.environ.get("VEILLE_DYNAMODB_ENDPOINT"):
        # DynamoDB Local keeps one database per access key: use the same dummy key as veille serve.
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
        os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
        yield
        return
    from chalicelib.settings import get_settings
    from veille.runtime.dynamodb_local import DynamoDBLocal, local_aws_environment
    from veille.runtime.stack import clear_caches

    data_dir = data_dir or DEFAULT_DATA_DIR
    server = running_server(data_dir)
    if server:
        print(f"veille digest: reading the table of veille serve ({server['dynamodb_endpoint']})", file=sys.stderr)
        os.environ.update(local_aws_environment(server["dynamodb_endpoint"], server.get("table") or "veille"))
        clear_caches()
        yield
        return
    if not _has_serve_data(data_dir) and demo_state(data_dir):
        data_dir = demo_data_dir(data_dir)
        print(f"veille digest: reading the data of the last veille demo ({data_dir})", file=sys.stderr)
    elif not data_dir.is_dir():
        raise FileNotFoundError(
            f"{data_dir}: no such data directory and no veille serve running; run veille serve (or make demo) "
            "first, pass --data-dir, or set VEILLE_DYNAMODB_ENDPOINT"
        )
    else:
        print(f"veille digest: starting DynamoDB Local on {data_dir} (veille serve is not running)", file=sys.stderr)
    with DynamoDBLocal(data_dir=data_dir) as ddb:
        os.environ.update(local_aws_environment(ddb.endpoint, get_settings().table_name))
        clear_caches()
        yield


def _demo_in_use(data_dir: Path | None) -> dict[str, Any] | None:
    """The last demo's state when the digest will read the demo's data (see ``_local_store``), else None."""
    data_dir = data_dir or DEFAULT_DATA_DIR
    if os.environ.get("VEILLE_DYNAMODB_ENDPOINT") or running_server(data_dir) or _has_serve_data(data_dir):
        return None
    return demo_state(data_dir)


def pick_watch(config: Any, name: str | None, command: str) -> Any:
    """The watch a command names (the default brand watch without a name); None, said on stderr, if none is."""
    try:
        return config.watch(name) if name else config.default_watch
    except KeyError:
        names = ", ".join(w.name for w in config.watches)
        print(f"veille {command}: no watch named {name!r}; the watches are: {names}", file=sys.stderr)
        return None


def read_local(data_dir: Path | None, command: str, build: Any) -> Any:
    """``build(store)`` on the local table (see ``_local_store``); None, with what to do on stderr, when the
    table cannot be read."""
    from chalicelib.errors import StorageError

    try:
        with _local_store(data_dir):
            from chalicelib.store import get_store

            return build(get_store())
    except FileNotFoundError as exc:  # its message says what to run
        print(f"veille {command}: {exc}", file=sys.stderr)
    except StorageError as exc:
        print(
            f"veille {command}: {exc}\n(start veille serve, or pass --data-dir, or set VEILLE_DYNAMODB_ENDPOINT)",
            file=sys.stderr,
        )
    return None


def run(args: argparse.Namespace) -> int:
    """Build the digest and print or write it; 0 on success, 1 when the store cannot be read."""
    from chalicelib.config import get_config
    from chalicelib.digest import build_digest, render_html, render_text
    from chalicelib.digest.send import production_links
    from chalicelib.models import utcnow

    config = get_config()
    watch = pick_watch(config, args.watch, "digest")
    if watch is None:
        return 2
    now = utcnow()
    demo = _demo_in_use(args.data_dir)
    try:
        if args.date:
            day = date.fromisoformat(args.date)
        elif demo and demo.get("watch") == watch.name:  # the day the demo digested, not an empty yesterday
            day = date.fromisoformat(str(demo["date"]))
        else:
            day = now.astimezone(ZoneInfo(watch.timezone)).date() - timedelta(days=1)
    except ValueError:
        print(f"veille digest: --date {args.date!r} is not YYYY-MM-DD", file=sys.stderr)
        return 2
    digest = read_local(
        args.data_dir,
        "digest",
        lambda store: build_digest(store, config, watch.name, day, now=now, links=production_links(now)),
    )
    if digest is None:
        return 1
    if args.format == "json":
        output = json.dumps(digest, indent=2, ensure_ascii=False) + "\n"
    elif args.format == "html":
        output = render_html(digest)
    else:
        output = render_text(digest)
    if args.output:
        args.output.write_text(output, encoding="utf-8")
        print(f"veille digest: wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(output)
    return 0
