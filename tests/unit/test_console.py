"""What veille serve and veille demo print: one readable line per alert and per warning, no JSON, no EMF."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from chalicelib.config import WatchConfig
from chalicelib.models import Author, Mention
from chalicelib.notify.render import alert_slack_payload
from chalicelib.pipeline.react import urgent_alert
from veille.runtime.console import AlertConsole, alert_line, quiet_handlers, readable_log

WATCH = WatchConfig(name="kanbo", query="kanbo")
MENTION = Mention(
    source="rss",
    external_id="1",
    text="Kanbo is down since 8am & support <b>never</b> answers, I want a refund",
    url="https://forum.example.com/t/1",
    created_at=datetime(2026, 11, 21, 9, 5, tzinfo=UTC),
    author=Author(handle="marta_ops"),
)


def test_an_urgent_alert_is_one_line_with_its_kind_urgency_quote_and_link() -> None:
    payload = alert_slack_payload(urgent_alert(MENTION, {"urgency": 72, "complaint": True}, WATCH))
    line = alert_line(payload)
    assert line == (
        "ALERT urgent  Urgent complaint about kanbo on rss  urgency 72  "
        '"Kanbo is down since 8am & support <b>never</b> answers, I want a refund"  https://forum.example.com/t/1'
    )


def test_a_digest_posted_to_slack_is_not_an_alert() -> None:
    assert alert_line({"text": "kanbo: your day", "blocks": [{"type": "section", "text": {"text": "hi"}}]}) is None


def test_a_log_record_reads_as_one_line_without_the_lambda_context() -> None:
    record = {
        "level": "WARNING",
        "message": "malformed entries skipped",
        "function_name": "fetch_mentions",
        "function_arn": "arn:aws:lambda:...",
        "cold_start": True,
        "timestamp": "2026-12-03 07:53:19,024+0000",
        "watch": "kanbo",
        "skipped": 1,
    }
    assert readable_log(record) == "veille: warning: fetch_mentions: malformed entries skipped (watch=kanbo, skipped=1)"


def test_quiet_handlers_print_warnings_readably_and_no_metrics(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest
) -> None:
    from chalicelib.observability import logger, metrics

    stream = io.StringIO()
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    undo = quiet_handlers(verbose=False, stream=stream)
    request.addfinalizer(undo)

    @metrics.log_metrics
    @logger.inject_lambda_context
    def handler(event: Any, context: Any) -> None:
        logger.info("fetched", extra={"count": 3})
        logger.warning("source slow", extra={"source": "hn"})
        for _ in range(120):  # past Powertools' 100 values, when it would print even disabled metrics
            metrics.add_metric(name="MentionsFetched", unit="Count", value=1)

    from veille.runtime.lambda_shim import LambdaContext

    handler({}, LambdaContext("fetch_mentions"))
    handler({}, LambdaContext("fetch_mentions"))
    assert stream.getvalue().splitlines() == ["veille: warning: fetch_mentions: source slow (source=hn)"] * 2
    captured = capsys.readouterr()
    assert '"_aws"' not in captured.out + captured.err and "fetched" not in captured.out + captured.err


def test_the_alert_console_prints_keeps_and_relays_to_a_real_slack_webhook() -> None:
    upstream = AlertConsole()
    said: list[str] = []
    console = AlertConsole(say=said.append, upstream=upstream.url)
    try:
        payload = alert_slack_payload(urgent_alert(MENTION, {"urgency": 72}, WATCH))
        answer = httpx.post(console.url, content=json.dumps(payload))
        assert answer.status_code == 200
        assert said == console.lines and said[0].startswith("ALERT urgent  Urgent complaint about kanbo")
        assert upstream.messages == [payload]  # the user's own Slack still gets it
    finally:
        console.close()
        upstream.close()


def test_a_failing_upstream_fails_the_post_so_the_channel_retries() -> None:
    upstream = AlertConsole(upstream="http://127.0.0.1:9/unreachable")
    console = AlertConsole(upstream=upstream.url)
    try:
        answer = httpx.post(console.url, content=b'{"text": "x", "blocks": []}')
        assert answer.status_code == 502 and console.messages == []
    finally:
        console.close()
        upstream.close()
