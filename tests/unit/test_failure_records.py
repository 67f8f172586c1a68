"""The local failure file keeps what the AWS failure queue keeps: ids and positions, never personal data."""

from __future__ import annotations

import json
from pathlib import Path

from veille.runtime.poller import StreamPoller


def test_a_poison_record_is_logged_by_id_without_names_emails_or_text(tmp_path: Path) -> None:
    log = tmp_path / "failed-records.jsonl"
    record = {
        "eventID": "e1",
        "eventName": "INSERT",
        "dynamodb": {
            "Keys": {"pk": {"S": "MENTION#m1"}, "sk": {"S": "MENTION"}},
            "NewImage": {"text": {"S": "my card 4242 is refused"}, "author": {"M": {"email": {"S": "ann@x.io"}}}},
            "SequenceNumber": "42",
        },
    }

    def always_fails(event: dict, context: object) -> dict:
        raise RuntimeError("boom")

    poller = StreamPoller(None, "arn", always_fails, function_name="classify_mentions", max_retries=1, failure_log=log)
    poller._deliver("shardId-1", [record])
    (line,) = log.read_text().splitlines()
    kept = json.loads(line)
    assert kept["keys"] == {"pk": {"S": "MENTION#m1"}, "sk": {"S": "MENTION"}}
    assert kept["sequence_number"] == "42" and kept["event_id"] == "e1"
    for secret in ("4242", "ann@x.io", "NewImage"):
        assert secret not in line
