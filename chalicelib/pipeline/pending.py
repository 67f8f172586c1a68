"""The ``retry_alerts`` schedule: resend the alerts a channel refused, through that channel alone.

A pending alert (chalicelib/alerts.py :class:`PendingAlert`) is written by the stream only when a channel
failed; the mention itself is labelled and listed all the same. Each run takes the pending alerts that are
due (backoff: 5 min, 10, 20, ... capped at 2 h), sends each through the channels that still owe it, and
removes it once every channel has it. An alert still refused :data:`~chalicelib.alerts.RETRY_FOR` after its
first failure is given up: ``undelivered``, counted (metric ``AlertsUndelivered``, an alarm in infra) and
shown on the mention, at the top of the digest and in ``/health``. A channel that works again is logged
once ("alert channel recovered"), when the last alert waiting on it went out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.alerts import (
    RETRY_FOR,
    Channel,
    ChannelFailure,
    PendingAlert,
    channel_name,
    failure_text,
    retry_delay,
    send_each,
)
from chalicelib.observability import logger, metrics

if TYPE_CHECKING:  # pragma: no cover
    from chalicelib.config import VeilleConfig, WatchConfig

# Until then, an alert whose mention is not labelled yet belongs to the stream's own retry of the record.
STREAM_OWNS = timedelta(hours=1)
# An undelivered alert keeps /health degraded and tops the digest this long after it was given up.
SHOWN_FOR = timedelta(hours=24)


def retry_pending_alerts(
    store: Any,
    config: VeilleConfig,
    channels_for: Callable[[WatchConfig], Sequence[Channel]],
    now: datetime,
) -> dict[str, int]:
    """One run of the schedule. Returns how many alerts were ``delivered`` now, ``retried`` and still
    failing, ``waiting`` (not due yet, or still the stream's), and ``undelivered`` (given up)."""
    counts = {"delivered": 0, "retried": 0, "waiting": 0, "undelivered": 0}
    worked: set[tuple[str, str]] = set()
    pendings = store.pending_alerts()
    for pending in pendings:
        if pending.status == "undelivered":
            counts["undelivered"] += 1
            continue
        counts[_retry_one(store, config, channels_for, pending, now, worked)] += 1
    _say_recovered(pendings, worked)
    if counts["retried"] or counts["delivered"]:
        logger.info("pending alerts retried", extra=counts)
    return counts


def _retry_one(
    store: Any,
    config: VeilleConfig,
    channels_for: Callable[[WatchConfig], Sequence[Channel]],
    pending: PendingAlert,
    now: datetime,
    worked: set[tuple[str, str]],
) -> str:
    """Retry one pending alert if it is due; the outcome as a key of the run's counts."""
    if not pending.failed:  # every channel had it; the labels' write failed and the stream's retry cleans up
        if store.is_labelled_key(pending.listed_key):
            store.delete_pending_alert(pending.watch, pending.mention_id)
        return "waiting"
    if pending.next_at > now:
        return "waiting"
    if now - pending.first_failed_at < STREAM_OWNS and not store.is_labelled_key(pending.listed_key):
        return "waiting"  # the stream is still retrying the record: it owns the alert
    try:
        watch = config.watch(pending.watch)
    except KeyError:
        logger.warning("pending alert of a watch no longer configured; dropped", extra={"watch": pending.watch})
        store.delete_pending_alert(pending.watch, pending.mention_id)
        pending.failed.clear()
        return "delivered"
    configured = {channel_name(c): c for c in channels_for(watch)}
    for name in sorted(set(pending.failed) - set(configured)):
        logger.warning("alert channel no longer configured; not retried", extra={"watch": watch.name, "channel": name})
        del pending.failed[name]
    sent, errors = send_each(pending.alert, [configured[name] for name in sorted(pending.failed)])
    for name in sent:
        del pending.failed[name]
        pending.sent = sorted({*pending.sent, name})
        worked.add((watch.name, name))
    for name, exc in errors.items():
        before = pending.failed[name]
        pending.failed[name] = ChannelFailure(error=failure_text(exc), since=before.since, last_try=now)
    if not pending.failed:
        store.delete_pending_alert(pending.watch, pending.mention_id)
        metrics.add_metric(name="PendingAlertsDelivered", unit="Count", value=1)
        return "delivered"
    pending.attempts += 1
    pending.next_at = now + retry_delay(pending.attempts)
    if now - pending.first_failed_at >= RETRY_FOR:
        pending.status = "undelivered"
        metrics.add_metric(name="AlertsUndelivered", unit="Count", value=1)
        logger.error(
            "alert not delivered: given up after 24 h",
            extra={"watch": watch.name, "id": pending.mention_id, "channels": ", ".join(sorted(pending.failed))},
        )
    store.put_pending_alert(pending)
    return "undelivered" if pending.status == "undelivered" else "retried"


def _say_recovered(pendings: Sequence[PendingAlert], worked: set[tuple[str, str]]) -> None:
    """Log once per channel that delivered now and on which no pending alert waits any more (``pendings`` as
    this run left them: a delivered one has no failed channel left)."""
    waiting = {(p.watch, name) for p in pendings if p.status == "pending" for name in p.failed}
    for watch, name in sorted(worked - waiting):
        logger.warning("alert channel recovered: pending alerts delivered", extra={"watch": watch, "channel": name})


def current_failures(pendings: Sequence[PendingAlert], now: datetime) -> list[PendingAlert]:
    """The pending alerts a founder must be told of: still pending, or given up less than a day ago."""
    return [
        p
        for p in pendings
        if p.failed and (p.status == "pending" or now - max(f.last_try for f in p.failed.values()) <= SHOWN_FOR)
    ]


def failing_channels(pendings: Sequence[PendingAlert], now: datetime) -> dict[str, dict[str, str]]:
    """Per failing channel, its latest error and since when it fails (the earliest failure still pending)."""
    channels: dict[str, dict[str, str]] = {}
    for pending in current_failures(pendings, now):
        for name, failure in pending.failed.items():
            known = channels.get(name)
            if known is None or failure.since.isoformat() < known["since"]:
                channels[name] = {"error": failure.error, "since": failure.since.isoformat()}
    return dict(sorted(channels.items()))
