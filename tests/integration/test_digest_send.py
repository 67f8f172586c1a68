"""Digest delivery: once per watch and local day, even when the hourly schedule fires twice; retried when
every channel failed. SES and SNS are captured by moto, Slack by a local HTTP server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.backends import get_backend

from chalicelib.digest import send_due_digests
from chalicelib.models import Author, Mention, Span, WatchMatch
from chalicelib.notify.channels import clear_clients
from tests.conftest import clear_caches
from tests.unit.test_notify_support import SlackCapture, running_slack

pytestmark = pytest.mark.integration

CONFIG = """
[[watch]]
name = "acme"
query = "acme"
timezone = "Europe/Paris"
digest_hour = 8
email_to = ["founder@example.com"]
competitors = ["rival"]

[[watch]]
name = "rival"
query = "rival"
competitor = true
email_to = ["nobody@example.com"]
"""
SENDER = "veille@example.com"
MORNING = datetime(2026, 3, 10, 7, 30, tzinfo=UTC)  # 08:30 in Paris: the digest of 2026-03-09 is due


@pytest.fixture
def slack_server() -> Iterator[SlackCapture]:
    with running_slack() as capture:
        yield capture


@pytest.fixture
def aws(store: Any, write_config: Any, slack_server: SlackCapture, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """DynamoDB Local for the store; moto for SES and SNS (an SQS queue records what the topic publishes)."""
    write_config(CONFIG)
    # DynamoDB requests pass through to DynamoDB Local (with its credentials); SES, SNS and SQS stay in moto.
    with mock_aws(config={"core": {"mock_credentials": False, "passthrough": {"services": ["dynamodb"]}}}):
        sqs = boto3.client("sqs", region_name="us-east-1")
        queue = sqs.create_queue(QueueName="digests")["QueueUrl"]
        monkeypatch.setenv("VEILLE_ALERT_TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:veille-alerts")
        monkeypatch.setenv("VEILLE_SES_SENDER", SENDER)
        monkeypatch.setenv("VEILLE_SLACK_WEBHOOK_URL", slack_server.url)
        monkeypatch.setenv("VEILLE_LINK_SECRET", "a-long-random-test-secret-for-links")
        monkeypatch.setenv("VEILLE_PUBLIC_URL", "https://veille.example")
        clear_caches()
        clear_clients()
        yield queue
    clear_clients()


def set_up_channels(queue: str) -> None:
    sns = boto3.client("sns", region_name="us-east-1")
    topic = sns.create_topic(Name="veille-alerts")["TopicArn"]
    sqs = boto3.client("sqs", region_name="us-east-1")
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    boto3.client("sesv2", region_name="us-east-1").create_email_identity(EmailIdentity=SENDER)


def emails() -> list[Any]:
    return list(get_backend("ses")["123456789012"]["us-east-1"].sent_messages)


def published(queue: str) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs", region_name="us-east-1")
    answer = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)
    return [json.loads(m["Body"]) for m in answer.get("Messages", [])]


def seed_complaint(store: Any) -> Mention:
    text = "acme <b>lost</b> my invoices, please help"
    m = Mention(
        source="reddit",
        external_id="1",
        text=text,
        created_at=datetime(2026, 3, 9, 9, 0, tzinfo=UTC),
        url="https://reddit.example/1",
        author=Author(handle="ann", reach=300),
        matches=[WatchMatch(watch="acme", spans=[Span(start=0, end=4, term="acme")])],
        labels={"sentiment": "negative", "complaint": True, "needs_reply": True, "urgency": 50},
    )
    assert store.put_listed([m])
    return m


def test_the_schedule_firing_twice_sends_one_digest(store: Any, aws: Any, slack_server: SlackCapture) -> None:
    # Given a complaint yesterday and every channel configured
    set_up_channels(aws)
    mention = seed_complaint(store)

    # When the hourly schedule fires twice in the digest hour
    first = send_due_digests(now=MORNING)
    second = send_due_digests(now=MORNING.replace(minute=45))

    # Then one email, one Slack message and one SNS message, for the brand watch only
    assert first["sent"] == {"acme#2026-03-09": {"email": "sent", "slack": "sent", "sns": "sent"}}
    assert second["already_sent"] == ["acme#2026-03-09"] and second["sent"] == {}
    sent = emails()
    assert len(sent) == 1
    assert sent[0].destinations["ToAddresses"] == ["founder@example.com"]
    assert sent[0].subject == "Veille digest for acme, 2026-03-09"
    assert "acme &lt;b&gt;lost&lt;/b&gt; my invoices" in sent[0].body
    assert f"https://veille.example/t/{mention.id}/replied?exp=" in sent[0].body
    assert len(slack_server.bodies) == 1
    assert "acme &lt;b&gt;lost&lt;/b&gt; my invoices" in slack_server.texts()
    messages = published(aws)
    assert len(messages) == 1 and messages[0]["MessageAttributes"]["kind"]["Value"] == "digest"
    assert "acme <b>lost</b> my invoices" in messages[0]["Message"]  # plain text, as written


def test_not_sent_before_the_local_digest_hour(store: Any, aws: Any, slack_server: SlackCapture) -> None:
    set_up_channels(aws)
    result = send_due_digests(now=MORNING.replace(hour=6))  # 07:30 in Paris
    assert result["not_due"] == ["acme"] and result["sent"] == {}
    assert emails() == [] and slack_server.bodies == []


def test_retried_next_hour_when_every_channel_failed(store: Any, aws: Any, slack_server: SlackCapture) -> None:
    # Given no SNS topic, an unverified sender and a Slack webhook answering 500
    seed_complaint(store)
    slack_server.status = 500

    # When the schedule fires, everything fails and the digest is not marked sent
    failed = send_due_digests(now=MORNING)
    assert set(failed["failed"]["acme#2026-03-09"].values()) == {"failed: NotifyError"}
    assert store.get_once("digest", "acme#2026-03-09") is None

    # When the channels are repaired, the next run sends it, once
    set_up_channels(aws)
    slack_server.status = 200
    retried = send_due_digests(now=MORNING.replace(hour=8))
    assert list(retried["sent"]) == ["acme#2026-03-09"]
    assert len(emails()) == 1 and len(published(aws)) == 1
    assert len([b for b in slack_server.bodies if b]) == 2  # the refused one, then the delivered one


def test_the_deployed_schedule_handler_sends_the_digest(store: Any, aws: Any, slack_server: SlackCapture) -> None:
    from chalice.test import Client

    from app import app
    from chalicelib.config import get_config
    from chalicelib.settings import get_settings

    set_up_channels(aws)
    seed_complaint(store)
    # The test client swaps in .chalice/config.json's environment (VEILLE_CONFIG names the packaged file)
    # during the invoke: read this test's config and settings first, as a warm container would have.
    get_settings()
    get_config()
    with Client(app) as client:
        event = client.events.generate_cw_event(
            source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
        )
        payload = client.lambda_.invoke("send_digests", event).payload
    # The real clock decides whether today's digest hour has come; either way nothing is sent twice.
    assert set(payload) == {"sent", "already_sent", "not_due", "failed", "reports"}
    assert payload["failed"] == {}
    assert len(emails()) == len(payload["sent"]) <= 1
