"""Alerts: what must reach a founder at once, delivered exactly once.

Exactly once per channel: before sending through a channel, a conditional put of a mark keyed by
``Alert.key`` and the channel's name; if that channel fails, its mark is removed and the error
re-raised once the other channels have had their turn, so that the caller's retry (the stream's, the
schedule's) sends through the failed channel only. When every channel has it, one more mark keyed by
``Alert.key`` alone says the alert is complete (``get_once("alert", "<kind>#<key>")``). Crisis and
source alerts go this way; urgent complaints do not (chalicelib/pipeline/react.py): the stream sends them
before storing the mention's labels and writes nothing when every channel took the alert. When a channel
fails, a :class:`PendingAlert` records which channels have it and which still owe it; the mention is labelled
and listed all the same, and the ``retry_alerts`` schedule (chalicelib/pipeline/pending.py) resends through
the failed channels alone, with backoff, for :data:`RETRY_FOR`; after that the alert is ``undelivered`` and
shown as such (inbox, digest, /health, the AlertsUndelivered metric).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Literal, Protocol

from pydantic import BaseModel, Field

from chalicelib.observability import logger

AlertKind = Literal["urgent", "crisis", "source_silent"]


class AlertItem(BaseModel):
    """A mention quoted in an alert."""

    id: str
    source: str
    url: str | None = None
    author: str | None = None
    reach: int | None = None
    quote: str
    why: list[str] = Field(default_factory=list)
    urgency: int | None = None


class Alert(BaseModel):
    """One alert; ``key`` makes it unique (one per mention, per crisis episode, per silent spell)."""

    kind: AlertKind
    key: str
    watch: str
    title: str
    summary: str
    items: list[AlertItem] = Field(default_factory=list)
    link: str | None = None


# How long a pending alert is retried, and the backoff between retries (doubling from the first, capped).
RETRY_FOR = timedelta(hours=24)
RETRY_FIRST = timedelta(minutes=5)
RETRY_MAX = timedelta(hours=2)


class ChannelFailure(BaseModel):
    """Why a channel has not taken an alert yet: its last error, since when it fails, when it was last tried."""

    error: str
    since: datetime
    last_try: datetime


class PendingAlert(BaseModel):
    """An alert that at least one channel has not taken yet (written only when a channel failed).

    ``sent`` are the channels that have it (never sent again), ``failed`` the ones that still owe it. The
    mention's listed item key (``listed_key``) lets the retry check that the stream stored its labels: until
    then the stream's own retry of the record owns the alert.
    """

    alert: Alert
    mention_id: str
    listed_key: dict[str, str]
    sent: list[str] = Field(default_factory=list)
    failed: dict[str, ChannelFailure] = Field(default_factory=dict)
    attempts: int = 0
    first_failed_at: datetime
    next_at: datetime
    status: Literal["pending", "undelivered"] = "pending"

    @property
    def watch(self) -> str:
        return self.alert.watch

    def summary(self) -> dict[str, object]:
        """What the inbox, the digest and /health show of it: status and, per failed channel, error and since."""
        return {
            "status": self.status,
            "sent": list(self.sent),
            "failed": {
                name: {"error": f.error, "since": f.since.isoformat(), "last_try": f.last_try.isoformat()}
                for name, f in sorted(self.failed.items())
            },
            "attempts": self.attempts,
            "next_at": self.next_at.isoformat() if self.status == "pending" else None,
        }


def retry_delay(attempts: int) -> timedelta:
    """The wait before the next retry once ``attempts`` retries failed: 5 min, 10, 20, ... capped at 2 h."""
    if attempts <= 0:
        return timedelta(0)
    return min(RETRY_FIRST * 2 ** (attempts - 1), RETRY_MAX)


def failure_text(exc: Exception) -> str:
    """A channel's error as the founder reads it (the adapters never put a secret URL in their messages)."""
    return " ".join(str(exc).split())[:200] or type(exc).__name__


class AlertStore(Protocol):
    def put_once(
        self, kind: str, key: str, attributes: dict[str, object] | None = None, ttl_days: int | None = 30
    ) -> bool: ...

    def get_once(self, kind: str, key: str) -> dict[str, object] | None: ...

    def forget_once(self, kind: str, key: str) -> None: ...


Channel = Callable[[Alert], None]


def channel_name(channel: Channel) -> str:
    """A channel's name in its delivery mark: ``sns``, ``slack``, ``email``, or the callable's name."""
    return str(getattr(channel, "channel_name", None) or getattr(channel, "__name__", None) or type(channel).__name__)


def deliver_once(store: AlertStore, alert: Alert, channels: Sequence[Channel]) -> bool:
    """Send ``alert`` through each channel that has not had it yet; True if it went out through one now.

    A failing channel does not stop the others; its error is re-raised at the end (after its mark was
    dropped), so that a retry of the caller delivers through that channel alone.
    """
    base = f"{alert.kind}#{alert.key}"
    attributes: dict[str, object] = {"watch": alert.watch, "title": alert.title}
    if not channels:
        return store.put_once("alert", base, attributes)
    if store.get_once("alert", base) is not None:
        return False
    sent, errors = send_each(
        alert,
        channels,
        # Marked before sending; a channel that has the mark has it already (an earlier, partly failed attempt).
        skip=lambda name: not store.put_once("alert", channel_mark(alert, name), attributes),
        failed=lambda name: store.forget_once("alert", channel_mark(alert, name)),
    )
    if errors:
        raise next(iter(errors.values()))
    store.put_once("alert", base, attributes)
    return bool(sent)


def channel_mark(alert: Alert, channel: str) -> str:
    """The once-only mark saying that ``channel`` has had ``alert``."""
    return f"{alert.kind}#{alert.key}#{channel}"


def send_each(
    alert: Alert,
    channels: Sequence[Channel],
    *,
    skip: Callable[[str], bool] = lambda name: False,
    failed: Callable[[str], None] = lambda name: None,
) -> tuple[list[str], dict[str, Exception]]:
    """Send ``alert`` through each channel whose name ``skip`` does not refuse; a failing channel does not stop
    the others (``failed`` is told its name). Returns the names it went through and the errors by name."""
    sent: list[str] = []
    errors: dict[str, Exception] = {}
    for channel in channels:
        name = channel_name(channel)
        if skip(name):
            continue
        try:
            channel(alert)
        except Exception as exc:  # noqa: BLE001 - one failing channel must not stop the others
            # INFO: the pending-alert code says once when a channel starts and stops failing (WARNING).
            logger.info("alert channel failed", extra={"alert_kind": alert.kind, "channel": name, "error": str(exc)})
            failed(name)
            errors[name] = exc
            continue
        sent.append(name)
    return sent, errors
