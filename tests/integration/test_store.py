"""The data-access layer on DynamoDB Local."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.models import Author, Mention, SourceHealth, WatchMatch
from chalicelib.store import schema
from chalicelib.store.repo import listed_item, listed_key_of, serialize
from tests.support import insert_event

pytestmark = pytest.mark.integration


def _mention(external_id: str, day: int = 21, watch: str = "acme", text: str = "acme is great") -> Mention:
    return Mention(
        source="hn",
        external_id=external_id,
        text=text,
        author=Author(handle="bob", reach=120),
        created_at=datetime(2026, 11, day, 12, tzinfo=UTC),
        matches=[WatchMatch(watch=watch)],
    )


def test_a_second_write_of_the_same_mention_is_a_no_op(store) -> None:
    assert store.put_mention(_mention("1"))
    assert not store.put_mention(_mention("1", text="changed"))
    assert store.get_mention(_mention("1").id).text == "acme is great"


def test_a_watch_lists_its_labelled_mentions_by_day_without_scanning(store) -> None:
    mentions = [_mention(str(n), day=21 + n % 2) for n in range(7)] + [_mention("x", watch="other")]
    store.put_mentions(mentions)
    # Inserted only: the listing shows what the stream has labelled
    assert store.mentions_of_day("acme", "2026-11-21") == ([], None)
    for m in mentions:
        assert store.set_labels(m.id, {"sentiment": "neutral"})
    day21, _ = store.mentions_of_day("acme", "2026-11-21")
    day22, _ = store.mentions_of_day("acme", "2026-11-22")
    assert len(day21) == 4 and len(day22) == 3
    page, start = store.mentions_of_day("acme", "2026-11-21", limit=3)
    rest, end = store.mentions_of_day("acme", "2026-11-21", start_key=start)
    assert len(page) == 3 and start and len(rest) == 1 and not end
    assert next(store.iter_mentions("other", ["2026-11-21"])).external_id == "x"


def test_labels_are_written_once_and_triage_updates_the_mention(store) -> None:
    mention = _mention("7")
    store.put_mention(mention)
    assert store.set_labels(mention.id, {"sentiment": "negative", "urgency": 80, "sentiment_score": -0.5})
    assert not store.set_labels(mention.id, {"sentiment": "positive"})
    updated = store.update_mention(mention.id, status="replied", note="called them")
    assert updated.status == "replied" and updated.note == "called them"
    assert updated.labels == {"sentiment": "negative", "urgency": 80, "sentiment_score": -0.5}
    assert store.update_mention("mnope", status="ignored") is None
    # Each status change is kept, oldest first, for the inbox's history.
    again = store.update_mention(mention.id, status="to_reply")
    assert [(c.status, c.at.tzinfo is not None) for c in again.history] == [("replied", True), ("to_reply", True)]
    assert store.update_mention(mention.id, note="only a note").history == again.history


def test_cursors_health_once_marks_and_counters(store) -> None:
    assert store.get_cursor("acme", "hn") == {}
    store.put_cursor("acme", "hn", {"after": 123})
    assert store.get_cursor("acme", "hn") == {"after": 123}
    store.put_health(SourceHealth(watch="acme", source_key="hn", source="hn", errors=2))
    assert [h.errors for h in store.list_health()] == [2]
    assert store.put_once("alert", "k1") and not store.put_once("alert", "k1")
    store.forget_once("alert", "k1")
    assert store.put_once("alert", "k1")
    hour = datetime(2026, 11, 21, 10, tzinfo=UTC)
    assert store.add_to_counter("acme", "negative", hour) == 1
    assert store.add_to_counter("acme", "negative", hour, 2) == 3
    counts = store.counters("acme", "negative", hour - timedelta(hours=3), hour)
    assert counts == {"2026-11-21T10": 3}


def test_batch_writes_land_every_item(store) -> None:
    items = [{"pk": f"BULK#{n}", "sk": "X", "n": n} for n in range(60)]
    store.batch_write(items)
    assert store.get_once("none", "none") is None
    got = store.client.get_item(TableName=store.table_name, Key={"pk": {"S": "BULK#59"}, "sk": {"S": "X"}})
    assert got["Item"]["n"] == {"N": "59"}


def test_a_day_of_250_mentions_lists_whole_items_newest_first_with_their_labels(store) -> None:
    start = datetime(2026, 11, 21, 0, 0, tzinfo=UTC)
    mentions = [
        _mention(str(n)).model_copy(update={"created_at": start + timedelta(minutes=5 * n)}) for n in range(250)
    ]
    store.batch_write([listed_item(m) for m in mentions if m.external_id != "7"])
    store.put_mention(mentions[7])
    store.set_labels(mentions[7].id, {"sentiment": "negative", "complaint": True})
    listed = list(store.iter_mentions("acme", ["2026-11-21"]))
    assert [m.external_id for m in listed] == [str(n) for n in reversed(range(250))]
    assert all(m.text == "acme is great" and m.author and m.author.reach == 120 for m in listed)
    assert next(m for m in listed if m.external_id == "7").labels == {"sentiment": "negative", "complaint": True}


def _units(store, call):
    """The write units the store's own calls consume while ``call`` runs (as DynamoDB bills them)."""
    used: list[float] = []

    def ask(params, **_):
        params["ReturnConsumedCapacity"] = "TOTAL"

    def count(parsed, **_):
        used.append(float(parsed.get("ConsumedCapacity", {}).get("CapacityUnits", 0.0)))

    events = store.client.meta.events
    for op in ("PutItem", "UpdateItem"):
        events.register(f"provide-client-params.dynamodb.{op}", ask)
        events.register(f"after-call.dynamodb.{op}", count)
    try:
        call()
    finally:
        for op in ("PutItem", "UpdateItem"):
            events.unregister(f"provide-client-params.dynamodb.{op}", ask)
            events.unregister(f"after-call.dynamodb.{op}", count)
    return sum(used)


def test_a_mention_costs_two_write_units_and_a_redelivery_writes_nothing_new(store) -> None:
    mention = _mention("cap")
    labels = {"sentiment": "negative", "urgency": 80, "complaint": True}
    # The insert (1) and the labelled mention, written once where the listing reads it (1): no index entry
    assert _units(store, lambda: store.put_mention(mention)) == 1.0
    assert _units(store, lambda: store.set_labels(mention.id, labels, mention)) == 1.0
    assert "GlobalSecondaryIndexes" not in store.client.describe_table(TableName=store.table_name)["Table"]
    # A redelivered record: refused by the conditions, the listed item unchanged
    assert not store.set_labels(mention.id, {"sentiment": "positive"}, mention)
    (listed,), _ = store.mentions_of_day("acme", "2026-11-21")
    assert listed.labels == labels
    # The insert is never written again: triage and labels live on the listed item only
    store.update_mention(mention.id, status="replied")
    raw = store.client.get_item(TableName=store.table_name, Key=serialize(schema.mention_key(mention.id)))["Item"]
    assert "labels" not in raw and "status" not in raw  # the default status is not stored


def test_triage_before_the_labels_keeps_both(store) -> None:
    # The inbox (or a signed link) changes a mention the stream has not labelled yet
    mention = _mention("early")
    store.put_mention(mention)
    assert store.get_mention(mention.id).labels is None
    assert store.update_mention(mention.id, status="ignored", note="seen").status == "ignored"
    # Then the stream labels it: the labels land, the triage stays, it is a first time (alerts may go)
    assert store.set_labels(mention.id, {"sentiment": "neutral"}, mention)
    assert not store.set_labels(mention.id, {"sentiment": "neutral"}, mention)
    shown = store.get_mention(mention.id)
    assert (shown.status, shown.note, shown.labels) == ("ignored", "seen", {"sentiment": "neutral"})
    assert [c.status for c in shown.history] == ["ignored"]
    assert [m.id for m in store.iter_mentions("acme", ["2026-11-21"])] == [mention.id]


def test_a_long_post_is_stored_deflated_in_one_write_unit_and_read_back_whole(store) -> None:
    # A 1.9 KB review (two write units on each write if stored as is), with accents and an emoji
    text = " ".join(
        f"acme export {n} failed again, the CSV has every accent wrong (é, à, ç) and support never answers 😡"
        for n in range(19)
    )
    assert len(text.encode()) > 1900
    mention = _mention("long", text=text)
    labels = {"sentiment": "negative", "urgency": 55, "complaint": True}
    assert _units(store, lambda: store.put_mention(mention)) == 1.0
    assert _units(store, lambda: store.set_labels(mention.id, labels, mention)) == 1.0
    # Read back whole from the insert, the listing and the stream's own path
    assert store.get_mention(mention.id).text == text
    (listed,), _ = store.mentions_of_day("acme", "2026-11-21")
    assert listed.text == text and listed.labels == labels
    raw = store.client.get_item(TableName=store.table_name, Key=serialize(schema.mention_key(mention.id)))["Item"]
    assert "text" not in raw and "B" in raw["text_z"]
    # A short text stays readable in the table as it is
    store.put_mention(_mention("short"))
    raw = store.client.get_item(TableName=store.table_name, Key=serialize(schema.mention_key(_mention("short").id)))
    assert raw["Item"]["text"] == {"S": "acme is great"}


def test_a_long_message_read_in_many_units_stays_one_write_unit_with_its_labels_whole(store) -> None:
    from chalicelib.classify import ClassifyInput, get_classifier

    # A mixed review the classifier reads in several units: the labels alone pass half a kilobyte
    text = (
        "Great app but acme keeps crashing since the last update. I lost all my notes and support never "
        "answered. Please fix the sync, it's not working anymore. Also I'd love a dark mode. The widget is "
        "nice though. Why does it need my location? " * 3
    )
    labels = get_classifier("builtin").classify([ClassifyInput(id="1", text=text)])[0].model_dump(mode="json")
    assert len(labels["units"]) >= 4 and labels["scores"] and labels["why"]
    mention = _mention("mixed", text=text)
    store.put_mention(mention)
    # Then the labelled item is one write unit, and the listing reads every label back
    assert _units(store, lambda: store.set_labels(mention.id, labels, mention)) == 1.0
    (listed,), _ = store.mentions_of_day("acme", "2026-11-21")
    assert listed.text == text and listed.labels == labels
    raw = store.client.get_item(TableName=store.table_name, Key=serialize(listed_key_of(mention)))["Item"]
    assert "labels_z" in raw and "kind" in raw["labels"]["M"] and "urgency" in raw["labels"]["M"]


def test_a_deflated_text_reaches_the_stream_handler_as_lambda_delivers_it(store) -> None:
    from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

    from chalicelib.pipeline.stream import mention_from_record
    from veille.runtime.poller import lambda_record

    text = "acme lost my invoices after the update, " * 40
    mention = _mention("streamed", text=text)
    store.put_mention(mention)
    (raw,) = insert_event(store, mention.id)["Records"]
    # Lambda's event is JSON: the binary attribute arrives base64-encoded
    record = lambda_record(raw, "arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/x")
    assert isinstance(record["dynamodb"]["NewImage"]["text_z"]["B"], str)
    assert mention_from_record(DynamoDBRecord(record)).text == mention.text


def test_a_labelled_mention_near_1_kb_is_packed_under_it(store) -> None:
    # A 560-byte review whose labels (scores, why) take the listed item past 1 KB
    text = "acme's new export keeps failing on our 40-person team, " * 10
    labels = {
        "sentiment": "negative", "sentiment_score": -0.8123456, "complaint": True, "kind": "complaint",
        "urgency": 66, "needs_reply": True, "lead": False, "spam": False, "offensive": False,
        "scores": dict.fromkeys(("complaint", "spam", "lead", "offensive", "needs_reply", "negative"), 0.123456789),
        "why": {"complaint": ["keeps failing", "export", "team"], "needs_reply": ["failing"]},
        "backend": "builtin+encoder", "model_version": "2026-12-03", "lang": "en",
    }  # fmt: skip
    mention = _mention("near", text=text)
    assert len(text.encode()) < 600
    store.put_mention(mention)
    assert _units(store, lambda: store.set_labels(mention.id, labels, mention)) == 1.0
    (listed,), _ = store.mentions_of_day("acme", "2026-11-21")
    assert listed.text == mention.text and listed.labels == labels


def test_triage_with_the_mention_just_read_reads_nothing_again(store) -> None:
    mention = _mention("patched")
    store.put_mention(mention)
    store.set_labels(mention.id, {"sentiment": "negative"}, mention)
    current = store.get_mention(mention.id)
    calls: list[str] = []
    count = lambda **kwargs: calls.append(kwargs["event_name"])  # noqa: E731
    store.client.meta.events.register("before-call.dynamodb.*", count)
    try:
        updated = store.update_mention(mention.id, status="replied", current=current)
    finally:
        store.client.meta.events.unregister("before-call.dynamodb.*", count)
    assert updated.status == "replied" and updated.labels == {"sentiment": "negative"}
    assert calls == ["before-call.dynamodb.UpdateItem"]
