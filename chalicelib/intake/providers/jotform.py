"""Jotform: ``multipart/form-data`` (or url-encoded) with the answers as JSON in ``rawRequest``.

Jotform signs nothing: the webhook URL carries ``?token=<VEILLE_JOTFORM_TOKEN>`` (or the request an
``X-Veille-Token`` header). The answers come from ``rawRequest`` (in the form's order); their labels from
the ``pretty`` part ("Label:value, Label:value"), where labels and values may both hold ", " and ":". So
``pretty`` is never split on ", ": it is walked in form order, each label being the text between the end
of the previous answer and ":" + this answer's value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import unquote

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


def _pretty_forms(value: Any, text: str) -> list[str]:
    """How ``pretty`` may show an answer: our text, or Jotform's own rendering (parts joined by spaces)."""
    forms = [text]
    if isinstance(value, list):
        forms.append(" ".join(render(v) for v in value if render(v)))
    elif isinstance(value, dict):
        forms.append(" ".join(render(v) for v in value.values() if render(v) and not isinstance(v, dict | list)))
        if {"month", "day", "year"} <= value.keys():  # the date formats a date widget can be set to
            y, m, d = (render(value.get(k)) for k in ("year", "month", "day"))
            forms += [f"{m}-{d}-{y}", f"{m}/{d}/{y}", f"{d}-{m}-{y}", f"{d}/{m}/{y}", f"{d}.{m}.{y}", f"{y}/{m}/{d}"]
    return [f for f in dict.fromkeys(forms) if f]


def _find_value(pretty: str, value: str, start: int) -> int | None:
    """Where ``":" + value`` ends an answer in ``pretty`` (followed by ", " or the end), after ``start``."""
    needle = ":" + value
    index = pretty.find(needle, start)
    while index >= 0:
        end = index + len(needle)
        if index > start and (end == len(pretty) or pretty.startswith(", ", end)):
            return index
        index = pretty.find(needle, index + 1)
    return None


def _key_words(name: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", _label_from_key(name).lower()).split())


def _starts_with(text: str, words: str) -> bool:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split()).startswith(words)


def _drop_skipped(region: str, name: str, skipped: list[str]) -> str:
    """The label alone when ``region`` also holds pieces of answers not found (``Label:value, `` each).

    Cut after the ", " where the rest starts like the question's key (``q5_companyName`` -> "company name"),
    else after the last ", " past a skipped answer's value.
    """
    words = _key_words(name)
    if words and not _starts_with(region, words):
        for cut in (m.end() for m in re.finditer(", ", region)):
            if _starts_with(region[cut:], words):
                return region[cut:]
    for value in skipped:
        index = region.rfind(":" + value + ", ")
        if index >= 0:
            return region[index + len(value) + 3 :]
    return region


def _labels_from_pretty(pretty: str, answers: list[tuple[str, Any, str]], files: list[str]) -> list[str | None]:
    """Each answer's label as ``pretty`` shows it, None when its value cannot be found there.

    ``answers`` are (key name, raw value, text) in form order; ``files`` the file names of the uploads,
    which ``pretty`` lists among the answers although they are not kept.
    """
    labels: list[str | None] = []
    cursor = 0
    skipped: list[str] = list(files)
    for name, value, text in answers:
        found: tuple[int, int] | None = None
        for form in _pretty_forms(value, text):
            index = _find_value(pretty, form, cursor)
            if index is not None and (found is None or index < found[0]):
                found = (index, len(form))
        if found is None:
            labels.append(None)
            skipped.extend(_pretty_forms(value, text))
            continue
        index, length = found
        region = pretty[cursor:index]
        if skipped and ", " in region:
            region = _drop_skipped(region, name, skipped)
        label = region.strip()
        labels.append(label if label and len(label) <= 300 else None)
        cursor = index + 1 + length + 2
        skipped = [f for f in files if pretty.find(":" + f, cursor) >= 0]
    return labels


def _file_names(answers: dict[str, Any]) -> list[str]:
    """The uploaded files as ``pretty`` lists them: each question's file names joined by spaces."""
    names: list[str] = []
    for value in answers.values():
        if isinstance(value, list) and value and all(isinstance(v, str) and "/uploads/" in v for v in value):
            names.append(" ".join(unquote(v.rsplit("/", 1)[-1]) for v in value))
    return names


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
    kept: list[tuple[str, Any, str, str]] = []
    # rawRequest lists the questions in the order of the form; their numbers are creation order.
    for _, name, value in questions:
        kind, text = _value(value)
        if text:
            kept.append((name, value, kind, text))
    labels = _labels_from_pretty(pretty, [(n, v, t) for n, v, _, t in kept], _file_names(answers))
    items = [
        (label or _label_from_key(name), kind or name, text)
        for (name, _, kind, text), label in zip(kept, labels, strict=True)
    ]
    return build_delivery(
        "jotform",
        response_id=ident(form.get("submissionID"), "submissionID"),
        form_id=opt_str(form.get("formID"), "formID"),
        form_name=opt_str(form.get("formTitle"), "formTitle"),
        submitted_at=None,  # Jotform sends no submission time: the time of receipt stands in.
        items=items,
    )
