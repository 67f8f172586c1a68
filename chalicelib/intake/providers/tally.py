"""Tally: ``Tally-Signature: <base64 HMAC-SHA256 of the raw body>`` (no prefix); JSON ``FORM_RESPONSE``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from chalicelib.intake import signing
from chalicelib.intake.bodies import first, grid_items, ident, json_object, lst, obj, opt_str, render, when
from chalicelib.intake.model import Delivery, IgnoredDelivery
from chalicelib.intake.providers import build_delivery

SETTING = "VEILLE_TALLY_SECRET"
CONTENT_TYPES = frozenset({"application/json"})
HEADER = "Tally-Signature"
SKIPPED_TYPES = frozenset({"HIDDEN_FIELDS", "CALCULATED_FIELDS", "PAYMENT", "SIGNATURE", "FILE_UPLOAD"})


def signature(raw: bytes, secret: str) -> str:
    return signing.hmac_base64(secret, raw)


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


def _value(field: dict[str, Any], where: str) -> str:
    value = field.get("value")
    options = field.get("options")
    if isinstance(options, list):
        # Choice fields carry option ids in ``value``; show the options' text.
        names = {str(o.get("id")): o.get("text") for o in options if isinstance(o, dict)}
        chosen = value if isinstance(value, list) else [value]
        return render([names.get(str(v), v) for v in chosen if not isinstance(v, dict | list)])
    return render(value)


def _texts(choices: Any) -> dict[str, Any]:
    return (
        {str(c.get("id")): c.get("text") for c in choices if isinstance(c, dict)} if isinstance(choices, list) else {}
    )


def _matrix_rows(field: dict[str, Any]) -> list[tuple[str, Any]]:
    """A MATRIX answer ``{row id: [column id, ...]}`` as (row text, chosen columns' text), in the rows' order."""
    rows, columns, value = _texts(field.get("rows")), _texts(field.get("columns")), field["value"]
    order = [*rows, *(r for r in value if r not in rows)]
    chosen = ((r, value.get(r)) for r in order if r in value)
    return [
        (render(rows.get(r)) or r, [columns.get(str(c), c) for c in (v if isinstance(v, list) else [v])])
        for r, v in chosen
        if v not in (None, "", [])
    ]


def parse(raw: bytes, content_type: str) -> Delivery:
    """A Tally ``FORM_RESPONSE`` event as a delivery."""
    body = json_object(raw)
    event = opt_str(body.get("eventType"), "eventType")
    if event is not None and event != "FORM_RESPONSE":
        raise IgnoredDelivery(f"Tally event {str(event)[:40]!r} is not a form response")
    data = obj(body.get("data"), "data")
    fields = [obj(f, f"data.fields[{i}]") for i, f in enumerate(lst(data.get("fields"), "data.fields"))]
    # Tally repeats each checkbox option as its own true/false field keyed "<question key>_<option id>";
    # the question's own field already lists the chosen options, once.
    grouped = {str(f.get("key")) for f in fields if isinstance(f.get("options"), list) and f.get("key")}
    items: list[tuple[str, str, str]] = []
    for index, field in enumerate(fields):
        where = f"data.fields[{index}]"
        kind = opt_str(field.get("type"), f"{where}.type") or ""
        if kind in SKIPPED_TYPES:
            continue
        key = str(field.get("key") or "")
        if isinstance(field.get("value"), bool) and key.rpartition("_")[0] in grouped:
            continue
        label = opt_str(field.get("label"), f"{where}.label") or opt_str(field.get("key"), f"{where}.key") or ""
        if isinstance(field.get("value"), dict) and isinstance(field.get("rows"), list):
            items.extend(grid_items(label, _matrix_rows(field)))
            continue
        items.append((label, kind, _value(field, where)))
    return build_delivery(
        "tally",
        response_id=ident(first(data, "responseId", "submissionId") or body.get("eventId"), "data.responseId"),
        form_id=opt_str(data.get("formId"), "data.formId"),
        form_name=opt_str(data.get("formName"), "data.formName"),
        submitted_at=when(first(data, "createdAt") or body.get("createdAt"), "data.createdAt"),
        items=items,
    )
