"""IAM that follows the code: every AWS call each function made during the suite is granted to that
function's role (action and resource), and every grant is used by some call or listed with its reason.

tests/aws_calls.py records the calls (a botocore hook on every client, plus ``get_secret``); this test runs
last (tests/conftest.py orders it) so that it sees the integration and fault suites' calls, and runs a
short pipeline of its own first (webhook, stream, alerts, inbox, digest, fetch), so that alone it still
exercises each function.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from infra_support import Synth

pytestmark = [pytest.mark.infra, pytest.mark.integration]

ROOT = Path(__file__).resolve().parents[2]
# A watch that is always due for its digest, with one source that works and one that fails at once.
CONFIG = """
[[watch]]
name = "acme"
query = "kanbo OR acme"
default = true
timezone = "UTC"
digest_hour = 0
email_to = ["founder@example.com"]
forms = ["generic"]
[[watch.sources]]
type = "rss"
key = "forum"
url = "{feed}"
[[watch.sources]]
type = "rss"
key = "gone"
url = "/nonexistent/feed.xml"
"""

# Grants no local call can show, each with why the deployed function needs it. Keys: (action, resource).
NEEDED_WITHOUT_A_CALL: dict[tuple[str, str], str] = {
    ("logs:CreateLogStream", "log-group"): "the Lambda runtime writes the function's logs with its role",
    ("logs:PutLogEvents", "log-group"): "the Lambda runtime writes the function's logs with its role",
    ("xray:PutTraceSegments", "*"): "active tracing: the runtime sends segments with the role",
    ("xray:PutTelemetryRecords", "*"): "active tracing: the runtime sends telemetry with the role",
    ("kms:Decrypt", "alert-key"): "sns:Publish to the KMS-encrypted alert topic needs the key, checked by SNS",
    ("kms:GenerateDataKey", "alert-key"): "sns:Publish to the KMS-encrypted alert topic needs the key",
    ("dynamodb:DescribeStream", "stream"): "the event source mapping reads the stream with the function's role",
    ("dynamodb:GetRecords", "stream"): "the event source mapping reads the stream with the function's role",
    ("dynamodb:GetShardIterator", "stream"): "the event source mapping reads the stream with the function's role",
    ("dynamodb:ListStreams", "stream/*"): "the event source mapping lists the table's streams with the role",
    ("sqs:SendMessage", "failure-queue"): "Lambda sends the on-failure record of a stream batch with the role",
    ("dynamodb:DeleteItem", "table"): "forget_once: an alert or digest whose every channel failed is unmarked so "
    "the next run retries it (the fault suite shows it; a clean run never needs it)",
}


def _credentials_reason(action: str, resource: str) -> str | None:
    from infra_app.secret_names import source_credential_names, webhook_secret_names

    name = resource.removeprefix("secret:")
    if action != "ssm:GetParameter" or name == resource:
        return None
    if name in source_credential_names():
        return "a source connector's credential (its settings), read when that source is configured"
    if name in webhook_secret_names():
        return "a form provider's secret, read when a delivery from it arrives"
    return None


def symbol(resource: Any, ids: dict[str, str]) -> str:
    """A template resource as the symbols tests/aws_calls.py gives recorded calls."""
    text = json.dumps(resource)
    if resource == "*":
        return "*"
    if found := re.search(r":parameter/veille/[a-z]+/(VEILLE_[A-Z0-9_]+)", text):
        return f"secret:{found.group(1)}"
    if found := re.search(r"/index/([A-Za-z0-9_.-]+)", text):
        return f"index/{found.group(1)}"
    if "/stream/*" in text:
        return "stream/*"
    if ":identity/" in text:
        return "ses-identity"
    for logical_id, kind in ids.items():
        if f'"{logical_id}"' in text:
            return "stream" if kind == "table" and "StreamArn" in text else kind
    return text


def granted(synth: Synth) -> dict[str, set[tuple[str, str]]]:
    """(action, resource symbol) pairs of each function's role."""
    kinds = {
        "AWS::DynamoDB::Table": "table",
        "AWS::SNS::Topic": "topic",
        "AWS::KMS::Key": "alert-key",
        "AWS::Logs::LogGroup": "log-group",
    }
    ids = {name: kinds[r["Type"]] for name, r in synth.resources.items() if r["Type"] in kinds}
    queue = synth.stack.failure_queue.node.default_child.logical_id
    ids[synth.stack.resolve(queue)] = "failure-queue"
    pairs: dict[str, set[tuple[str, str]]] = {}
    for name, fn in synth.resources.items():
        if fn["Type"] != "AWS::Serverless::Function":
            continue
        role = fn["Properties"]["Role"]["Fn::GetAtt"][0]
        found: set[tuple[str, str]] = set()
        for policy in synth.resources.values():
            if policy["Type"] != "AWS::IAM::Policy" or {"Ref": role} not in policy["Properties"]["Roles"]:
                continue
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                assert statement["Effect"] == "Allow"
                acts = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                res = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
                found |= {(a, symbol(r, ids)) for a in acts for r in res}
        pairs[name] = found
    return pairs


@pytest.fixture
def pipeline_calls(veille_server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """One short run of every function on the local stack, with SNS and SES in moto, Slack on 127.0.0.1."""
    from moto import mock_aws

    from chalicelib.config import parse_config
    from chalicelib.digest.send import send_due_digests
    from chalicelib.notify import channels_for
    from chalicelib.notify.channels import clear_clients
    from chalicelib.pipeline.fetch import default_context, run_fetch
    from tests.conftest import clear_caches
    from tests.unit.test_notify_support import running_slack

    with running_slack() as slack, mock_aws(
        config={"core": {"mock_credentials": False, "passthrough": {"services": ["dynamodb", "dynamodbstreams"]}}}
    ):  # fmt: skip
        import boto3

        topic = boto3.client("sns", region_name="us-east-1").create_topic(Name="alerts")["TopicArn"]
        boto3.client("sesv2", region_name="us-east-1").create_email_identity(EmailIdentity="veille@example.com")
        for key, value in {
            "VEILLE_ALERT_TOPIC_ARN": topic, "VEILLE_SES_SENDER": "veille@example.com",
            "VEILLE_SLACK_WEBHOOK_URL": slack.url, "VEILLE_LINK_SECRET": "a-link-secret-of-some-length",
        }.items():  # fmt: skip
            monkeypatch.setenv(key, value)
        clear_caches()
        clear_clients()
        url, bearer = veille_server.url, {"Authorization": "Bearer test-secret"}
        body = json.dumps({"id": "iam-1", "text": "acme lost all my invoices, refund now or I sue, urgent!!"})
        signature = "sha256=" + hmac.new(b"test-secret", body.encode(), hashlib.sha256).hexdigest()
        answer = httpx.post(f"{url}/webhooks/generic", content=body,
                            headers={"Content-Type": "application/json", "X-Veille-Signature": signature})  # fmt: skip
        assert answer.status_code == 200, answer.text
        veille_server.drain_stream(timeout_s=60)
        mention = answer.json()["id"]
        assert httpx.get(f"{url}/mentions", headers=bearer).status_code == 200
        assert httpx.patch(f"{url}/mentions/{mention}", headers=bearer, json={"status": "replied"}).status_code == 200
        assert httpx.get(f"{url}/health", headers=bearer).status_code == 200
        config = parse_config(CONFIG.format(feed=ROOT / "samples" / "feeds" / "community-forum.rss"))
        run_fetch(config, veille_server.store, default_context, channels_for)  # one source goes silent
        send_due_digests(store=veille_server.store, config=config)
        _retry_an_alert(veille_server, slack, mention)
        from chalicelib.config import get_config
        from chalicelib.models import utcnow
        from chalicelib.themes.job import discover_themes

        discover_themes(veille_server.store, get_config(), utcnow())  # reads the week; too little for a theme
        clear_clients()


def _retry_an_alert(veille_server: Any, slack: Any, mention_id: str) -> None:
    """The retry_alerts schedule on an alert that every channel refused: still refused by Slack once (the
    pending alert is rewritten), then delivered (and removed)."""
    from datetime import timedelta

    from chalicelib.alerts import Alert, ChannelFailure, PendingAlert
    from chalicelib.config import get_config
    from chalicelib.models import utcnow
    from chalicelib.notify import channels_for
    from chalicelib.pipeline.pending import retry_pending_alerts
    from chalicelib.store.repo import listed_key_of

    store, now = veille_server.store, utcnow()
    listed = store.get_mention(mention_id)
    alert = Alert(kind="urgent", key=mention_id, watch=listed.watch, title="Urgent complaint", summary="refund")
    failed = {name: ChannelFailure(error="down", since=now, last_try=now) for name in ("sns", "slack", "email")}
    store.put_pending_alert(
        PendingAlert(
            alert=alert,
            mention_id=mention_id,
            listed_key=listed_key_of(listed),
            failed=failed,
            first_failed_at=now,
            next_at=now,
        )
    )
    slack.status = 500
    assert retry_pending_alerts(store, get_config(), channels_for, now)["retried"] == 1
    slack.status = 200
    later = retry_pending_alerts(store, get_config(), channels_for, now + timedelta(minutes=6))
    assert later["delivered"] >= 1 and store.pending_alerts() == []


# The server's watch emails its founder, so the urgent alert of the short pipeline goes out by SES too.
SERVER_CONFIG = """
[[watch]]
name = "acme"
query = 'acme OR "acme app"'
default = true
forms = ["generic"]
email_to = ["founder@example.com"]
"""


@pytest.mark.veille_server_config(SERVER_CONFIG)
def test_every_recorded_aws_call_is_granted_and_every_grant_is_used(
    synth: Synth, pipeline_calls: None, request: pytest.FixtureRequest
) -> None:
    import aws_calls

    recorded = aws_calls.calls()
    roles = granted(synth)
    report = {name: sorted(f"{a} {r}" for a, r in calls) for name, calls in sorted(recorded.items())}
    print("recorded AWS operations per function:", json.dumps(report, indent=1))
    missing = {name: sorted(calls - roles.get(name, set())) for name, calls in recorded.items()}
    assert {name: m for name, m in missing.items() if m} == {}, "calls the deployed role would refuse"
    unused = {
        name: sorted(
            pair for pair in pairs
            if pair not in recorded.get(name, set())
            and pair not in NEEDED_WITHOUT_A_CALL
            and _credentials_reason(*pair) is None
        )
        for name, pairs in roles.items()
    }  # fmt: skip
    assert set(recorded) == set(roles), "every function ran"
    # The short pipeline above cannot show every path (crisis alerts, triage links, failed channels): a grant
    # counts as unused only when the integration suite (alerts, faults, digests, API) ran in this session.
    whole_suite = any("tests/integration/" in item.nodeid for item in request.session.items)
    print("grants no recorded call used:", json.dumps({n: u for n, u in unused.items() if u}, indent=1))
    if whole_suite:
        assert {name: u for name, u in unused.items() if u} == {}, "grants no call uses (add a reason or remove)"
