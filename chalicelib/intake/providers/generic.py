"""Any tool that can POST JSON (Zapier, Make, n8n, your own backend).

Body: ``{"id", "text"}`` plus optional ``author``, ``email``, ``url``, ``created_at``, ``form``.
Signature: ``X-Veille-Signature: sha256=<hex HMAC-SHA256 of the raw body>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from chalicelib.intake import signing
from chalicelib.intake.bodies import ident, json_object, looks_like_email, opt_str, when
from chalicelib.intake.model import Delivery, PayloadError

SETTING = "VEILLE_GENERIC_SECRET"
CONTENT_TYPES = frozenset({"application/json"})
HEADER = "X-Veille-Signature"


def signature(raw: bytes, secret: str) -> str:
    return "sha256=" + signing.hmac_hex(secret, raw)


def verify(
    raw: bytes,
    headers: Mapping[str, str],
    secret: str,
    now: datetime,
    *,
    query: Mapping[str, str] | None = None,
    tolerance_s: int = 300,
) -> None:
    """Raise SignatureError unless the header is the body's hex HMAC under ``secret``."""
    signing.check(signing.required_header(headers, HEADER).lower(), signature(raw, secret), HEADER)


def parse(raw: bytes, content_type: str) -> Delivery:
    """The generic body as a delivery; ``text`` is taken as written."""
    body = json_object(raw)
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise PayloadError("text", "is required (a non-empty string)")
    # A long text is cut, not refused, as for every provider: the mention's length cap marks it truncated.
    email = opt_str(body.get("email"), "email")
    if email and not looks_like_email(email):
        raise PayloadError("email", "is not an email address")
    url = opt_str(body.get("url"), "url")
    if url and not url.startswith(("https://", "http://")):
        raise PayloadError("url", "must be an http(s) URL")
    return Delivery(
        provider="generic",
        response_id=ident(body.get("id"), "id"),
        form_id=opt_str(body.get("form"), "form"),
        form_name=opt_str(body.get("form"), "form"),
        submitted_at=when(body.get("created_at"), "created_at"),
        text=text.strip(),
        author_name=opt_str(body.get("author"), "author"),
        author_email=email,
        url=url,
    )
