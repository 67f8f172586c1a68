"""Crisis detection: an hour with far more negative mentions than the watch usually gets.

The math is pure: the baseline is the mean hourly count of negative mentions over the previous
14 days (hours without a counter count as zero), and an hour is a spike when its count is at least
the watch's ``crisis_min_count`` and so high that a Poisson variable with the baseline mean would
reach it with probability below 0.001. An episode is a run of consecutive spike hours; it raises one
"crisis" alert, keyed by the watch and the hour the episode started. Store access comes in as a
parameter (anything with ``add_to_counter``, ``counters``, ``iter_mentions``, ``put_once`` and
``forget_once``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from chalicelib.alerts import Alert, AlertItem, Channel, deliver_once
from chalicelib.models import Mention

COUNTER = "negative"
ALPHA = 0.001
BASELINE_DAYS = 14
BASELINE_HOURS = BASELINE_DAYS * 24
HOUR_FORMAT = "%Y-%m-%dT%H"


class CrisisStore(Protocol):
    def add_to_counter(
        self,
        watch: str,
        name: str,
        hour: datetime,
        amount: int = 1,
        once: str | None = None,
        extra: dict[str, int] | None = None,
    ) -> int | None: ...

    def counters(self, watch: str, name: str, start: datetime, end: datetime) -> dict[str, int]: ...

    def iter_mentions(self, watch: str, days: Iterable[str]) -> Iterable[Mention]: ...

    def put_once(
        self, kind: str, key: str, attributes: dict[str, object] | None = None, ttl_days: int | None = 30
    ) -> bool: ...

    def forget_once(self, kind: str, key: str) -> None: ...

    def get_once(self, kind: str, key: str) -> dict[str, Any] | None: ...


# -- pure math -----------------------------------------------------------------------------------
def poisson_tail(k: int, mu: float) -> float:
    """P(X >= k) for X ~ Poisson(mu), accurate for small tails."""
    if k <= 0:
        return 1.0
    if mu <= 0:
        return 0.0
    if k <= mu:
        # The tail is large: one minus the (short) lower sum is precise enough.
        lower = sum(math.exp(-mu + i * math.log(mu) - math.lgamma(i + 1)) for i in range(k))
        return max(0.0, 1.0 - lower)
    term = math.exp(-mu + k * math.log(mu) - math.lgamma(k + 1))
    total = 0.0
    i = k
    while term > 0 and term > total * 1e-17:
        total += term
        i += 1
        term *= mu / i
    return min(1.0, total)


def spike_threshold(baseline: float, min_count: int, alpha: float = ALPHA) -> int:
    """The smallest hourly count, at least ``min_count``, whose Poisson upper tail is below ``alpha``."""
    k = max(1, min_count)
    while poisson_tail(k, baseline) >= alpha:
        k += 1
    return k


def baseline_mean(counts: Mapping[str, int], before: datetime, hours: int = BASELINE_HOURS) -> float:
    """Mean hourly count over the ``hours`` hours before ``before`` (missing hours count as zero)."""
    start = before - timedelta(hours=hours)
    total = sum(n for key, n in counts.items() if start <= parse_hour(key) < before)
    return total / hours


def floor_hour(moment: datetime) -> datetime:
    """The UTC hour ``moment`` falls in."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def hour_key(hour: datetime) -> str:
    return hour.astimezone(UTC).strftime(HOUR_FORMAT)


def parse_hour(key: str) -> datetime:
    return datetime.strptime(key, HOUR_FORMAT).replace(tzinfo=UTC)


def episode_start(counts: Mapping[str, int], hour: datetime, threshold: int) -> datetime:
    """The first hour of the run of consecutive hours, ending at ``hour``, whose counts reach ``threshold``."""
    start = hour
    while counts.get(hour_key(start - timedelta(hours=1)), 0) >= threshold:
        start -= timedelta(hours=1)
    return start


@dataclass(frozen=True)
class Spike:
    """One hour above the watch's usual level of negative mentions."""

    hour: datetime
    count: int
    baseline: float
    threshold: int
    p_value: float
    episode_start: datetime


def assess_hour(counts: Mapping[str, int], hour: datetime, min_count: int, alpha: float = ALPHA) -> Spike | None:
    """A Spike when ``hour`` (UTC) is above the 14-day baseline of ``counts``; None otherwise."""
    hour = floor_hour(hour)
    count = counts.get(hour_key(hour), 0)
    baseline = baseline_mean(counts, hour)
    threshold = spike_threshold(baseline, min_count, alpha)
    if count < threshold:
        return None
    return Spike(
        hour=hour,
        count=count,
        baseline=baseline,
        threshold=threshold,
        p_value=poisson_tail(count, baseline),
        episode_start=episode_start(counts, hour, threshold),
    )


def spike_hours(
    counts: Mapping[str, int], hours: Sequence[datetime], min_count: int, alpha: float = ALPHA
) -> list[Spike]:
    """The hours among ``hours`` that are spikes, each against the baseline before the first of them."""
    if not hours:
        return []
    first = floor_hour(hours[0])
    baseline = baseline_mean(counts, first)
    threshold = spike_threshold(baseline, min_count, alpha)
    spikes = []
    for hour in hours:
        count = counts.get(hour_key(hour), 0)
        if count >= threshold:
            spikes.append(
                Spike(
                    hour=floor_hour(hour),
                    count=count,
                    baseline=baseline,
                    threshold=threshold,
                    p_value=poisson_tail(count, baseline),
                    episode_start=episode_start(counts, floor_hour(hour), threshold),
                )
            )
    return spikes


# -- with the store -------------------------------------------------------------------------------
def load_counts(store: CrisisStore, watch: str, start: datetime, end: datetime) -> dict[str, int]:
    """The watch's hourly negative counts from ``start`` (inclusive) to ``end`` (inclusive)."""
    return store.counters(watch, COUNTER, floor_hour(start), floor_hour(end))


def record_negative(
    store: CrisisStore,
    watch: str,
    created_at: datetime,
    amount: int = 1,
    once: str | None = None,
    extra: Mapping[str, int] | None = None,
) -> int | None:
    """Count ``amount`` negative mentions in the hour ``created_at`` falls in; return that hour's new count.
    With ``once`` (a stream window's id), an addition already made under it is not made again (None).
    ``extra``: the hour's other counts (KPIs, themes: chalicelib/pipeline/tally.py), added in the same write."""
    if extra:
        return store.add_to_counter(watch, COUNTER, floor_hour(created_at), amount, once=once, extra=dict(extra))
    return store.add_to_counter(watch, COUNTER, floor_hour(created_at), amount, once=once)


def record_counts(
    store: CrisisStore, watch: str, created_at: datetime, counts: Mapping[str, int], once: str | None = None
) -> None:
    """Add the report's counts (chalicelib/pipeline/tally.py) to the hour ``created_at`` falls in, with no
    negative mention: the same item and write as :func:`record_negative`."""
    record_negative(store, watch, created_at, 0, once=once, extra=counts)


def _effective(mention: Mention) -> dict[str, Any]:
    return {**(mention.labels or {}), **(mention.corrections or {})}


def top_mentions(store: CrisisStore, watch: str, hour: datetime, limit: int = 3) -> list[Mention]:
    """The hour's negative mentions with the highest urgency (spam excluded)."""
    hour = floor_hour(hour)
    end = hour + timedelta(hours=1)
    found = [m for m in store.iter_mentions(watch, [hour.strftime("%Y-%m-%d")]) if hour <= m.created_at < end]
    negative = [m for m in found if _effective(m).get("sentiment") == "negative" and not _effective(m).get("spam")]
    negative.sort(key=lambda m: (-(_effective(m).get("urgency") or 0), m.created_at))
    return negative[:limit]


def crisis_alert(watch: str, spike: Spike, mentions: Sequence[Mention]) -> Alert:
    """The one alert of a crisis episode."""
    items = []
    for m in mentions:
        labels = _effective(m)
        why = [f"{flag}: {', '.join(map(str, cues))}" for flag, cues in (labels.get("why") or {}).items() if cues]
        items.append(
            AlertItem(
                id=m.id,
                source=m.source,
                url=m.url,
                author=m.author.handle or m.author.name,
                reach=m.author.reach,
                quote=m.quote(),
                why=why,
                urgency=labels.get("urgency"),
            )
        )
    return Alert(
        kind="crisis",
        key=f"{watch}#{hour_key(spike.episode_start)}",
        watch=watch,
        title=f"Possible crisis on {watch}: {spike.count} negative mentions this hour",
        summary=(
            f"{spike.count} negative mentions in the hour from {spike.hour:%Y-%m-%d %H:00} UTC, against a usual "
            f"{spike.baseline:.2f} per hour over the last {BASELINE_DAYS} days (p = {spike.p_value:.1e}). "
            f"Started {spike.episode_start:%Y-%m-%d %H:00} UTC."
        ),
        items=items,
    )


def check_crisis(
    store: CrisisStore,
    watch: str,
    hour: datetime,
    min_count: int,
    channels: Sequence[Channel],
    pending: Mapping[str, int] | None = None,
) -> Alert | None:
    """Raise the crisis alert of the episode ``hour`` belongs to, once; return it when a spike is on.

    ``pending``: counts by hour key not written to the counters yet (the stream window's tally), added to them.
    """
    hour = floor_hour(hour)
    counts = load_counts(store, watch, hour - timedelta(hours=BASELINE_HOURS), hour)
    for key, amount in (pending or {}).items():
        counts[key] = counts.get(key, 0) + amount
    spike = assess_hour(counts, hour, min_count)
    if spike is None:
        return None
    key = f"{watch}#{hour_key(spike.episode_start)}"
    if store.get_once("alert", f"crisis#{key}") is not None:
        # Already alerted: skip reading the hour's mentions, which every negative mention of the
        # episode would otherwise do (a read of the whole day per mention).
        return crisis_alert(watch, spike, [])
    alert = crisis_alert(watch, spike, top_mentions(store, watch, hour))
    deliver_once(store, alert, channels)
    return alert
