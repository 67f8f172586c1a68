"""Crisis math: Poisson tail, thresholds, baselines and episodes, on given counts (no store)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from scipy.stats import poisson

from chalicelib.crisis import (
    assess_hour,
    baseline_mean,
    episode_start,
    hour_key,
    poisson_tail,
    spike_hours,
    spike_threshold,
)

NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


def steady(rate_every_hours: int, days: int = 14, end: datetime = NOW) -> dict[str, int]:
    """One negative mention every ``rate_every_hours`` hours over ``days`` days before ``end``."""
    return {hour_key(end - timedelta(hours=h)): 1 for h in range(1, days * 24 + 1) if h % rate_every_hours == 0}


@pytest.mark.parametrize(("k", "mu"), [(1, 1.0), (3, 0.5), (5, 0.5), (12, 2.0), (40, 3.0), (2, 10.0), (0, 1.0)])
def test_poisson_tail_matches_scipy(k: int, mu: float) -> None:
    assert poisson_tail(k, mu) == pytest.approx(float(poisson.sf(k - 1, mu)), rel=1e-9, abs=1e-300)


def test_poisson_tail_with_no_baseline_is_zero_for_any_count() -> None:
    assert poisson_tail(1, 0.0) == 0.0
    assert poisson_tail(0, 0.0) == 1.0


def test_threshold_is_the_first_count_below_one_in_a_thousand() -> None:
    # P(X >= 4 | 0.5) = 0.00175, P(X >= 5 | 0.5) = 0.00017
    assert spike_threshold(0.5, min_count=1) == 5
    # The watch's minimum wins when the baseline is tiny.
    assert spike_threshold(0.0, min_count=5) == 5
    assert spike_threshold(0.01, min_count=8) == 8


def test_baseline_counts_missing_hours_as_zero() -> None:
    counts = steady(2)
    assert baseline_mean(counts, NOW) == pytest.approx(0.5)
    # The current hour itself is not part of its baseline.
    counts[hour_key(NOW)] = 100
    assert baseline_mean(counts, NOW) == pytest.approx(0.5)


def test_an_ordinary_busy_hour_is_not_a_spike() -> None:
    counts = steady(2)
    counts[hour_key(NOW)] = 4
    assert assess_hour(counts, NOW, min_count=3) is None


def test_a_far_busier_hour_is_a_spike() -> None:
    counts = steady(2)
    counts[hour_key(NOW)] = 9
    spike = assess_hour(counts, NOW + timedelta(minutes=25), min_count=3)
    assert spike is not None
    assert spike.count == 9
    assert spike.threshold == 5
    assert spike.p_value < 0.001
    assert spike.episode_start == NOW


def test_the_minimum_count_stops_a_spike_on_a_quiet_watch() -> None:
    counts = {hour_key(NOW): 4}  # no history at all: any count is improbable, but 4 is below the minimum
    assert assess_hour(counts, NOW, min_count=5) is None
    counts[hour_key(NOW)] = 5
    assert assess_hour(counts, NOW, min_count=5) is not None


def test_an_episode_starts_at_the_first_of_consecutive_hours_above_threshold() -> None:
    counts = {hour_key(NOW - timedelta(hours=h)): n for h, n in [(0, 9), (1, 7), (2, 6), (3, 1), (4, 9)]}
    assert episode_start(counts, NOW, threshold=5) == NOW - timedelta(hours=2)


def test_spike_hours_of_a_day_against_the_baseline_before_it() -> None:
    day_start = NOW.replace(hour=0)
    counts = steady(4, end=day_start)  # 0.25 an hour
    counts[hour_key(day_start + timedelta(hours=9))] = 7
    counts[hour_key(day_start + timedelta(hours=10))] = 2
    hours = [day_start + timedelta(hours=h) for h in range(24)]
    spikes = spike_hours(counts, hours, min_count=3)
    assert [s.hour for s in spikes] == [day_start + timedelta(hours=9)]
    assert spikes[0].baseline == pytest.approx(0.25)
