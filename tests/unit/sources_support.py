"""Shared helpers for the source connector tests: recorded fixtures and a fetch context on respx."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from chalicelib.sources.base import FetchContext

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sources"


def fixture_text(kind: str, name: str) -> str:
    """The raw text of a recorded response body."""
    return (FIXTURES / kind / name).read_text(encoding="utf-8")


def fixture(kind: str, name: str) -> Any:
    """A recorded response body, decoded."""
    return json.loads(fixture_text(kind, name))


def ok(kind: str, name: str, **headers: str) -> httpx.Response:
    """A 200 JSON response replaying a recorded body."""
    return httpx.Response(200, json=fixture(kind, name), headers=headers)


def context(secrets: dict[str, str] | None = None) -> FetchContext:
    """A fetch context whose client goes through respx (active in the test) and whose secrets are given."""
    given = dict(secrets or {})
    return FetchContext(http=httpx.Client(), secret=given.get, retention_days=30)


def params(call: Any) -> dict[str, str]:
    """The query parameters of a recorded respx call, as a flat dict (last value wins)."""
    return dict(call.request.url.params)
