"""Reading untrusted bodies: JSON objects, url-encoded and multipart forms, and typed field access.

Every failure is a :class:`~chalicelib.intake.model.PayloadError` naming the field, so that a
malformed delivery answers 400 and never 500.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email.message import Message
from typing import Any
from urllib.parse import parse_qsl

from chalicelib.intake.model import PayloadError

MIN_YEAR = 1990
MAX_YEAR = 2100
MAX_VALUE_DEPTH = 4


def media_type(content_type: str | None) -> str:
    """``application/json; charset=utf-8`` -> ``application/json``."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def _header_param(header: str, name: str, param: str) -> str | None:
    message = Message()
    message[name] = header
    value = message.get_param(param, header=name)
    if isinstance(value, tuple):  # RFC 2231 encoded: (charset, language, value)
        value = value[2]
    return str(value) if value is not None else None


def _decode(raw: bytes, field: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PayloadError(field, f"not UTF-8 text (byte {exc.start})") from exc


def json_object(raw: bytes, field: str = "body") -> dict[str, Any]:
    """The body as a JSON object."""
    text = _decode(raw, field)
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise PayloadError(field, f"not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise PayloadError(field, "must be a JSON object")
    return data


def urlencoded(raw: bytes) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body; the first value of each name."""
    fields: dict[str, str] = {}
    try:
        pairs = parse_qsl(_decode(raw, "body"), keep_blank_values=True, errors="strict")
    except (ValueError, UnicodeDecodeError) as exc:
        raise PayloadError("body", f"not a url-encoded form ({exc})") from exc
    for name, value in pairs:
        fields.setdefault(name, value)
    return fields


def multipart(raw: bytes, content_type: str) -> dict[str, str]:
    """The text fields of a ``multipart/form-data`` body (file parts are skipped)."""
    boundary = _header_param(content_type, "content-type", "boundary")
    if not boundary or len(boundary) > 200:
        raise PayloadError("content-type", "multipart/form-data without a valid boundary parameter")
    try:
        delimiter = b"--" + boundary.encode("latin-1")
    except UnicodeEncodeError as exc:
        raise PayloadError("content-type", "the multipart boundary is not ASCII") from exc
    pieces = raw.split(delimiter)
    if len(pieces) < 2 or not any(p.startswith(b"--") for p in pieces[1:]):
        raise PayloadError("body", "multipart body without its closing boundary")
    fields: dict[str, str] = {}
    for piece in pieces[1:]:
        if piece.startswith(b"--"):
            break
        piece = piece.removeprefix(b"\r\n").removeprefix(b"\n")
        head, sep, value = piece.partition(b"\r\n\r\n")
        if not sep:
            head, sep, value = piece.partition(b"\n\n")
        if not sep:
            raise PayloadError("body", "a multipart part has no blank line after its headers")
        value = value.removesuffix(b"\r\n").removesuffix(b"\n")
        disposition = ""
        for line in head.decode("latin-1").splitlines():
            key, _, rest = line.partition(":")
            if key.strip().lower() == "content-disposition":
                disposition = rest.strip()
        name = _header_param(disposition, "content-disposition", "name") if disposition else None
        if not name or _header_param(disposition, "content-disposition", "filename") is not None:
            continue
        fields.setdefault(name, _decode(value, name))
    return fields


# -- typed access to untrusted mappings ---------------------------------------------------------
def obj(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PayloadError(field, "must be an object")
    return value


def opt_obj(value: Any, field: str) -> dict[str, Any]:
    return {} if value is None else obj(value, field)


def lst(value: Any, field: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise PayloadError(field, "must be a list")
    return value


def ident(value: Any, field: str) -> str:
    """A required identifier: a non-empty string or an integer."""
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
        raise PayloadError(field, "is required (a non-empty string)")
    text = str(value).strip()
    if len(text) > 256:
        raise PayloadError(field, "is longer than 256 characters")
    return text


def opt_str(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise PayloadError(field, "must be a string")
    return str(value).strip() or None


def when(value: Any, field: str) -> datetime | None:
    """An optional ISO 8601 time (``Z`` or offset), or Unix seconds / milliseconds; always UTC-aware."""
    if value is None or value == "":
        return None
    try:
        if isinstance(value, bool):
            raise TypeError("a boolean")
        if isinstance(value, int | float):
            seconds = value / 1000 if value > 1e11 else value
            parsed = datetime.fromtimestamp(seconds, tz=UTC)
        elif isinstance(value, str):
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        else:
            raise TypeError(type(value).__name__)
        parsed = parsed.astimezone(UTC)
    except (TypeError, ValueError, OverflowError, OSError) as exc:
        raise PayloadError(field, f"not a date-time: {str(value)[:40]!r}") from exc
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise PayloadError(field, f"date-time out of range: {str(value)[:40]!r}")
    return parsed


# -- answers as text ------------------------------------------------------------------------------
def render(value: Any, depth: int = 0) -> str:
    """Any JSON answer value as one readable string ("" when empty)."""
    if value is None or depth > MAX_VALUE_DEPTH:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return ", ".join(p for p in (render(v, depth + 1) for v in value) if p)
    if isinstance(value, dict):
        return ", ".join(p for p in (render(v, depth + 1) for v in value.values()) if p)
    return str(value)


_TEMPLATE = re.compile(r"\{\{[^{}]*\}\}")
_PUNCT = re.compile(r"[^\w\s'-]+")
_NAME_LABELS = frozenset(
    {
        "name",
        "your name",
        "full name",
        "what's your name",
        "what is your name",
        "nom",
        "prénom",
        "votre nom",
        "votre prénom",
        "nom complet",
        "ton nom",
        "ton prénom",
        "nom et prénom",
        "prénom et nom",
        "comment vous appelez-vous",
        "comment t'appelles-tu",
    }
)
# The two halves of a name, by label (English and French; "?" and "your"/"votre" removed first).
_FIRST_NAME_LABELS = frozenset(
    {"first name", "firstname", "given name", "forename", "birth name", "prénom", "what is first name",
     "what's first name", "what is your first name", "what's your first name", "quel est votre prénom"}
)  # fmt: skip
_LAST_NAME_LABELS = frozenset(
    {"last name", "lastname", "surname", "family name", "nom de famille", "what is last name",
     "what's last name", "what is your last name", "what's your last name", "quel est votre nom de famille"}
)  # fmt: skip
_EMAIL_WORDS = ("email", "e-mail", "courriel", "adresse mail", "mail address")
_PHONE_WORDS = ("phone", "téléphone", "telephone", "mobile", "portable")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{2,}$")
_PHONE = re.compile(r"^\+?[\d\s().-]{6,24}$")


GRID_KIND = "grid"


def grid_items(label: str, rows: list[tuple[str, Any]]) -> list[tuple[str, str, str]]:
    """A grid or matrix answer as one ``(label, kind, value)`` item per answered row.

    Each becomes the line ``Question › Row: chosen column(s)``, so no row loses its label; rows left
    unanswered are left out.
    """
    items: list[tuple[str, str, str]] = []
    for row, chosen in rows:
        row_label = clean_label(str(row))
        items.append(
            (f"{label} › {row_label}" if label and row_label else label or row_label, GRID_KIND, render(chosen))
        )
    return items


def clean_label(label: str) -> str:
    """A question title without template placeholders (``{{field:xyz}}``), a trailing ":" or stray whitespace."""
    return " ".join(_TEMPLATE.sub("…", label).split()).rstrip(":").rstrip()


def personal_kind(label: str, kind: str = "") -> str | None:
    """``email``, ``phone``, ``name``, ``first_name`` or ``last_name`` when a question asks for that.

    The field's type decides first (``INPUT_EMAIL``, ``phone_number``, Jotform's name widget), then its
    label, in English or French ("What is your first name?", "Prénom", "Birth name", "Nom de famille").
    """
    kind = kind.lower()
    if kind == GRID_KIND:  # a grid row ("Email support", "Phone support") asks for an opinion, not a contact
        return None
    if kind == "name":
        return "name"
    if "email" in kind:
        return "email"
    if "phone" in kind:
        return "phone"
    words = " ".join(_PUNCT.sub(" ", label.lower()).split())
    if any(w in words for w in _EMAIL_WORDS):
        return "email"
    if any(w in words.split() for w in _PHONE_WORDS):
        return "phone"
    bare = " ".join(w for w in words.split() if w not in ("your", "votre", "ton", "ta"))
    if words in _FIRST_NAME_LABELS or bare in _FIRST_NAME_LABELS or _camel(label) == "first name":
        return "first_name"
    if words in _LAST_NAME_LABELS or bare in _LAST_NAME_LABELS or _camel(label) == "last name":
        return "last_name"
    if words in _NAME_LABELS:
        return "name"
    return None


def _camel(label: str) -> str:
    """``firstName`` / ``first_name`` as ``first name`` (Formspree and Zapier keys)."""
    return " ".join(re.sub(r"(?<=[a-z])(?=[A-Z])", " ", label).replace("_", " ").lower().split())


def looks_like_email(value: str) -> bool:
    return bool(_EMAIL.match(value))


def fields_to_answers(items: list[tuple[str, str, str]]) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """Split ``(label, kind, value)`` triples into text answers and personal data (email, name, phone)."""
    answers: list[tuple[str, str]] = []
    personal: dict[str, str] = {}
    for label, kind, value in items:
        if not value:
            continue
        what = personal_kind(label, kind)
        if (what == "email" and not looks_like_email(value)) or (what == "phone" and not _PHONE.match(value)):
            what = None
        if what in ("name", "first_name", "last_name") and ("\n" in value or len(value) > 120):
            what = None
        if what:
            personal.setdefault(what, value)
            continue
        answers.append((clean_label(label), value))
    # "First name" + "Last name" questions make one name; a full-name question wins over the halves.
    halves = [personal.pop(k) for k in ("first_name", "last_name") if k in personal]
    if halves and "name" not in personal:
        personal["name"] = " ".join(halves)
    return answers, personal


def first(mapping: Mapping[str, Any], *names: str) -> Any:
    for name in names:
        if mapping.get(name) not in (None, ""):
            return mapping[name]
    return None
