"""Helpers shared by the integration tests: what Lambda and Chalice would hand the app."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def insert_event(store: Any, mention_id: str, event_id: str = "1") -> dict[str, Any]:
    """The stream event Lambda would deliver for a stored mention's INSERT (the item as DynamoDB holds it)."""
    from chalicelib.store import schema
    from chalicelib.store.repo import serialize

    item = store.client.get_item(TableName=store.table_name, Key=serialize(schema.mention_key(mention_id)))["Item"]
    keys = {schema.PK: item[schema.PK], schema.SK: item[schema.SK]}
    image = {"Keys": keys, "NewImage": item, "SequenceNumber": "1", "StreamViewType": "NEW_IMAGE"}
    record = {"eventID": event_id, "eventName": "INSERT", "eventSource": "aws:dynamodb", "dynamodb": image}
    return {"Records": [record]}


def chalice_project(tmp_path: Path) -> str:
    """A minimal Chalice project directory for ``chalice.test.Client`` (it reads .chalice/config.json)."""
    project = tmp_path / "project"
    (project / ".chalice").mkdir(parents=True)
    (project / ".chalice" / "config.json").write_text(json.dumps({"version": "2.0", "app_name": "veille"}))
    return str(project)
