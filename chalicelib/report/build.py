"""The weekly and monthly report of one watch, from per-day aggregates (see ``model.py`` for the input).

The report never reads mentions: a month at any volume is 62 :class:`DayCounts` and the watch's themes.

How it decides:

- **Period.** A week is the ISO week (Monday to Sunday) containing ``end``; a month the calendar month
  containing it. The previous period is the week before, or the calendar month before.
- **Trend** of a theme (``count`` this period, ``previous`` the one before): *new* when previous is 0;
  *rising* when count >= 1.5 x previous and count - previous >= 2; *falling* when previous >= 1.5 x count
  and previous - count >= 2; else *steady*. The 2-unit floor keeps 1 -> 2 from reading as a surge.
- **Median first reply** is read off the histogram: the bucket where half the replies are reached,
  linearly inside it (replies spread evenly between its bounds); in the open "inf" bucket it is 168.
- **What changed most**: each count (mentions, complaints, leads, positive, negative, each channel's
  mentions, each visible theme's units) scored by ``|now - before| / sqrt(now + before)`` (how many
  standard deviations a Poisson count moved); kept when it moved by 2 or more and scored >= 1; the 5
  highest.
- **Proposals**, at most 5, at most 2 from one rule, by impact (ties: rule order below):
    fix (problem theme with >= 3 units that is new or rising, or has >= 5 units or >= 2 one-star):
        impact 3 x units + 2 x rise + 2 x one-star;
    reply_faster (a channel whose median first reply is >= 2 x and >= 4 h more than the other channels'
        together, each side with >= 3 replies): impact = that channel's mentions;
    help_article (question theme with >= 3 units): impact 2 x units;
    consider_request (request theme with >= 3 units from >= 2 people): impact units + people;
    thank (praise theme from >= 3 people): impact = people.
  Each proposal carries its ``evidence`` (the numbers its text cites) and its theme's ``examples``.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from chalicelib.report.i18n import number, words
from chalicelib.report.model import (
    REPLY_BUCKETS,
    THEME_KINDS,
    DayCounts,
    Language,
    PeriodKind,
    SourceDay,
    ThemeDay,
    ThemeInfo,
)

TOP_THEMES = 5
MAX_EXAMPLES = 3
MAX_CHANGES = 5
MAX_PROPOSALS = 5
MAX_PER_RULE = 2
RULES = ("fix", "reply_faster", "help_article", "consider_request", "thank")
# The kind prefix themes.labels puts before a label; a proposal says the kind in its own words.
_KIND_PREFIXES = (
    "Problem:",
    "Request:",
    "Question:",
    "Praise:",
    "Problème :",
    "Demande :",
    "Question :",
    "Compliment :",
)


# -- periods ---------------------------------------------------------------------------------------
def period_bounds(period: PeriodKind, end: date) -> tuple[date, date, date, date]:
    """(start, end, previous_start, previous_end) of the week (ISO, Monday..Sunday) or month containing ``end``."""
    if period == "week":
        start = end - timedelta(days=end.weekday())
        return start, start + timedelta(days=6), start - timedelta(days=7), start - timedelta(days=1)
    if period == "month":
        start = end.replace(day=1)
        last = start.replace(day=calendar.monthrange(start.year, start.month)[1])
        previous_end = start - timedelta(days=1)
        return start, last, previous_end.replace(day=1), previous_end
    raise ValueError(f"period must be 'week' or 'month', not {period!r}")


def _dates(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


# -- sums ------------------------------------------------------------------------------------------
def _add_sources(rows: Iterable[SourceDay]) -> SourceDay:
    totals: dict[str, int] = dict.fromkeys(("mentions", "positive", "neutral", "negative"), 0)
    totals.update(complaints=0, leads=0, replied=0)
    hours: dict[str, int] = {}
    for row in rows:
        for key in totals:
            totals[key] += getattr(row, key)
        for bucket, n in row.reply_hours.items():
            hours[bucket] = hours.get(bucket, 0) + n
    return SourceDay(**totals, reply_hours=hours)


def _add_themes(rows: Iterable[ThemeDay]) -> ThemeDay:
    units = authors = negative = one_star = 0
    for row in rows:
        units, authors = units + row.units, authors + row.authors
        negative, one_star = negative + row.negative, one_star + row.one_star
    return ThemeDay(units=units, authors=authors, negative=negative, one_star=one_star)


def median_hours(histogram: Mapping[str, int]) -> float | None:
    """The median first-reply time (hours, one decimal) of a ``REPLY_BUCKETS`` histogram; None without replies."""
    total = sum(histogram.values())
    if not total:
        return None
    half, seen, lower = total / 2, 0, 0.0
    for bucket in REPLY_BUCKETS:
        n = histogram.get(bucket, 0)
        if n and seen + n >= half:
            if bucket == "inf":
                return float(REPLY_BUCKETS[-2])
            upper = float(bucket)
            return round(lower + (upper - lower) * (half - seen) / n, 1)
        seen += n
        lower = float(bucket) if bucket != "inf" else lower
    return None  # unreachable: the buckets hold every reply


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def kpi(value: float | None, previous: float | None, *, rate: bool = False) -> dict[str, Any]:
    """A figure against the previous period: change (absolute; points for a rate) and, for counts, percent."""
    change = None if value is None or previous is None else round(value - previous, 4)
    pct = None
    if not rate and change is not None and previous:
        pct = round(100 * change / previous)
    return {"value": value, "previous": previous, "change": change, "change_pct": pct}


def _channel_kpis(now: SourceDay, before: SourceDay) -> dict[str, Any]:
    sentiment = {}
    for key in ("positive", "neutral", "negative"):
        entry = kpi(getattr(now, key), getattr(before, key))
        entry["share"] = _ratio(getattr(now, key), now.mentions)
        entry["previous_share"] = _ratio(getattr(before, key), before.mentions)
        sentiment[key] = entry
    reply = kpi(median_hours(now.reply_hours), median_hours(before.reply_hours), rate=True)
    reply["replies"] = sum(now.reply_hours.values())
    reply["previous_replies"] = sum(before.reply_hours.values())
    return {
        "mentions": kpi(now.mentions, before.mentions),
        "sentiment": sentiment,
        "complaints": kpi(now.complaints, before.complaints),
        "leads": kpi(now.leads, before.leads),
        "median_first_reply_hours": reply,
        "share_replied": kpi(_ratio(now.replied, now.mentions), _ratio(before.replied, before.mentions), rate=True),
    }


# -- themes ----------------------------------------------------------------------------------------
def trend(count: int, previous: int) -> str:
    """new, rising, steady or falling (the rule is in the module docstring)."""
    if previous == 0:
        return "new" if count else "steady"
    if count >= 1.5 * previous and count - previous >= 2:
        return "rising"
    if previous >= 1.5 * count and previous - count >= 2:
        return "falling"
    return "steady"


def bare_label(label: str) -> str:
    """The label without its kind prefix ("Request: export to CSV" -> "export to CSV")."""
    for prefix in _KIND_PREFIXES:
        if label.startswith(prefix):
            return label[len(prefix) :].strip() or label
    return label


def _theme_entry(info: ThemeInfo, now: ThemeDay, before: ThemeDay) -> dict[str, Any]:
    return {
        "id": info.id,
        "kind": info.kind,
        "label": info.label,
        "count": now.units,
        "previous": before.units,
        "change": now.units - before.units,
        "trend": trend(now.units, before.units),
        "authors": now.authors,
        "previous_authors": before.authors,
        "negative": now.negative,
        "one_star": now.one_star,
        "first_seen": info.first_seen.isoformat() if info.first_seen else None,
        "last_seen": info.last_seen.isoformat() if info.last_seen else None,
        "examples": [e.model_dump() for e in info.examples[:MAX_EXAMPLES]],
    }


# -- what changed ----------------------------------------------------------------------------------
def _move(kind: str, key: str, label: str | None, value: int, previous: int) -> dict[str, Any] | None:
    delta = value - previous
    if abs(delta) < 2:
        return None
    score = abs(delta) / math.sqrt(value + previous)
    if score < 1:
        return None
    return {
        "kind": kind,
        "key": key,
        "label": label,
        "value": value,
        "previous": previous,
        "change": delta,
        "change_pct": round(100 * delta / previous) if previous else None,
        "direction": "up" if delta > 0 else "down",
        "score": round(score, 2),
    }


# -- proposals -------------------------------------------------------------------------------------
def _since(w: dict[str, str], count: int, previous: int, before: str) -> str:
    if previous == 0:
        return w["since_none"].format(before=before)
    if previous < count:
        return w["since_up"].format(previous=previous, before=before)
    return w["since_other"].format(previous=previous, before=before)


def _proposal(
    rule: str, text: str, impact: int, evidence: dict[str, Any], theme: dict[str, Any] | None, link: str | None
) -> dict[str, Any]:
    return {
        "rule": rule,
        "text": text,
        "impact": impact,
        "evidence": evidence,
        "theme": theme["id"] if theme else None,
        "source": evidence.get("source"),
        "examples": list(theme["examples"]) if theme else [],
        "link": link,
    }


def _theme_proposals(
    themes: list[dict[str, Any]], w: dict[str, str], this: str, before: str, link: str | None
) -> list[dict[str, Any]]:
    out = []
    for t in themes:
        label, count, previous, authors = bare_label(t["label"]), t["count"], t["previous"], t["authors"]
        evidence = {"count": count, "previous": previous, "authors": authors}
        since = _since(w, count, previous, before)
        if t["kind"] == "problem":
            hot = t["trend"] in ("new", "rising") or count >= 5 or t["one_star"] >= 2
            if count >= 3 and hot:
                one_star = w["one_star"].format(n=t["one_star"]) if t["one_star"] else ""
                text = w["fix"].format(label=label, count=count, this=this, since=since, one_star=one_star)
                impact = 3 * count + 2 * max(0, count - previous) + 2 * t["one_star"]
                out.append(_proposal("fix", text, impact, {**evidence, "one_star": t["one_star"]}, t, link))
        elif t["kind"] == "question" and count >= 3:
            text = w["help_article"].format(label=label, count=count, this=this, authors=authors, since=since)
            out.append(_proposal("help_article", text, 2 * count, evidence, t, link))
        elif t["kind"] == "request" and count >= 3 and authors >= 2:
            text = w["consider_request"].format(label=label, count=count, this=this, authors=authors, since=since)
            out.append(_proposal("consider_request", text, count + authors, evidence, t, link))
        elif t["kind"] == "praise" and authors >= 3:
            text = w["thank"].format(label=label, count=count, this=this, authors=authors)
            out.append(_proposal("thank", text, authors, evidence, t, link))
    return out


def _reply_proposal(
    now: Mapping[str, SourceDay], w: dict[str, str], language: str, link: str | None
) -> dict[str, Any] | None:
    """The channel replied to slowest, when it is clearly slower than all the others together."""
    best: tuple[float, dict[str, Any]] | None = None
    for source, row in now.items():
        replies = sum(row.reply_hours.values())
        others = _add_sources(r for s, r in now.items() if s != source)
        others_replies = sum(others.reply_hours.values())
        median, others_median = median_hours(row.reply_hours), median_hours(others.reply_hours)
        if replies < 3 or others_replies < 3 or median is None or others_median is None:
            continue
        gap = median - others_median
        if median < 2 * others_median or gap < 4:
            continue
        evidence = {
            "source": source,
            "median_hours": median,
            "others_median_hours": others_median,
            "replies": replies,
            "mentions": row.mentions,
        }
        text = w["reply_faster"].format(
            source=source, median=number(median, language), others=number(others_median, language), replies=replies
        )
        if best is None or gap > best[0]:
            best = (gap, _proposal("reply_faster", text, row.mentions, evidence, None, link))
    return best[1] if best else None


def _pick(proposals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    proposals = sorted(proposals, key=lambda p: (-p["impact"], RULES.index(p["rule"])))
    chosen: list[dict[str, Any]] = []
    per_rule: dict[str, int] = {}
    for p in proposals:
        if len(chosen) == MAX_PROPOSALS:
            break
        if per_rule.get(p["rule"], 0) < MAX_PER_RULE:
            per_rule[p["rule"]] = per_rule.get(p["rule"], 0) + 1
            chosen.append(p)
    return chosen


# -- the report ------------------------------------------------------------------------------------
def _validated(days: Sequence[DayCounts | Mapping[str, Any]]) -> dict[date, DayCounts]:
    out: dict[date, DayCounts] = {}
    for raw in days:
        day = raw if isinstance(raw, DayCounts) else DayCounts.model_validate(raw)
        if day.day in out:
            raise ValueError(f"days: {day.day.isoformat()} is given twice; give one DayCounts per day")
        out[day.day] = day
    return out


def build_report(
    watch_name: str,
    language: Language | str,
    period: PeriodKind | str,
    end: date,
    days: Sequence[DayCounts | Mapping[str, Any]],
    themes: Sequence[ThemeInfo | Mapping[str, Any]],
    inbox_url: str | None = None,
    *,
    top_themes: int = TOP_THEMES,
) -> dict[str, Any]:
    """The report of ``watch_name`` for the week or month containing ``end``, as a JSON-able dict.

    ``days`` covers the period and the previous one (missing days count as zero, days outside both are
    ignored; models or dicts, validated here); ``themes`` are the watch's themes (hidden ones and ids
    not listed are left out). Raises ``ValueError`` (pydantic's ``ValidationError`` included) naming
    the bad field.
    """
    if language not in ("en", "fr"):
        raise ValueError(f"language must be 'en' or 'fr', not {language!r}")
    start, stop, prev_start, prev_stop = period_bounds(period, end)  # type: ignore[arg-type]
    by_day = _validated(days)
    infos = [t if isinstance(t, ThemeInfo) else ThemeInfo.model_validate(t) for t in themes]
    current = [by_day.get(d) or DayCounts(day=d) for d in _dates(start, stop)]
    previous = [by_day.get(d) or DayCounts(day=d) for d in _dates(prev_start, prev_stop)]
    w = words(language)
    this, before = w[f"this_{period}"], w[f"before_{period}"]

    # KPIs, overall and per channel
    sources = sorted({s for d in current + previous for s in d.by_source})
    now_by = {s: _add_sources(d.by_source[s] for d in current if s in d.by_source) for s in sources}
    before_by = {s: _add_sources(d.by_source[s] for d in previous if s in d.by_source) for s in sources}
    now_all, before_all = _add_sources(now_by.values()), _add_sources(before_by.values())
    kpis = _channel_kpis(now_all, before_all)
    competitor_names = sorted({c for d in current + previous for c in d.competitors})
    rivals_now = {c: sum(d.competitors.get(c, 0) for d in current) for c in competitor_names}
    rivals_before = {c: sum(d.competitors.get(c, 0) for d in previous) for c in competitor_names}
    sov = kpi(
        _ratio(now_all.mentions, now_all.mentions + sum(rivals_now.values())) if competitor_names else None,
        _ratio(before_all.mentions, before_all.mentions + sum(rivals_before.values())) if competitor_names else None,
        rate=True,
    )
    sov["competitors"] = {c: {"value": rivals_now[c], "previous": rivals_before[c]} for c in competitor_names}
    kpis = {"mentions": kpis.pop("mentions"), "share_of_voice": sov, **kpis}
    kpis["by_source"] = {s: _channel_kpis(now_by[s], before_by[s]) for s in sources}

    # themes
    visible = {t.id: t for t in infos if not t.hidden}
    entries = []
    for info in visible.values():
        now_t = _add_themes(d.themes[info.id] for d in current if info.id in d.themes)
        before_t = _add_themes(d.themes[info.id] for d in previous if info.id in d.themes)
        entries.append(_theme_entry(info, now_t, before_t))
    entries.sort(key=lambda t: (-t["count"], -t["change"], t["label"], t["id"]))
    top = [t for kind in THEME_KINDS for t in [e for e in entries if e["kind"] == kind and e["count"] > 0][:top_themes]]

    # what changed most
    moves = [
        _move("kpi", key, None, value, prior)
        for key, value, prior in (
            ("mentions", now_all.mentions, before_all.mentions),
            ("complaints", now_all.complaints, before_all.complaints),
            ("leads", now_all.leads, before_all.leads),
            ("negative", now_all.negative, before_all.negative),
            ("positive", now_all.positive, before_all.positive),
        )
    ]
    if len(sources) > 1:  # with one channel its move is the mentions' move
        moves += [_move("source", s, s, now_by[s].mentions, before_by[s].mentions) for s in sources]
    moves += [_move("theme", t["id"], t["label"], t["count"], t["previous"]) for t in entries]
    changes = sorted((m for m in moves if m), key=lambda m: (-m["score"], -abs(m["change"]), m["key"]))

    # proposals: from every visible theme, not only the top ones shown
    proposals = _theme_proposals([t for t in entries if t["count"] > 0], w, this, before, inbox_url)
    reply = _reply_proposal(now_by, w, language, inbox_url)
    if reply:
        proposals.append(reply)

    chart = []
    for d in current:
        total = _add_sources(d.by_source.values())
        chart.append(
            {
                "day": d.day.isoformat(),
                "mentions": total.mentions,
                "positive": total.positive,
                "neutral": total.neutral,
                "negative": total.negative,
            }
        )
    return {
        "watch": watch_name,
        "language": language,
        "period": {
            "kind": period,
            "start": start.isoformat(),
            "end": stop.isoformat(),
            "previous_start": prev_start.isoformat(),
            "previous_end": prev_stop.isoformat(),
        },
        "inbox_url": inbox_url,
        "kpis": kpis,
        "themes": top,
        "changes": changes[:MAX_CHANGES],
        "proposals": _pick(proposals),
        "days": chart,
    }
