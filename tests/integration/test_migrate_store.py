"""``veille migrate-store`` on DynamoDB Local: mentions stored in the earlier layout (index entry, labels and
triage on the insert) are listed, found by id and triaged as before, and a second run changes nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.models import Author, Mention, WatchMatch
from chalicelib.store import schema
from chalicelib.store.repo import Store, mention_to_item, serialize

pytestmark = pytest.mark.integration


def _legacy_table(store: Store) -> None:
    """The table as the earlier layout created it: same keys plus the keys-only ``by-watch-day`` index."""
    request = schema.create_table_request(store.table_name)
    request["AttributeDefinitions"] += [
        {"AttributeName": schema.LEGACY_GSI1_PK, "AttributeType": "S"},
        {"AttributeName": schema.LEGACY_GSI1_SK, "AttributeType": "S"},
    ]
    request["GlobalSecondaryIndexes"] = [
        {
            "IndexName": schema.LEGACY_GSI1,
            "KeySchema": [
                {"AttributeName": schema.LEGACY_GSI1_PK, "KeyType": "HASH"},
                {"AttributeName": schema.LEGACY_GSI1_SK, "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "KEYS_ONLY"},
        }
    ]
    store.client.create_table(**request)


def _legacy_item(mention: Mention) -> dict:
    """A mention as the earlier code stored it: the insert with its index keys, labels and triage set into it."""
    item = mention_to_item(mention)
    item[schema.LEGACY_GSI1_PK] = schema.watch_day_key(mention.watch, mention.day)
    item[schema.LEGACY_GSI1_SK] = f"{mention.created_at.isoformat()}#{mention.id}"
    return item


def _mention(n: int, **changes) -> Mention:
    return Mention(
        source="hn",
        external_id=str(n),
        text=f"acme mention {n}",
        author=Author(handle="bob"),
        created_at=datetime(2026, 11, 21, 8, tzinfo=UTC) + timedelta(minutes=n),
        matches=[WatchMatch(watch="acme")],
        **changes,
    )


@pytest.fixture
def legacy_store(store: Store) -> Store:
    """The test's fresh table, recreated as the earlier layout made it."""
    store.client.delete_table(TableName=store.table_name)
    store.client.get_waiter("table_not_exists").wait(TableName=store.table_name)
    _legacy_table(store)
    store.client.get_waiter("table_exists").wait(TableName=store.table_name)
    return store


def test_mentions_of_the_earlier_layout_are_listed_found_and_triaged_after_migrating(legacy_store, capsys) -> None:
    from veille.cli import main

    store = legacy_store
    labelled = _mention(1, labels={"sentiment": "negative", "complaint": True}, status="replied", note="called")
    unlabelled = _mention(2)
    corrected = _mention(3, labels={"sentiment": "neutral"}, corrections={"sentiment": "positive"})
    other_day = _mention(4).model_copy(update={"created_at": datetime(2026, 11, 20, 23, 59, tzinfo=UTC)})
    old = [labelled, unlabelled, corrected, other_day]
    for m in old:
        store.client.put_item(TableName=store.table_name, Item=serialize(_legacy_item(m)))
    store.client.put_item(TableName=store.table_name, Item=serialize({"pk": "HEALTH", "sk": "acme#hn", "errors": 1}))
    assert store.mentions_of_day("acme", "2026-11-21") == ([], None)  # before: nothing where the listing reads

    assert main(["migrate-store"]) == 0
    assert json.loads(capsys.readouterr().out) == {"examined": 4, "moved": 4, "present": 0, "failed": 0}

    listed = {m.id: m for m in store.iter_mentions("acme", ["2026-11-21", "2026-11-20"])}
    assert set(listed) == {m.id for m in old}
    assert listed[labelled.id].labels == {"sentiment": "negative", "complaint": True}
    assert (listed[labelled.id].status, listed[labelled.id].note) == ("replied", "called")
    assert listed[corrected.id].corrections == {"sentiment": "positive"}
    assert [m.id for m in store.iter_mentions("acme", ["2026-11-20"])] == [other_day.id]
    # Found by id and triaged on the listed item, as the API and the signed links do
    assert store.update_mention(labelled.id, status="ignored").status == "ignored"
    assert store.get_mention(labelled.id).status == "ignored"
    # An unlabelled one still gets its labels from the stream, once
    assert store.set_labels(unlabelled.id, {"sentiment": "neutral"})
    assert not store.set_labels(unlabelled.id, {"sentiment": "positive"})
    assert store.get_mention(unlabelled.id).labels == {"sentiment": "neutral"}
    # The inserts lost the old index keys, so a second run finds nothing to do and changes nothing
    raw = store.client.get_item(TableName=store.table_name, Key=serialize(schema.mention_key(labelled.id)))["Item"]
    assert schema.LEGACY_GSI1_PK not in raw and schema.LEGACY_GSI1_SK not in raw
    assert main(["migrate-store"]) == 0
    assert json.loads(capsys.readouterr().out) == {"examined": 0, "moved": 0, "present": 0, "failed": 0}
    assert store.get_mention(labelled.id).status == "ignored"


def test_a_run_stopped_midway_finishes_on_the_next_and_a_new_mention_is_left_to_the_stream(legacy_store) -> None:
    from chalicelib.store.migrate import migrate_store

    store = legacy_store
    old = [_mention(n, labels={"sentiment": "neutral"}) for n in range(5)]
    for m in old:
        store.client.put_item(TableName=store.table_name, Item=serialize(_legacy_item(m)))
    # Stopped after its listed item landed but before the insert lost its index keys: the next run skips the put
    store.client.put_item(
        TableName=store.table_name,
        Item=serialize(
            {**_legacy_item(old[0]), **schema.listed_key("acme", old[0].day, old[0].created_at.isoformat(), old[0].id)}
        ),
    )
    fresh = _mention(99)
    store.put_mention(fresh)  # the new code's insert: no index keys, not the migration's business
    report = migrate_store(store, page_size=2)
    assert (report.examined, report.moved, report.present) == (5, 4, 1)
    assert sorted(m.id for m in store.iter_mentions("acme", ["2026-11-21"])) == sorted(m.id for m in old)
