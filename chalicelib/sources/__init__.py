"""Source connectors, found by type name and imported only when used."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from chalicelib.sources.base import Source

# type name -> "module:Class"; modules are imported on first use only, to keep cold starts small. The names
# are chalicelib.models.SOURCE_NAMES (what the query language's ``source:`` accepts): add a connector to both.
SOURCE_TYPES: dict[str, str] = {
    "hn": "chalicelib.sources.hn:HackerNewsSource",
    "reddit": "chalicelib.sources.reddit:RedditSource",
    "bluesky": "chalicelib.sources.bluesky:BlueskySource",
    "mastodon": "chalicelib.sources.mastodon:MastodonSource",
    "stackexchange": "chalicelib.sources.stackexchange:StackExchangeSource",
    "github": "chalicelib.sources.github:GitHubSource",
    "youtube": "chalicelib.sources.youtube:YouTubeSource",
    "appstore": "chalicelib.sources.appstore:AppStoreSource",
    "rss": "chalicelib.sources.rss:RssSource",
    "google-alerts": "chalicelib.sources.rss:RssSource",
}


class UnknownSourceError(ValueError):
    """A source type Veille does not know."""

    def __init__(self, name: str) -> None:
        super().__init__(f"unknown source {name!r}; choose one of: {', '.join(sorted(SOURCE_TYPES))}")


def get_source(name: str) -> Source:
    """The connector for a source type, imported now; UnknownSourceError lists the valid types."""
    try:
        target = SOURCE_TYPES[name]
    except KeyError:
        raise UnknownSourceError(name) from None
    module_name, class_name = target.split(":")
    return getattr(importlib.import_module(module_name), class_name)()  # type: ignore[no-any-return]
