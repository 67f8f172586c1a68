"""Recorded deliveries under ``samples/forms/`` and how to sign them, for the demo and the tests.

Each sample is a raw body file plus ``<provider>.meta.json``: its content type and the headers the
provider sent, minus the signature. :func:`sign` adds the signature (or token) a provider would, so
the demo, the tests and the load test all sign exactly the way the route verifies.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from chalicelib.intake.providers import formspree, generic, google_forms, tally, typeform
from chalicelib.intake.signing import SHARED_KEY_HEADER


@dataclass(frozen=True)
class SampleDelivery:
    """One recorded delivery, ready to sign and POST to ``/webhooks/<provider>``."""

    provider: str
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)
    lang: str = "en"
    kind: str = ""


def sample_deliveries(directory: str | Path) -> list[SampleDelivery]:
    """Every ``*.meta.json`` sample in ``directory`` with its body, sorted by provider."""
    samples: list[SampleDelivery] = []
    for meta_path in sorted(Path(directory).glob("*.meta.json")):
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        samples.append(
            SampleDelivery(
                provider=meta["provider"],
                body=(meta_path.parent / meta["body"]).read_bytes(),
                content_type=meta["content_type"],
                headers=dict(meta.get("headers", {})),
                lang=meta.get("lang", "en"),
                kind=meta.get("kind", ""),
            )
        )
    return samples


def sign(provider: str, body: bytes, secret: str, now: int | float | datetime) -> dict[str, dict[str, str]]:
    """What to add to a request so that ``provider``'s check passes: ``{"headers": {...}, "params": {...}}``."""
    timestamp = int(now.timestamp() if isinstance(now, datetime) else now)
    headers: dict[str, str] = {}
    params: dict[str, str] = {}
    if provider == "typeform":
        headers[typeform.HEADER] = typeform.signature(body, secret)
    elif provider == "tally":
        headers[tally.HEADER] = tally.signature(body, secret)
    elif provider == "google-forms":
        headers[google_forms.HEADER] = google_forms.signature(body, secret)
    elif provider == "formspree":
        headers[formspree.HEADER] = formspree.signature(body, secret, timestamp)
    elif provider == "generic":
        headers[generic.HEADER] = generic.signature(body, secret)
    elif provider == "jotform":
        params["token"] = secret  # as pasted into Jotform's webhook URL
    elif provider == "fillout":
        headers[SHARED_KEY_HEADER] = secret
    else:
        raise ValueError(f"unknown provider {provider!r}")
    return {"headers": headers, "params": params}
