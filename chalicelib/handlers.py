"""Production wiring of each entry point: app.py calls these with the Lambda event, nothing more.

Dependencies (store, config, classifier, channels) are built lazily on first call and cached for
the life of the Lambda container.
"""

from __future__ import annotations

from typing import Any

from chalicelib import __version__


def fetch_mentions() -> dict[str, Any]:
    """Scheduled: fetch every watch's sources."""
    from chalicelib.config import get_config
    from chalicelib.notify import channels_for
    from chalicelib.pipeline.fetch import default_context, run_fetch, summary_dict
    from chalicelib.store import get_store

    config = get_config()
    summary = run_fetch(config, get_store(), default_context, channels_for)
    return summary_dict(summary)


def classify_stream(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Stream: classify inserted mentions; returns the partial batch failures."""
    from chalicelib.classify import get_classifier
    from chalicelib.pipeline.react import production_reaction
    from chalicelib.pipeline.stream import process_stream
    from chalicelib.settings import get_settings
    from chalicelib.store import get_store

    classifier = get_classifier(get_settings().classifier_backend)
    return process_stream(event, context, get_store(), classifier, production_reaction())


def retry_alerts() -> dict[str, Any]:
    """Scheduled: resend the alerts a channel refused, through that channel alone (with backoff, 24 h)."""
    from chalicelib.config import get_config
    from chalicelib.models import utcnow
    from chalicelib.notify import channels_for
    from chalicelib.pipeline.pending import retry_pending_alerts
    from chalicelib.store import get_store

    return retry_pending_alerts(get_store(), get_config(), channels_for, utcnow())


def discover_themes() -> dict[str, Any]:
    """Scheduled daily: find new themes among the units no theme took, per watch."""
    from chalicelib.config import get_config
    from chalicelib.models import utcnow
    from chalicelib.store import get_store
    from chalicelib.themes.job import discover_themes as discover

    return discover(get_store(), get_config(), utcnow())


def send_digests() -> dict[str, Any]:
    """Scheduled hourly: send each brand watch's digest once, at its local digest hour, and its weekly report
    on Mondays and monthly report on the 1st (chalicelib/report/send.py).

    Every due watch is tried; if any digest failed, the invocation then fails (the function's error
    alarm fires, and the DigestsFailed metric says how many), and the next hour retries it.
    """
    from chalicelib.config import get_config
    from chalicelib.digest.send import send_due_digests
    from chalicelib.errors import DigestError
    from chalicelib.models import utcnow
    from chalicelib.report.send import send_due_reports
    from chalicelib.store import get_store

    result = send_due_digests()
    result["reports"] = send_due_reports(get_store(), get_config(), utcnow())
    problems = [
        f"{len(found)} {what}(s) failed: {', '.join(sorted(found))}"
        for what, found in (("digest", result["failed"]), ("report", result["reports"]["failed"]))
        if found
    ]
    if problems:
        raise DigestError("; ".join(problems))
    return result


def health(request: Any = None) -> dict[str, Any]:
    """GET /health: ok or degraded and the version for anyone; with the API token, also the table status,
    each source's last run, success and error, and the alerts a channel refused (watch names and error
    texts are not public; the names of the failing alert channels are).

    Degraded when the table is not active, a source is silent, or an alert channel failed and an alert
    still waits on it (or was given up less than a day ago)."""
    from chalicelib.api.rest import check_bearer, configured_token
    from chalicelib.errors import VeilleError
    from chalicelib.models import utcnow
    from chalicelib.pipeline.pending import current_failures, failing_channels
    from chalicelib.store import get_store

    store = get_store()
    status = store.table_status()
    sources: list[dict[str, Any]] = []
    failures: list[Any] = []
    if not status.startswith("unavailable"):
        sources = [h.model_dump(mode="json") for h in store.list_health()]
        failures = current_failures(store.pending_alerts(), utcnow())
    channels = failing_channels(failures, utcnow())
    ok = status == "ACTIVE" and not any(s["silent"] for s in sources) and not channels
    summary: dict[str, Any] = {"status": "ok" if ok else "degraded", "ok": ok, "version": __version__}
    if channels:
        summary["alert_channels_failing"] = list(channels)
    try:
        check_bearer(request.headers.get("authorization") if request else None, configured_token())
    except VeilleError:  # no token, a wrong one, or none configured: the summary only
        return summary
    alerts = {
        "pending": sum(1 for p in failures if p.status == "pending"),
        "undelivered": sum(1 for p in failures if p.status == "undelivered"),
        "channels": channels,
    }
    return {**summary, "table": status, "sources": sources, "alerts": alerts}
