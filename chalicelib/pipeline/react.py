"""What happens right after a mention is classified: urgent alerts and crisis detection.

:class:`BatchReaction` is what the stream handler uses, one per invocation: urgent alerts go out per
record, while negative mentions are tallied and counted once per watch and hour when the batch ends
(one counter update and one crisis check per hour instead of one per mention). :func:`react` takes its
dependencies as parameters (tests pass fakes or a DynamoDB Local store). Both steps are safe to redo on
a redelivered record: an urgent alert goes out only while the mention's labels are not stored (the stored
labels are its mark, so it costs no write), and the crisis counter only moves the first time. Crisis
alerts keep their once-only marks (:func:`chalicelib.alerts.deliver_once`): one per episode.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from chalicelib.alerts import Alert, AlertItem, Channel, channel_mark, send_each
from chalicelib.models import Mention, utcnow
from chalicelib.observability import logger, metrics

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

    The urgent alert goes out *before* the labels are stored, and only while they are not stored yet: the
    stored labels are its once-only mark, so an alert costs no write. A redelivered record whose labels are
    stored alerts no more; one whose earlier attempt died between sending and storing alerts again (at
    least once, never lost). A channel that fails leaves the labels unstored and raises, after marking the
    channels that did get it (:func:`send_urgent`): the retry sends through the failed channel alone.

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

    sent: list[str] = []
    alert: Alert | None = None
    if is_urgent_complaint(effective, watch.urgency_threshold) and not store.is_labelled(mention):
        alert = urgent_alert(mention, effective, watch, app_url)
        try:
            sent = send_urgent(store, alert, get_channels())
        except Exception as exc:  # the labels stay unstored: the retry sends again
            logger.error("urgent alert failed", extra={"id": mention.id, "error": str(exc)})
            raise
        if sent:
            metrics.add_metric(name="UrgentAlertsSent", unit="Count", value=1)
    try:
        first_time = store_labels()
    except Exception:
        if alert is not None:
            _mark_sent(store, alert, sent)  # the retry must not send through these again
        raise

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


def send_urgent(store: Any, alert: Alert, channels: Sequence[Channel]) -> list[str]:
    """Send an urgent alert through each channel not marked as having it; return the channels it went
    through now. Marks are written only when something failed: if a channel fails, the ones that worked
    are marked and the first error is raised (the record is retried and resends through the failed ones).
    """
    # Marked only after a failure: a channel with the mark had it from an earlier, partly failed attempt.
    sent, errors = send_each(
        alert, channels, skip=lambda name: store.get_once("alert", channel_mark(alert, name)) is not None
    )
    if errors:
        _mark_sent(store, alert, sent)
        raise errors[0]
    return sent


def _mark_sent(store: Any, alert: Alert, channels: Sequence[str]) -> None:
    """Mark the channels an urgent alert went through, for the retry of a record that failed after sending.
    Tried twice each; a mark that cannot be written is logged (that channel may get the alert twice)."""
    for name in channels:
        for attempt in (1, 2):
            try:
                store.put_once("alert", channel_mark(alert, name), {"watch": alert.watch}, ttl_days=2)
                break
            except Exception as exc:  # noqa: BLE001 - best effort: a duplicate alert beats a lost one
                if attempt == 2:
                    logger.error(
                        "urgent alert mark not written", extra={"id": alert.key, "channel": name, "error": str(exc)}
                    )


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
        self.recent: set[tuple[str, datetime]] = set()
        self.window: dict[str, Any] | None = None

    def __call__(self, mention: Mention, labels: dict[str, Any], store_labels: Callable[[], bool]) -> bool:
        return react(
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

    def _tally(self, watch: str, created_at: datetime) -> None:
        from chalicelib import crisis

        key = (watch, crisis.floor_hour(created_at))
        self.negatives[key] = self.negatives.get(key, 0) + 1
        if self.now - created_at <= CRISIS_RECENT:
            self.recent.add(key)

    # -- the tumbling window ----------------------------------------------------------------------------
    def open_window(self, state: dict[str, Any] | None) -> None:
        """Take up the window's state as Lambda passed it (``{"id": ..., "tally": {"watch|hour": n}}``)."""
        state = state or {}
        found = state.get("tally")
        tally: dict[str, Any] = found if isinstance(found, dict) else {}
        self.window = {"id": str(state.get("id") or ""), "tally": {str(k): int(v) for k, v in tally.items()}}

    def window_state(self) -> dict[str, Any]:
        """The state to return to Lambda (empty once the tally is written)."""
        if not self.window or not self.window["tally"]:
            return {}
        return {"id": self.window["id"], "tally": dict(self.window["tally"])}

    def close_window(self) -> None:
        """Write the window's tally to the hourly counters, each addition once under the window's id (a retried
        window end adds nothing twice). Raises if a write failed: Lambda retries the window's end."""
        from chalicelib import crisis

        if not self.window:
            return
        tally: dict[str, int] = self.window["tally"]
        for key in sorted(tally):
            watch, hour_key = key.rsplit(_WINDOW_KEY, 1)
            crisis.record_negative(self.store, watch, crisis.parse_hour(hour_key), tally[key], once=self.window["id"])
        tally.clear()

    def _pending(self, watch: str) -> dict[str, int]:
        if not self.window:
            return {}
        prefix = watch + _WINDOW_KEY
        return {k[len(prefix) :]: v for k, v in self.window["tally"].items() if k.startswith(prefix)}

    def flush(self) -> None:
        """Count the batch's negative mentions per watch and hour (into the window's tally, in a window), then
        check the recent hours for a crisis.

        Never raises: the labels are stored by now, and a count or check that failed is logged (the next
        batch with a negative mention of the watch checks again).
        """
        from chalicelib import crisis

        if self.window is not None:
            if not self.window["id"] and self.negatives:
                self.window["id"] = uuid.uuid4().hex[:16]
            for (watch_name, hour), amount in self.negatives.items():
                key = f"{watch_name}{_WINDOW_KEY}{crisis.hour_key(hour)}"
                self.window["tally"][key] = self.window["tally"].get(key, 0) + amount
        for (watch_name, hour), amount in sorted(self.negatives.items()):
            try:
                watch = self.config.watch(watch_name)
                check = (watch_name, hour) in self.recent
                count_negatives(
                    self.store,
                    watch,
                    hour,
                    0 if self.window is not None else amount,
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
        self.recent.clear()


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
