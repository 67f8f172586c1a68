"""Jotform: ``multipart/form-data`` (or url-encoded) with the answers as JSON in ``rawRequest``.

Jotform signs nothing: the webhook URL carries ``?token=<VEILLE_JOTFORM_TOKEN>`` (or the request an
``X-Veille-Token`` header). Labels come from the ``pretty`` part ("Label:value, Label:value"), which
splits badly on values holding ", ", so each label is found by its value rather than by splitting.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from chalicelib.intake import signing
from chalicelib.intake.bodies import ident, json_object, media_type, multipart, opt_str, render, urlencoded
from chalicelib.intake.model import Delivery
from chalicelib.intake.providers import build_delivery

SETTING = "VEILLE_JOTFORM_TOKEN"
CONTENT_TYPES = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})
_QUESTION = re.compile(r"^q(\d+)_(.+)$")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def verify(
    raw: bytes,
    headers: Mapping[str, str],
    secret: str,
    now: datetime,
    *,
    query: Mapping[str, str] | None = None,
    tolerance_s: int = 300,
) -> None:
    """Raise SignatureError unless the URL token (or X-Veille-Token header) is the configured token."""
    signing.check_token(headers, query, secret)


def _label_from_pretty(pretty: str, value: str) -> str | None:
    index = pretty.find(":" + value)
    if index <= 0:
        return None
    start = pretty.rfind(", ", 0, index)
    label = pretty[start + 2 if start >= 0 else 0 : index].strip()
    return label if label and ":" not in label and len(label) <= 200 else None


def _label_from_key(name: str) -> str:
    words = _CAMEL.sub(" ", name).replace("_", " ").strip()
    return words[:1].upper() + words[1:].lower()


def _value(value: Any) -> tuple[str, str]:
    """(kind, text) of a Jotform answer, one rule per widget; "" for a widget left unanswered.

    Dropped on purpose: signatures (a ``data:image`` URL), unanswered appointments, dates and input tables
    (Jotform sends their empty skeleton: ``{"implementation": "new", "date": "", ...}``, ``{"colIds", "rowIds"}``).
    """
    if isinstance(value, str) and value.startswith("data:"):
        return "signature", ""
    if not isinstance(value, dict):
        return "", render(value)
    if "first" in value or "last" in value:
        return "name", " ".join(
            render(value.get(k)) for k in ("prefix", "first", "middle", "last", "suffix") if render(value.get(k))
        ).strip()
    if {"month", "day", "year"} <= value.keys():  # date widget, with an optional time
        date = [render(value.get(k)) for k in ("year", "month", "day")]
        if not all(date):
            return "date", ""
        text = "{}-{:0>2}-{:0>2}".format(*date)
        clock = _time(value)
        return "date", f"{text} {clock}" if clock else text
    if "hourSelect" in value or "timeInput" in value:
        return "time", _time(value)
    if "implementation" in value:  # appointment widget: only its chosen slot is an answer
        return "appointment", render(value.get("date"))
    if set(value) <= {"colIds", "rowIds"}:
        return "table", ""
    return "", render({k: v for k, v in value.items() if k not in ("colIds", "rowIds")})


def _time(value: dict[str, Any]) -> str:
    """``14:30`` (or ``2:30 PM``) from a time widget's parts; "" when no hour was chosen."""
    if render(value.get("timeInput")):
        return " ".join(p for p in (render(value.get("timeInput")), render(value.get("ampm"))) if p)
    hour, minute = render(value.get("hourSelect")), render(value.get("minuteSelect"))
    if not hour:
        return ""
    return " ".join(p for p in (f"{hour}:{minute or '00'}", render(value.get("ampm"))) if p)


def parse(raw: bytes, content_type: str) -> Delivery:
    """A Jotform submission as a delivery."""
    form = multipart(raw, content_type) if media_type(content_type) == "multipart/form-data" else urlencoded(raw)
    answers = json_object(form.get("rawRequest", "").encode("utf-8"), "rawRequest")
    pretty = form.get("pretty", "")
    questions: list[tuple[int, str, Any]] = []
    for key, value in answers.items():
        match = _QUESTION.match(key)
        if match:
            questions.append((int(match.group(1)), match.group(2), value))
    items: list[tuple[str, str, str]] = []
    # rawRequest lists the questions in the order of the form; their numbers are creation order.
    for _, name, value in questions:
        kind, text = _value(value)
        if not text:
            continue
        label = _label_from_pretty(pretty, text) or _label_from_key(name)
        items.append((label, kind or name, text))
    return build_delivery(
        "jotform",
        response_id=ident(form.get("submissionID"), "submissionID"),
        form_id=opt_str(form.get("formID"), "formID"),
        form_name=opt_str(form.get("formTitle"), "formTitle"),
        submitted_at=None,  # Jotform sends no submission time: the time of receipt stands in.
        items=items,
    )
