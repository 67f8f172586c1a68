"""How pressing a mention is: one priority per mention, the same for the inbox, the digest and the API.

Pure: a mention, its labels (corrections laid over), the clock and the watch's reply target in, a
:class:`Priority` out. The score adds three things a founder weighs when deciding what to answer first:

* **urgency** (0-100, from the classifier or a correction): the bulk of the score;
* **waiting time** against the reply target: up to +15 once an open item has waited three targets;
* **reach**: up to +15 for an author with a million followers (log scale: 1,000 followers is +7.5).

Only open complaints, questions and leads "need you"; they sort before everything else, most pressing
first. Feature requests are grouped apart (asked for, not waiting), spam, offensive and hidden mentions
never need you (the one rule of :meth:`Mention.is_hidden`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from chalicelib.classify.schema import KINDS
from chalicelib.models import Mention

Level = Literal["critical", "high", "normal"]
URGENCY_CRITICAL = 75
URGENCY_HIGH = 60  # the default alert threshold of a watch
OPEN_STATUSES = ("new", "to_reply")
WAIT_POINTS_PER_TARGET = 5.0
MAX_WAIT_TARGETS = 3.0
REACH_POINTS_PER_DECADE = 2.5
MAX_REACH_DECADES = 6.0


def kind_of(labels: dict[str, Any]) -> str:
    """The feedback kind of (effective) labels: stored labels older than ``kind`` read as complaint or other."""
    kind = labels.get("kind")
    if kind not in KINDS:
        return "complaint" if labels.get("complaint") else "other"
    if kind == "complaint" and labels.get("complaint") is False:
        return "other"  # a person said it is no complaint
    if kind == "other" and labels.get("complaint"):
        return "complaint"
    return str(kind)


def level_of(urgency: int) -> Level:
    """critical (>= 75), high (>= 60, the default alert threshold) or normal."""
    if urgency >= URGENCY_CRITICAL:
        return "critical"
    return "high" if urgency >= URGENCY_HIGH else "normal"


def urgency_of(labels: dict[str, Any]) -> int:
    value = labels.get("urgency")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0
    return max(0, min(100, int(value)))


def urgency_reasons(labels: dict[str, Any]) -> list[str]:
    """The words behind the urgency (``why["urgent"]``: outage, access, refund, followers:N...)."""
    why = labels.get("why")
    cues = why.get("urgent") if isinstance(why, dict) else None
    return [str(c) for c in cues] if isinstance(cues, list) else []


@dataclass(frozen=True)
class Priority:
    """What the inbox, the digest and the API show of how pressing a mention is."""

    score: float
    level: Level
    urgency: int
    kind: str
    needs_you: bool
    waiting_hours: float
    overdue: bool
    reasons: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "level": self.level,
            "urgency": self.urgency,
            "kind": self.kind,
            "needs_you": self.needs_you,
            "waiting_hours": self.waiting_hours,
            "overdue": self.overdue,
            "reasons": list(self.reasons),
        }


def needs_you(mention: Mention, labels: dict[str, Any]) -> bool:
    """Open, shown, and a complaint, a question or a lead (a feature request or praise waits for no one)."""
    if mention.status not in OPEN_STATUSES or mention.is_hidden():
        return False
    if labels.get("lead"):
        return True
    kind = kind_of(labels)
    if kind in ("feature_request", "praise"):
        return False
    return kind in ("complaint", "question") or bool(labels.get("needs_reply"))


def priority(
    mention: Mention,
    *,
    now: datetime,
    reply_target_hours: float,
    labels: dict[str, Any] | None = None,
) -> Priority:
    """The priority of ``mention`` at ``now`` for a watch answering within ``reply_target_hours``."""
    labels = mention.effective_labels() if labels is None else labels
    urgency = urgency_of(labels)
    pressing = needs_you(mention, labels)
    created = mention.created_at if mention.created_at.tzinfo else mention.created_at.replace(tzinfo=UTC)
    waiting = max(0.0, (now - created).total_seconds() / 3600) if mention.status in OPEN_STATUSES else 0.0
    target = max(1.0, float(reply_target_hours))
    wait_points = WAIT_POINTS_PER_TARGET * min(waiting / target, MAX_WAIT_TARGETS) if pressing else 0.0
    reach = mention.author.reach or 0
    reach_points = REACH_POINTS_PER_DECADE * min(math.log10(1 + max(0, reach)), MAX_REACH_DECADES)
    return Priority(
        score=round(urgency + wait_points + reach_points, 1),
        level=level_of(urgency),
        urgency=urgency,
        kind=kind_of(labels),
        needs_you=pressing,
        waiting_hours=round(waiting, 1),
        overdue=pressing and waiting > target,
        reasons=urgency_reasons(labels),
    )


def pressing_first(mention: Mention, value: Priority) -> tuple[bool, float, str, str]:
    """A sort key: what needs you first, then the highest score, then the oldest."""
    created = mention.created_at if mention.created_at.tzinfo else mention.created_at.replace(tzinfo=UTC)
    return (not value.needs_you, -value.score, created.astimezone(UTC).isoformat(), mention.id)
