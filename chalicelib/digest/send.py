"""Send each brand watch's digest once, at its local morning hour.

The hourly schedule calls :func:`send_due_digests`. A watch is due when its local time is at or
after ``digest_hour``; the digest sent that morning covers the previous local day. A conditional
mark (``store.put_once("digest", "<watch>#<date>")``) makes the send exactly-once even when the
schedule fires twice; if every configured channel fails, the mark is removed so the next hour retries.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.config import VeilleConfig, WatchConfig
from chalicelib.digest.render import Links
from chalicelib.models import utcnow
from chalicelib.observability import logger, metrics

TRIAGE_LINK_DAYS = 7

# A sender gets the watch, the digest, its HTML and its text; returns False when it is not configured.
Sender = Callable[[WatchConfig, dict[str, Any], str, str], bool]


def due_date(watch: WatchConfig, now: datetime) -> date | None:
    """The local day whose digest is due at ``now`` (yesterday, once the digest hour has come), else None."""
    local = now.astimezone(ZoneInfo(watch.timezone))
    if local.hour < watch.digest_hour:
        return None
    return local.date() - timedelta(days=1)


def _email(watch: WatchConfig, digest: dict[str, Any], html: str, text: str) -> bool:
    from chalicelib.notify import send_digest_email

    return send_digest_email(digest, html, text, to=list(watch.email_to))


def _slack(watch: WatchConfig, digest: dict[str, Any], html: str, text: str) -> bool:
    from chalicelib.notify import send_digest_slack

    return watch.slack and send_digest_slack(digest)


def _sns(watch: WatchConfig, digest: dict[str, Any], html: str, text: str) -> bool:
    from chalicelib.notify import publish_digest_sns

    return watch.sns and publish_digest_sns(digest)


DEFAULT_SENDERS: dict[str, Sender] = {"email": _email, "slack": _slack, "sns": _sns}


def production_links(now: datetime) -> Links | None:
    """Signed triage links valid for a week, or None when no link secret is configured."""
    from chalicelib.errors import VeilleError
    from chalicelib.links import link_secret, sign_triage_link

    try:
        link_secret()
    except VeilleError:
        return None
    expires_at = int((now + timedelta(days=TRIAGE_LINK_DAYS)).timestamp())
    return lambda mention_id, action: sign_triage_link(mention_id, action, expires_at=expires_at)


def render_digest(
    store: Any, config: VeilleConfig, watch: WatchConfig, day: date, *, now: datetime, links: Links | None
) -> tuple[dict[str, Any], str, str]:
    """Build one digest and render it: (digest, HTML, text). The links go into the digest, so email, Slack and
    SNS all carry the same triage actions."""
    from chalicelib.digest.build import build_digest
    from chalicelib.digest.render import render_html, render_text

    digest = build_digest(store, config, watch.name, day, now=now, links=links)
    return digest, render_html(digest), render_text(digest)


def send_once(
    store: Any,
    kind: str,
    key: str,
    attributes: dict[str, object],
    watch: WatchConfig,
    build: Callable[[], tuple[dict[str, Any], str, str]],
    senders: dict[str, Sender],
    result: dict[str, Any],
    *,
    failed_metric: str,
    sent_metric: str | None = None,
) -> None:
    """Build and send a digest or report exactly once under the mark ``kind``/``key``, noting in ``result``
    (``sent``, ``already_sent``, ``failed``) what happened. A build that fails, or a send that every tried
    channel refused, removes the mark, so that the next hour retries."""
    if not store.put_once(kind, key, attributes, ttl_days=60):
        result["already_sent"].append(key)
        return
    try:
        document, html, text = build()
    except Exception as exc:  # noqa: BLE001 - forget the mark so the next hour retries, then go on
        store.forget_once(kind, key)
        logger.error(f"{kind} could not be built", extra={"watch": watch.name, "error": str(exc)})
        result["failed"][key] = f"build: {type(exc).__name__}: {exc}"
        metrics.add_metric(name=failed_metric, unit="Count", value=1)
        return
    outcome = send_each_channel(senders, watch, document, html, text, what=kind)
    if every_channel_failed(outcome):
        store.forget_once(kind, key)
        result["failed"][key] = outcome
        metrics.add_metric(name=failed_metric, unit="Count", value=1)
        return
    result["sent"][key] = outcome
    if sent_metric:
        metrics.add_metric(name=sent_metric, unit="Count", value=1)


def send_each_channel(
    senders: dict[str, Sender], watch: WatchConfig, document: dict[str, Any], html: str, text: str, *, what: str
) -> dict[str, str]:
    """Send a rendered digest or report through each channel; each one's outcome (sent, off, or failed: the
    error's class). One failing channel does not stop the others."""
    outcome: dict[str, str] = {}
    for name, sender in senders.items():
        try:
            outcome[name] = "sent" if sender(watch, document, html, text) else "off"
        except Exception as exc:  # noqa: BLE001 - one failing channel must not stop the others
            logger.warning(f"{what} channel failed", extra={"watch": watch.name, "channel": name, "error": str(exc)})
            outcome[name] = f"failed: {type(exc).__name__}"
    return outcome


def every_channel_failed(outcome: dict[str, str]) -> bool:
    """Whether the channels that were tried all failed (the send is then retried: its mark is removed)."""
    tried = [v for v in outcome.values() if v != "off"]
    return bool(tried) and all(v.startswith("failed") for v in tried)


def send_due_digests(
    *,
    now: datetime | None = None,
    store: Any = None,
    config: VeilleConfig | None = None,
    senders: dict[str, Sender] | None = None,
    links: Links | None | bool = True,
) -> dict[str, Any]:
    """Send every brand watch's due digest exactly once; return what was sent, skipped or failed.

    ``links=True`` (the default) signs real triage links when a link secret is configured.
    """
    if store is None:
        from chalicelib.store import get_store

        store = get_store()
    if config is None:
        from chalicelib.config import get_config

        config = get_config()
    now = now or utcnow()
    senders = DEFAULT_SENDERS if senders is None else senders
    triage_links: Links | None = production_links(now) if links is True else (links or None)
    if links is True and triage_links is None:
        logger.warning("no link secret: digests go out without one-click triage links")
    result: dict[str, Any] = {"sent": {}, "already_sent": [], "not_due": [], "failed": {}}
    for watch in config.watches:
        if watch.competitor:
            continue
        day = due_date(watch, now)
        if day is None:
            result["not_due"].append(watch.name)
            continue
        key = f"{watch.name}#{day.isoformat()}"
        build = partial(render_digest, store, config, watch, day, now=now, links=triage_links)
        send_once(
            store,
            "digest",
            key,
            {"watch": watch.name, "date": day.isoformat()},
            watch,
            build,
            senders,
            result,
            failed_metric="DigestsFailed",
            sent_metric="DigestsSent",
        )
    return result
