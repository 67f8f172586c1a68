"""An outage delays an alert, never the inbox: Slack answering 500 and SES refusing the sender, on the whole
local stack (signed webhook, DynamoDB Local, stream poller, HTTP API, the retry_alerts schedule)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.unit.test_notify_support import SlackCapture, running_slack

pytestmark = pytest.mark.integration

CONFIG = """
[[watch]]
name = "acme"
query = 'acme OR "acme app"'
default = true
forms = ["generic"]
email_to = ["founder@example.com"]
sns = false
urgency_threshold = 40
"""
SENDER = "veille@example.com"
BEARER = {"Authorization": "Bearer test-secret"}


def post_generic(url: str, ident: str, text: str) -> httpx.Response:
    body = json.dumps({"id": ident, "text": text, "author": "dana", "email": "dana@example.com"})
    signature = "sha256=" + hmac.new(b"test-secret", body.encode(), hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "X-Veille-Signature": signature}
    return httpx.post(f"{url}/webhooks/generic", content=body, headers=headers)


@pytest.fixture
def outage(veille_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, SlackCapture, Any]]:
    """The stack with Slack answering 500 and SES (moto) refusing the unverified sender."""
    from moto import mock_aws

    from chalicelib.notify.channels import clear_clients
    from tests.conftest import clear_caches

    passthrough = {"core": {"mock_credentials": False, "passthrough": {"services": ["dynamodb", "dynamodbstreams"]}}}
    with running_slack() as slack, mock_aws(config=passthrough):  # type: ignore[arg-type]
        import boto3

        slack.status = 500
        monkeypatch.setenv("VEILLE_SLACK_WEBHOOK_URL", slack.url)
        monkeypatch.setenv("VEILLE_SES_SENDER", SENDER)
        clear_caches()
        clear_clients()
        yield veille_server, slack, boto3.client("sesv2", region_name="us-east-1")
        clear_clients()


def sent_emails() -> list[Any]:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    return list(ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages)


def urgent_bodies(slack: SlackCapture) -> list[str]:
    return [json.dumps(b) for b in slack.bodies if "Urgent complaint" in json.dumps(b)]


@pytest.mark.veille_server_config(CONFIG)
def test_an_urgent_complaint_is_in_the_inbox_while_slack_and_ses_are_down_and_alerts_once_they_are_back(
    outage: tuple[Any, SlackCapture, Any], caplog: pytest.LogCaptureFixture
) -> None:
    stack, slack, ses = outage
    caplog.set_level(logging.INFO, logger="veille")

    # When two urgent complaints and a praise arrive while Slack answers 500 and SES refuses the sender
    for ident, text in (
        ("c1", "Acme charged me twice and support ignores me. Chargeback today, I want a refund now!"),
        ("ok", "Acme is lovely, the new timeline is great"),
        ("c2", "acme lost all our invoices, this is a disaster, refund now or I sue"),
    ):
        assert post_generic(stack.url, ident, text).status_code == 200
    stack.drain_stream(timeout_s=60)

    # Then all three are labelled and listed at once; the complaints say their alert is not delivered
    page = httpx.get(f"{stack.url}/mentions", headers=BEARER).json()
    by_text = {m["text"][:10]: m for m in page["items"]}
    assert len(page["items"]) == 3 and all(m["labels"] for m in page["items"])
    complaints = [m for m in page["items"] if m["alert"]]
    assert {m["text"][:10] for m in complaints} == {"Acme charg", "acme lost "}
    for m in complaints:
        assert m["alert"]["status"] == "pending"
        assert set(m["alert"]["failed"]) == {"slack", "email"}
        assert "Slack webhook answered 500" in m["alert"]["failed"]["slack"]["error"]
        assert "SES SendEmail" in m["alert"]["failed"]["email"]["error"]
    assert by_text["Acme is lo"]["alert"] is None
    assert stack.poller.stats.failed == 0  # nothing set aside

    # /health is degraded and names the channels; with the token, their errors
    public = httpx.get(f"{stack.url}/health").json()
    assert public["status"] == "degraded" and public["alert_channels_failing"] == ["email", "slack"]
    private = httpx.get(f"{stack.url}/health", headers=BEARER).json()
    assert private["alerts"]["pending"] == 2
    assert "500" in private["alerts"]["channels"]["slack"]["error"]

    # The digest opens with the alerts not delivered, quoting them
    today = datetime.now(UTC).date().isoformat()
    digest = httpx.get(f"{stack.url}/digest/{today}", headers=BEARER).json()
    assert [a["id"] for a in digest["alerts_not_delivered"]] == [m["id"] for m in reversed(complaints)]
    from chalicelib.digest.render import render_text

    lines = render_text(digest).splitlines()
    sections = [lines[i - 1] for i, line in enumerate(lines) if line and set(line) == {"-"}]
    assert sections[0] == "Alerts not delivered"
    assert any("not delivered to email, slack" in line for line in lines)

    # One warning per channel when it started failing, not one per alert
    starts = [r for r in caplog.records if r.getMessage().startswith("alert channel failing")]
    assert sorted(r.__dict__.get("channel") for r in starts) == ["email", "slack"]

    # When Slack answers again and the sender is verified, the retry schedule sends each alert once per channel
    refused = len(urgent_bodies(slack))  # the capture keeps the bodies it answered 500 to
    assert refused == 2 and sent_emails() == []
    slack.status = 200
    ses.create_email_identity(EmailIdentity=SENDER)
    result = stack.invoke_schedule("retry_alerts")
    assert result["delivered"] == 2
    delivered = urgent_bodies(slack)[refused:]
    assert len(delivered) == 2 and len(sent_emails()) == 2
    assert any("Chargeback today" in body for body in delivered)
    recovered = [r for r in caplog.records if r.getMessage().startswith("alert channel recovered")]
    assert sorted(r.__dict__.get("channel") for r in recovered) == ["email", "slack"]

    # Then nothing is pending, health is ok, and neither a later run nor a redelivery alerts again
    assert all(m["alert"] is None for m in httpx.get(f"{stack.url}/mentions", headers=BEARER).json()["items"])
    assert httpx.get(f"{stack.url}/health").json()["status"] == "ok"
    assert stack.invoke_schedule("retry_alerts")["delivered"] == 0
    assert len(urgent_bodies(slack)) == refused + 2 and len(sent_emails()) == 2
