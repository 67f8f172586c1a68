"""The pages a person opens in a browser: the triage inbox (``/app``) and the one-click triage links (``/t/...``).

The inbox is plain HTML, CSS and JavaScript from ``static/`` (no build step, no CDN); it calls the JSON API
with the token the user types once. Triage links are authenticated by their signature, not by the token.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from chalice.app import Blueprint, Response

from chalicelib.errors import StorageError, VeilleError

web_bp = Blueprint(__name__)

STATIC_FILES = {
    "app.js": "application/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
}
# The inbox loads only its own files; inline scripts (the usual XSS payload) cannot run.
APP_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
LINK_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


@functools.cache
def static_text(name: str) -> str:
    """A file of ``chalicelib/api/static`` (read once per container)."""
    return resources.files("chalicelib.api").joinpath("static", name).read_text(encoding="utf-8")


# -- the inbox ------------------------------------------------------------------------------------------
@web_bp.route("/app", methods=["GET"])
def inbox_page() -> Response:
    return Response(
        static_text("index.html"),
        headers={"Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": APP_CSP, **SECURITY_HEADERS},
    )


@web_bp.route("/app/static/{name}", methods=["GET"])
def static_file(name: str) -> Response:
    content_type = STATIC_FILES.get(name)
    if content_type is None:
        return Response({"error": f"no static file {name!r}"}, status_code=404)
    return Response(static_text(name), headers={"Content-Type": content_type, **SECURITY_HEADERS})


# -- one-click triage links ------------------------------------------------------------------------------
def _page(title: str, body: str, status: int = 200) -> Response:
    document = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{html.escape(title)} · Veille</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#1d2330}}
blockquote{{border-left:3px solid #c9d1e0;margin:1rem 0;padding:.25rem 1rem;color:#444;white-space:pre-wrap}}
button{{font:inherit;padding:.6rem 1.2rem;border:0;border-radius:.4rem;background:#2f5bd3;color:#fff;cursor:pointer}}
.muted{{color:#667}}</style></head>
<body><h1>{html.escape(title)}</h1>{body}</body></html>"""
    return Response(
        document,
        status_code=status,
        headers={"Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": LINK_CSP, **SECURITY_HEADERS},
    )


def _refused(reason: str, status: int = 403) -> Response:
    return _page("Link refused", f"<p>{html.escape(reason)}</p><p class=muted>Nothing was changed.</p>", status)


def _checked_link(mention_id: str, action: str) -> Response | None:
    """None when the current request carries a valid, unexpired signature for this mention and action."""
    from chalicelib.links import LinkSecretMissingError, TriageLinkError, verify_triage_link

    params: Mapping[str, str] = web_bp.current_request.query_params or {}
    try:
        verify_triage_link(mention_id, action, params.get("exp"), params.get("sig"))
    except LinkSecretMissingError as exc:
        return _refused(str(exc), status=503)
    except TriageLinkError as exc:
        return _refused(exc.reason)
    return None


def _describe(mention: Any) -> str:
    title = f"<p><strong>{html.escape(mention.title)}</strong></p>" if mention.title else ""
    who = html.escape(mention.author.handle or mention.author.name or "someone")
    return (
        f"{title}<blockquote>{html.escape(mention.quote(400))}</blockquote>"
        f"<p class=muted>{who} on {html.escape(mention.source)}, {html.escape(mention.day)}</p>"
    )


def _guarded(view: Any) -> Any:
    @functools.wraps(view)
    def wrapped(**kwargs: Any) -> Response:
        try:
            return view(**kwargs)  # type: ignore[no-any-return]
        except (StorageError, VeilleError) as exc:
            from chalicelib.observability import logger

            logger.exception("triage link failed")
            return _page("Try again later", f"<p>{html.escape(str(exc))}</p>", status=503)

    return wrapped


@web_bp.route("/t/{mention_id}/{action}", methods=["GET"])
@_guarded
def triage_confirm(mention_id: str, action: str) -> Response:
    # A GET only shows what the button will do. Mail scanners, link previewers and prefetchers open every
    # link in an e-mail; if the GET changed the status they would triage mentions nobody has read.
    refused = _checked_link(mention_id, action)
    if refused:
        return refused
    from chalicelib.store import get_store

    mention = get_store().get_mention(mention_id)
    if mention is None:
        return _refused("This mention no longer exists.", status=404)
    params: Mapping[str, str] = web_bp.current_request.query_params or {}
    label = {"replied": "Mark as replied", "ignored": "Mark as ignored"}[action]
    form = (
        f'<form method="post" action="?exp={html.escape(params["exp"])}&amp;sig={html.escape(params["sig"])}">'
        f'<button type="submit">{label}</button></form>'
    )
    note = f"<p class=muted>Currently: {html.escape(mention.status)}.</p>"
    return _page(label + "?", _describe(mention) + note + form)


@web_bp.route(
    "/t/{mention_id}/{action}",
    methods=["POST"],
    content_types=["application/x-www-form-urlencoded", "multipart/form-data", "text/plain"],
)
@_guarded
def triage_apply(mention_id: str, action: str) -> Response:
    refused = _checked_link(mention_id, action)
    if refused:
        return refused
    from chalicelib.pipeline.tally import count_first_reply
    from chalicelib.store import get_store

    store = get_store()
    before = store.get_mention(mention_id) if action == "replied" else None  # for the report's reply times
    mention = store.update_mention(mention_id, status=action, current=before)
    if mention is None:
        return _refused("This mention no longer exists.", status=404)
    if before is not None:
        count_first_reply(store, before, mention)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return _page(f"Marked as {action}", _describe(mention) + f"<p>Done at {html.escape(when)}.</p>")
