"""Alert channels: what each one sends, escaping of mention text, and which channels a watch gets."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from chalicelib.alerts import Alert, AlertItem, deliver_once
from chalicelib.config import WatchConfig
from chalicelib.notify import (
    NotifyError,
    alert_html,
    alert_slack_payload,
    alert_text,
    channels_for,
    email_channel,
    escape_slack,
    slack_channel,
    sns_channel,
)
from chalicelib.notify.channels import clear_clients, sns_subject
from chalicelib.settings import get_settings
from tests.unit.test_notify_support import SlackCapture, running_slack


@pytest.fixture
def slack_server() -> Iterator[SlackCapture]:
    with running_slack() as capture:
        yield capture


HOSTILE = "Your app <script>alert(1)</script> lost my data & <!channel> <@U123> see <https://evil.example|here>"


def hostile_alert() -> Alert:
    item = AlertItem(
        id="m1",
        source="reddit",
        url="https://reddit.example/r/x/1",
        author="ann <b>",
        reach=12000,
        quote=HOSTILE,
        why=["complaint: lost my data"],
        urgency=91,
    )
    return Alert(
        kind="urgent",
        key="m1",
        watch="acme",
        title="Urgent complaint about acme on reddit",
        summary="ann complained",
        items=[item],
    )


class FakeOnceStore:
    def __init__(self) -> None:
        self.marks: set[str] = set()

    def put_once(self, kind: str, key: str, attributes: object = None, ttl_days: int | None = 30) -> bool:
        if f"{kind}#{key}" in self.marks:
            return False
        self.marks.add(f"{kind}#{key}")
        return True

    def get_once(self, kind: str, key: str) -> dict[str, object] | None:
        return {} if f"{kind}#{key}" in self.marks else None

    def forget_once(self, kind: str, key: str) -> None:
        self.marks.discard(f"{kind}#{key}")


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("VEILLE_ALERT_TOPIC_ARN", "VEILLE_SLACK_WEBHOOK_URL", "VEILLE_SES_SENDER", "VEILLE_SSM_PREFIX"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    get_settings.cache_clear()
    clear_clients()


def test_slack_escape_neutralises_mentions_and_links() -> None:
    assert escape_slack("a & <!channel> <b>") == "a &amp; &lt;!channel&gt; &lt;b&gt;"


def test_slack_payload_escapes_every_piece_of_mention_text() -> None:
    body = json.dumps(alert_slack_payload(hostile_alert()))
    assert "<!channel>" not in body and "<@U123>" not in body and "<script>" not in body
    assert "&lt;!channel&gt;" in body
    assert "ann &lt;b&gt;" in body
    assert "<https://reddit.example/r/x/1|open>" in body  # our own link stays a link


def test_alert_html_escapes_and_text_quotes() -> None:
    page = alert_html(hostile_alert())
    assert "<script>" not in page and "&lt;script&gt;" in page
    text = alert_text(hostile_alert())
    assert HOSTILE in text and "12,000 followers" in text and "https://reddit.example/r/x/1" in text


def test_sns_subject_is_one_short_ascii_line() -> None:
    subject = sns_subject("Crise sur « kanbo » \n" + "x" * 200)
    assert subject.isascii() and "\n" not in subject and len(subject) < 100


def test_slack_channel_posts_block_kit(slack_server: SlackCapture) -> None:
    slack_channel(slack_server.url)(hostile_alert())
    assert len(slack_server.bodies) == 1
    body = slack_server.bodies[0]
    assert body["text"] and body["blocks"][0]["type"] == "header"
    assert "&lt;script&gt;" in slack_server.texts()


def test_slack_refusal_raises_without_leaking_the_url(slack_server: SlackCapture) -> None:
    slack_server.status = 400
    with pytest.raises(NotifyError) as caught:
        slack_channel(slack_server.url)(hostile_alert())
    assert "secret" not in str(caught.value)


def test_sns_and_email_channels_send_through_aws() -> None:
    with mock_aws():
        sns = boto3.client("sns", region_name="us-east-1")
        topic = sns.create_topic(Name="alerts")["TopicArn"]
        sqs = boto3.client("sqs", region_name="us-east-1")
        queue = sqs.create_queue(QueueName="q")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        ses = boto3.client("sesv2", region_name="us-east-1")
        ses.create_email_identity(EmailIdentity="veille@example.com")

        sns_channel(topic)(hostile_alert())
        email_channel("veille@example.com", ["founder@example.com"])(hostile_alert())

        message = json.loads(sqs.receive_message(QueueUrl=queue)["Messages"][0]["Body"])
        assert message["Subject"] == "Urgent complaint about acme on reddit"
        assert HOSTILE in message["Message"]
        assert message["MessageAttributes"]["kind"]["Value"] == "urgent"
        from moto.backends import get_backend

        sent = get_backend("ses")["123456789012"]["us-east-1"].sent_messages
        assert len(sent) == 1 and sent[0].destinations["ToAddresses"] == ["founder@example.com"]
        assert "&lt;script&gt;" in sent[0].body and "<script>" not in sent[0].body


def test_channels_for_gives_only_what_is_configured(
    monkeypatch: pytest.MonkeyPatch, slack_server: SlackCapture
) -> None:
    watch = WatchConfig(name="acme", query="acme", email_to=["founder@example.com"])
    assert channels_for(watch) == []
    monkeypatch.setenv("VEILLE_SLACK_WEBHOOK_URL", slack_server.url)
    get_settings.cache_clear()
    assert len(channels_for(watch)) == 1
    assert channels_for(watch.model_copy(update={"slack": False})) == []
    monkeypatch.setenv("VEILLE_ALERT_TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:alerts")
    monkeypatch.setenv("VEILLE_SES_SENDER", "veille@example.com")
    get_settings.cache_clear()
    assert len(channels_for(watch)) == 3
    assert len(channels_for(watch.model_copy(update={"email_to": [], "sns": False}))) == 1


def test_one_failing_channel_does_not_stop_the_others_and_alone_gets_the_retry(slack_server: SlackCapture) -> None:
    def broken(alert: Alert) -> None:
        raise NotifyError("down")

    store = FakeOnceStore()
    down = {"now": True}

    def flaky(alert: Alert) -> None:
        if down["now"]:
            raise NotifyError("down")

    # The working channel gets it, and the failure is raised so that the caller retries...
    with pytest.raises(NotifyError):
        deliver_once(store, hostile_alert(), [flaky, slack_channel(slack_server.url)])
    assert len(slack_server.bodies) == 1
    # ...a retry while the other is still down sends nothing twice...
    with pytest.raises(NotifyError):
        deliver_once(store, hostile_alert(), [flaky, slack_channel(slack_server.url)])
    assert len(slack_server.bodies) == 1
    # ...and once it is back, it alone gets the alert; then the alert is complete.
    down["now"] = False
    assert deliver_once(store, hostile_alert(), [flaky, slack_channel(slack_server.url)]) is True
    assert deliver_once(store, hostile_alert(), [flaky, slack_channel(slack_server.url)]) is False
    assert len(slack_server.bodies) == 1
    assert deliver_once(store, hostile_alert(), [broken]) is False  # complete: no channel is tried again
