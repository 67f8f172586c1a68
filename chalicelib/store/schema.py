"""The single table's schema, defined once for the local runtime and for infra/ (CDK).

Item kinds (``pk`` / ``sk``):
- mention:        ``MENTION#<id>`` / ``MENTION``   (+ ``gsi1pk`` = ``WATCH#<watch>#<day>``, ``gsi1sk`` = ``<iso>#<id>``)
- cursor:         ``CURSOR#<watch>#<source>`` / ``CURSOR``
- source health:  ``HEALTH`` / ``<watch>#<source>``
- once-only mark: ``ONCE#<kind>#<key>`` / ``ONCE``   (alerts, digests: a conditional put makes them exactly-once)
- hourly counter: ``COUNT#<watch>#<name>`` / ``<YYYY-MM-DDTHH>``
- correction:     ``CORRECTIONS#<watch>`` / ``C#<mention id>`` (text, labels, at, vector; a removed one is a
                  tombstone with ``removed_at``) and ``CORRECTIONS#<watch>`` / ``VERSION`` (changes with the set)
Streams carry NEW_IMAGE; only mention INSERTs are processed (``sk == "MENTION"``).
"""

from __future__ import annotations

from typing import Any

PK = "pk"
SK = "sk"
GSI1 = "by-watch-day"
GSI1_PK = "gsi1pk"
GSI1_SK = "gsi1sk"
TTL_ATTRIBUTE = "expires_at"
STREAM_VIEW = "NEW_IMAGE"
MENTION_SK = "MENTION"


def mention_key(mention_id: str) -> dict[str, str]:
    return {PK: f"MENTION#{mention_id}", SK: MENTION_SK}


CORRECTIONS_VERSION_SK = "VERSION"


def corrections_pk(watch: str) -> str:
    return f"CORRECTIONS#{watch}"


def correction_key(watch: str, mention_id: str) -> dict[str, str]:
    return {PK: corrections_pk(watch), SK: f"C#{mention_id}"}


def corrections_version_key(watch: str) -> dict[str, str]:
    return {PK: corrections_pk(watch), SK: CORRECTIONS_VERSION_SK}


def watch_day_key(watch: str, day: str) -> str:
    return f"WATCH#{watch}#{day}"


def create_table_request(table_name: str) -> dict[str, Any]:
    """The CreateTable request for boto3 (local runtime, tests); infra/ mirrors it with CDK types."""
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": PK, "AttributeType": "S"},
            {"AttributeName": SK, "AttributeType": "S"},
            {"AttributeName": GSI1_PK, "AttributeType": "S"},
            {"AttributeName": GSI1_SK, "AttributeType": "S"},
        ],
        "KeySchema": [
            {"AttributeName": PK, "KeyType": "HASH"},
            {"AttributeName": SK, "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": GSI1,
                "KeySchema": [
                    {"AttributeName": GSI1_PK, "KeyType": "HASH"},
                    {"AttributeName": GSI1_SK, "KeyType": "RANGE"},
                ],
                # Keys only: the index is written once per mention (at insert), never by the label
                # and triage updates; readers fetch the items with BatchGetItem.
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": STREAM_VIEW},
    }
