"""What happens right after a mention is classified: urgent alerts and crisis detection.

:class:`BatchReaction` is what the stream handler uses, one per invocation: urgent alerts go out per
record, while negative mentions are tallied and counted once per watch and hour when the batch ends
(one counter update and one crisis check per hour instead of one per mention). :func:`react` takes its
dependencies as parameters (tests pass fakes or a DynamoDB Local store). Both steps are safe to redo on
a redelivered record: an urgent alert goes out only while the mention's labels are not stored (so an alert
that went out costs no write), and the crisis counter only moves the first time. A failing alert channel
never keeps the labels from being stored: it leaves a pending alert, retried by a schedule. Crisis
alerts keep their once-only marks (:func:`chalicelib.alerts.deliver_once`): one per episode.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from chalicelib.alerts import Alert, AlertItem, Channel, ChannelFailure, PendingAlert, failure_text, send_each
from chalicelib.models import Mention, utcnow
from chalicelib.observability import logger, metrics
from chalicelib.store.repo import listed_key_of

if TYPE_CHECKING:  # pragma: no cover
    from chalicelib.config import VeilleConfig, WatchConfig
    from chalicelib.crisis import CrisisStore

# A negative mention older than this (a backfill, a late fetch) is counted but does not open a crisis now.
CRISIS_RECENT = timedelta(hours=2)


def why_lines(labels: dict[str, Any]) -> list[str]:
    """``{"complaint": ["refund", "broken"]}`` as ``["complaint: refund, broken"]``."""
    why = labels.get("why") or {}
    if not isinstance(why, dict):
        return []
    return [f"{flag}: {', '.join(str(c) for c in cues)}" for flag, cues in why.items() if cues]


def is_urgent_complaint(labels: dict[str, Any], threshold: int) -> bool:
    """A complaint whose urgency reaches the watch's threshold (spam never is)."""
    if labels.get("spam") or not labels.get("complaint"):
        return False
    try:
        return int(labels.get("urgency") or 0) >= threshold
    except (TypeError, ValueError):
        return False


def urgent_alert(mention: Mention, labels: dict[str, Any], watch: WatchConfig, link: str | None = None) -> Alert:
    """The alert of one urgent complaint: the quoted text, why it was flagged, the author's reach, the link."""
    author = mention.author.handle or mention.author.name
    item = AlertItem(
        id=mention.id,
        source=mention.source,
        url=mention.url,
        author=author,
        reach=mention.author.reach,
        quote=mention.quote(),
        why=why_lines(labels),
        urgency=int(labels.get("urgency") or 0),
    )
    who = f"{author} ({mention.author.reach:,} followers)" if author and mention.author.reach else (author or "someone")
    return Alert(
        kind="urgent",
        key=mention.id,
        watch=watch.name,
        title=f"Urgent complaint about {watch.name} on {mention.source}",
        summary=f"{who} complained (urgency {item.urgency}/100). Reply within {watch.reply_target_hours} h.",
        items=[item],
        link=link,
    )


def react(
    mention: Mention,
    labels: dict[str, Any],
    store_labels: Callable[[], bool],
    *,
    store: Any,
    config: VeilleConfig,
    channels_for: Callable[[WatchConfig], Sequence[Channel]],
    now: datetime,
    app_url: str | None = None,
    tally: Callable[[str, datetime], None] | None = None,
) -> bool:
    """Store the labels (``store_labels()``, True the first time), alerting first on an urgent complaint, then
    count a negative mention towards crisis detection; return what ``store_labels`` returned.

    The urgent alert goes out *before* the labels are stored, and only while they are not stored yet, so an
    alert that every channel took costs no write; a redelivered record whose labels are stored alerts no more.
    A channel that fails never holds the mention back: a :class:`PendingAlert` says which channels still owe
    the alert (the ``retry_alerts`` schedule resends through them alone), then the labels are stored, so the
    mention is listed at once. If storing the labels fails after sending, the pending alert records the
    channels that had it, and the record's retry sends through no channel twice.

    ``app_url`` (the inbox page) is linked from the urgent alert when given. With ``tally``, a negative
    mention seen for the first time is handed to it (watch, created_at) instead of being counted and
    checked here: :class:`BatchReaction` counts and checks once per hour at the end of the batch. A failed
    count is raised after the labels are stored (the retry stores nothing twice).
    """
    try:
        watch = config.watch(mention.watch)
    except KeyError:
        logger.warning("mention of an unknown watch; no reaction", extra={"watch": mention.watch, "id": mention.id})
        return store_labels()
    effective = mention.effective_labels(labels)
    channels: Sequence[Channel] | None = None

    def get_channels() -> Sequence[Channel]:
        nonlocal channels
        if channels is None:
            channels = channels_for(watch)
        return channels

    delivery: UrgentDelivery | None = None
    if is_urgent_complaint(effective, watch.urgency_threshold) and not store.is_labelled(mention):
        alert = urgent_alert(mention, effective, watch, app_url)
        delivery = send_urgent(store, alert, listed_key_of(mention), get_channels(), now)
        if delivery.sent_now:
            metrics.add_metric(name="UrgentAlertsSent", unit="Count", value=1)
    try:
        first_time = store_labels()
    except Exception:
        if delivery is not None:
            delivery.keep_marks(store)  # the retry must not send through these again
        raise
    if delivery is not None:
        delivery.done(store)

    negative = effective.get("sentiment") == "negative" and not effective.get("spam")
    if negative and tally is not None:
        if first_time:
            tally(watch.name, mention.created_at)
    elif negative:
        try:
            recent = now - mention.created_at <= CRISIS_RECENT
            count_negatives(store, watch, mention.created_at, int(first_time), get_channels, check=recent)
        except Exception as exc:
            logger.error("crisis detection failed", extra={"watch": watch.name, "error": str(exc)})
            raise
    return first_time


class UrgentDelivery:
    """Where an urgent alert went in one attempt of the stream: ``pending`` (when something failed, or an
    earlier attempt left one) is what the store must keep; ``done`` once the labels are stored."""

    def __init__(self, pending: PendingAlert, sent_now: list[str], written: bool, previous: bool) -> None:
        self.pending, self.sent_now, self.written, self.previous = pending, sent_now, written, previous

    def keep_marks(self, store: Any) -> None:
        """Storing the labels failed: make sure the channels that have the alert are recorded."""
        if not self.written and self.pending.sent:
            try:
                _put_pending(store, self.pending)
            except Exception as exc:  # noqa: BLE001 - best effort: a duplicate alert beats a lost one
                logger.error("urgent alert marks not written", extra={"id": self.pending.mention_id, "error": str(exc)})

    def done(self, store: Any) -> None:
        """The labels are stored: an earlier attempt's record with nothing left to send is removed."""
        if self.previous and not self.pending.failed:
            try:
                store.delete_pending_alert(self.pending.watch, self.pending.mention_id)
            except Exception as exc:  # noqa: BLE001 - the retry schedule removes it too
                logger.warning("delivered alert's record not removed", extra={"error": str(exc)})


def send_urgent(
    store: Any, alert: Alert, listed_key: dict[str, str], channels: Sequence[Channel], now: datetime
) -> UrgentDelivery:
    """Send an urgent alert through each channel that does not have it yet (an earlier attempt's
    :class:`PendingAlert` says which do); never raises for a channel. Writes only when a channel failed:
    the pending alert, which the ``retry_alerts`` schedule resends. A channel that starts failing (no other
    pending alert of the watch waits on it) is logged once, as a warning."""
    previous = store.get_pending_alert(alert.watch, alert.key)
    have = set(previous.sent) if previous else set()
    sent, errors = send_each(alert, channels, skip=lambda name: name in have)
    earlier = previous.failed if previous else {}
    pending = PendingAlert(
        alert=alert,
        mention_id=alert.key,
        listed_key=listed_key,
        sent=sorted(have | set(sent)),
        failed={
            name: ChannelFailure(
                error=failure_text(exc), since=earlier[name].since if name in earlier else now, last_try=now
            )
            for name, exc in errors.items()
        },
        first_failed_at=previous.first_failed_at if previous else now,
        next_at=now,
    )
    written = False
    if errors:
        _put_pending(store, pending)  # if it cannot be written, the record is retried: resent rather than lost
        written = True
        starting = channels_starting_to_fail(store, pending)
        metrics.add_metric(name="AlertsPending", unit="Count", value=1)
        for name in starting:
            logger.warning(
                "alert channel failing: alerts are kept and retried",
                extra={"watch": alert.watch, "channel": name, "error": pending.failed[name].error},
            )
    return UrgentDelivery(pending, sent, written, previous is not None)


def channels_starting_to_fail(store: Any, pending: PendingAlert) -> list[str]:
    """The failed channels of ``pending`` on which no other alert of its watch is waiting yet (none if that
    cannot be read: the message is only a courtesy, the pending alert is written)."""
    waiting: set[str] = set()
    try:
        others = store.pending_alerts(pending.watch)
    except Exception as exc:  # noqa: BLE001 - never fail a record for a log line
        logger.info("pending alerts unreadable", extra={"error": str(exc)})
        return []
    for other in others:
        if other.mention_id != pending.mention_id and other.status == "pending":
            waiting |= set(other.failed)
    return sorted(set(pending.failed) - waiting)


def _put_pending(store: Any, pending: PendingAlert) -> None:
    """Write a pending alert, tried twice (the store retries throttles itself); raises if both failed."""
    try:
        store.put_pending_alert(pending)
    except Exception:  # noqa: BLE001 - once more, then let it go up
        store.put_pending_alert(pending)


def count_negatives(
    store: CrisisStore,
    watch: WatchConfig,
    created_at: datetime,
    amount: int,
    channels: Callable[[], Sequence[Channel]],
    *,
    check: bool,
    pending: dict[str, int] | None = None,
) -> None:
    """Add ``amount`` negative mentions to the hour of ``created_at``; with ``check``, alert on a crisis
    (counting ``pending``, by hour key, on top of the stored counters)."""
    from chalicelib import crisis

    if amount:
        crisis.record_negative(store, watch.name, created_at, amount)
    if check and crisis.check_crisis(store, watch.name, created_at, watch.crisis_min_count, channels(), pending):
        metrics.add_metric(name="CrisisDetected", unit="Count", value=1)


# The stream mapping's tumbling window (infra sets TumblingWindowInSeconds to it; the local poller keeps the
# same windows): negative mentions are tallied in the window's state, which Lambda hands from one batch to the
# next, and written to the hourly counters once, when the window ends. Crisis checks count the tally on top
# of the counters, so detection stays immediate; the counters cost one write per watch, hour and window
# instead of one per stream batch (at 10k mentions a day, batches of one or two mentions: ~0.2 write a mention).
TALLY_WINDOW_S = 900
_WINDOW_KEY = "|"


class BatchReaction:
    """The stream handler's reaction for one batch: ``reaction(mention, labels, store_labels)`` per record
    (it stores the labels, see :func:`react`), then ``reaction.flush()`` once the batch is done.

    In a tumbling window (:meth:`open_window` with the state Lambda passed in), ``flush`` adds the batch's
    negative mentions to the window's tally instead of the counters, :meth:`close_window` writes the tally
    once the window ends, and :meth:`window_state` is the state to hand back.
    """

    def __init__(
        self,
        *,
        store: Any,
        config: VeilleConfig,
        channels_for: Callable[[WatchConfig], Sequence[Channel]],
        now: datetime,
        app_url: str | None = None,
    ) -> None:
        self.store, self.config, self.channels_for, self.now, self.app_url = store, config, channels_for, now, app_url
        self.negatives: dict[tuple[str, datetime], int] = {}
        self.counts: dict[tuple[str, datetime], Counter[str]] = {}
        self.recent: set[tuple[str, datetime]] = set()
        self.window: dict[str, Any] | None = None

    def __call__(self, mention: Mention, labels: dict[str, Any], store_labels: Callable[[], bool]) -> bool:
        first_time = react(
            mention,
            labels,
            store_labels,
            store=self.store,
            config=self.config,
            channels_for=self.channels_for,
            now=self.now,
            app_url=self.app_url,
            tally=self._tally,
        )
        if first_time and any(w.name == mention.watch for w in self.config.watches):
            from chalicelib import crisis
            from chalicelib.pipeline.tally import kpi_fields

            key = (mention.watch, crisis.floor_hour(mention.created_at))
            self.counts.setdefault(key, Counter()).update(kpi_fields(mention, labels))
        return first_time

    def _tally(self, watch: str, created_at: datetime) -> None:
        from chalicelib import crisis

        key = (watch, crisis.floor_hour(created_at))
        self.negatives[key] = self.negatives.get(key, 0) + 1
        if self.now - created_at <= CRISIS_RECENT:
            self.recent.add(key)

    # -- the tumbling window ----------------------------------------------------------------------------
    def open_window(self, state: dict[str, Any] | None) -> None:
        """Take up the window's state as Lambda passed it: ``{"id": ..., "tally": {"watch|hour": n},
        "counts": {"watch|hour": {field: n}}}`` (negative mentions, and the KPI and theme counts)."""
        state = state or {}
        found = state.get("tally")
        tally: dict[str, Any] = found if isinstance(found, dict) else {}
        found_counts = state.get("counts")
        counts: dict[str, Any] = found_counts if isinstance(found_counts, dict) else {}
        self.window = {
            "id": str(state.get("id") or ""),
            "tally": {str(k): int(v) for k, v in tally.items()},
            "counts": {
                str(k): {str(f): int(n) for f, n in v.items()} for k, v in counts.items() if isinstance(v, dict)
            },
        }

    def window_state(self) -> dict[str, Any]:
        """The state to return to Lambda (empty once the tally is written)."""
        if not self.window or not (self.window["tally"] or self.window["counts"]):
            return {}
        return {
            "id": self.window["id"],
            "tally": dict(self.window["tally"]),
            "counts": {k: dict(v) for k, v in self.window["counts"].items()},
        }

    def close_window(self) -> None:
        """Write the window's tally and counts to the hourly counters, one write per watch and hour, each once
        under the window's id (a retried window end adds nothing twice). Raises if a write failed: Lambda
        retries the window's end."""
        from chalicelib import crisis

        if not self.window:
            return
        tally: dict[str, int] = self.window["tally"]
        counts: dict[str, dict[str, int]] = self.window["counts"]
        for key in sorted(set(tally) | set(counts)):
            watch, hour_key = key.rsplit(_WINDOW_KEY, 1)
            crisis.record_negative(
                self.store,
                watch,
                crisis.parse_hour(hour_key),
                tally.get(key, 0),
                once=self.window["id"],
                extra=counts.get(key),
            )
        tally.clear()
        counts.clear()

    def _pending(self, watch: str) -> dict[str, int]:
        if not self.window:
            return {}
        prefix = watch + _WINDOW_KEY
        return {k[len(prefix) :]: v for k, v in self.window["tally"].items() if k.startswith(prefix)}

    def flush(self, *, failed: bool = False) -> None:
        """Count the batch's negative mentions per watch and hour (into the window's tally, in a window), then
        check the recent hours for a crisis.

        ``failed``: the batch reports failed records. What Lambda does with the state such an invocation
        returns is not documented (kept, or dropped for the previous one), so the batch's count goes straight
        to the counters and the window's state is handed back as it came: the tally is right either way.

        Never raises: the labels are stored by now, and a count or check that failed is logged (the next
        batch with a negative mention of the watch checks again).
        """
        from chalicelib import crisis

        into_window = self.window is not None and not failed
        if into_window:
            assert self.window is not None
            if not self.window["id"] and (self.negatives or self.counts):
                self.window["id"] = uuid.uuid4().hex[:16]
            for (watch_name, hour), amount in self.negatives.items():
                key = f"{watch_name}{_WINDOW_KEY}{crisis.hour_key(hour)}"
                self.window["tally"][key] = self.window["tally"].get(key, 0) + amount
            for (watch_name, hour), found in self.counts.items():
                key = f"{watch_name}{_WINDOW_KEY}{crisis.hour_key(hour)}"
                merged = Counter(self.window["counts"].get(key, {}))
                merged.update(found)
                self.window["counts"][key] = dict(merged)
        else:
            self._write_now()
        for (watch_name, hour), _amount in sorted(self.negatives.items()):
            try:
                watch = self.config.watch(watch_name)
                check = (watch_name, hour) in self.recent
                count_negatives(
                    self.store,
                    watch,
                    hour,
                    0,
                    partial(self.channels_for, watch),
                    check=check,
                    pending=self._pending(watch_name),
                )
            except Exception as exc:  # noqa: BLE001 - one watch's failure must not stop the others
                logger.error("crisis counting failed", extra={"watch": watch_name, "error": str(exc)})
                # The labels are stored: retrying the batch would not recount. The CrisisCheckFailing alarm
                # watches this metric instead.
                metrics.add_metric(name="CrisisChecksFailed", unit="Count", value=1)
        self.negatives.clear()
        self.counts.clear()
        self.recent.clear()

    def _write_now(self) -> None:
        """Write the batch's negatives and counts straight to the hourly counters (no window, or a batch that
        reports failures), one write per watch and hour; a failed write is logged and counted."""
        from chalicelib import crisis

        for watch_name, hour in sorted(set(self.negatives) | set(self.counts)):
            try:
                crisis.record_negative(
                    self.store,
                    watch_name,
                    hour,
                    self.negatives.get((watch_name, hour), 0),
                    extra=dict(self.counts.get((watch_name, hour)) or {}),
                )
            except Exception as exc:  # noqa: BLE001 - the labels are stored; a lost count must not fail them
                logger.error("counting failed", extra={"watch": watch_name, "error": str(exc)})
                metrics.add_metric(name="CrisisChecksFailed", unit="Count", value=1)


def production_reaction() -> BatchReaction:
    """A :class:`BatchReaction` with the production dependencies (store, config, channels, inbox link)."""
    from chalicelib.config import get_config
    from chalicelib.notify import channels_for
    from chalicelib.settings import get_settings
    from chalicelib.store import get_store

    return BatchReaction(
        store=get_store(),
        config=get_config(),
        channels_for=channels_for,
        now=utcnow(),
        app_url=get_settings().public_url.rstrip("/") + "/app",
    )
