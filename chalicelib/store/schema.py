"""The single table's schema, defined once for the local runtime and for infra/ (CDK).

Item kinds (``pk`` / ``sk``):
- mention insert: ``MENTION#<id>`` / ``MENTION``   (the dedupe record: intake's conditional put, what the stream
                  classifies; it keeps ``watch`` and ``created_at``, so the id finds the listed item below)
- listed mention: ``WATCH#<watch>#<day>`` / ``<created_at iso>#<id>`` (written once by the stream, labelled; what
                  the day listing queries, what triage updates)
- cursor:         ``CURSOR#<watch>#<source>`` / ``CURSOR``
- source health:  ``HEALTH`` / ``<watch>#<source>``
- once-only mark: ``ONCE#<kind>#<key>`` / ``ONCE``   (alerts, digests: a conditional put makes them exactly-once)
- pending alert:  ``ALERTS#PENDING`` / ``<watch>#<mention id>``   (written only when an alert channel failed: which
                  channels have the alert and which still owe it; the retry schedule queries this one partition)
- theme:          ``THEMES#<watch>`` / ``T#<theme id>``   (label, kind, centroid, examples, the founder's choices)
- hourly counter: ``COUNT#<watch>#<name>`` / ``<YYYY-MM-DDTHH>``   (the stream adds a window's tally once: ``applied``
                  holds the ids of the windows added); ``COUNT#<watch>#negative`` also holds the hour's KPI
                  and theme counts (``n|<source>``, ``t|<theme>``, ...: chalicelib/pipeline/tally.py)
- correction:     ``CORRECTIONS#<watch>`` / ``C#<mention id>`` (text, labels, at, vector; a removed one is a
                  tombstone with ``removed_at``) and ``CORRECTIONS#<watch>`` / ``VERSION`` (changes with the set)
Streams carry NEW_IMAGE; only mention INSERTs are processed (``sk == "MENTION"``): the listed mention's INSERT has
another ``sk``, so the stream function never triggers itself. No secondary index: a mention costs two writes (the
insert, the labelled listed item). Tables of the earlier layout (a ``by-watch-day`` index over ``gsi1pk``/``gsi1sk``
on the insert, labels written into it) are moved by ``veille migrate-store`` (chalicelib/store/migrate.py).
"""

from __future__ import annotations

from typing import Any

PK = "pk"
SK = "sk"
# The earlier layout's index attributes: found on inserts stored before the migration, never written now.
LEGACY_GSI1 = "by-watch-day"
LEGACY_GSI1_PK = "gsi1pk"
LEGACY_GSI1_SK = "gsi1sk"
TTL_ATTRIBUTE = "expires_at"
STREAM_VIEW = "NEW_IMAGE"
MENTION_SK = "MENTION"


def mention_key(mention_id: str) -> dict[str, str]:
    return {PK: f"MENTION#{mention_id}", SK: MENTION_SK}


CORRECTIONS_VERSION_SK = "VERSION"
PENDING_ALERTS_PK = "ALERTS#PENDING"


def themes_pk(watch: str) -> str:
    return f"THEMES#{watch}"


def theme_key(watch: str, theme_id: str) -> dict[str, str]:
    return {PK: themes_pk(watch), SK: f"T#{theme_id}"}


def pending_alert_key(watch: str, mention_id: str) -> dict[str, str]:
    return {PK: PENDING_ALERTS_PK, SK: f"{watch}#{mention_id}"}


def corrections_pk(watch: str) -> str:
    return f"CORRECTIONS#{watch}"


def correction_key(watch: str, mention_id: str) -> dict[str, str]:
    return {PK: corrections_pk(watch), SK: f"C#{mention_id}"}


def corrections_version_key(watch: str) -> dict[str, str]:
    return {PK: corrections_pk(watch), SK: CORRECTIONS_VERSION_SK}


def watch_day_key(watch: str, day: str) -> str:
    return f"WATCH#{watch}#{day}"


def listed_sk(created_at_iso: str, mention_id: str) -> str:
    return f"{created_at_iso}#{mention_id}"


def listed_key(watch: str, day: str, created_at_iso: str, mention_id: str) -> dict[str, str]:
    """The key of the labelled mention the day listing reads (newest first by ``sk``)."""
    return {PK: watch_day_key(watch, day), SK: listed_sk(created_at_iso, mention_id)}


def create_table_request(table_name: str) -> dict[str, Any]:
    """The CreateTable request for boto3 (local runtime, tests); infra/ mirrors it with CDK types."""
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": PK, "AttributeType": "S"},
            {"AttributeName": SK, "AttributeType": "S"},
        ],
        "KeySchema": [
            {"AttributeName": PK, "KeyType": "HASH"},
            {"AttributeName": SK, "KeyType": "RANGE"},
        ],
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": STREAM_VIEW},
    }
