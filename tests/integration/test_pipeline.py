"""The foundation end to end on DynamoDB Local: schedule → table → stream → labels, and the serve command."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from chalicelib.models import Mention, WatchMatch, utcnow
from chalicelib.store.repo import serialize
from veille.runtime.dynamodb_local import free_port
from veille.runtime.lambda_shim import LambdaContext

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]

FEED_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Acme forum</title><link>https://forum.example.com/</link><language>en</language>
"""
FEED_TAIL = "</channel></rss>\n"


def _item(n: int, text: str) -> str:
    return (
        f"<item><guid>post-{n}</guid><title>Post {n}</title><link>https://forum.example.com/t/{n}</link>"
        f"<pubDate>Sat, 21 Nov 2026 10:{n:02d}:00 GMT</pubDate><description>{text}</description></item>\n"
    )


def _write_feed(path: Path, items: list[str]) -> None:
    path.write_text(FEED_HEAD + "".join(items) + FEED_TAIL, encoding="utf-8")


def _config(tmp_path: Path, feed: Path, extra_source: str = "") -> Path:
    path = tmp_path / "veille.toml"
    path.write_text(
        f"""
[[watch]]
name = "acme"
query = "acme"
[[watch.sources]]
type = "rss"
key = "forum"
url = "{feed}"
{extra_source}
""",
        encoding="utf-8",
    )
    return path


def _wait_for(check, timeout_s: float, every: float = 0.2):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    return check()


def test_a_failing_source_does_not_block_the_others_nor_move_its_cursor(veille_server, tmp_path: Path) -> None:
    feed = tmp_path / "forum.rss"
    _write_feed(feed, [_item(1, "acme works well"), _item(2, "nothing to see"), _item(3, "ACME is down again")])
    broken = '[[watch.sources]]\ntype = "rss"\nkey = "broken"\nurl = "http://127.0.0.1:9/feed.xml"\ntimeout_s = 1\n'
    os.environ["VEILLE_CONFIG"] = str(_config(tmp_path, feed, broken))
    from chalicelib.config import get_config

    get_config.cache_clear()
    result = veille_server.invoke_schedule("fetch_mentions")
    assert result["stored"] == 2 and result["fetched"] == 3
    assert result["failed_sources"] == ["acme/broken"]
    store = veille_server.store
    assert store.get_cursor("acme", "broken") == {}
    assert len(store.get_cursor("acme", "forum")["seen"]) == 3
    health = {h.source_key: h for h in store.list_health()}
    assert health["broken"].last_error and health["broken"].silent
    assert health["forum"].last_success and not health["forum"].silent
    # Without the token, /health says only degraded and the version; with it, which source and why.
    public = httpx.get(f"{veille_server.url}/health").json()
    assert public == {"status": "degraded", "ok": False, "version": public["version"]}
    bearer = {"Authorization": "Bearer test-secret"}
    answer = httpx.get(f"{veille_server.url}/health", headers=bearer).json()
    assert answer["table"] == "ACTIVE" and {s["source_key"] for s in answer["sources"]} == {"forum", "broken"}
    # Run again: nothing new is stored twice.
    assert veille_server.invoke_schedule("fetch_mentions")["stored"] == 0


def test_the_stream_labels_every_insert_once_and_a_poison_record_never_blocks_its_shard(veille_server) -> None:
    store = veille_server.store
    good = [
        Mention(
            source="hn",
            external_id=str(n),
            text=f"acme app crashed again, refund please #{n}",
            created_at=utcnow(),
            matches=[WatchMatch(watch="acme")],
        )
        for n in range(3)
    ]
    store.put_mention(good[0])
    # A poison record between good ones: a mention item whose image is not a valid mention.
    store.client.put_item(
        TableName=store.table_name,
        Item=serialize({"pk": "MENTION#poison", "sk": "MENTION", "source": "hn", "text": "no external id nor dates"}),
    )
    store.put_mentions(good[1:])
    veille_server.drain_stream(timeout_s=60)
    stats = veille_server.poller.stats
    assert stats.failed == 1 and stats.failures[0]["dynamodb"]["Keys"]["pk"]["S"] == "MENTION#poison"
    for mention in good:
        labels = store.get_mention(mention.id).labels
        assert labels["lang"] == "en" and labels["complaint"] is True and labels["why"]["complaint"]
    # A redelivered batch redoes no side effect: the labels stay as first written.
    record = {
        "eventID": "1",
        "eventName": "INSERT",
        "eventSource": "aws:dynamodb",
        "eventVersion": "1.1",
        "dynamodb": {
            "Keys": {"pk": {"S": f"MENTION#{good[0].id}"}, "sk": {"S": "MENTION"}},
            "NewImage": serialize(
                {**good[0].model_dump(mode="json", exclude_none=True), "pk": f"MENTION#{good[0].id}", "sk": "MENTION"}
            ),
            "SequenceNumber": "1",
            "StreamViewType": "NEW_IMAGE",
        },
    }
    store.set_labels  # noqa: B018 - documents what the handler calls
    before = store.get_mention(good[0].id).labels
    lines = _LogLines()
    veille_logger = logging.getLogger("veille")
    level = veille_logger.level  # at INFO, as in production (a quiet CLI run earlier may have raised it)
    veille_logger.addHandler(lines)
    veille_logger.setLevel(logging.INFO)
    try:
        answer = veille_server.app_module.classify_mentions({"Records": [record]}, LambdaContext("classify_mentions"))
    finally:
        veille_logger.removeHandler(lines)
        veille_logger.setLevel(level)
    assert answer == {"batchItemFailures": []}
    assert store.get_mention(good[0].id).labels == before
    # One short INFO line for the batch, none per mention at INFO.
    info = [r for r in lines.records if r.levelno >= logging.INFO]
    assert [r.getMessage() for r in info] == ["stream batch"]
    assert (info[0].records, info[0].labelled, info[0].redelivered, info[0].failed) == (1, 0, 1, 0)  # type: ignore[attr-defined]


class _LogLines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_serve_picks_up_an_appended_entry_and_stops_cleanly(tmp_path: Path) -> None:
    feed = tmp_path / "forum.rss"
    items = [_item(1, "acme is nice")]
    _write_feed(feed, items)
    port, fetch_every, poll_every = free_port(), 2.0, 0.5
    env = {**os.environ, "VEILLE_CONFIG": str(_config(tmp_path, feed)), "VEILLE_API_TOKEN": "t"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "veille.cli",
            "serve",
            "--memory",
            "--data-dir",
            str(tmp_path / "data"),
            "--port",
            str(port),
            "--fetch-interval",
            str(fetch_every),
            "--poll-interval",
            str(poll_every),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:

        def health() -> dict | None:
            try:
                bearer = {"Authorization": "Bearer t"}  # the sources' details are behind the API token
                answer = httpx.get(f"http://127.0.0.1:{port}/health", headers=bearer, timeout=2).json()
            except httpx.HTTPError:
                return None
            return answer if answer.get("sources") else None

        first = _wait_for(health, 90)
        assert first and first["sources"][0]["new"] == 1
        # Other commands (veille digest) find the running server's DynamoDB Local here.
        state = json.loads((tmp_path / "data" / "serve.json").read_text())
        assert state["url"] == f"http://127.0.0.1:{port}" and state["dynamodb_endpoint"].startswith("http://127.0.0.1:")
        items.append(_item(2, "acme lost all my data, this is a disaster, I want a refund"))
        _write_feed(feed, items)
        appended_at = time.monotonic()

        def stored_and_labelled() -> bool:
            answer = health()
            return bool(answer) and any(s["new"] == 1 and s["runs"] >= 2 for s in answer["sources"])

        assert _wait_for(stored_and_labelled, 30)
        assert time.monotonic() - appended_at < fetch_every + poll_every + 10
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=30)[0].decode()
    assert process.returncode == 0, output
    assert "stopping" in output
    assert not (tmp_path / "data" / "serve.json").exists()
    leftover = subprocess.run(["pgrep", "-g", str(process.pid)], capture_output=True, text=True).stdout.strip()
    assert leftover == "", f"processes left behind: {leftover}"


def test_the_local_poller_keeps_lambdas_tumbling_windows(veille_server) -> None:
    from veille.runtime.poller import StreamPoller

    store = veille_server.store
    now = [1_800_000_000.0]  # a multiple of 60: a window starts here
    events: list[dict] = []

    def handler(event: dict, context: object) -> dict:
        events.append(event)
        seen = int((event.get("state") or {}).get("seen", 0))
        state = {} if event["isFinalInvokeForWindow"] else {"seen": seen + len(event["Records"])}
        return {"batchItemFailures": [], "state": state}

    poller = StreamPoller(
        veille_server.poller.client, veille_server.poller.stream_arn, handler,
        function_name="classify_mentions", window_s=60, clock=lambda: now[0],
    )  # fmt: skip
    mentions = [
        Mention(source="hn", external_id=f"w{n}", text=f"acme window {n}", created_at=utcnow(),
                matches=[WatchMatch(watch="acme")])
        for n in range(5)
    ]  # fmt: skip
    # When mentions arrive in two polls of the same window, then the window's time is up
    store.put_mentions(mentions[:2])
    poller.poll_once()
    store.put_mentions(mentions[2:])
    now[0] += 30
    poller.poll_once()
    now[0] += 31
    poller.poll_once()

    # Then each batch carried the window and the state the previous one returned, and the window's last
    # invocation came without records, flagged final, with the whole window's state
    batches = [e for e in events if e["Records"]]
    ours = [e for e in batches if all("acme window" in json.dumps(r) for r in e["Records"])]
    assert [len(e["Records"]) for e in ours] and sum(len(e["Records"]) for e in ours) == 5
    assert all(e["window"] == batches[0]["window"] and not e["isFinalInvokeForWindow"] for e in batches)
    assert batches[0]["window"]["end"] == "2027-01-15T08:01:00Z"
    final = events[-1]
    assert final["Records"] == [] and final["isFinalInvokeForWindow"] is True
    assert final["state"]["seen"] == sum(len(e["Records"]) for e in batches)
