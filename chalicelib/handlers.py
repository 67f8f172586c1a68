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
    summary = run_fetch(config, get_store(), lambda: default_context(config.retention_days), channels_for)
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


def send_digests() -> dict[str, Any]:
    """Scheduled hourly: send each brand watch's digest once, at its local digest hour."""
    from chalicelib.digest.send import send_due_digests

    return send_due_digests()


def health() -> dict[str, Any]:
    """GET /health: version, table status, and each source's last run, success and error."""
    from chalicelib.store import get_store

    store = get_store()
    status = store.table_status()
    sources: list[dict[str, Any]] = []
    if not status.startswith("unavailable"):
        sources = [h.model_dump(mode="json") for h in store.list_health()]
    return {
        "version": __version__,
        "table": status,
        "sources": sources,
        "ok": status == "ACTIVE" and not any(s["silent"] for s in sources),
    }
