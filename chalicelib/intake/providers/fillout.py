"""Fillout: JSON ``{formId, formName, submission: {submissionId, submissionTime, questions, urlParameters, ...}}``.

Fillout's webhook wraps the submission so. A submission alone, "flat" (as Fillout's REST API returns it and
automation tools that unwrap it, such as Activepieces' Fillout trigger, hand it on), reads the same.

Fillout signs nothing: the webhook URL carries ``?token=<VEILLE_FILLOUT_TOKEN>`` (or the request an
``X-Veille-Token`` header, which Fillout's webhook settings can add).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from chalicelib.intake import signing
from chalicelib.intake.bodies import grid_items, ident, json_object, lst, obj, opt_str, render, when
from chalicelib.intake.model import Delivery
from chalicelib.intake.providers import build_delivery

SETTING = "VEILLE_FILLOUT_TOKEN"
CONTENT_TYPES = frozenset({"application/json"})


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


def parse(raw: bytes, content_type: str) -> Delivery:
    """A Fillout submission as a delivery; an ``email`` URL parameter counts as the respondent's email."""
    body = json_object(raw)
    if "submission" not in body and ("questions" in body or "submissionId" in body):
        submission, at = body, ""  # flat: the submission on its own
    else:
        submission, at = obj(body.get("submission"), "submission"), "submission."
    items: list[tuple[str, str, str]] = []
    for index, question in enumerate(lst(submission.get("questions"), f"{at}questions")):
        where = f"{at}questions[{index}]"
        question = obj(question, where)
        name = opt_str(question.get("name"), f"{where}.name") or ""
        kind = opt_str(question.get("type"), f"{where}.type") or ""
        value = question.get("value")
        if "matrix" in kind.lower() and isinstance(value, dict):
            # {row label: chosen column (or columns)}: each row keeps its label.
            items.extend(grid_items(name, list(value.items())))
            continue
        items.append((name, kind, render(value)))
    email = None
    for index, parameter in enumerate(lst(submission.get("urlParameters"), f"{at}urlParameters")):
        parameter = obj(parameter, f"{at}urlParameters[{index}]")
        if parameter.get("name") == "email":
            email = opt_str(parameter.get("value"), f"{at}urlParameters[{index}].value")
    return build_delivery(
        "fillout",
        response_id=ident(submission.get("submissionId"), f"{at}submissionId"),
        form_id=opt_str(body.get("formId"), "formId"),
        form_name=opt_str(body.get("formName"), "formName"),
        submitted_at=when(submission.get("submissionTime"), f"{at}submissionTime"),
        items=items,
        email=email,
    )
