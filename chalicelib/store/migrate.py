"""One-off: move mentions stored in the earlier layout to the two-write layout (``veille migrate-store``).

Earlier layout: the insert ``MENTION#<id>`` / ``MENTION`` carried ``gsi1pk``/``gsi1sk`` (a ``by-watch-day``
keys-only index) and received the labels and triage updates. Now the listing reads
``WATCH#<watch>#<day>`` / ``<iso>#<id>``, written once by the stream. For each insert that still carries
``gsi1pk``: put its listed item (labels, status, note, history and corrections as they are), conditionally, then
remove ``gsi1pk``/``gsi1sk`` from the insert. Both writes are idempotent, so the command can be stopped and run
again; a run after the new code is deployed catches every mention the old code wrote, whether or not the old
index still exists.

It reads the table with a paginated Scan filtered on the earlier layout's marker: a one-off run with the
operator's credentials (no Lambda role has ``Scan``); the product itself never scans.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.store import schema
from chalicelib.store.repo import Store, deserialize, item_to_mention, listed_item, serialize


@dataclass
class MigrationReport:
    examined: int = 0  # inserts of the earlier layout found
    moved: int = 0  # listed items written
    present: int = 0  # listed item already there (a second run, or the stream got there first)
    failed: int = 0  # not a valid mention: left as it is

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def migrate_store(store: Store, page_size: int = 200, progress: Any = None) -> MigrationReport:
    """Move every mention of the earlier layout; return what was done."""
    from pydantic import ValidationError

    report = MigrationReport()
    start: dict[str, Any] | None = None
    while True:
        kwargs: dict[str, Any] = {
            "FilterExpression": "sk = :m AND attribute_exists(#g)",
            "ExpressionAttributeNames": {"#g": schema.LEGACY_GSI1_PK},
            "ExpressionAttributeValues": serialize({":m": schema.MENTION_SK}),
            "Limit": page_size,
        }
        if start:
            kwargs["ExclusiveStartKey"] = start
        answer = store._call("scan", **kwargs)
        for raw in answer.get("Items", []):
            report.examined += 1
            item = deserialize(raw)
            try:
                mention = item_to_mention(item)
            except ValidationError:
                report.failed += 1
                continue
            if store._put_if_absent(listed_item(mention)):
                report.moved += 1
            else:
                report.present += 1
            store._call(
                "update_item",
                Key=serialize(schema.mention_key(mention.id)),
                UpdateExpression="REMOVE #g, #s",
                ExpressionAttributeNames={"#g": schema.LEGACY_GSI1_PK, "#s": schema.LEGACY_GSI1_SK},
            )
        if progress is not None:
            progress(report)
        start = answer.get("LastEvaluatedKey")
        if not start:
            return report
