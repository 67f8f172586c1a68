"""``POST /webhooks/{provider}``: form tools deliver feedback here, signed.

A thin adapter from Chalice's request to :func:`chalicelib.intake.receive`, which does the checks
(404 → 413 → 415 → 401 → 400), the parsing and the conditional put. Logs never carry the body,
names or emails: only the provider, the status, the reason and the mention id.
"""

from __future__ import annotations

import json
from typing import Any

from chalice.app import Blueprint, Response

bp = Blueprint(__name__)

# Declared so that Chalice hands these to the view instead of answering 415 itself; the intake
# service then answers 415 for a type the given provider never sends.
CONTENT_TYPES = ["application/json", "application/x-www-form-urlencoded", "multipart/form-data"]


@bp.route("/webhooks/{provider}", methods=["POST"], content_types=CONTENT_TYPES)
def webhook(provider: str) -> Response:
    """Receive one delivery from ``provider`` (typeform, tally, jotform, google-forms, formspree, fillout, generic)."""
    from chalicelib.intake import InboundRequest, production_deps, receive
    from chalicelib.observability import logger, metrics

    request = bp.current_request
    raw = request.raw_body or b""
    body = raw if isinstance(raw, bytes) else raw.encode("utf-8")
    inbound = InboundRequest(
        provider=provider, body=body, headers=dict(request.headers), query=dict(request.query_params or {})
    )
    reply = receive(inbound, production_deps())
    log: dict[str, Any] = {"provider": provider[:40], "status": reply.status, "reason": reply.reason}
    if reply.mention is not None:
        log.update(mention_id=reply.mention.id, watch=reply.mention.watch)
    # A refusal is what an operator looks for (INFO); a stored delivery is counted by FeedbackStored and
    # logged at DEBUG (a sample of invocations in production): one line per mention costs more than it tells.
    (logger.debug if reply.status < 300 else logger.info)("webhook delivery", extra=log)
    if reply.reason == "stored":
        metrics.add_metric(name="FeedbackStored", unit="Count", value=1)
    elif reply.status == 401:
        metrics.add_metric(name="WebhookSignatureRejected", unit="Count", value=1)
    return Response(body=json.dumps(reply.body), status_code=reply.status, headers={"Content-Type": "application/json"})
