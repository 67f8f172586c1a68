"""What one labelled mention adds to its hour's counters: the report's KPIs and theme counts.

The stream tallies these in its tumbling window (chalicelib/pipeline/react.py) and writes them with the
hour's crisis counter, in the same item and the same write (``COUNT#<watch>#negative`` / hour), so the
weekly and monthly report (chalicelib/report) reads a month as 744 small items and never a mention. Pure.

Fields (``field|key``): ``n|<source>`` mentions, ``pos|``, ``neu|``, ``neg|<source>`` by sentiment,
``cmp|<source>`` complaints, ``lead|<source>`` leads, ``spam|<source>``; per theme id: ``t|<id>`` units,
``tm|<id>`` mentions (the report's "authors": one mention, one author, an upper bound on distinct people),
``tn|<id>`` negative units, ``t1|<id>`` units of one-star reviews. Replies are counted when a founder
triages (``rep|<source>`` and ``rh<bucket>|<source>``, the first-reply time histogram: see :func:`reply_fields`).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from chalicelib.models import Mention
from chalicelib.observability import logger

# Upper bounds (hours) of the first-reply time histogram; "inf" is everything slower.
REPLY_BUCKETS = ("1", "2", "4", "8", "12", "24", "48", "72", "168", "inf")
SENTIMENT_FIELD = {"positive": "pos", "neutral": "neu", "negative": "neg"}


def kpi_fields(mention: Mention, labels: dict[str, Any]) -> Counter[str]:
    """The counts one newly labelled mention adds (``labels`` as stored: its units may carry theme ids)."""
    source = mention.source
    found: Counter[str] = Counter({f"n|{source}": 1})
    effective = mention.effective_labels(labels)
    sentiment = SENTIMENT_FIELD.get(str(effective.get("sentiment")))
    if sentiment:
        found[f"{sentiment}|{source}"] += 1
    for flag, field in (("complaint", "cmp"), ("lead", "lead"), ("spam", "spam")):
        if effective.get(flag):
            found[f"{field}|{source}"] += 1
    found.update(theme_fields(labels.get("units") or [], one_star=mention.extra.get("rating") == "1"))
    return found


def theme_fields(units: list[Any], *, one_star: bool = False) -> Counter[str]:
    """What a mention's units add to their themes: ``t|`` units, ``tn|`` negative ones, ``t1|`` of a one-star
    review, and ``tm|`` the mention once per theme. Units come as stored (lists) or keyed (dicts)."""
    found: Counter[str] = Counter()
    themes: set[str] = set()
    for unit in units:
        keyed = (
            unit
            if isinstance(unit, dict)
            else dict(zip(("start", "end", "kind", "sentiment", "theme"), unit, strict=False))
        )
        theme = keyed.get("theme")
        if not theme:
            continue
        themes.add(str(theme))
        found[f"t|{theme}"] += 1
        if keyed.get("sentiment") == "negative":
            found[f"tn|{theme}"] += 1
        if one_star:
            found[f"t1|{theme}"] += 1
    for theme in themes:
        found[f"tm|{theme}"] += 1
    return found


def reply_bucket(hours: float) -> str:
    """The histogram bucket of a first-reply time."""
    for bound in REPLY_BUCKETS[:-1]:
        if hours <= float(bound):
            return bound
    return "inf"


def reply_fields(mention: Mention, replied_at: datetime) -> dict[str, int]:
    """What a first reply adds to the hour the mention was created in: one reply, and its delay's bucket."""
    hours = max(0.0, (replied_at - mention.created_at).total_seconds() / 3600)
    return {f"rep|{mention.source}": 1, f"rh{reply_bucket(hours)}|{mention.source}": 1}


def count_first_reply(store: Any, before: Mention, after: Mention) -> bool:
    """After a triage step: if it marked the mention replied for the first time, add the reply and its delay
    to the hour the mention was created in (one UpdateItem, on this path only); True if it did. A failed
    count is logged, never raised: the triage itself succeeded."""
    from chalicelib import crisis

    first = after.status == "replied" and before.status != "replied"
    first = first and not any(change.status == "replied" for change in before.history)
    if not first:
        return False
    try:
        crisis.record_counts(
            store, after.watch, after.created_at, reply_fields(after, after.status_changed_at or after.created_at)
        )
    except Exception as exc:  # noqa: BLE001 - a KPI must not undo a founder's triage
        logger.warning("first reply not counted", extra={"id": after.id, "error": str(exc)})
        return False
    return True
