"""Formspree: ``Formspree-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">``.

Deliveries older (or newer) than the tolerance (``webhook_tolerance_s``, default 5 min) are refused
so a captured request cannot be replayed later. The body shape ``{form, keys, submission: {_date,
...fields}}`` is unverified against a live capture: fields starting with ``_`` are metadata.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime

from chalicelib.intake import signing
from chalicelib.intake.bodies import first, ident, json_object, obj, opt_str, render, when
from chalicelib.intake.model import Delivery, SignatureError
from chalicelib.intake.providers import build_delivery

SETTING = "VEILLE_FORMSPREE_SECRET"
CONTENT_TYPES = frozenset({"application/json"})
HEADER = "Formspree-Signature"


def signature(raw: bytes, secret: str, timestamp: int) -> str:
    return f"t={timestamp},v1=" + signing.hmac_hex(secret, f"{timestamp}.".encode() + raw)


def verify(
    raw: bytes,
    headers: Mapping[str, str],
    secret: str,
    now: datetime,
    *,
    query: Mapping[str, str] | None = None,
    tolerance_s: int = 300,
) -> None:
    """Raise SignatureError unless a ``v1`` matches ``<t>.<body>`` and ``t`` is within the tolerance."""
    header = signing.required_header(headers, HEADER)
    timestamp: str | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            timestamp = value
        elif key == "v1":
            candidates.append(value.lower())
    if not timestamp or not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12 or not candidates:
        raise SignatureError(f"{HEADER} must look like t=<unix seconds>,v1=<hex>")
    expected = signing.hmac_hex(secret, f"{timestamp}.".encode() + raw)
    if not any(signing.same(candidate, expected) for candidate in candidates):
        raise SignatureError(f"{HEADER} does not match the body; check the secret configured on both sides")
    if abs(now.timestamp() - int(timestamp)) > tolerance_s:
        raise SignatureError(f"stale delivery: signed at t={timestamp}, more than {tolerance_s}s from now")


def parse(raw: bytes, content_type: str) -> Delivery:
    """A Formspree submission as a delivery; without a submission id, its content identifies it."""
    body = json_object(raw)
    submission = obj(body.get("submission"), "submission")
    items = [
        (key[:1].upper() + key[1:], "", render(value)) for key, value in submission.items() if not key.startswith("_")
    ]
    response_id = first(submission, "_id", "id")
    if response_id is None:
        # A redelivery carries the same submission (same _date, same answers): same id, stored once.
        canonical = json.dumps([body.get("form"), submission], sort_keys=True, ensure_ascii=False, default=str)
        response_id = hashlib.sha256(canonical.encode("utf-8", "replace")).hexdigest()[:32]
    return build_delivery(
        "formspree",
        response_id=ident(response_id, "submission._id"),
        form_id=opt_str(body.get("form"), "form"),
        # Formspree sends the form's hashid, not its name: say whose id it is rather than show "xvgpqrzd".
        form_name=opt_str(
            first(submission, "_subject") or (f"Formspree form {body['form']}" if body.get("form") else None), "form"
        ),
        submitted_at=when(first(submission, "_date", "date"), "submission._date"),
        items=items,
        email=opt_str(first(submission, "email", "_replyto"), "submission.email"),
    )
