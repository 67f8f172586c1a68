"""Urgent-complaint and crisis alerts on DynamoDB Local: each goes out exactly once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.alerts import Alert
from chalicelib.config import VeilleConfig, parse_config
from chalicelib.crisis import COUNTER
from chalicelib.models import Author, Mention, Span, WatchMatch
from chalicelib.notify import NotifyError, slack_channel
from chalicelib.pipeline.react import react
from tests.unit.test_notify_support import SlackCapture, running_slack


@pytest.fixture
def slack_server() -> Iterator[SlackCapture]:
    with running_slack() as capture:
        yield capture


pytestmark = pytest.mark.integration

NOW = datetime(2026, 3, 10, 14, 20, tzinfo=UTC)
CONFIG = """
[[watch]]
name = "acme"
query = "acme"
urgency_threshold = 70
crisis_min_count = 3
"""


def config() -> VeilleConfig:
    return parse_config(CONFIG)


def labels(**flags: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "lang": "en",
        "sentiment": "negative",
        "sentiment_score": -0.8,
        "complaint": False,
        "spam": False,
        "offensive": False,
        "lead": False,
        "needs_reply": False,
        "urgency": 10,
        "why": {},
        "scores": {},
        "backend": "test",
        "model_version": "0",
    }
    base.update(flags)
    return base


def mention(n: int, text: str, created_at: datetime, **label_flags: Any) -> Mention:
    start = text.find("acme")
    return Mention(
        source="reddit",
        external_id=str(n),
        text=text,
        created_at=created_at,
        url=f"https://reddit.example/{n}",
        author=Author(handle=f"user{n}", reach=1000 * n),
        matches=[WatchMatch(watch="acme", spans=[Span(start=start, end=start + 4, term="acme")])],
        labels=labels(**label_flags),
    )


class Recorder:
    def __init__(self) -> None:
        self.alerts: list[Alert] = []
        self.fail = False

    def __call__(self, alert: Alert) -> None:
        if self.fail:
            raise NotifyError("channel down")
        self.alerts.append(alert)


def stored(store: Any, m: Mention) -> Any:
    """What the stream hands the reaction: storing m's labels (True the first time)."""
    return lambda: store.set_labels(m.id, m.labels or {}, m)


def urgent_react(store: Any, m: Mention, channels: list[Any]) -> bool:
    return react(
        m, m.labels or {}, stored(store, m), store=store, config=config(), channels_for=lambda w: channels, now=NOW
    )


def once_marks(store: Any) -> list[dict[str, Any]]:
    answer = store.client.scan(TableName=store.table_name)
    return [i for i in answer["Items"] if i["pk"]["S"].startswith("ONCE#")]


def test_urgent_complaint_alerts_once_across_redelivery(store: Any, slack_server: SlackCapture) -> None:
    # Given an urgent complaint, inserted
    m = mention(
        7,
        "acme charged me twice and support ignores me, I want a refund now",
        NOW - timedelta(minutes=5),
        complaint=True,
        urgency=88,
        why={"complaint": ["charged me twice", "refund"]},
    )
    store.put_mention(m)
    channels = [slack_channel(slack_server.url)]

    # When the stream delivers it, then redelivers it twice
    firsts = [urgent_react(store, m, channels) for _ in range(3)]

    # Then its labels were stored once and Slack got exactly one message quoting the text, the why, the
    # reach and the link; the stored labels were the alert's only mark (no once-only item was written)
    assert firsts == [True, False, False]
    assert len(slack_server.bodies) == 1
    body = slack_server.texts()
    assert "acme charged me twice" in body
    assert "complaint: charged me twice, refund" in body
    assert "7,000 followers" in body
    assert "https://reddit.example/7" in body
    assert once_marks(store) == []


def test_a_complaint_below_the_threshold_does_not_alert(store: Any) -> None:
    m = mention(1, "acme is a bit slow today", NOW, complaint=True, urgency=40)
    store.put_mention(m)
    recorder = Recorder()
    assert urgent_react(store, m, [recorder]) is True
    assert recorder.alerts == []


def named(name: str, fail: bool = False) -> Recorder:
    recorder = Recorder()
    recorder.__name__ = name  # type: ignore[attr-defined]
    recorder.fail = fail
    return recorder


def listed_ids(store: Any, day: datetime) -> list[str]:
    """The ids the inbox lists for the day (the watch's day partition)."""
    page, _ = store.mentions_of_day("acme", day.date().isoformat())
    return [m.id for m in page if m.labels]


def retry(store: Any, channels: list[Any], now: datetime) -> dict[str, int]:
    from chalicelib.pipeline.pending import retry_pending_alerts

    return retry_pending_alerts(store, config(), lambda w: channels, now)


def test_a_channel_down_never_keeps_an_urgent_complaint_out_of_the_inbox(
    store: Any, slack_server: SlackCapture
) -> None:
    from chalicelib.pipeline.pending import failing_channels

    # Given Slack answering 500, as it does when it is down or the URL was revoked, and email working
    slack_server.status = 500
    email = named("email")
    channels = [slack_channel(slack_server.url), email]
    m = mention(2, "acme charged me twice, chargeback incoming", NOW, complaint=True, urgency=95)
    store.put_mention(m)

    # When the stream delivers the urgent complaint, then redelivers it
    assert urgent_react(store, m, channels) is True
    assert urgent_react(store, m, channels) is False

    # Then it is labelled and listed at once, email had the alert once, and the alert waits for Slack
    assert listed_ids(store, NOW) == [m.id]
    assert len(email.alerts) == 1
    pending = store.get_pending_alert("acme", m.id)
    assert pending is not None and pending.status == "pending" and pending.sent == ["email"]
    assert "Slack webhook answered 500" in pending.failed["slack"].error
    assert pending.failed["slack"].since == NOW
    assert failing_channels(store.pending_alerts(), NOW)["slack"]["since"] == NOW.isoformat()
    assert len(slack_server.bodies) == 1  # the redelivery did not try again

    # When the retry schedule runs while Slack is still down: tried once, then backed off
    assert retry(store, channels, NOW + timedelta(minutes=5))["retried"] == 1
    assert retry(store, channels, NOW + timedelta(minutes=6))["waiting"] == 1  # next try at +10 min
    assert len(slack_server.bodies) == 2

    # When Slack answers again: the alert goes out once, to Slack alone, and nothing is pending any more
    slack_server.status = 200
    assert retry(store, channels, NOW + timedelta(minutes=16))["delivered"] == 1
    assert retry(store, channels, NOW + timedelta(hours=1)) == {
        "delivered": 0,
        "retried": 0,
        "waiting": 0,
        "undelivered": 0,
    }
    assert len(slack_server.bodies) == 3 and "chargeback" in slack_server.texts()
    assert len(email.alerts) == 1
    assert store.get_pending_alert("acme", m.id) is None
    assert urgent_react(store, m, channels) is False  # a late redelivery alerts no more
    assert len(slack_server.bodies) == 3 and len(email.alerts) == 1


def test_an_alert_no_channel_takes_for_a_day_is_given_up_and_shown(store: Any) -> None:
    from chalicelib.pipeline.pending import current_failures

    slack = named("slack", fail=True)
    m = mention(5, "acme lost every invoice we had", NOW, complaint=True, urgency=90)
    store.put_mention(m)
    assert urgent_react(store, m, [slack]) is True
    assert listed_ids(store, NOW) == [m.id]

    # Retried with backoff (5, 10, 20, 40, 80 min, then every 2 h) until 24 h have passed
    at, runs = NOW, 0
    while store.get_pending_alert("acme", m.id).status == "pending" and runs < 200:
        at += timedelta(minutes=15)
        retry(store, [slack], at)
        runs += 1
    pending = store.get_pending_alert("acme", m.id)
    assert pending.status == "undelivered"
    assert timedelta(hours=24) <= at - NOW <= timedelta(hours=26)
    assert 10 <= len(slack.alerts) + pending.attempts <= 25  # backoff: about 16 tries, not 288
    assert current_failures(store.pending_alerts(), at) == [pending]
    # It is not retried any more, and stops being news a day later
    assert retry(store, [slack], at + timedelta(hours=1))["undelivered"] == 1
    assert current_failures(store.pending_alerts(), at + timedelta(hours=25)) == []


def test_a_retry_sends_through_the_failed_channel_alone(store: Any) -> None:
    m = mention(3, "acme lost all our invoices, nobody answers", NOW, complaint=True, urgency=90)
    store.put_mention(m)
    email, slack = named("email"), named("slack", fail=True)

    def failing_store() -> bool:
        raise RuntimeError("DynamoDB answered 500")

    # When Slack fails and then storing the labels fails too (the stream retries the record)
    with pytest.raises(RuntimeError):
        react(
            m,
            m.labels or {},
            failing_store,
            store=store,
            config=config(),
            channels_for=lambda w: [email, slack],
            now=NOW,
        )
    # Then the record's retry, Slack back, sends through Slack alone and stores the labels
    slack.fail = False
    assert urgent_react(store, m, [email, slack]) is True
    assert len(email.alerts) == 1 and len(slack.alerts) == 1
    assert store.get_pending_alert("acme", m.id) is None


def test_an_alert_sent_before_the_labels_failed_to_store_is_not_sent_again(store: Any) -> None:
    m = mention(4, "acme charged my card three times", NOW, complaint=True, urgency=90)
    store.put_mention(m)
    recorder = Recorder()

    def failing_store() -> bool:
        raise RuntimeError("DynamoDB answered 500")

    # When the alert went out but storing the labels failed (the record will be retried)
    with pytest.raises(RuntimeError):
        react(
            m, m.labels or {}, failing_store, store=store, config=config(), channels_for=lambda w: [recorder], now=NOW
        )
    # Then the retry stores the labels without alerting again, and leaves no record behind
    assert urgent_react(store, m, [recorder]) is True
    assert len(recorder.alerts) == 1
    assert store.pending_alerts() == []


def test_crisis_alert_once_per_episode(store: Any) -> None:
    # Given a quiet fortnight: one negative mention every 12 hours
    hour = NOW.replace(minute=0)
    for h in range(12, 14 * 24 + 1, 12):
        store.add_to_counter("acme", COUNTER, hour - timedelta(hours=h))
    recorder = Recorder()

    def deliver(n: int, at: datetime, first_time: bool = True, urgency: int = 20) -> None:
        m = mention(n, f"acme is down again, number {n}", at, urgency=urgency)
        store.put_listed([m])
        react(
            m,
            m.labels or {},
            lambda: first_time,
            store=store,
            config=config(),
            channels_for=lambda w: [recorder],
            now=at + timedelta(minutes=1),
        )

    # When negative mentions pour in over two consecutive hours (and one is redelivered)
    for n, minute in enumerate((1, 5, 9, 12, 30), start=1):
        deliver(n, hour - timedelta(hours=1) + timedelta(minutes=minute), urgency=10 * n)
    deliver(5, hour - timedelta(minutes=30), first_time=False)
    for n, minute in enumerate((2, 4, 6), start=10):
        deliver(n, hour + timedelta(minutes=minute))

    # Then one crisis alert for the episode, raised on the third mention of its first hour (the threshold),
    # quoting the most urgent mentions seen then
    crises = [a for a in recorder.alerts if a.kind == "crisis"]
    assert len(crises) == 1
    assert crises[0].key == f"acme#{(hour - timedelta(hours=1)):%Y-%m-%dT%H}"
    assert [i.urgency for i in crises[0].items] == [30, 20, 10]
    assert store.counters("acme", COUNTER, hour - timedelta(hours=1), hour - timedelta(hours=1)) == {
        f"{hour - timedelta(hours=1):%Y-%m-%dT%H}": 5
    }

    # When the count falls back for an hour, then rises again: a new episode, a second alert
    later = hour + timedelta(hours=2)
    for n, minute in enumerate((1, 2, 3), start=20):
        deliver(n, later + timedelta(minutes=minute))
    crises = [a for a in recorder.alerts if a.kind == "crisis"]
    assert len(crises) == 2 and crises[1].key == f"acme#{later:%Y-%m-%dT%H}"


def test_a_stream_batch_counts_its_negative_mentions_once_per_hour(store: Any) -> None:
    from chalicelib.pipeline.react import BatchReaction

    # Given a quiet fortnight: one negative mention every 12 hours
    hour = NOW.replace(minute=0)
    for h in range(12, 14 * 24 + 1, 12):
        store.add_to_counter("acme", COUNTER, hour - timedelta(hours=h))
    recorder = Recorder()
    counter_updates: list[dict[str, Any]] = []
    extras: list[Any] = []
    original = store.add_to_counter

    def spy(
        watch: str, name: str, at: datetime, amount: int = 1, once: str | None = None, extra: Any = None
    ) -> int | None:
        counter_updates.append({"watch": watch, "hour": at, "amount": amount})
        extras.append(extra)
        return original(watch, name, at, amount, once=once, extra=extra)

    store.add_to_counter = spy
    reaction = BatchReaction(store=store, config=config(), channels_for=lambda w: [recorder], now=NOW)

    # When one stream batch brings five negative mentions of this hour, one redelivered, and a positive one
    batch = [mention(n, f"acme is down, number {n}", hour + timedelta(minutes=n)) for n in range(1, 6)]
    for m in batch:
        store.put_listed([m])
        reaction(m, m.labels or {}, lambda: True)
    reaction(batch[0], batch[0].labels or {}, lambda: False)  # a redelivered record counts nothing
    happy = mention(9, "acme is great", hour + timedelta(minutes=9), sentiment="positive")
    reaction(happy, happy.labels or {}, lambda: True)
    assert counter_updates == [] and recorder.alerts == []  # nothing counted before the batch ends
    reaction.flush()

    # Then one counter update for the hour, by five, and one crisis alert quoting the batch's mentions;
    # the same write counts the hour's six mentions by source and sentiment, for the report
    assert counter_updates == [{"watch": "acme", "hour": hour, "amount": 5}]
    assert extras == [{"n|reddit": 6, "neg|reddit": 5, "pos|reddit": 1}]
    assert store.counter_items("acme", COUNTER, hour, hour)[f"{hour:%Y-%m-%dT%H}"]["n|reddit"] == 6
    assert store.counters("acme", COUNTER, hour, hour) == {f"{hour:%Y-%m-%dT%H}": 5}
    crises = [a for a in recorder.alerts if a.kind == "crisis"]
    assert len(crises) == 1 and len(crises[0].items) == 3
    reaction.flush()  # an empty flush does nothing
    assert len(counter_updates) == 1 and len(recorder.alerts) == 1


def test_in_a_stream_window_negatives_are_counted_once_when_the_window_ends(store: Any) -> None:
    from chalicelib.pipeline.react import BatchReaction

    # Given a quiet fortnight: one negative mention every 12 hours
    hour = NOW.replace(minute=0)
    for h in range(12, 14 * 24 + 1, 12):
        store.add_to_counter("acme", COUNTER, hour - timedelta(hours=h))
    recorder = Recorder()

    def batch(numbers: range, state: dict[str, Any]) -> tuple[BatchReaction, dict[str, Any]]:
        reaction = BatchReaction(store=store, config=config(), channels_for=lambda w: [recorder], now=NOW)
        reaction.open_window(state)
        for n in numbers:
            m = mention(n, f"acme is down, number {n}", hour + timedelta(minutes=n))
            store.put_listed([m])
            reaction(m, m.labels or {}, lambda: True)
        reaction.flush()
        return reaction, reaction.window_state()

    # When two batches of one window bring two then three negative mentions of this hour
    _, state = batch(range(1, 3), {})
    reaction, state = batch(range(3, 6), state)

    # Then nothing was written to the counter yet, but the crisis was seen on the third mention, at once
    assert store.counters("acme", COUNTER, hour, hour) == {}
    assert state["tally"] == {f"acme|{hour:%Y-%m-%dT%H}": 5}
    assert [a.kind for a in recorder.alerts] == ["crisis"]

    # When the window ends, and its end is retried (the function failed after writing)
    reaction.close_window()
    again = BatchReaction(store=store, config=config(), channels_for=lambda w: [recorder], now=NOW)
    again.open_window(state)
    again.close_window()

    # Then the hour's counter holds the five, once; and the next window starts empty
    assert store.counters("acme", COUNTER, hour, hour) == {f"{hour:%Y-%m-%dT%H}": 5}
    assert reaction.window_state() == {}


@pytest.mark.parametrize("lambda_keeps", [True, False], ids=["state-kept", "state-dropped"])
def test_a_window_tally_is_right_whether_lambda_keeps_a_failed_batchs_state(store: Any, lambda_keeps: bool) -> None:
    from chalicelib.pipeline.react import BatchReaction

    hour = NOW.replace(minute=0)
    recorder = Recorder()

    def batch(numbers: range, state: dict[str, Any], failed: bool) -> dict[str, Any]:
        reaction = BatchReaction(store=store, config=config(), channels_for=lambda w: [recorder], now=NOW)
        reaction.open_window(state)
        for n in numbers:
            m = mention(n, f"acme is down, number {n}", hour + timedelta(minutes=n))
            store.put_listed([m])
            reaction(m, m.labels or {}, lambda: True)
        reaction.flush(failed=failed)
        return reaction.window_state()

    # Given a window whose first batch tallied two negative mentions
    first = batch(range(1, 3), {}, failed=False)
    # When the next batch stores three and reports a failed record (the failed one is redelivered later)
    after_failure = batch(range(3, 6), first, failed=True)
    # Then its three are counted at once, and the state handed back is the one it was given
    assert store.counters("acme", COUNTER, hour, hour) == {f"{hour:%Y-%m-%dT%H}": 3}
    assert after_failure == first
    # When Lambda goes on with the returned state, or with the previous one, for one more negative mention
    last = batch(range(6, 7), after_failure if lambda_keeps else first, failed=False)
    reaction = BatchReaction(store=store, config=config(), channels_for=lambda w: [recorder], now=NOW)
    reaction.open_window(last)
    reaction.close_window()
    # Then the hour counts all six, either way, and so do the report's counts of mentions by source
    assert store.counters("acme", COUNTER, hour, hour) == {f"{hour:%Y-%m-%dT%H}": 6}
    counts = store.counter_items("acme", COUNTER, hour, hour)[f"{hour:%Y-%m-%dT%H}"]
    assert counts["n|reddit"] == counts["neg|reddit"] == 6
