"""The report's inputs from the store: the hourly counter items of the period and the one before (KPIs
and theme counts, chalicelib/pipeline/tally.py), summed into local days, and the watch's stored themes.

Reads at most two months of hourly items per watch (about 1,500 small items, a few Queries) and one Query
of the themes: a month at 1M mentions a day builds in one invocation, never reading a mention.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from chalicelib.report.build import build_report, period_bounds

if TYPE_CHECKING:  # pragma: no cover
    from chalicelib.config import VeilleConfig

SOURCE_FIELDS = {
    "n": "mentions",
    "pos": "positive",
    "neu": "neutral",
    "neg": "negative",
    "cmp": "complaints",
    "lead": "leads",
    "rep": "replied",
}
THEME_FIELDS = {"t": "units", "tm": "authors", "tn": "negative", "t1": "one_star"}
EARLIEST = date(2000, 1, 1)


def local_days(items: dict[str, dict[str, int]], zone: ZoneInfo) -> dict[date, dict[str, int]]:
    """Hourly counter items (``YYYY-MM-DDTHH`` in UTC) summed into the watch's local days."""
    from chalicelib.crisis import parse_hour

    days: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for hour_key, fields in items.items():
        day = parse_hour(hour_key).astimezone(zone).date()
        for field, n in fields.items():
            if "|" in field:
                days[day][field] += int(n)
    return days


def day_counts(day: date, fields: dict[str, int], competitors: dict[str, int]) -> dict[str, Any]:
    """One local day's fields as the report's DayCounts."""
    by_source: dict[str, dict[str, Any]] = defaultdict(lambda: {"reply_hours": {}})
    themes: dict[str, dict[str, int]] = defaultdict(dict)
    for field, n in fields.items():
        name, key = field.split("|", 1)
        if name in SOURCE_FIELDS:
            by_source[key][SOURCE_FIELDS[name]] = by_source[key].get(SOURCE_FIELDS[name], 0) + n
        elif name.startswith("rh"):
            hours = by_source[key]["reply_hours"]
            hours[name[2:]] = hours.get(name[2:], 0) + n
        elif name in THEME_FIELDS:
            themes[key][THEME_FIELDS[name]] = themes[key].get(THEME_FIELDS[name], 0) + n
    return {"day": day, "by_source": dict(by_source), "themes": dict(themes), "competitors": competitors}


def collect_report(
    store: Any,
    config: VeilleConfig,
    watch_name: str,
    period: str,
    end: date,
    *,
    lang: str | None = None,
    inbox_url: str | None = None,
) -> dict[str, Any]:
    """The report of a watch for the week or month containing ``end``, from the store's aggregates."""
    from chalicelib.crisis import COUNTER
    from chalicelib.themes.job import report_theme

    watch = config.watch(watch_name)
    zone = ZoneInfo(watch.timezone)
    _start, last, previous_start, _ = period_bounds(period, end)  # type: ignore[arg-type]
    first_hour = datetime.combine(previous_start, time(0), zone).astimezone(ZoneInfo("UTC"))
    last_hour = datetime.combine(last + timedelta(days=1), time(0), zone).astimezone(ZoneInfo("UTC"))
    last_hour -= timedelta(hours=1)
    own = local_days(store.counter_items(watch.name, COUNTER, first_hour, last_hour), zone)
    rivals = {
        other: local_days(store.counter_items(other, COUNTER, first_hour, last_hour), zone)
        for other in watch.competitors
    }
    days = []
    every_day = sorted(set(own) | {d for found in rivals.values() for d in found})
    for day in every_day:
        competitors = {
            other: sum(n for f, n in found.get(day, {}).items() if f.startswith("n|"))
            for other, found in rivals.items()
        }
        days.append(day_counts(day, own.get(day, {}), competitors))
    language = lang or watch.language
    stored = store.themes(watch.name)
    # A theme the founder merged into another is kept as a tombstone: its units count under the target.
    alias = {str(d["id"]): str(d["merged_into"]) for d in stored if d.get("merged_into")}
    for day_row in days:
        merged: dict[str, dict[str, int]] = {}
        for theme_id, found in day_row["themes"].items():
            target = merged.setdefault(alias.get(theme_id, theme_id), {})
            for field, n in found.items():
                target[field] = target.get(field, 0) + n
        day_row["themes"] = merged
    themes = [report_theme(d, language) for d in stored if not d.get("merged_into")]
    return build_report(watch.name, language, period, end, days, themes, inbox_url)
