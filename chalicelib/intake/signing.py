"""HMAC and token checks, over the raw body exactly as received, compared in constant time.

Header names are looked up lower-cased (API Gateway and Lambda lower-case them); callers pass
headers through :func:`lower_keys` first.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping

from chalicelib.intake.model import SignatureError

SHARED_KEY_HEADER = "x-veille-token"
SHARED_KEY_PARAM = "token"


def lower_keys(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers with lower-case names."""
    return {str(k).lower(): str(v) for k, v in headers.items()}


def hmac_sha256(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()


def hmac_base64(secret: str, message: bytes) -> str:
    """Standard base64 (padded, not URL-safe) of HMAC-SHA256."""
    return base64.b64encode(hmac_sha256(secret, message)).decode("ascii")


def hmac_hex(secret: str, message: bytes) -> str:
    return hmac_sha256(secret, message).hex()


def same(given: str, expected: str) -> bool:
    """Constant-time equality of two strings (any characters: a forged header may hold anything)."""
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8", "replace"))


def required_header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name.lower(), "").strip()
    if not value:
        raise SignatureError(f"missing {name} header")
    return value


def check(given: str, expected: str, name: str) -> None:
    if not same(given, expected):
        raise SignatureError(f"{name} does not match the body; check the secret configured on both sides")


def check_token(headers: Mapping[str, str], query: Mapping[str, str] | None, secret: str) -> None:
    """For providers that sign nothing: the secret must come back in ``?token=`` or ``X-Veille-Token``."""
    given = (query or {}).get(SHARED_KEY_PARAM) or headers.get(SHARED_KEY_HEADER)
    if not given:
        raise SignatureError("missing token: add ?token=<secret> to the webhook URL or an X-Veille-Token header")
    if not same(given, secret):
        raise SignatureError("wrong token")
