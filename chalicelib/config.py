"""Watch configuration: ``veille.toml`` at the root (path from ``VEILLE_CONFIG``), validated by pydantic.

A watch is what a founder listens for: a query in Veille's query language, its aliases and
misspellings, the sources to ask, and where its alerts and digest go.
"""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from chalicelib.errors import ConfigError
from chalicelib.sources.base import SourceConfig

# How long a mention is kept (its items' TTL) when neither its source nor the file's top-level
# ``retention_days`` says: public posts are read within days (the digest, the inbox's week), while form
# answers and store reviews are feedback a founder comes back to.
PUBLIC_POST_RETENTION_DAYS = 30
FEEDBACK_RETENTION_DAYS = 90
REVIEW_SOURCES = frozenset({"appstore"})


def default_retention_days(source_type: str) -> int:
    """The default retention of a source type's mentions: 90 days for reviews, 30 for public posts."""
    return FEEDBACK_RETENTION_DAYS if source_type in REVIEW_SOURCES else PUBLIC_POST_RETENTION_DAYS


class WatchConfig(BaseModel):
    """One watch: ``[[watch]]`` in veille.toml."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")
    query: str
    aliases: dict[str, list[str]] = Field(default_factory=dict)
    fuzzy: bool = False
    competitor: bool = False
    competitors: list[str] = Field(default_factory=list)
    language: Literal["en", "fr"] = "en"
    timezone: str = "UTC"
    digest_hour: int = Field(default=8, ge=0, le=23)
    reply_target_hours: int = Field(default=24, ge=1)
    urgency_threshold: int = Field(default=60, ge=0, le=100)  # "high" in the inbox and digest
    crisis_min_count: int = Field(default=5, ge=1)
    email_to: list[str] = Field(default_factory=list)
    slack: bool = True
    sns: bool = True
    forms: list[str] = Field(default_factory=list, description="form providers or form ids routed to this watch")
    default: bool = False
    sources: list[SourceConfig] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as 'Europe/Paris'") from exc
        return value

    @model_validator(mode="after")
    def _unique_source_keys(self) -> WatchConfig:
        seen: set[str] = set()
        for source in self.sources:
            if source.name in seen:
                raise ValueError(f"two sources are named {source.name!r}; give one of them a distinct key")
            seen.add(source.name)
        return self


class VeilleConfig(BaseModel):
    """The whole file."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    # Set, it keeps every mention that long (a source's own retention_days still wins); unset, the
    # defaults by kind apply (default_retention_days, FEEDBACK_RETENTION_DAYS for forms).
    retention_days: int | None = Field(default=None, ge=1, le=3650)
    silent_after_runs: int = Field(default=3, ge=1)
    watches: list[WatchConfig] = Field(alias="watch", min_length=1)

    @model_validator(mode="after")
    def _cross_checks(self) -> VeilleConfig:
        names = [w.name for w in self.watches]
        if len(set(names)) != len(names):
            raise ValueError("two watches share a name; watch names must be unique")
        for watch in self.watches:
            for other in watch.competitors:
                if other not in names:
                    raise ValueError(f"watch {watch.name!r} names competitor {other!r}, which is not a watch")
        return self

    def retention_for(self, source: SourceConfig) -> int:
        """Days a source's mentions are kept: its own ``retention_days``, else the file's, else its kind's."""
        return source.retention_days or self.retention_days or default_retention_days(source.type)

    @property
    def form_retention_days(self) -> int:
        """Days a form delivery is kept: the file's ``retention_days``, else the feedback default."""
        return self.retention_days or FEEDBACK_RETENTION_DAYS

    def watch(self, name: str) -> WatchConfig:
        for watch in self.watches:
            if watch.name == name:
                return watch
        raise KeyError(name)

    @property
    def default_watch(self) -> WatchConfig:
        """Where feedback that no watch claims goes: the one marked default, else the first brand watch."""
        for watch in self.watches:
            if watch.default:
                return watch
        return next((w for w in self.watches if not w.competitor), self.watches[0])

    def watch_for_form(self, provider: str, form_id: str | None) -> WatchConfig:
        """The watch a form delivery belongs to: one naming its form id, else its provider, else the default."""
        for key in (form_id, provider):
            if key:
                for watch in self.watches:
                    if key in watch.forms:
                        return watch
        return self.default_watch


def _location(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts[-1] = f"{parts[-1]}[{item}]" if parts else f"[{item}]"
        else:
            parts.append(str(item))
    return ".".join(parts) or "(top level)"


def parse_config(text: str, origin: str = "veille.toml") -> VeilleConfig:
    """Parse and validate a config; raise ConfigError naming the key and what to change."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{origin}: not valid TOML: {exc}") from exc
    try:
        config = VeilleConfig.model_validate(data)
    except ValidationError as exc:
        lines = [f"{origin}: {_location(e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise ConfigError("\n".join(lines)) from exc
    _check_queries(config, origin)
    return config


def _check_queries(config: VeilleConfig, origin: str) -> None:
    from chalicelib.query import QuerySyntaxError, compile_query
    from chalicelib.sources import SOURCE_TYPES

    for index, watch in enumerate(config.watches):
        for number, source in enumerate(watch.sources):
            if source.type not in SOURCE_TYPES:
                raise ConfigError(
                    f"{origin}: watch[{index}].sources[{number}].type: unknown source {source.type!r}; "
                    f"choose one of: {', '.join(sorted(SOURCE_TYPES))}"
                )
        try:
            compile_query(watch.query, aliases=watch.aliases, fuzzy=watch.fuzzy)
        except QuerySyntaxError as exc:
            raise ConfigError(f"{origin}: watch[{index}].query: {exc}") from exc


def load_config(path: str | Path) -> VeilleConfig:
    """Read and validate the config file at ``path``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(
            f"{path}: no such file; create it (see veille.toml in the repository) or point VEILLE_CONFIG at it"
        ) from exc
    return parse_config(text, origin=str(path))


@functools.cache
def get_config() -> VeilleConfig:
    """The configured watches, read once per process from settings' path."""
    from chalicelib.settings import get_settings

    return load_config(get_settings().config)
