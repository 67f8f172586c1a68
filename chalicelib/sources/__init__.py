"""Source connectors, found by type name and imported only when used."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from chalicelib.sources.base import Source

SOURCE_TYPES: dict[str, str] = {
    "rss": "chalicelib.sources.rss:RssSource",
    "google-alerts": "chalicelib.sources.rss:RssSource",
}


class UnknownSourceError(ValueError):
    """A source type Veille does not know."""

    def __init__(self, name: str) -> None:
        super().__init__(f"unknown source {name!r}; choose one of: {', '.join(sorted(SOURCE_TYPES))}")


def get_source(name: str) -> Source:
    """The connector for a source type."""
    try:
        target = SOURCE_TYPES[name]
    except KeyError:
        raise UnknownSourceError(name) from None
    module_name, class_name = target.split(":")
    return getattr(importlib.import_module(module_name), class_name)()  # type: ignore[no-any-return]
