"""Faults survived: the whole local pipeline under DynamoDB throttling and 5xx, a flaky feed, poison
stream records, redelivered stream batches, and Slack/SES failures; nothing lost, nothing doubled.

DynamoDB faults are injected with botocore hooks on the handlers' client (``get_store().client``):
5 % of requests get a throttling or 5xx answer at ``before-send`` (what DynamoDB itself does; the
SDK's retries see it), and 1 % of calls fail at ``before-call`` with a ``ClientError`` (what the
handlers see once the SDK's retries are exhausted). Seeds are fixed.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from bench.ops.corpus import deliveries
from bench.ops.pipeline import SECRET, SECRET_SETTINGS, post_all
from veille.runtime.lambda_shim import LambdaContext

pytestmark = [pytest.mark.integration, pytest.mark.slow]

MENTIONS = int(os.environ.get("VEILLE_FAULTS_MENTIONS", "1500"))
FEED_ITEMS = 40
POISON = 3
REDELIVERED = 300

CONFIG = """
[[watch]]
name = "acme"
query = 'acme OR "acme app"'
default = true
forms = ["generic"]
timezone = "UTC"
digest_hour = 0
email_to = ["founder@example.com"]
sns = false
urgency_threshold = 40

[[watch.sources]]
type = "rss"
key = "flaky"
url = "{feed}"
timeout_s = 1
"""


class FlakyFeed:
    """An RSS feed on 127.0.0.1 that answers 503, hangs past the client's timeout, answers 429, then works."""

    SCRIPT = ("503", "hang", "429", "ok")

    def __init__(self) -> None:
        self.requests: list[str] = []
        body = self._rss().encode()
        feed = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                step = feed.SCRIPT[min(len(feed.requests), len(feed.SCRIPT) - 1)]
                feed.requests.append(step)
                if step == "hang":
                    time.sleep(2.5)
                if step in ("503", "429", "hang"):
                    self.send_response(429 if step == "429" else 503)
                    self.send_header("Retry-After", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("content-type", "application/rss+xml")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/feed.xml"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @staticmethod
    def _rss() -> str:
        now = datetime.now(UTC)
        items = "".join(
            f"<item><guid>feed-{n}</guid><title>Acme post {n}</title><link>https://forum.example.com/t/{n}</link>"
            f"<pubDate>{(now - timedelta(minutes=n)).strftime('%a, %d %b %Y %H:%M:%S GMT')}</pubDate>"
            f"<description>Acme question number {n}: how do I export my reports?</description></item>"
            for n in range(FEED_ITEMS)
        )
        return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Forum</title>{items}</channel></rss>'

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class FlakySlack:
    """A Slack incoming webhook on 127.0.0.1: answers 500 to every 20th alert, and to digests while told to."""

    def __init__(self) -> None:
        self.alerts: list[dict[str, Any]] = []
        self.digests: list[dict[str, Any]] = []
        self.refused = 0
        self._alert_posts = 0
        self.refuse_digests = True
        self.refuse_alerts = False  # down for alerts altogether (the whole-run outage)
        slack = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                payload = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
                if slack.accept(payload):
                    self.send_response(200)
                    self.end_headers()
                    self.wfile.write(b"ok")
                else:
                    self.send_response(500)
                    self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/slack"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self._lock = threading.Lock()

    def accept(self, payload: dict[str, Any]) -> bool:
        # An alert's top-level text is its title; a digest's is its own (it may quote alerts not delivered).
        text = str(payload.get("text", ""))
        with self._lock:
            if text.startswith(("Urgent complaint", "Possible crisis")):
                self._alert_posts += 1
                if self.refuse_alerts or self._alert_posts % 20 == 0:
                    self.refused += 1
                    return False
                self.alerts.append(payload)
                return True
            if self.refuse_digests:
                self.refused += 1
                return False
            self.digests.append(payload)
            return True

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class FlakySes:
    """Stands in for the SES v2 client (no local SES exists): throttles every 10th email, and digests on cue."""

    def __init__(self, slack: FlakySlack) -> None:
        self.slack = slack
        self.sent: list[str] = []
        self.refused = 0
        self._calls = 0
        self._lock = threading.Lock()

    def send_email(self, **request: Any) -> dict[str, str]:
        from botocore.exceptions import ClientError

        subject = request["Content"]["Simple"]["Subject"]["Data"]
        body = request["Content"]["Simple"]["Body"]["Text"]["Data"]
        with self._lock:
            self._calls += 1
            digest = "digest" in subject.lower()
            if (digest and self.slack.refuse_digests) or (not digest and self._calls % 10 == 0):
                self.refused += 1
                raise ClientError({"Error": {"Code": "TooManyRequestsException", "Message": "injected"}}, "SendEmail")
            self.sent.append(f"{subject}\n{body}")
        return {"MessageId": f"m-{self._calls}"}


class DynamoFaults:
    """Seeded faults on one DynamoDB client: answers the SDK retries, and errors it gives up on."""

    OPS: ClassVar[set[str]] = {"PutItem", "UpdateItem", "GetItem", "Query", "DeleteItem", "BatchWriteItem"}

    def __init__(self, client: Any, seed: int = 20261122, answer_rate: float = 0.05, raise_rate: float = 0.01):
        self.client = client
        self.rng = random.Random(seed)
        self.answer_rate, self.raise_rate = answer_rate, raise_rate
        self.answered: Counter[str] = Counter()
        self.raised: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self.label_writes: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __enter__(self) -> DynamoFaults:
        events = self.client.meta.events
        events.register("before-call.dynamodb.*", self._before_call, unique_id="faults-call")
        events.register("before-send.dynamodb.*", self._before_send, unique_id="faults-send")
        events.register("after-call.dynamodb.PutItem", self._after_update, unique_id="faults-labels-put")
        events.register("after-call.dynamodb.UpdateItem", self._after_update, unique_id="faults-labels")
        return self

    def __exit__(self, *exc: object) -> None:
        events = self.client.meta.events
        events.unregister("before-call.dynamodb.*", unique_id="faults-call")
        events.unregister("before-send.dynamodb.*", unique_id="faults-send")
        events.unregister("after-call.dynamodb.PutItem", unique_id="faults-labels-put")
        events.unregister("after-call.dynamodb.UpdateItem", unique_id="faults-labels")

    def _roll(self, rate: float) -> bool:
        with self._lock:
            return self.rng.random() < rate

    def _before_call(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        from botocore.exceptions import ClientError

        self.calls[model.name] += 1
        if model.name in self.OPS and self._roll(self.raise_rate):
            code = "ProvisionedThroughputExceededException" if self._roll(0.5) else "InternalServerError"
            self.raised[code] += 1
            raise ClientError({"Error": {"Code": code, "Message": "injected"}}, model.name)

    def _before_send(self, request: Any, **_: Any) -> Any:
        from botocore.awsrequest import AWSResponse

        target = request.headers.get("X-Amz-Target", b"")
        op = (target.decode() if isinstance(target, bytes) else target).rsplit(".", 1)[-1]
        if op not in self.OPS or not self._roll(self.answer_rate):
            return None
        if self._roll(0.5):
            status, code = 400, "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException"
        else:
            status, code = 500, "com.amazonaws.dynamodb.v20120810#InternalServerError"
        self.answered[code.rsplit("#", 1)[-1]] += 1
        body = json.dumps({"__type": code, "message": "injected"}).encode()
        return AWSResponse(request.url, status, {"content-type": "application/x-amz-json-1.0"}, _Raw(body))

    def _after_update(self, http_response: Any, parsed: dict[str, Any], model: Any, **kwargs: Any) -> None:
        # A label write that succeeded: counted per mention to prove labels are set once.
        params = kwargs.get("context", {}).get("veille_params")
        if params and not parsed.get("Error"):
            self.label_writes[params] += 1

    def label_marker(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        # The stream's label write: the labelled item's conditional put (under WATCH#<watch>#<day>), or, when
        # triage came first, the labels set into it; counted under the mention's insert key.
        item = params.get("Item") or {}
        if item.get("pk", {}).get("S", "").startswith("WATCH#") and "labels" in item:
            context["veille_params"] = f"MENTION#{item['id']['S']}"
        elif params.get("UpdateExpression") == "SET labels = :l":
            context["veille_params"] = "MENTION#" + params["Key"]["sk"]["S"].rpartition("#")[2]


class _Raw:
    """The raw body botocore reads from an AWSResponse."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Any:
        yield self.body


def _all_mentions(store: Any) -> list[Any]:
    today = datetime.now(UTC).date()
    days = [(today + timedelta(days=d)).isoformat() for d in range(1, -3, -1)]
    return list(store.iter_mentions("acme", days))


@pytest.fixture
def stack_under_faults(ddb_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from veille.runtime.stack import LocalStack

    feed, slack = FlakyFeed(), FlakySlack()
    config = tmp_path / "veille.toml"
    config.write_text(CONFIG.format(feed=feed.url), encoding="utf-8")
    env = {f"VEILLE_{name}": SECRET for name in SECRET_SETTINGS}
    env.update({"VEILLE_SLACK_WEBHOOK_URL": slack.url, "VEILLE_SES_SENDER": "veille@example.com"})
    saved = dict(os.environ)
    stack = LocalStack(
        port=0,
        ddb_endpoint=ddb_endpoint,
        table_name=f"veille-faults-{uuid.uuid4().hex[:8]}",
        config_path=config,
        run_schedules=False,
        poll_interval=0.2,
        extra_env=env,
    )
    try:
        stack.start()
        yield stack, feed, slack
    finally:
        stack.stop()
        feed.close()
        slack.close()
        os.environ.clear()
        os.environ.update(saved)
        from tests.conftest import clear_caches

        clear_caches()


def test_every_mention_is_stored_classified_and_alerted_once_under_faults(stack_under_faults, monkeypatch) -> None:
    from chalicelib.config import get_config
    from chalicelib.notify import channels
    from chalicelib.pipeline.react import is_urgent_complaint

    stack, feed, slack = stack_under_faults
    store = stack.store

    # SES: every 10th SendEmail is throttled, and digests are refused while Slack refuses them too.
    ses = FlakySes(slack)
    real_client = channels._aws_client
    monkeypatch.setattr(
        channels, "_aws_client", lambda service, region: ses if service == "sesv2" else real_client(service, region)
    )

    # Poison: mention items that are no valid Mention, written before the faults start.
    for n in range(POISON):
        store.client.put_item(
            TableName=store.table_name,
            Item={"pk": {"S": f"MENTION#poison-{n}"}, "sk": {"S": "MENTION"}, "text": {"N": "42"}},
        )

    delivered: list[dict[str, Any]] = []
    handler = stack.poller.handler

    def recording(event: dict[str, Any], context: Any) -> Any:
        delivered.extend(event["Records"])
        return handler(event, context)

    stack.poller.handler = recording

    faults = DynamoFaults(store.client)
    for op in ("PutItem", "UpdateItem"):
        store.client.meta.events.register(
            f"before-parameter-build.dynamodb.{op}", faults.label_marker, unique_id=f"faults-mark-{op}"
        )
    with faults:
        posted = post_all(stack.url, deliveries(MENTIONS, seed=11, prefix="faults"), threads=4, attempts=10)
        fetch_runs = 0
        while fetch_runs < 8 and not (feed.requests and feed.requests[-1] == "ok" and fetch_runs >= 4):
            stack.invoke_schedule("fetch_mentions")
            fetch_runs += 1
        stack.drain_stream(timeout_s=170)

        # Lambda delivers at least once: hand the stream handler a batch it has already processed.
        redelivered = [r for r in delivered if not r["dynamodb"]["Keys"]["pk"]["S"].startswith("MENTION#poison")]
        for start in range(0, min(REDELIVERED, len(redelivered)), 100):
            stack.poller.handler({"Records": redelivered[start : start + 100]}, LambdaContext("classify_mentions"))

        # The first digest run fails on both channels (SES throttled, Slack down): the next run resends.
        digest_runs = [stack.invoke_schedule("send_digests") or {}]
        slack.refuse_digests = False
        for _ in range(8):
            digest_runs.append(stack.invoke_schedule("send_digests") or {})
            if digest_runs[-1].get("already_sent"):
                break
        # The alerts a channel refused (every 20th on Slack, every 10th email) are resent by the retry schedule.
        retry_runs = _retry_until_delivered(store)
    for op in ("PutItem", "UpdateItem"):
        store.client.meta.events.unregister(f"before-parameter-build.dynamodb.{op}", unique_id=f"faults-mark-{op}")

    mentions = _all_mentions(store)
    by_source = Counter(m.source for m in mentions)
    watch = get_config().watch("acme")
    urgent = {m.url for m in mentions if m.labels and is_urgent_complaint(m.labels, watch.urgency_threshold)}
    slack_alerted = Counter(
        ident
        for alert in slack.alerts
        if str(alert.get("text", "")).startswith("Urgent complaint")
        for ident in _form_ids(json.dumps(alert))
    )
    email_alerted = Counter(
        ident for mail in ses.sent if "Urgent complaint" in mail.split("\n")[0] for ident in _form_ids(mail)
    )
    stats = stack.poller.stats
    poisoned = {r["dynamodb"]["Keys"]["pk"]["S"] for r in stats.failures}
    label_writes = faults.label_writes
    print(
        f"\nfaults: mentions={MENTIONS} accepted={len(posted['accepted'])} http={posted['statuses']} "
        f"sender_retries={posted['retries']} ddb_answered={dict(faults.answered)} ddb_raised={dict(faults.raised)} "
        f"feed={feed.requests} fetch_runs={fetch_runs} stored={dict(by_source)} "
        f"labelled={sum(1 for m in mentions if m.labels)} label_writes={sum(label_writes.values())} "
        f"stream={{delivered: {stats.delivered}, retried: {stats.retried}, failed: {stats.failed}}} "
        f"redelivered={min(REDELIVERED, len(redelivered))} urgent={len(urgent)} slack_alerts={len(slack.alerts)} "
        f"slack_refused={slack.refused} ses_refused={ses.refused} retry_runs={retry_runs} digests={digest_runs} "
        f"slack_digests={[json.dumps(d)[:80] for d in slack.digests]} "
        f"errors={stack.errors[:3]}"
    )

    assert faults.answered and faults.raised, "faults were injected"
    # Intake: every delivery was finally accepted, and each is stored exactly once.
    assert len(posted["accepted"]) == MENTIONS
    assert by_source["form:generic"] == MENTIONS
    assert len({m.id for m in mentions}) == len(mentions)
    # The flaky feed: after 503, a timeout and 429, its items arrived, once each.
    assert feed.requests[:4] == ["503", "hang", "429", "ok"]
    assert by_source["rss"] == FEED_ITEMS
    # Classified exactly once: labels on every mention, written once each despite retries and redelivery.
    assert all(m.labels for m in mentions)
    assert set(label_writes) == {f"MENTION#{m.id}" for m in mentions}
    assert max(label_writes.values()) == 1
    # The poison records, and only they, went to the failure queue.
    assert poisoned == {f"MENTION#poison-{n}" for n in range(POISON)}
    # Each urgent complaint alerted exactly once on each channel: the refused ones through the retry schedule.
    form_urgent = {u.split("/r/")[-1] for u in urgent if u and "/r/" in u}
    assert form_urgent, "some complaints were urgent"
    assert slack.refused and ses.refused, "channels refused some alerts"
    assert set(slack_alerted) == form_urgent and set(email_alerted) == form_urgent
    assert max(slack_alerted.values()) == 1
    assert max(email_alerted.values()) == 1
    assert store.pending_alerts() == []
    # The digest: the first run failed on both channels, the next sent it once on each, the last found it sent.
    # The failed run fails the invocation (the function's error alarm fires) once the other watches were served.
    assert digest_runs[0] == {}
    assert any(e.startswith("send_digests:") and "digest(s) failed" in e for e in stack.errors)
    assert len(slack.digests) == 1
    assert sum(1 for mail in ses.sent if "digest" in mail.lower().split("\n")[0]) == 1
    assert digest_runs[-1].get("already_sent")


def _retry_until_delivered(store: Any, runs: int = 12) -> list[dict[str, int]]:
    """Run the retry schedule's body as if 30 minutes passed between runs, until nothing is pending."""
    from chalicelib.config import get_config
    from chalicelib.models import utcnow
    from chalicelib.notify import channels_for
    from chalicelib.pipeline.pending import retry_pending_alerts

    results: list[dict[str, int]] = []
    start = utcnow()
    for n in range(1, runs + 1):
        try:
            results.append(retry_pending_alerts(store, get_config(), channels_for, start + timedelta(minutes=30 * n)))
            if not store.pending_alerts():
                break
        except Exception:
            results.append({"failed_run": 1})
    return results


def _form_ids(text: str) -> set[str]:
    """The response ids in an alert (form mentions link to https://forms.example.com/r/<id>)."""
    import re

    return set(re.findall(r"forms\.example\.com/r/([\w-]+)", text))


OUTAGE_MENTIONS = int(os.environ.get("VEILLE_OUTAGE_MENTIONS", "300"))


def test_slack_down_for_the_whole_run_delays_alerts_never_the_inbox(stack_under_faults, monkeypatch) -> None:
    from chalicelib.config import get_config
    from chalicelib.notify import channels
    from chalicelib.pipeline.pending import current_failures
    from chalicelib.pipeline.react import is_urgent_complaint

    stack, _feed, slack = stack_under_faults
    store = stack.store
    ses = FlakySes(slack)
    real_client = channels._aws_client
    monkeypatch.setattr(
        channels, "_aws_client", lambda service, region: ses if service == "sesv2" else real_client(service, region)
    )
    slack.refuse_alerts = True

    # When every delivery arrives while Slack refuses every alert (and DynamoDB and SES have their faults)
    faults = DynamoFaults(store.client, seed=20261207)
    with faults:
        posted = post_all(stack.url, deliveries(OUTAGE_MENTIONS, seed=23, prefix="outage"), threads=4, attempts=10)
        stack.drain_stream(timeout_s=120)
    mentions = [m for m in _all_mentions(store) if m.source == "form:generic"]
    watch = get_config().watch("acme")
    urgent = {m.id for m in mentions if m.labels and is_urgent_complaint(m.labels, watch.urgency_threshold)}
    pending = {p.mention_id: p for p in store.pending_alerts()}
    print(
        f"\noutage: mentions={OUTAGE_MENTIONS} accepted={len(posted['accepted'])} labelled="
        f"{sum(1 for m in mentions if m.labels)} urgent={len(urgent)} pending={len(pending)} "
        f"slack_refused={slack.refused} ses_refused={ses.refused} stream_failed={stack.poller.stats.failed} "
        f"ddb_answered={dict(faults.answered)} ddb_raised={dict(faults.raised)}"
    )

    # Then every mention is labelled and listed, none set aside; every urgent complaint waits for Slack alone
    assert len(posted["accepted"]) == OUTAGE_MENTIONS
    assert len(mentions) == OUTAGE_MENTIONS and all(m.labels for m in mentions)
    assert stack.poller.stats.failed == 0
    assert urgent, "some complaints were urgent"
    assert set(pending) == urgent
    assert all("slack" in p.failed and p.status == "pending" for p in pending.values())
    assert slack.alerts == []
    from chalicelib.models import utcnow

    assert len(current_failures(list(pending.values()), utcnow())) == len(urgent)

    # When Slack answers again: each alert reaches Slack once, and email never twice
    slack.refuse_alerts = False
    runs = _retry_until_delivered(store)
    slack_alerted = Counter(i for a in slack.alerts for i in _form_ids(json.dumps(a)))
    email_alerted = Counter(
        i for mail in ses.sent if "Urgent complaint" in mail.split("\n")[0] for i in _form_ids(mail)
    )
    urgent_ids = {m.url.split("/r/")[-1] for m in mentions if m.id in urgent and m.url}
    print(f"outage retry runs: {runs}")
    assert set(slack_alerted) == urgent_ids and max(slack_alerted.values()) == 1
    assert set(email_alerted) == urgent_ids and max(email_alerted.values()) == 1
    assert store.pending_alerts() == []
