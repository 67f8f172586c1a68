"""Alerts: what must reach a founder at once, delivered exactly once.

Exactly-once comes from a conditional put of an alert mark keyed by ``Alert.key`` before sending;
if every channel fails, the mark is removed so that a retry (the stream's or the schedule's) sends it.
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

    def forget_once(self, kind: str, key: str) -> None: ...


Channel = Callable[[Alert], None]


def deliver_once(store: AlertStore, alert: Alert, channels: Sequence[Channel]) -> bool:
    """Send ``alert`` through every channel unless it was already sent; return True if sent now.

    A channel that fails is logged; if all of them fail the mark is dropped and the error re-raised,
    so the caller's retry delivers it later.
    """
    if not store.put_once("alert", f"{alert.kind}#{alert.key}", {"watch": alert.watch, "title": alert.title}):
        return False
    errors: list[Exception] = []
    for channel in channels:
        try:
            channel(alert)
        except Exception as exc:  # noqa: BLE001 - one failing channel must not stop the others
            logger.warning("alert channel failed", extra={"alert_kind": alert.kind, "error": str(exc)})
            errors.append(exc)
    if channels and len(errors) == len(channels):
        store.forget_once("alert", f"{alert.kind}#{alert.key}")
        raise errors[0]
    return True
