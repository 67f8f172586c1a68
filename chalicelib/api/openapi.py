"""The OpenAPI 3 description of every HTTP route, served at ``GET /openapi.json``.

Bodies come from the same pydantic models the routes validate with, so the document cannot drift
from what the API accepts.
"""

from __future__ import annotations

import functools
from typing import Any

from chalicelib import __version__

JSON = "application/json"
REF = "#/components/schemas/{model}"


def _error(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": description,
        "content": {JSON: {"schema": {"$ref": REF.format(model="Error")}}},
    }
    if headers:
        answer["headers"] = headers
    return answer


def _json(description: str, model: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": {"$ref": REF.format(model=model)}}}}


def _param(
    name: str,
    where: str,
    schema: dict[str, Any],
    description: str,
    required: bool = False,
) -> dict[str, Any]:
    return {
        "name": name,
        "in": where,
        "required": required or where == "path",
        "schema": schema,
        "description": description,
    }


DATE = {"type": "string", "format": "date"}
BOUNDS = "; from 2000-01-01 to tomorrow (UTC), else 400"
WATCH = _param(
    "watch", "query", {"type": "string", "maxLength": 40}, "a watch name from veille.toml (default: the default watch)"
)
SECURED = {
    "401": _error("no or wrong bearer token", {"WWW-Authenticate": {"schema": {"type": "string"}}}),
    "503": _error("VEILLE_API_TOKEN is not configured, or the database is unavailable"),
}


def _secured(operation: dict[str, Any]) -> dict[str, Any]:
    operation["security"] = [{"bearer": []}]
    operation["responses"] = {**operation["responses"], **SECURED}
    return operation


def _schemas() -> dict[str, Any]:
    from pydantic.json_schema import models_json_schema

    from chalicelib.api.models import MentionPatch, ThemePatch
    from chalicelib.classify.schema import KINDS
    from chalicelib.models import Mention

    _, top = models_json_schema(
        [(MentionPatch, "validation"), (Mention, "serialization"), (ThemePatch, "validation")], ref_template=REF
    )
    schemas: dict[str, Any] = dict(top.get("$defs", {}))
    schemas.update(_insight_schemas())
    mention = schemas["Mention"]
    mention["properties"]["day"] = {"type": "string", "format": "date", "description": "UTC day of created_at"}
    mention["properties"]["effective_labels"] = {"type": "object", "description": "labels with corrections applied"}
    mention["properties"]["alert"] = {
        "type": ["object", "null"],
        "description": "the urgent alert some channel has not taken: status pending (retried) or undelivered "
        "(given up after 24 h), sent (channels that have it), failed (per channel: error, since, last_try)",
    }
    schemas["Error"] = {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {"type": "string"},
            "message": {"type": "string"},
            "fields": {
                "type": "array",
                "items": {"type": "object", "properties": {"field": {"type": "string"}, "message": {"type": "string"}}},
            },
        },
    }
    schemas["MentionPage"] = {
        "type": "object",
        "required": ["watch", "since", "until", "items", "next"],
        "properties": {
            "watch": {"type": "string"},
            "since": DATE,
            "until": DATE,
            "items": {"type": "array", "items": {"$ref": REF.format(model="Mention")}},
            "next": {"type": ["string", "null"], "description": "cursor of the next page, null on the last"},
            "order": {"type": "string", "enum": ["priority"], "description": "only with order=priority"},
            "total": {"type": "integer", "description": "order=priority: how many mentions passed the filters"},
            "complete": {"type": "boolean", "description": "order=priority: false when the window was cut"},
        },
    }
    mention["properties"]["priority"] = {
        "type": "object",
        "description": "how pressing it is: urgency, waiting time against the watch's reply target, reach",
        "required": ["score", "level", "urgency", "kind", "needs_you", "waiting_hours", "overdue", "reasons"],
        "properties": {
            "score": {"type": "number"},
            "level": {"type": "string", "enum": ["critical", "high", "normal"], "description": ">= 75, >= 60, else"},
            "urgency": {"type": "integer", "minimum": 0, "maximum": 100},
            "kind": {"type": "string", "enum": list(KINDS)},
            "needs_you": {"type": "boolean", "description": "an open complaint, question or lead, shown"},
            "waiting_hours": {"type": "number", "minimum": 0},
            "overdue": {"type": "boolean"},
            "reasons": {"type": "array", "items": {"type": "string"}, "description": "why it is urgent"},
        },
    }
    day = {
        "type": "object",
        "required": ["date", "total"],
        "properties": {
            "date": DATE,
            **{
                k: {"type": "integer", "minimum": 0}
                for k in (
                    "total",
                    "positive",
                    "neutral",
                    "negative",
                    "complaints",
                    "leads",
                    "needs_reply",
                    "replied",
                    "hidden",
                )
            },
        },
    }
    schemas["Stats"] = {
        "type": "object",
        "required": ["watch", "days"],
        "properties": {"watch": {"type": "string"}, "days": {"type": "array", "items": day}},
    }
    schemas["Digest"] = {
        "type": "object",
        "required": ["watch", "date"],
        "additionalProperties": True,
        "properties": {"watch": {"type": "string"}, "date": {"type": "string"}},
    }
    return schemas


def _paths() -> dict[str, Any]:
    from chalicelib.api.models import LABEL_FILTERS, MAX_LIMIT, MAX_WINDOW_DAYS
    from chalicelib.classify.schema import KINDS
    from chalicelib.models import STATUSES

    mention_id = _param("mention_id", "path", {"type": "string", "minLength": 1, "maxLength": 200}, "mention id")
    return {
        "/health": {
            "get": {
                "operationId": "health",
                "summary": "ok or degraded and the version; with the bearer token, also the table and each source",
                "responses": {
                    "200": {
                        "description": "health (table and sources only with a valid bearer token)",
                        "content": {JSON: {"schema": {"type": "object", "required": ["status", "ok", "version"]}}},
                    }
                },
            }
        },
        "/watches": {
            "get": _secured(
                {
                    "operationId": "listWatches",
                    "summary": "The configured watches and the default one",
                    "responses": {
                        "200": {
                            "description": "watches",
                            "content": {
                                JSON: {
                                    "schema": {
                                        "type": "object",
                                        "required": ["default", "watches"],
                                        "properties": {
                                            "default": {"type": "string"},
                                            "watches": {
                                                "type": "array",
                                                "items": {"type": "object", "required": ["name"]},
                                            },
                                        },
                                    }
                                }
                            },
                        }
                    },
                }
            )
        },
        "/mentions": {
            "get": _secured(
                {
                    "operationId": "listMentions",
                    "summary": "A page of a watch's mentions, newest first or most pressing first",
                    "parameters": [
                        WATCH,
                        _param(
                            "status",
                            "query",
                            {"type": "string", "enum": [*STATUSES, "open"]},
                            "triage status (open: new or to_reply)",
                        ),
                        _param(
                            "label",
                            "query",
                            {"type": "string", "enum": list(LABEL_FILTERS)},
                            "label after corrections (needs_you: open complaints, questions and leads, "
                            "neither spam, offensive nor hidden)",
                        ),
                        _param(
                            "kind",
                            "query",
                            {"type": "string", "enum": list(KINDS)},
                            "feedback kind after corrections (labels without one read as complaint or other)",
                        ),
                        _param(
                            "order",
                            "query",
                            {"type": "string", "enum": ["newest", "priority"], "default": "newest"},
                            "priority: what needs you first, then by priority score (urgency, plus up to 15 "
                            "for waiting three reply targets, plus up to 15 for reach), then oldest first",
                        ),
                        _param(
                            "source", "query", {"type": "string", "maxLength": 100}, "source (hn, rss, form:tally...)"
                        ),
                        _param("since", "query", DATE, f"first UTC day (default: until - 6 days){BOUNDS}"),
                        _param("until", "query", DATE, f"last UTC day (default: today){BOUNDS}"),
                        _param(
                            "text",
                            "query",
                            {"type": "string", "maxLength": 200},
                            "substring of the title, text or author, case- and accent-insensitive",
                        ),
                        _param(
                            "limit",
                            "query",
                            {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 50},
                            "page size",
                        ),
                        _param("cursor", "query", {"type": "string", "maxLength": 1000}, "the previous page's next"),
                    ],
                    "description": f"Reads at most {MAX_WINDOW_DAYS} days at a time. A page may be shorter than limit "
                    "with a non-null next when a rare filter made the scan long; keep following next.",
                    "responses": {
                        "200": _json("a page of mentions", "MentionPage"),
                        "400": _error("invalid filter, window or cursor (the message names the field)"),
                    },
                }
            )
        },
        "/mentions/{mention_id}": {
            "parameters": [mention_id],
            "get": _secured(
                {
                    "operationId": "getMention",
                    "summary": "One mention",
                    "responses": {"200": _json("the mention", "Mention"), "404": _error("unknown id")},
                }
            ),
            "patch": _secured(
                {
                    "operationId": "patchMention",
                    "summary": "Triage: status, label corrections, note",
                    "requestBody": {
                        "required": True,
                        "content": {JSON: {"schema": {"$ref": REF.format(model="MentionPatch")}}},
                    },
                    "responses": {
                        "200": _json("the updated mention", "Mention"),
                        "400": _error("invalid body (the message names the field)"),
                        "404": _error("unknown id"),
                        "415": _error("body is not JSON"),
                    },
                }
            ),
        },
        "/stats": {
            "get": _secured(
                {
                    "operationId": "stats",
                    "summary": "Daily counts for the charts, oldest day first",
                    "parameters": [
                        WATCH,
                        _param(
                            "days",
                            "query",
                            {"type": "integer", "minimum": 1, "maximum": MAX_WINDOW_DAYS, "default": 14},
                            "how many days",
                        ),
                        _param("until", "query", DATE, f"last UTC day (default: today){BOUNDS}"),
                    ],
                    "responses": {"200": _json("daily series", "Stats"), "400": _error("invalid parameter")},
                }
            )
        },
        "/digest/{date}": {
            "get": _secured(
                {
                    "operationId": "digest",
                    "summary": "A watch's digest for a day (JSON, or HTML with Accept: text/html)",
                    "parameters": [_param("date", "path", DATE, f"the day (YYYY-MM-DD){BOUNDS}"), WATCH],
                    "responses": {
                        "200": {
                            "description": "the digest",
                            "content": {
                                JSON: {"schema": {"$ref": REF.format(model="Digest")}},
                                "text/html": {"schema": {"type": "string"}},
                            },
                        },
                        "400": _error("invalid date or watch"),
                    },
                }
            )
        },
        **_insight_paths(),
        "/webhooks/{provider}": {
            "post": {
                "operationId": "webhook",
                "summary": "Feedback forms deliver here (signature checked per provider)",
                "parameters": [
                    _param(
                        "provider",
                        "path",
                        {"type": "string", "maxLength": 40},
                        "typeform, tally, jotform, google-forms, formspree, fillout, generic",
                    )
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        JSON: {"schema": {"type": "object"}},
                        "application/x-www-form-urlencoded": {"schema": {"type": "object"}},
                    },
                },
                "responses": {
                    "200": {"description": "accepted (or already seen)"},
                    "202": {"description": "accepted"},
                    "400": {"description": "payload not understood"},
                    "401": {"description": "missing or invalid signature"},
                    "403": {"description": "signature refused"},
                    "404": {"description": "unknown provider"},
                    "413": {"description": "payload too large"},
                    "415": {"description": "unsupported content type"},
                    "503": {"description": "the provider's secret is not configured"},
                },
            }
        },
        "/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document",
                "responses": {"200": {"description": "OpenAPI 3.1", "content": {JSON: {"schema": {"type": "object"}}}}},
            }
        },
        "/app": {
            "get": {
                "operationId": "inbox",
                "summary": "The triage inbox page (asks for the token once)",
                "responses": {"200": {"description": "HTML", "content": {"text/html": {"schema": {"type": "string"}}}}},
            }
        },
        "/t/{mention_id}/{action}": {
            "parameters": [
                mention_id,
                _param("action", "path", {"type": "string", "enum": ["replied", "ignored"]}, "triage"),
                _param("exp", "query", {"type": "string"}, "expiry (unix seconds)", required=True),
                _param("sig", "query", {"type": "string"}, "HMAC-SHA256 signature", required=True),
            ],
            "get": {
                "operationId": "triageConfirm",
                "summary": "A signed link's confirmation page (changes nothing)",
                "responses": {
                    "200": {"description": "confirmation page"},
                    "403": {"description": "forged, altered or expired link"},
                    "404": {"description": "mention gone"},
                    "503": {"description": "VEILLE_LINK_SECRET is not configured"},
                },
            },
            "post": {
                "operationId": "triageApply",
                "summary": "Apply a signed link's action",
                "requestBody": {
                    "required": False,
                    "content": {"application/x-www-form-urlencoded": {"schema": {"type": "object"}}},
                },
                "responses": {
                    "200": {"description": "done"},
                    "403": {"description": "forged, altered or expired link"},
                    "404": {"description": "mention gone"},
                    "415": {"description": "not a form post"},
                    "503": {"description": "VEILLE_LINK_SECRET is not configured"},
                },
            },
        },
    }


def _insight_schemas() -> dict[str, Any]:
    """Themes and the report (chalicelib.api.insights)."""
    text_or_null = {"type": ["string", "null"]}
    count = {"type": ["integer", "null"], "minimum": 0}
    example = {
        "type": "object",
        "properties": {"id": {"type": "string"}, "quote": {"type": "string"}, "url": text_or_null},
    }
    theme = {
        "type": "object",
        "required": ["id", "kind", "label", "labels", "examples", "hidden", "count"],
        "properties": {
            "id": {"type": "string"},
            "kind": {"type": "string", "description": "problem, request, question or praise"},
            "label": {"type": "string", "description": "yours, else the generated one in the watch's language"},
            "generated_label": {"type": "string", "description": "the label discovery gave, in the watch's language"},
            "custom_label": {**text_or_null, "description": "the label you gave (PATCH label), kept across runs"},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}, "description": "en and fr"},
            "examples": {"type": "array", "items": example, "description": "typical units, linked to their mention"},
            "first_seen": text_or_null,
            "last_seen": text_or_null,
            "hidden": {"type": "boolean", "description": "left out of the report (still assigned and counted)"},
            "authors": {**count, "description": "distinct people when discovered (after a merge: at least)"},
            "size": {**count, "description": "units that formed it"},
            "count": {**count, "description": "its units of the last count_days days, merged themes' included"},
            "merged": {
                "type": "array",
                "items": {"type": "string"},
                "description": "GET /themes: ids of the themes merged into it (units may still carry them)",
            },
        },
    }
    return {
        "Theme": theme,
        "ThemeList": {
            "type": "object",
            "required": ["watch", "language", "count_days", "themes"],
            "properties": {
                "watch": {"type": "string"},
                "language": {"type": "string", "enum": ["en", "fr"]},
                "count_days": {"type": "integer"},
                "themes": {"type": "array", "items": {"$ref": REF.format(model="Theme")}},
            },
        },
        "Report": {
            "type": "object",
            "required": ["watch", "language", "period", "kpis", "themes", "changes", "proposals", "days"],
            "additionalProperties": True,
            "properties": {
                "watch": {"type": "string"},
                "language": {"type": "string", "enum": ["en", "fr"]},
                "period": {
                    "type": "object",
                    "description": "kind (week or month), start, end, previous_start, previous_end",
                },
                "kpis": {
                    "type": "object",
                    "description": "mentions, share_of_voice, sentiment, complaints, leads, median_first_reply_hours, "
                    "share_replied: each value against previous; the same per channel under by_source",
                },
                "themes": {
                    "type": "array",
                    "items": {"type": "object"},
                    "description": "the top themes of each kind: count, previous, trend (new, rising, steady, "
                    "falling), authors, examples",
                },
                "changes": {"type": "array", "items": {"type": "object"}, "description": "what changed most"},
                "proposals": {
                    "type": "array",
                    "items": {"type": "object"},
                    "description": "rule (fix, reply_faster, help_article, consider_request, thank), text, "
                    "evidence, examples",
                },
                "days": {"type": "array", "items": {"type": "object"}, "description": "volume and sentiment by day"},
            },
        },
    }


def _insight_paths() -> dict[str, Any]:
    """``/themes``, ``/themes/{theme_id}`` and ``/report/{period}/{date}``."""
    from chalicelib.api.models import LANGUAGES, MAX_THEME_LABEL, PERIODS

    theme_id = _param("theme_id", "path", {"type": "string", "minLength": 1, "maxLength": 100}, "theme id")
    return {
        "/themes": {
            "get": _secured(
                {
                    "operationId": "listThemes",
                    "summary": "A watch's themes (what keeps coming back), by kind, most frequent first",
                    "description": "Problems, requests, questions and praise that say the same thing, in English and "
                    "French together. Hidden themes are listed with hidden=true; merged ones are not (their units "
                    "count in the theme they were merged into).",
                    "parameters": [WATCH],
                    "responses": {
                        "200": _json("the themes", "ThemeList"),
                        "400": _error("unknown watch or parameter (the message names it)"),
                    },
                }
            )
        },
        "/themes/{theme_id}": {
            "parameters": [theme_id, WATCH],
            "patch": _secured(
                {
                    "operationId": "patchTheme",
                    "summary": "Rename, hide or show, or merge a theme",
                    "description": f"label: your own (at most {MAX_THEME_LABEL} characters, one line), kept when "
                    "discovery runs again; null restores the generated one. hidden: true leaves it out of the "
                    "report. merge_into (sent alone): the id of a theme of the same kind, which takes its examples "
                    "and counts; the merged theme is no longer listed nor assigned new units. Splitting a theme is "
                    "not offered yet.",
                    "requestBody": {
                        "required": True,
                        "content": {JSON: {"schema": {"$ref": REF.format(model="ThemePatch")}}},
                    },
                    "responses": {
                        "200": _json("the theme as it now is (after a merge, the theme merged into)", "Theme"),
                        "400": _error("invalid body, unknown watch or merge target (the message names the field)"),
                        "404": _error("no such theme (or it was merged into another)"),
                        "415": _error("body is not JSON"),
                    },
                }
            ),
        },
        "/report/{period}/{date}": {
            "get": _secured(
                {
                    "operationId": "report",
                    "summary": "A watch's weekly or monthly report (JSON, or HTML with Accept: text/html)",
                    "description": "KPIs per channel against the previous period, the top themes of each kind with "
                    "their trend, what changed most, and proposals tied to their evidence and examples. Built from "
                    "the hourly counters and stored themes, never from the period's mentions.",
                    "parameters": [
                        _param(
                            "period",
                            "path",
                            {"type": "string", "enum": list(PERIODS)},
                            "week (ISO, Monday to Sunday) or month (calendar)",
                        ),
                        _param("date", "path", DATE, f"a day of the period (YYYY-MM-DD){BOUNDS}"),
                        WATCH,
                        _param(
                            "lang",
                            "query",
                            {"type": "string", "enum": list(LANGUAGES)},
                            "the report's language (default: the watch's)",
                        ),
                    ],
                    "responses": {
                        "200": {
                            "description": "the report",
                            "content": {
                                JSON: {"schema": {"$ref": REF.format(model="Report")}},
                                "text/html": {"schema": {"type": "string"}},
                            },
                        },
                        "400": _error("invalid period, date, lang or watch (the message names it)"),
                    },
                }
            )
        },
    }


@functools.cache
def openapi_document() -> dict[str, Any]:
    """The whole API as an OpenAPI 3.1 document (servers relative, so it works behind any stage prefix)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Veille API",
            "version": __version__,
            "description": "Social listening and feedback triage. Send 'Authorization: Bearer <VEILLE_API_TOKEN>'.",
        },
        "servers": [{"url": "."}],
        "paths": _paths(),
        "components": {"schemas": _schemas(), "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }
