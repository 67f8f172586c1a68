"""The form tools Veille takes deliveries from: one module per provider, same four names in each.

Each module defines ``SETTING`` (the setting holding its secret or token), ``CONTENT_TYPES`` (what it
sends), ``verify(raw, headers, secret, now, *, query, tolerance_s)`` (raises SignatureError) and
``parse(raw, content_type) -> Delivery`` (raises PayloadError). Headers arrive with lower-case names.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

from chalicelib.intake.bodies import fields_to_answers, looks_like_email
from chalicelib.intake.model import Answer, Delivery

PROVIDER_MODULES: dict[str, str] = {
    "typeform": "typeform",
    "tally": "tally",
    "jotform": "jotform",
    "google-forms": "google_forms",
    "formspree": "formspree",
    "fillout": "fillout",
    "generic": "generic",
}


class Provider(Protocol):
    SETTING: str
    CONTENT_TYPES: frozenset[str]

    def verify(
        self,
        raw: bytes,
        headers: Mapping[str, str],
        secret: str,
        now: datetime,
        *,
        query: Mapping[str, str] | None = None,
        tolerance_s: int = 300,
    ) -> None: ...

    def parse(self, raw: bytes, content_type: str) -> Delivery: ...


def get_provider(name: str) -> Provider | None:
    """The provider module named ``name`` (``google-forms``), or None when Veille does not know it."""
    module = PROVIDER_MODULES.get(name)
    if module is None:
        return None
    provider: Provider = importlib.import_module(f"{__name__}.{module}")  # type: ignore[assignment]
    return provider


def build_delivery(
    provider: str,
    *,
    response_id: str,
    form_id: str | None,
    form_name: str | None,
    submitted_at: datetime | None,
    items: list[tuple[str, str, str]],
    email: str | None = None,
    name: str | None = None,
) -> Delivery:
    """A delivery from ``(label, kind, value)`` answers; email, name and phone questions become personal data."""
    answers, personal = fields_to_answers(items)
    if email and not looks_like_email(email):
        email = None
    return Delivery(
        provider=provider,
        response_id=response_id,
        form_id=form_id,
        form_name=form_name,
        submitted_at=submitted_at,
        answers=[Answer(label=label, value=value) for label, value in answers],
        author_email=email or personal.get("email"),
        author_name=name or personal.get("name"),
        phone=personal.get("phone"),
    )
