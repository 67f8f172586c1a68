"""Shared by the infra tests: what the session's synth produced."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SENDER = "alerts@veille.test"


@dataclass
class Synth:
    """The synthesised stack: its template as a dict and as an assertions.Template, plus cdk-nag's verdict."""

    stack: Any
    template: Any
    resources: dict[str, Any]
    nag_errors: list[str]
    nag_warnings: list[str]
