"""Each source's retention becomes its mentions' TTL when the fetch writes them, on DynamoDB Local."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from chalicelib.config import parse_config
from chalicelib.pipeline.fetch import run_fetch
from chalicelib.sources.base import FetchContext
from chalicelib.store import schema

pytestmark = pytest.mark.integration

FEEDS = Path(__file__).resolve().parents[2] / "samples" / "feeds"
CONFIG = """
[[watch]]
name = "kanbo"
query = "kanbo"
default = true
[[watch.sources]]
type = "google-alerts"
key = "alerts"
url = "{alerts}"
[[watch.sources]]
type = "rss"
key = "forum"
url = "{forum}"
retention_days = 7
"""
DAY = 86400


def stored_ttls(store: Any) -> dict[str, set[int]]:
    """By source key, the days between each stored insert's TTL (as DynamoDB holds it) and its fetch."""
    found: dict[str, set[int]] = {}
    for item in store.client.scan(TableName=store.table_name, ConsistentRead=True)["Items"]:
        if item[schema.SK]["S"] == schema.MENTION_SK:
            mention = store.get_mention(item[schema.PK]["S"].removeprefix("MENTION#"))
            ttl = int(item[schema.TTL_ATTRIBUTE]["N"])
            found.setdefault(mention.source_key, set()).add(round((ttl - mention.fetched_at.timestamp()) / DAY))
    return found


def test_each_source_writes_its_mentions_with_its_own_ttl(store: Any) -> None:
    # Given a watch with a Google Alerts feed (a public-post source: 30 days by default) and a forum feed kept 7
    config = parse_config(CONFIG.format(alerts=FEEDS / "google-alerts-kanbo.xml", forum=FEEDS / "community-forum.rss"))
    # When the scheduled fetch runs
    summary = run_fetch(config, store, lambda: FetchContext(http=httpx.Client(transport=httpx.MockTransport(
        lambda request: httpx.Response(500)))))  # fmt: skip
    assert summary.stored > 0 and not summary.failed_sources
    # Then every stored mention expires its source's retention after it was fetched
    ttls = stored_ttls(store)
    assert ttls == {"alerts": {30}, "forum": {7}}
