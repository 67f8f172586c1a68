"""The report's reply figures come from triage: a first reply is counted once, in its delay's bucket."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from chalicelib.crisis import COUNTER, floor_hour

pytestmark = pytest.mark.integration
BEARER = {"Authorization": "Bearer test-secret"}


def test_a_first_reply_is_counted_once_and_the_report_gives_its_median(veille_server: Any) -> None:
    from chalicelib.config import get_config
    from chalicelib.report.collect import collect_report

    body = json.dumps({"id": "r-1", "text": "acme: how do I invite my team?", "created_at": "2026-03-09T08:00:00Z"})
    signature = "sha256=" + hmac.new(b"test-secret", body.encode(), hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "X-Veille-Signature": signature}
    answer = httpx.post(f"{veille_server.url}/webhooks/generic", content=body, headers=headers)
    assert answer.status_code == 200, answer.text
    veille_server.drain_stream(timeout_s=60)
    mention = veille_server.store.get_mention(answer.json()["id"])

    # When the founder marks it replied, then replied again after reopening it
    for status in ("replied", "new", "replied"):
        url = f"{veille_server.url}/mentions/{mention.id}"
        assert httpx.patch(url, headers=BEARER, json={"status": status}).status_code == 200

    # Then one reply is counted, in the hour the mention was created, under its source
    hour = floor_hour(mention.created_at)
    fields = veille_server.store.counter_items(mention.watch, COUNTER, hour, hour)[hour.strftime("%Y-%m-%dT%H")]
    assert fields[f"rep|{mention.source}"] == 1
    assert sum(n for k, n in fields.items() if k.startswith("rh")) == 1
    # and the week's report has a median first reply and every mention of the week replied
    report = collect_report(veille_server.store, get_config(), mention.watch, "week", mention.created_at.date())
    assert report["kpis"]["median_first_reply_hours"]["value"] is not None
    assert report["kpis"]["share_replied"]["value"] == 1.0
    assert datetime.now(UTC) > mention.created_at
