"""One priority per mention: urgency first, then waiting against the reply target, then reach."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.digest.priority import kind_of, level_of, pressing_first, priority
from chalicelib.models import Author, Mention

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def mention(key: str, hours_ago: float = 1, reach: int | None = None, status: str = "new", **labels: Any) -> Mention:
    return Mention(
        source="reddit",
        external_id=key,
        text=f"acme {key}",
        created_at=NOW - timedelta(hours=hours_ago),
        author=Author(handle=key, reach=reach),
        status=status,  # type: ignore[arg-type]
        labels={"sentiment": "neutral", "urgency": 10, **labels},
    )


def order(*mentions: Mention) -> list[str]:
    ranked = sorted(mentions, key=lambda m: pressing_first(m, priority(m, now=NOW, reply_target_hours=24)))
    return [m.external_id for m in ranked]


def test_levels_follow_the_alert_threshold() -> None:
    assert [level_of(u) for u in (100, 75, 74, 60, 59, 0)] == ["critical"] * 2 + ["high"] * 2 + ["normal"] * 2


def test_urgency_first_then_waiting_then_reach() -> None:
    outage = mention("outage", hours_ago=0.5, complaint=True, kind="complaint", urgency=85,
                     why={"urgent": ["outage", "access"]})  # fmt: skip
    chargeback = mention("chargeback", hours_ago=2, complaint=True, urgency=70)
    old_question = mention("old-question", hours_ago=72, kind="question", needs_reply=True, urgency=30)
    new_question = mention("new-question", hours_ago=1, kind="question", needs_reply=True, urgency=30)
    loud_question = mention("loud-question", hours_ago=1, reach=100_000, kind="question", urgency=30)
    praise = mention("praise", kind="praise", sentiment="positive", urgency=5, reach=1_000_000)
    assert order(praise, new_question, old_question, loud_question, chargeback, outage) == [
        "outage",
        "chargeback",
        "old-question",  # waited three reply targets: +15
        "loud-question",  # 100,000 followers: +12.5
        "new-question",
        "praise",  # needs no one, whatever its reach
    ]
    value = priority(outage, now=NOW, reply_target_hours=24)
    assert (value.level, value.urgency, value.reasons, value.kind) == (
        "critical",
        85,
        ["outage", "access"],
        "complaint",
    )
    assert priority(old_question, now=NOW, reply_target_hours=24).overdue
    assert not priority(new_question, now=NOW, reply_target_hours=24).overdue


def test_feature_requests_spam_offensive_hidden_and_closed_never_need_you() -> None:
    cases = {
        "request": mention("request", kind="feature_request", needs_reply=True, urgency=50),
        "spam": mention("spam", spam=True, needs_reply=True, urgency=50),
        "abuse": mention("abuse", offensive=True, urgency=50),
        "hidden": mention("hidden", status="hidden", complaint=True, urgency=90),
        "replied": mention("replied", status="replied", complaint=True, urgency=90),
    }
    for name, m in cases.items():
        assert not priority(m, now=NOW, reply_target_hours=24).needs_you, name
    # A lead the spam head also flagged, and a rude customer with a real problem, still need you.
    assert priority(mention("lead", spam=True, lead=True), now=NOW, reply_target_hours=24).needs_you
    rude = mention("rude", offensive=True, complaint=True, urgency=40)
    assert priority(rude, now=NOW, reply_target_hours=24).needs_you


def test_kind_of_older_labels_and_corrections() -> None:
    assert kind_of({"complaint": True}) == "complaint"  # stored before kinds existed
    assert kind_of({"complaint": False, "needs_reply": True}) == "other"
    assert kind_of({"kind": "complaint", "complaint": False}) == "other"  # a person said: no complaint
    assert kind_of({"kind": "feature_request", "complaint": False}) == "feature_request"
    assert kind_of({"kind": "bogus"}) == "other"
