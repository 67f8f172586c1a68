"""What every source connector is: a function from (config, cursor) to new mentions and a new cursor.

A connector never stores anything and never moves its own cursor: the fetch pipeline stores the
mentions first and saves the returned cursor only after that succeeded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Protocol

import httpx
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.models import Mention


class SourceConfig(BaseModel):
    """One configured source of a watch, as written in veille.toml under ``[[watch.sources]]``.

    ``type`` picks the connector, ``key`` names this instance (defaults to the type), ``base_url``
    overrides the API root (self-hosted instances, tests), ``retention_days`` how long its mentions are kept
    (default: ``VeilleConfig.retention_for``); every other key is connector-specific.
    """

    model_config = ConfigDict(extra="allow")

    type: str
    key: str = ""
    base_url: str | None = None
    limit: int = 100
    timeout_s: float = 10.0
    retention_days: int | None = Field(default=None, ge=1, le=3650, description="days its mentions are kept")

    def option(self, name: str, default: Any = None) -> Any:
        """A connector-specific option from the config, or ``default``."""
        extra = self.model_extra or {}
        return extra.get(name, default)

    @property
    def name(self) -> str:
        return self.key or self.type


@dataclass
class FetchRequest:
    """What to look for: the search terms of the watch, and where the last run stopped."""

    terms: list[str]
    cursor: dict[str, Any] = field(default_factory=dict)
    since: datetime | None = None
    limit: int = 100


@dataclass
class FetchResult:
    """What a run found: normalised mentions (not yet matched), the cursor to save once stored."""

    mentions: list[Mention]
    cursor: dict[str, Any]
    skipped: int = 0
    notes: list[str] = field(default_factory=list)


SecretLookup = Callable[[str], str | None]


@dataclass
class FetchContext:
    """The dependencies a connector may use: an HTTP client and a secret lookup by setting name."""

    http: httpx.Client
    secret: SecretLookup = lambda name: None
    retention_days: int = 90


class Source(Protocol):
    """A connector. ``settings`` lists the setting names it reads (for ``veille sources``)."""

    type: ClassVar[str]
    needs_credentials: ClassVar[bool]
    settings: ClassVar[tuple[str, ...]]
    description: ClassVar[str]

    def fetch(self, config: SourceConfig, request: FetchRequest, ctx: FetchContext) -> FetchResult:
        """Fetch what is new since ``request.cursor``; raise SourceError on failure."""
        ...
