"""Google Forms, through the Apps Script in ``docs/google-forms/veille.gs`` (Google signs nothing itself).

The script posts JSON ``{event_id, form_id, form_title, submitted_at, email, answers: [{id, title,
type, response}]}`` with ``X-Form-Signature: sha256=<base64 HMAC-SHA256 of the raw UTF-8 body>``.
A grid's (GRID, CHECKBOX_GRID) ``response`` is ``[{row, answer}]``: each row's label with its column, its
list of columns, or null when left unanswered. Copies of the script pasted before that are still read:
the previous one sent ``response`` as one answer per row with the labels in ``rows``, the first one only
the flat list (no row labels: the grid then reads ``Question: column, column``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

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


def _row_answers(pairs: list[Any], field: str) -> list[tuple[str, Any]]:
    """``[{row, answer}]`` as ``(row label, answer)`` pairs; a row without a label (deleted since) has ``""``."""
    answers: list[tuple[str, Any]] = []
    for index, pair in enumerate(pairs):
        pair = obj(pair, f"{field}[{index}]")
        answers.append((opt_str(pair.get("row"), f"{field}[{index}].row") or "", pair.get("answer")))
    return answers


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
        if isinstance(response, list) and response and isinstance(response[0], dict):
            # GRID / CHECKBOX_GRID: [{row, answer}], paired by the script, so no answer lands on another row.
            items.extend(grid_items(title, _row_answers(response, f"{where}.response")))
            continue
        rows = lst(answer.get("rows"), f"{where}.rows")
        if rows and isinstance(response, list) and len(rows) == len(response):
            # The previous script: one chosen column (or list of columns, or null) per row, labels in rows.
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
