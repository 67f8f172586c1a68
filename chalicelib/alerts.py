"""Alerts: what must reach a founder at once, delivered exactly once.

Exactly once per channel: before sending through a channel, a conditional put of a mark keyed by
``Alert.key`` and the channel's name; if that channel fails, its mark is removed and the error
re-raised once the other channels have had their turn, so that the caller's retry (the stream's, the
schedule's) sends through the failed channel only. When every channel has it, one more mark keyed by
``Alert.key`` alone says the alert is complete (``get_once("alert", "<kind>#<key>")``). Crisis and
source alerts go this way; urgent complaints do not (chalicelib/pipeline/react.py): the stream sends them
before storing the mention's labels, which are their mark, and writes marks only when a channel failed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
    sent = False
    errors: list[Exception] = []
    for channel in channels:
        mark = f"{base}#{channel_name(channel)}"
        if not store.put_once("alert", mark, attributes):
            continue  # this channel has it already (an earlier, partly failed attempt)
        try:
            channel(alert)
        except Exception as exc:  # noqa: BLE001 - one failing channel must not stop the others
            logger.warning(
                "alert channel failed",
                extra={"alert_kind": alert.kind, "channel": channel_name(channel), "error": str(exc)},
            )
            store.forget_once("alert", mark)
            errors.append(exc)
            continue
        sent = True
    if errors:
        raise errors[0]
    store.put_once("alert", base, attributes)
    return sent
