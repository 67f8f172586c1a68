"""Google Forms, through the Apps Script in ``docs/google-forms/veille.gs`` (Google signs nothing itself).

The script posts JSON ``{event_id, form_id, form_title, submitted_at, email, answers: [{id, title,
type, response, rows?}]}`` with ``X-Form-Signature: sha256=<base64 HMAC-SHA256 of the raw UTF-8 body>``.
``rows`` (grids only) are the row labels, in the order of ``response`` (one column, list or null per row).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from chalicelib.intake import signing
from chalicelib.intake.bodies import grid_items, ident, json_object, lst, obj, opt_str, render, when
from chalicelib.intake.model import Delivery
from chalicelib.intake.providers import build_delivery

SETTING = "VEILLE_GOOGLE_FORMS_SECRET"
CONTENT_TYPES = frozenset({"application/json"})
HEADER = "X-Form-Signature"


def signature(raw: bytes, secret: str) -> str:
    return "sha256=" + signing.hmac_base64(secret, raw)


def verify(
    raw: bytes,
    headers: Mapping[str, str],
    secret: str,
    now: datetime,
    *,
    query: Mapping[str, str] | None = None,
    tolerance_s: int = 300,
) -> None:
    """Raise SignatureError unless the header is the body's HMAC under ``secret``."""
    signing.check(signing.required_header(headers, HEADER), signature(raw, secret), HEADER)


def parse(raw: bytes, content_type: str) -> Delivery:
    """A form response posted by the Apps Script, as a delivery."""
    body = json_object(raw)
    items: list[tuple[str, str, str]] = []
    for index, answer in enumerate(lst(body.get("answers"), "answers")):
        where = f"answers[{index}]"
        answer = obj(answer, where)
        title = opt_str(answer.get("title"), f"{where}.title") or ""
        kind = opt_str(answer.get("type"), f"{where}.type") or ""
        if kind == "FILE_UPLOAD":  # Drive file ids, readable only by the form's owner: dropped like every upload
            continue
        response = answer.get("response")
        rows = lst(answer.get("rows"), f"{where}.rows")
        if rows and isinstance(response, list) and len(rows) == len(response):
            # GRID / CHECKBOX_GRID: one chosen column (or list of columns, or null) per row, in row order.
            items.extend(grid_items(title, list(zip(rows, response, strict=True))))
            continue
        items.append((title, kind, render(response)))
    return build_delivery(
        "google-forms",
        response_id=ident(body.get("event_id"), "event_id"),
        form_id=opt_str(body.get("form_id"), "form_id"),
        form_name=opt_str(body.get("form_title"), "form_title"),
        submitted_at=when(body.get("submitted_at"), "submitted_at"),
        items=items,
        email=opt_str(body.get("email"), "email"),
    )
