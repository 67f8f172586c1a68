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

from pydantic import ValidationError

from chalicelib.classify.schema import Unit
from chalicelib.config import VeilleConfig, WatchConfig
from chalicelib.digest.priority import Priority, kind_of, pressing_first, priority
from chalicelib.models import Mention, SourceHealth, utcnow

TREND_DAYS = 7
HISTORY_DAYS = 21  # reply times of this week and last, for mentions created up to a week before
REQUEST_DAYS = 7  # "asked for this week"
MAX_ITEMS = 20
INFLUENCERS = 5
FANS = 5
# Below this many mentions on a usual day, a percentage says nothing ("+11800%"): the change is a count.
TINY_BASELINE = 5.0
QUOTE_WIDTH = 160  # what Mention.quote gives
# The kinds an item quotes by their units; "other" units (context, chatter) are never quoted apart.
UNIT_KINDS = ("complaint", "feature_request", "question", "praise")

GroupStories = Callable[[Sequence[tuple[str, str]]], list[list[str]]]
Links = Callable[[str, str], str]


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


def display_title(mention: Mention) -> str | None:
    """The title a person reads: a form named only by its provider's id ("Formspree form xvgpqrzd")
    shows as "Formspree form" (the id says nothing to a founder; the inbox keeps it)."""
    title = mention.title
    form_id = mention.extra.get("form_id")
    if title and form_id and mention.source.startswith("form:") and form_id in title:
        title = " ".join(title.replace(form_id, " ").split()) or None
    return title


def feedback_units(mention: Mention, labels: dict[str, Any]) -> list[Unit]:
    """The feedback units of the mention's labels that lie inside its text, in order (none for older labels)."""
    raw = labels.get("units")
    found: list[Unit] = []
    for value in raw if isinstance(raw, list) else []:
        try:
            unit = Unit.model_validate(value)
        except ValidationError:
            continue  # a unit this version cannot read is left out, never the whole item
        if unit.start < unit.end <= len(mention.text) and (not found or found[-1].end <= unit.start):
            found.append(unit)
    return found


def _clip(text: str, width: int = QUOTE_WIDTH) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _unit_text(mention: Mention, unit: Unit) -> str:
    """What the unit says; a form answer with its question ("What went wrong?: it lost my board")."""
    start = unit.start
    if mention.source.startswith("form:"):
        line_start = mention.text.rfind("\n", 0, start) + 1
        if mention.text[line_start:start].endswith(": "):
            start = line_start
    return " ".join(mention.text[start : unit.end].split())


def unit_quotes(mention: Mention, labels: dict[str, Any], kind: str) -> tuple[str | None, list[dict[str, str]]]:
    """For a message that mixes kinds, the quote of its ``kind`` parts alone and what else it said.

    "Love the app but it drains my battery" listed as a complaint quotes "it drains my battery" and gives
    ``[{"kind": "praise", "quote": "Love the app"}]`` beside it; a request quotes its request. ``(None, [])``
    when no part is of ``kind`` or none of another kind (the rest is context, "other"): the item then quotes
    the whole text, as for a mention without units.
    """
    units = feedback_units(mention, labels)
    others = [u for u in units if u.kind in UNIT_KINDS and u.kind != kind]
    if kind not in UNIT_KINDS or not others or not any(u.kind == kind for u in units):
        return None, []
    quote = " … ".join(_unit_text(mention, u) for u in units if u.kind == kind)
    also = [{"kind": u.kind, "quote": _clip(_unit_text(mention, u))} for u in others]
    return _clip(quote), also


def mention_item(
    mention: Mention, zone: ZoneInfo, value: Priority | None = None, links: Links | None = None
) -> dict[str, Any]:
    """One mention as the digest shows it: the quoted text, who, where, a link to the original, its kind
    and urgency level; with ``links``, the signed one-click triage URLs (``actions``).

    A message of several parts quotes the part of its kind (the request of a review that asks for
    something, the bug of a kind review that reports one) and gives the others' words as ``also_said``.
    """
    labels = mention.effective_labels()
    kind = kind_of(labels)
    quote, also_said = unit_quotes(mention, labels, kind)
    item: dict[str, Any] = {
        "id": mention.id,
        "source": mention.source,
        "url": mention.url,
        "author": mention.author.handle or mention.author.name,
        "reach": mention.author.reach,
        "title": display_title(mention),
        "quote": quote or mention.quote(),
        "also_said": also_said,
        "created_at": _as_utc(mention.created_at).isoformat(),
        "local_time": mention.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        "sentiment": labels.get("sentiment"),
        "urgency": labels.get("urgency"),
        "complaint": bool(labels.get("complaint")),
        "lead": bool(labels.get("lead")),
        "status": mention.status,
        "why": _why(labels),
        "kind": kind,
    }
    if value is not None:
        item.update(level=value.level, priority=value.score, reasons=value.reasons)
    if links is not None:
        item["actions"] = {action: links(mention.id, action) for action in ("replied", "ignored")}
    return item


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
    links: Links | None = None,
    inbox_url: str | None = None,
) -> dict[str, Any]:
    """The digest of ``watch_name`` for the local day ``date_`` (``YYYY-MM-DD`` or a date).

    ``links(mention_id, action)`` signs the one-click triage URLs every rendering shows (``actions`` of
    each listed item); ``inbox_url`` is where the inbox is (default: ``<public_url>/app``).
    """
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

    values = {
        m.id: priority(m, now=now, reply_target_hours=watch.reply_target_hours, labels=labels[m.id]) for m in history
    }

    def item(m: Mention, with_links: bool = True) -> dict[str, Any]:
        return mention_item(m, zone, values[m.id], links if with_links else None)

    # What needs you (open complaints, questions and leads from the whole window), most pressing first;
    # leads that are nothing else have their own section below.
    open_items = [m for m in history if values[m.id].needs_you]
    open_items.sort(key=lambda m: pressing_first(m, values[m.id]))
    pressing = [m for m in open_items if values[m.id].kind in ("complaint", "question") or not labels[m.id].get("lead")]
    needs_reply = []
    for m in pressing[:MAX_ITEMS]:
        entry = item(m)
        value = values[m.id]
        entry.update(age_hours=value.waiting_hours, target_hours=watch.reply_target_hours, overdue=value.overdue)
        needs_reply.append(entry)

    leads = [m for m in shown if labels[m.id].get("lead")]
    leads.sort(key=lambda m: (-(m.author.reach or 0), -values[m.id].score, _as_utc(m.created_at)))

    # Asked for this week: feature requests, grouped apart, the loudest voices first.
    week_start, _ = local_day_bounds(day - timedelta(days=REQUEST_DAYS - 1), zone)
    requests = [
        m
        for m in history
        if week_start <= _as_utc(m.created_at)
        and not m.is_hidden()
        and values[m.id].kind == "feature_request"
        and m.status != "ignored"
    ]
    requests.sort(key=lambda m: (-(m.author.reach or 0), -_as_utc(m.created_at).timestamp()))

    # Fans to thank: today's most positive mentions, the largest reach first.
    def warmth(m: Mention) -> float:
        score = labels[m.id].get("sentiment_score")
        return float(score) if isinstance(score, int | float) else 0.5

    fans = [
        m
        for m in shown
        if (values[m.id].kind == "praise" or labels[m.id].get("sentiment") == "positive")
        and not labels[m.id].get("complaint")
        and not labels[m.id].get("lead")
        and values[m.id].kind != "feature_request"
    ]
    fans.sort(key=lambda m: (-(m.author.reach or 0), -warmth(m), _as_utc(m.created_at)))

    influencers: list[dict[str, Any]] = []
    seen_authors: set[str] = set()
    for m in sorted((m for m in shown if m.author.reach), key=lambda m: -(m.author.reach or 0)):
        who = f"{m.source}:{m.author.handle or m.author.name or m.id}"
        if who in seen_authors:
            continue
        seen_authors.add(who)
        influencers.append(item(m, with_links=False))
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
                "items": [item(m, with_links=False) for m in members[:5]],
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
    overdue = sum(1 for m in open_items if values[m.id].overdue)
    critical = [m for m in open_items if values[m.id].level == "critical"]
    today_ids = {m.id for m in today}

    crisis: dict[str, Any] | None = None
    if spikes:
        worst = max(spikes, key=lambda s: (s["count"], s["hour"]))
        crisis = {"type": "spike", **worst}
    elif critical:
        crisis = {"type": "critical", "item": item(critical[0])}

    if inbox_url is None:
        from chalicelib.settings import get_settings

        inbox_url = get_settings().public_url.rstrip("/") + "/app"

    digest: dict[str, Any] = {
        "watch": watch.name,
        "date": day.isoformat(),
        "language": watch.language,
        "timezone": watch.timezone,
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "generated_at": now.isoformat(),
        "inbox_url": inbox_url,
        "summary": {
            "needs_you": len(open_items),
            "needs_you_today": sum(1 for m in open_items if m.id in today_ids),
            "critical": len(critical),
            "overdue": overdue,
            "today": len(shown),
            "usual": round(previous_mean, 2),
            "change": round(len(shown) - previous_mean),
            "change_pct": trend["change_pct"],
            "tiny_baseline": previous_mean < TINY_BASELINE,
            "complaints": sum(1 for m in shown if values[m.id].kind == "complaint"),
            "leads": len(leads),
            "requests": sum(1 for m in requests if m.id in today_ids),
            "crisis": crisis,
        },
        "totals": {
            "mentions": len(today),
            "shown": len(shown),
            "negative": sentiment.get("negative", 0),
            "complaints": sum(1 for m in shown if labels[m.id].get("complaint")),
            "leads": len(leads),
            "needs_reply": len(open_items),
            "overdue": overdue,
            "hidden": hidden["total"],
            "critical": len(critical),
            "requests": len(requests),
            "fans": len(fans),
        },
        "trend": trend,
        "by_source": [{"source": s, "count": n, "share": _share(n, len(shown))} for s, n in by_source.most_common()],
        "sentiment": {k: sentiment.get(k, 0) for k in ("positive", "neutral", "negative", "unlabelled")},
        "share_of_voice": share_of_voice(store, config, watch, start, end, len(shown)),
        "needs_reply": needs_reply,
        "leads": [item(m) for m in leads[:MAX_ITEMS]],
        "requests": [item(m) for m in requests[:MAX_ITEMS]],
        "fans": [item(m) for m in fans[:FANS]],
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
    digest["alerts_not_delivered"] = alerts_not_delivered(store, watch.name, now)
    from chalicelib.digest.render import summary_lines

    # The three lines in the watch's language, for the inbox's digest view and any JSON reader.
    digest["summary"]["lines"] = summary_lines(digest)
    return digest


def alerts_not_delivered(store: Any, watch: str, now: datetime) -> list[dict[str, Any]]:
    """The urgent alerts of the watch that some channel has not taken (pending, or given up less than a day
    ago), oldest first: the digest shows them at the top, since the founder may not have seen them."""
    from chalicelib.pipeline.pending import current_failures

    reader = getattr(store, "pending_alerts", None)
    if reader is None:
        return []
    found = []
    for pending in sorted(current_failures(reader(watch), now), key=lambda p: p.first_failed_at):
        quoted = pending.alert.items[0] if pending.alert.items else None
        found.append(
            {
                "id": pending.mention_id,
                "title": pending.alert.title,
                "quote": quoted.quote if quoted else pending.alert.summary,
                "url": quoted.url if quoted else None,
                "status": pending.status,
                "channels": {
                    name: {"error": f.error, "since": f.since.isoformat()} for name, f in sorted(pending.failed.items())
                },
            }
        )
    return found


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
