"""Receiving one webhook delivery: check it in a fixed order, store it once, answer.

Order of checks: provider known (404) → secret configured (404) → size (413) → content type (415)
→ signature (401) → parse (400) → store (200; 503 when the table is throttled or down, so the
provider retries and nothing is lost; 422 when DynamoDB refuses the item itself, which no retry
mends). Nothing is stored unless every check passed; a redelivery of
the same response id stores nothing new (conditional put) and still answers 200.

Pure: the store, the secrets and the watch routing arrive as parameters (:class:`IntakeDeps`);
:func:`production_deps` builds the real ones lazily.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from pydantic import ValidationError

from chalicelib.errors import ItemRejectedError, StorageError
from chalicelib.intake.bodies import media_type
from chalicelib.intake.model import Delivery, IgnoredDelivery, PayloadError, SignatureError
from chalicelib.intake.providers import PROVIDER_MODULES, get_provider
from chalicelib.intake.signing import lower_keys
from chalicelib.models import Author, Mention, WatchMatch, utcnow

_PAYLOAD_ERRORS: tuple[type[Exception], ...] = (PayloadError, ValidationError)
# Shapes the fuzzer may still find in a parser: a malformed body, never a server error.
_SHAPE_ERRORS: tuple[type[Exception], ...] = (
    KeyError,
    TypeError,
    ValueError,
    AttributeError,
    IndexError,
    RecursionError,
)


class MentionSink(Protocol):
    def put_mention(self, mention: Mention) -> bool: ...


@dataclass(frozen=True)
class Route:
    """Where a delivery goes: its watch and how long it is kept."""

    watch: str
    retention_days: int = 90


@dataclass
class IntakeDeps:
    """Everything :func:`receive` needs from the outside world."""

    store: MentionSink
    secret: Callable[[str], str | None]
    route: Callable[[str, str | None], Route]
    max_bytes: int = 256 * 1024
    tolerance_s: int = 300
    drop_personal_data: bool = False
    now: Callable[[], datetime] = utcnow


@dataclass(frozen=True)
class InboundRequest:
    """One HTTP request, as received: the raw bytes are what the signature covers."""

    provider: str
    body: bytes
    headers: Mapping[str, str]
    query: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Reply:
    """The answer: an HTTP status and a JSON body. ``mention`` is set when a delivery was accepted."""

    status: int
    body: dict[str, Any]
    mention: Mention | None = None
    reason: str = ""


def _refuse(status: int, message: str, reason: str, **extra: Any) -> Reply:
    return Reply(status, {"error": message, **extra}, reason=reason)


def _bad_payload(exc: Exception) -> Reply:
    if isinstance(exc, PayloadError):
        return _refuse(400, str(exc), "payload", field=exc.field)
    if isinstance(exc, ValidationError):
        errors = exc.errors()
        where = ".".join(str(p) for p in errors[0]["loc"]) if errors else "body"
        message = errors[0]["msg"] if errors else "invalid"
        return _refuse(400, f"{where or 'body'}: {message}", "payload", field=where or "body")
    return _refuse(400, f"body: unexpected shape ({type(exc).__name__})", "payload", field="body")


def receive(request: InboundRequest, deps: IntakeDeps) -> Reply:
    """Check, parse and store one delivery; never raises for anything the sender controls."""
    name = request.provider
    provider = get_provider(name)
    if provider is None:
        return _refuse(
            404, f"unknown provider {name[:40]!r}; use one of: {', '.join(PROVIDER_MODULES)}", "unknown_provider"
        )
    try:
        secret = deps.secret(provider.SETTING)
    except StorageError:  # SSM did not answer: the provider must retry, not give up on a 404
        return _refuse(503, "settings are unavailable; retry later", "settings")
    if not secret:
        return _refuse(404, f"webhooks from {name} are not enabled here (set {provider.SETTING})", "not_configured")
    if len(request.body) > deps.max_bytes:
        return _refuse(413, f"body is larger than {deps.max_bytes} bytes", "too_large")
    headers = lower_keys(request.headers)
    content_type = headers.get("content-type", "")
    if media_type(content_type) not in provider.CONTENT_TYPES:
        return _refuse(
            415,
            f"{name} sends {' or '.join(sorted(provider.CONTENT_TYPES))}, "
            f"not {media_type(content_type) or 'no content type'}",
            "content_type",
        )
    now = deps.now()
    try:
        provider.verify(request.body, headers, secret, now, query=request.query, tolerance_s=deps.tolerance_s)
    except SignatureError as exc:
        return _refuse(401, str(exc), "signature")
    try:
        delivery = provider.parse(request.body, content_type)
    except IgnoredDelivery as exc:  # signed and well-formed, but not a response to keep: no retry wanted
        return Reply(200, {"stored": False, "ignored": str(exc)}, reason="ignored")
    except (*_PAYLOAD_ERRORS, *_SHAPE_ERRORS) as exc:
        return _bad_payload(exc)
    route = deps.route(name, delivery.form_id)
    try:
        mention = to_mention(delivery, route, now=now, drop_personal_data=deps.drop_personal_data)
    except _PAYLOAD_ERRORS as exc:
        return _bad_payload(exc)
    try:
        stored = deps.store.put_mention(mention)
    except ItemRejectedError as exc:  # the same delivery would be refused forever: a 4xx stops the retries
        return _refuse(422, f"this delivery can never be stored: {exc}", "unstorable")
    except StorageError:
        return _refuse(503, "storage is unavailable; retry later", "storage")
    return Reply(200, {"stored": stored, "id": mention.id}, mention=mention, reason="stored" if stored else "duplicate")


def to_mention(delivery: Delivery, route: Route, *, now: datetime, drop_personal_data: bool = False) -> Mention:
    """The mention a delivery becomes: source ``form:<provider>``, Q: A text, the form as title."""
    text = delivery.body_text()
    # A contact or waitlist form (only a name, email or phone) is a lead: kept with an empty text.
    if not text.strip() and not delivery.has_contact():
        raise PayloadError("answers", "no answer with text in it")
    author = Author() if drop_personal_data else Author(name=delivery.author_name, email=delivery.author_email)
    extra = {"form_id": delivery.form_id} if delivery.form_id else {}
    if delivery.phone and not drop_personal_data:
        extra["phone"] = delivery.phone
    mention = Mention(
        source=f"form:{delivery.provider}",
        source_key=delivery.provider,
        external_id=delivery.response_id,
        url=delivery.url,
        author=author,
        title=delivery.form_name,
        text=text,
        created_at=delivery.submitted_at or now,
        fetched_at=now,
        watch=route.watch,
        matches=[WatchMatch(watch=route.watch, spans=[])],
        retention_days=route.retention_days,
        extra=extra,
    )
    mention.settle_created_at(now)
    return mention


def production_deps() -> IntakeDeps:
    """The deployed wiring: settings, secrets (env or SSM), veille.toml routing and the DynamoDB store."""
    from chalicelib.config import get_config
    from chalicelib.secrets import get_secret
    from chalicelib.settings import get_settings
    from chalicelib.store import get_store

    settings = get_settings()

    def route(provider: str, form_id: str | None) -> Route:
        config = get_config()
        return Route(config.watch_for_form(provider, form_id).name, config.form_retention_days)

    return IntakeDeps(
        store=get_store(),
        secret=get_secret,
        route=route,
        max_bytes=settings.webhook_max_bytes,
        tolerance_s=settings.webhook_tolerance_s,
        drop_personal_data=settings.drop_personal_data,
    )
