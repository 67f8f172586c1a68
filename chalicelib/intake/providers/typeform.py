"""Typeform: ``Typeform-Signature: sha256=<base64 HMAC-SHA256 of the raw body>``; JSON ``form_response``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from chalicelib.intake import signing
from chalicelib.intake.bodies import GRID_KIND, first, ident, json_object, lst, obj, opt_obj, opt_str, render, when
from chalicelib.intake.model import Delivery, IgnoredDelivery
from chalicelib.intake.providers import build_delivery

SETTING = "VEILLE_TYPEFORM_SECRET"
CONTENT_TYPES = frozenset({"application/json"})
HEADER = "Typeform-Signature"


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


def file_name(url: str) -> str:
    """The name of an uploaded file: the last segment of its URL's path (the URL itself if it has none)."""
    name = unquote(urlsplit(url).path.rstrip("/").rpartition("/")[2])
    return name or url


def _answer_value(answer: dict[str, Any]) -> str:
    kind = answer.get("type")
    if kind == "payment":  # card holder and last digits: personal, and not feedback
        return ""
    if kind == "file_url":
        # Typeform serves the file only with the account's token; its name still says what was attached
        # ("Screenshot: shot.png").
        return file_name(opt_str(answer.get("file_url"), "file_url") or "")
    if kind == "choice":
        choice = opt_obj(answer.get("choice"), "choice")
        return render(first(choice, "label", "other"))
    if kind == "choices":
        choices = opt_obj(answer.get("choices"), "choices")
        return render([*lst(choices.get("labels"), "choices.labels"), choices.get("other")])
    if isinstance(kind, str) and kind in answer:
        return render(answer[kind])
    return ""


def _titles(fields: list[Any], where: str, parent: tuple[str, str] = ("", "")) -> dict[str, tuple[str, str]]:
    """Field id -> (label, type), sub-questions included.

    A matrix lists its rows, a contact-info field or a question group its sub-questions, in
    ``properties.fields``: a matrix row is labelled ``Matrix › Row`` (answered like a choice), a sub-question
    by its own title ("First name", "Company") so that name, email and phone are recognised as such.
    """
    titles: dict[str, tuple[str, str]] = {}
    for index, field in enumerate(fields):
        at = f"{where}.fields[{index}]"
        field = obj(field, at)
        title = opt_str(field.get("title"), f"{at}.title") or ""
        kind = opt_str(field.get("type"), f"{at}.type") or ""
        parent_title, parent_kind = parent
        label = f"{parent_title} › {title}" if parent_kind == "matrix" and parent_title and title else title
        field_id = opt_str(field.get("id"), f"{at}.id")
        if field_id:
            titles[field_id] = (label, GRID_KIND if parent_kind == "matrix" else kind)
        properties = opt_obj(field.get("properties"), f"{at}.properties")
        if properties.get("fields") is not None:
            titles.update(
                _titles(lst(properties.get("fields"), f"{at}.properties.fields"), f"{at}.properties", (title, kind))
            )
    return titles


def parse(raw: bytes, content_type: str) -> Delivery:
    """A Typeform ``form_response`` event as a delivery; labels come from the form definition."""
    body = json_object(raw)
    event = opt_str(body.get("event_type"), "event_type")
    if event is not None and event != "form_response":
        # form_response_partial: the respondent has not finished. The complete response comes later with
        # the same token; storing the partial would make that one a duplicate and lose its answers.
        raise IgnoredDelivery(f"Typeform event {str(event)[:40]!r} is not a completed response")
    response = obj(body.get("form_response"), "form_response")
    definition = opt_obj(response.get("definition"), "form_response.definition")
    titles = _titles(lst(definition.get("fields"), "form_response.definition.fields"), "form_response.definition")
    items: list[tuple[str, str, str]] = []
    for index, answer in enumerate(lst(response.get("answers"), "form_response.answers")):
        where = f"form_response.answers[{index}]"
        answer = obj(answer, where)
        field = opt_obj(answer.get("field"), f"{where}.field")
        field_id = opt_str(field.get("id"), f"{where}.field.id") or ""
        title, field_type = titles.get(field_id, ("", opt_str(field.get("type"), f"{where}.field.type") or ""))
        kind = opt_str(answer.get("type"), f"{where}.type") or ""
        items.append(
            (
                title or opt_str(field.get("ref"), f"{where}.field.ref") or field_id,
                field_type if field_type == GRID_KIND else f"{kind} {field_type}",
                _answer_value(answer),
            )
        )
    hidden = opt_obj(response.get("hidden"), "form_response.hidden")
    return build_delivery(
        "typeform",
        response_id=ident(first(response, "token", "response_id") or body.get("event_id"), "form_response.token"),
        form_id=opt_str(first(response, "form_id") or definition.get("id"), "form_response.form_id"),
        form_name=opt_str(definition.get("title"), "form_response.definition.title"),
        submitted_at=when(response.get("submitted_at"), "form_response.submitted_at"),
        items=items,
        email=opt_str(hidden.get("email"), "form_response.hidden.email"),
        name=opt_str(hidden.get("name"), "form_response.hidden.name"),
    )
