"""The weekly and monthly reports go out on schedule, once each, on DynamoDB Local."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.config import parse_config
from chalicelib.crisis import COUNTER

pytestmark = pytest.mark.integration

CONFIG = """
[[watch]]
name = "acme"
query = "acme"
timezone = "Europe/Paris"
digest_hour = 8
language = "fr"
"""


class Outbox:
    def __init__(self, fail: bool = False) -> None:
        self.sent: list[tuple[str, str, str]] = []
        self.fail = fail

    def __call__(self, watch: Any, report: dict[str, Any], html: str, text: str) -> bool:
        if self.fail:
            raise RuntimeError("SES refused the address")
        self.sent.append((report["period"]["kind"], report["period"]["start"], text))
        return True


def test_the_weekly_report_goes_out_on_monday_morning_once_and_a_failure_is_retried(store: Any) -> None:
    from chalicelib.report.send import send_due_reports

    config = parse_config(CONFIG)
    # A week of counters: 5 mentions on Tuesday 10 March, 2 the week before
    store.add_to_counter("acme", COUNTER, datetime(2026, 3, 10, 9, tzinfo=UTC), 0, extra={"n|rss": 5, "neg|rss": 2})
    store.add_to_counter("acme", COUNTER, datetime(2026, 3, 3, 9, tzinfo=UTC), 0, extra={"n|rss": 2})
    sunday = datetime(2026, 3, 15, 20, tzinfo=UTC)
    monday_early = datetime(2026, 3, 16, 6, 30, tzinfo=UTC)  # 07:30 in Paris: before the digest hour
    monday = datetime(2026, 3, 16, 7, 30, tzinfo=UTC)  # 08:30 in Paris

    failing = Outbox(fail=True)
    assert send_due_reports(store, config, sunday, senders={"email": failing}) == {
        "sent": {}, "already_sent": [], "failed": {}
    }  # fmt: skip
    assert send_due_reports(store, config, monday_early, senders={"email": failing})["sent"] == {}
    # When every channel fails, the next hour tries again
    assert list(send_due_reports(store, config, monday, senders={"email": failing})["failed"]) == [
        "acme#week#2026-03-09"
    ]
    outbox = Outbox()
    result = send_due_reports(store, config, monday, senders={"email": outbox})
    assert result["sent"] == {"acme#week#2026-03-09": {"email": "sent"}}
    assert send_due_reports(store, config, monday, senders={"email": outbox})["already_sent"] == [
        "acme#week#2026-03-09"
    ]
    ((period, start, text),) = outbox.sent
    assert (period, start) == ("week", "2026-03-09")
    assert "5" in text and "2" in text  # this week's mentions against the week before, in French
    assert text.startswith("Rapport hebdomadaire de acme : du 2026-03-09 au 2026-03-15")


def test_the_monthly_report_goes_out_on_the_first(store: Any) -> None:
    from chalicelib.report.send import send_due_reports

    config = parse_config(CONFIG)
    outbox = Outbox()
    first = datetime(2026, 4, 1, 7, 0, tzinfo=UTC)  # a Wednesday, 09:00 in Paris
    assert list(send_due_reports(store, config, first, senders={"email": outbox})["sent"]) == ["acme#month#2026-03-01"]
    assert [(p, s) for p, s, _ in outbox.sent] == [("month", "2026-03-01")]
