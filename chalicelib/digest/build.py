"""The daily digest of one watch, as a JSON-ready dict built from store reads only.

A digest covers one LOCAL day in the watch's time zone; the store indexes mentions by UTC day, so
the UTC days that overlap the local day are queried and filtered by time. User corrections win over
the classifier's labels. Spam and offensive mentions are counted, never shown, except an offensive
mention that is also a complaint or a question to the brand (a rude customer is still a customer
waiting for an answer) and a "spam" mention that is also a lead (a lost lead costs more than one spam
shown): those are shown, with their labels.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from chalicelib.config import VeilleConfig, WatchConfig
from chalicelib.models import Mention, SourceHealth, utcnow

TREND_DAYS = 7
HISTORY_DAYS = 21  # reply times of this week and last, for mentions created up to a week before
MAX_ITEMS = 20
INFLUENCERS = 5
OPEN_STATUSES = ("new", "to_reply")

GroupStories = Callable[[Sequence[tuple[str, str]]], list[list[str]]]


class DigestStore(Protocol):
    def iter_mentions(self, watch: str, days: Iterable[str]) -> Iterable[Mention]: ...

    def counters(self, watch: str, name: str, start: datetime, end: datetime) -> dict[str, int]: ...

    def list_health(self) -> list[SourceHealth]: ...


def local_day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The first instant of ``day`` and of the next day in ``zone``, as UTC datetimes (DST-aware)."""
    start = datetime.combine(day, time(0), zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
    return start, end


def utc_days(start: datetime, end: datetime) -> list[str]:
    """The UTC days (``YYYY-MM-DD``) that overlap ``[start, end)``."""
    first = start.astimezone(UTC).date()
    last = (end - timedelta(microseconds=1)).astimezone(UTC).date()
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _why(labels: dict[str, Any]) -> list[str]:
    why = labels.get("why") or {}
    if not isinstance(why, dict):
        return []
    return [f"{flag}: {', '.join(str(c) for c in cues)}" for flag, cues in why.items() if cues]


def mention_item(mention: Mention, zone: ZoneInfo) -> dict[str, Any]:
    """One mention as the digest shows it: the quoted text, who, where, and a link to the original."""
    labels = mention.effective_labels()
    return {
        "id": mention.id,
        "source": mention.source,
        "url": mention.url,
        "author": mention.author.handle or mention.author.name,
        "reach": mention.author.reach,
        "title": mention.title,
        "quote": mention.quote(),
        "created_at": _as_utc(mention.created_at).isoformat(),
        "local_time": mention.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        "sentiment": labels.get("sentiment"),
        "urgency": labels.get("urgency"),
        "complaint": bool(labels.get("complaint")),
        "lead": bool(labels.get("lead")),
        "status": mention.status,
        "why": _why(labels),
    }


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _median_hours(durations: list[float]) -> float | None:
    return round(statistics.median(durations), 1) if durations else None


def _default_group_stories() -> GroupStories:
    from chalicelib.dedupe import group_stories

    return group_stories


def build_digest(
    store: DigestStore,
    config: VeilleConfig,
    watch_name: str,
    date_: date | str,
    *,
    now: datetime | None = None,
    group_stories: GroupStories | None = None,
) -> dict[str, Any]:
    """The digest of ``watch_name`` for the local day ``date_`` (``YYYY-MM-DD`` or a date)."""
    from chalicelib.crisis import COUNTER, floor_hour, spike_hours

    watch = config.watch(watch_name)
    zone = ZoneInfo(watch.timezone)
    day = date.fromisoformat(date_) if isinstance(date_, str) else date_
    now = _as_utc(now or utcnow())
    start, end = local_day_bounds(day, zone)
    history_start, _ = local_day_bounds(day - timedelta(days=HISTORY_DAYS - 1), zone)

    history = [
        m
        for m in store.iter_mentions(watch.name, utc_days(history_start, end))
        if history_start <= _as_utc(m.created_at) < end
    ]
    today = [m for m in history if start <= _as_utc(m.created_at)]
    shown = [m for m in today if not m.is_hidden()]
    labels = {m.id: m.effective_labels() for m in history}

    # Trend: today against each of the previous local days.
    previous: list[dict[str, Any]] = []
    for back in range(TREND_DAYS, 0, -1):
        d = day - timedelta(days=back)
        d_start, d_end = local_day_bounds(d, zone)
        count = sum(1 for m in history if d_start <= _as_utc(m.created_at) < d_end and not m.is_hidden())
        previous.append({"date": d.isoformat(), "count": count})
    previous_mean = sum(p["count"] for p in previous) / TREND_DAYS
    trend = {
        "today": len(shown),
        "previous_days": previous,
        "previous_mean": round(previous_mean, 2),
        "change_pct": round(100 * (len(shown) - previous_mean) / previous_mean, 1) if previous_mean else None,
    }

    by_source = Counter(m.source for m in shown)
    sentiment = Counter(labels[m.id].get("sentiment") or "unlabelled" for m in shown)

    # Unanswered complaints and questions, oldest first, from the whole history window.
    open_items = [
        m
        for m in history
        if not m.is_hidden()
        and m.status in OPEN_STATUSES
        and (labels[m.id].get("needs_reply") or labels[m.id].get("complaint"))
    ]
    open_items.sort(key=lambda m: (_as_utc(m.created_at), m.id))
    needs_reply = []
    for m in open_items[:MAX_ITEMS]:
        item = mention_item(m, zone)
        age = (now - _as_utc(m.created_at)).total_seconds() / 3600
        item.update(
            age_hours=round(age, 1), target_hours=watch.reply_target_hours, overdue=age > watch.reply_target_hours
        )
        needs_reply.append(item)

    leads = [m for m in shown if labels[m.id].get("lead")]
    leads.sort(key=lambda m: (-(m.author.reach or 0), _as_utc(m.created_at)))

    influencers: list[dict[str, Any]] = []
    seen_authors: set[str] = set()
    for m in sorted((m for m in shown if m.author.reach), key=lambda m: -(m.author.reach or 0)):
        who = f"{m.source}:{m.author.handle or m.author.name or m.id}"
        if who in seen_authors:
            continue
        seen_authors.add(who)
        influencers.append(mention_item(m, zone))
        if len(influencers) == INFLUENCERS:
            break

    hidden = {
        "spam": sum(1 for m in today if labels[m.id].get("spam") and m.is_hidden()),
        "offensive": sum(1 for m in today if labels[m.id].get("offensive") and m.is_hidden()),
        "by_user": sum(1 for m in today if m.status == "hidden"),
        "total": len(today) - len(shown),
    }

    hours = [start + timedelta(hours=i) for i in range(int((end - start).total_seconds() // 3600))]
    counts = store.counters(
        watch.name, COUNTER, floor_hour(start - timedelta(days=14)), floor_hour(end - timedelta(hours=1))
    )
    spikes = [
        {
            "hour": s.hour.isoformat(),
            "local_hour": s.hour.astimezone(zone).strftime("%H:00"),
            "count": s.count,
            "baseline": round(s.baseline, 2),
            "threshold": s.threshold,
        }
        for s in spike_hours(counts, hours, watch.crisis_min_count)
    ]

    grouper = group_stories or _default_group_stories()
    by_id = {m.id: m for m in shown}
    groups = grouper([(m.id, m.fingerprint) for m in shown if m.fingerprint])
    stories: list[dict[str, Any]] = []
    for group in groups:
        if len(group) < 2:
            continue
        members = sorted((by_id[i] for i in group if i in by_id), key=lambda m: _as_utc(m.created_at))
        stories.append(
            {
                "size": len(members),
                "sources": sorted({m.source for m in members}),
                "first_seen": _as_utc(members[0].created_at).isoformat(),
                "items": [mention_item(m, zone) for m in members[:5]],
            }
        )
    stories.sort(key=lambda s: (-s["size"], s["first_seen"]))

    week = timedelta(days=7)
    this_week: list[float] = []
    last_week: list[float] = []
    for m in history:
        if m.status != "replied" or m.status_changed_at is None:
            continue
        replied = _as_utc(m.status_changed_at)
        hours_taken = max(0.0, (replied - _as_utc(m.created_at)).total_seconds() / 3600)
        if end - week <= replied < end:
            this_week.append(hours_taken)
        elif end - 2 * week <= replied < end - week:
            last_week.append(hours_taken)

    health = [h.model_dump(mode="json") for h in store.list_health() if h.watch == watch.name]

    return {
        "watch": watch.name,
        "date": day.isoformat(),
        "language": watch.language,
        "timezone": watch.timezone,
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "generated_at": now.isoformat(),
        "totals": {
            "mentions": len(today),
            "shown": len(shown),
            "negative": sentiment.get("negative", 0),
            "complaints": sum(1 for m in shown if labels[m.id].get("complaint")),
            "leads": len(leads),
            "needs_reply": len(open_items),
            "overdue": sum(
                1 for m in open_items if (now - _as_utc(m.created_at)).total_seconds() / 3600 > watch.reply_target_hours
            ),
            "hidden": hidden["total"],
        },
        "trend": trend,
        "by_source": [{"source": s, "count": n, "share": _share(n, len(shown))} for s, n in by_source.most_common()],
        "sentiment": {k: sentiment.get(k, 0) for k in ("positive", "neutral", "negative", "unlabelled")},
        "share_of_voice": share_of_voice(store, config, watch, start, end, len(shown)),
        "needs_reply": needs_reply,
        "leads": [mention_item(m, zone) for m in leads[:MAX_ITEMS]],
        "influencers": influencers,
        "hidden": hidden,
        "spikes": spikes,
        "source_health": health,
        "stories": stories,
        "reply_time": {
            "this_week_hours": _median_hours(this_week),
            "this_week_count": len(this_week),
            "last_week_hours": _median_hours(last_week),
            "last_week_count": len(last_week),
        },
    }


def share_of_voice(
    store: DigestStore, config: VeilleConfig, watch: WatchConfig, start: datetime, end: datetime, own_count: int
) -> list[dict[str, Any]]:
    """The watch's mentions against each competitor's over the same hours (hidden ones excluded)."""
    counts = {watch.name: own_count}
    for name in watch.competitors:
        counts[name] = sum(
            1
            for m in store.iter_mentions(name, utc_days(start, end))
            if start <= _as_utc(m.created_at) < end and not m.is_hidden()
        )
    total = sum(counts.values())
    return [
        {"watch": name, "count": n, "share": _share(n, total), "self": name == watch.name} for name, n in counts.items()
    ]
