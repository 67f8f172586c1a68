"""One-click triage links for alerts and digests: signed with HMAC-SHA256, expiring, verified in constant time.

A link is ``<public_url>/t/<mention id>/<action>?exp=<unix seconds>&sig=<hex>``. The signature covers the
mention id, the action and the expiry, so changing any of them (or forging one without the secret) is refused.
The secret is ``VEILLE_LINK_SECRET`` (environment locally, SSM SecureString in AWS); without it no link is
signed and none is accepted.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime
from urllib.parse import quote

from chalicelib.errors import VeilleError
from chalicelib.models import utcnow

TRIAGE_ACTIONS: tuple[str, ...] = ("replied", "ignored")
LINK_SECRET_NAME = "VEILLE_LINK_SECRET"  # noqa: S105 - the name of the secret, not its value
_EXP = re.compile(r"^[0-9]{1,12}$")
_SIG = re.compile(r"^[0-9a-f]{64}$")


class LinkSecretMissingError(VeilleError):
    """No link secret is configured, so links can be neither signed nor checked."""

    def __init__(self) -> None:
        super().__init__(f"one-click links are disabled: set {LINK_SECRET_NAME} (a long random string)")


class TriageLinkError(VeilleError):
    """A triage link is forged, altered, malformed or expired; ``reason`` says which, for the page."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def link_secret() -> str:
    """The configured link secret; raise LinkSecretMissingError when there is none."""
    from chalicelib.secrets import get_secret

    secret = get_secret(LINK_SECRET_NAME)
    if not secret:
        raise LinkSecretMissingError()
    return secret


def _signature(secret: str, mention_id: str, action: str, exp: int) -> str:
    message = f"veille-triage\x00{mention_id}\x00{action}\x00{exp}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _epoch(expires_at: datetime | int) -> int:
    return expires_at if isinstance(expires_at, int) else int(expires_at.timestamp())


def triage_path(mention_id: str, action: str, *, expires_at: datetime | int, secret: str | None = None) -> str:
    """The signed path and query of a triage link (no host), for callers that build their own base URL."""
    if action not in TRIAGE_ACTIONS:
        raise ValueError(f"unknown triage action {action!r}; use one of {', '.join(TRIAGE_ACTIONS)}")
    exp = _epoch(expires_at)
    sig = _signature(secret or link_secret(), mention_id, action, exp)
    return f"/t/{quote(mention_id, safe='')}/{action}?exp={exp}&sig={sig}"


def sign_triage_link(mention_id: str, action: str, *, expires_at: datetime | int, secret: str | None = None) -> str:
    """The full URL that marks ``mention_id`` as ``action`` (replied or ignored) until ``expires_at``."""
    from chalicelib.settings import get_settings

    base = get_settings().public_url.rstrip("/")
    return base + triage_path(mention_id, action, expires_at=expires_at, secret=secret)


def verify_triage_link(
    mention_id: str,
    action: str,
    exp: str | None,
    sig: str | None,
    *,
    now: datetime | None = None,
    secret: str | None = None,
) -> None:
    """Accept a link's parts or raise TriageLinkError; the signature is compared in constant time.

    The signature is checked before the expiry, so that an altered expiry reads as "altered", not "expired".
    """
    if action not in TRIAGE_ACTIONS:
        raise TriageLinkError("this link does not name a known action")
    if not exp or not sig or not _EXP.match(exp) or not _SIG.match(sig):
        raise TriageLinkError("this link is incomplete or malformed")
    expected = _signature(secret or link_secret(), mention_id, action, int(exp))
    if not hmac.compare_digest(expected, sig):
        raise TriageLinkError("this link is not valid (it was altered or not signed by Veille)")
    if int(exp) < (now or utcnow()).timestamp():
        raise TriageLinkError("this link has expired; triage the mention from the inbox instead")
