"""Retention per source: how long each mention is kept, from veille.toml (issue 14)."""

from __future__ import annotations

import pytest

from chalicelib.config import parse_config
from chalicelib.errors import ConfigError

WATCH = '[[watch]]\nname = "acme"\nquery = "acme"\n'


def sources(*blocks: str, top: str = "") -> str:
    return top + WATCH + "".join(f"[[watch.sources]]\n{block}\n" for block in blocks)


def test_public_posts_are_kept_30_days_reviews_and_forms_90_by_default() -> None:
    config = parse_config(sources('type = "hn"', 'type = "reddit"', 'type = "appstore"\napp_id = "1"'))
    kept = {s.type: config.retention_for(s) for s in config.watches[0].sources}
    assert kept == {"hn": 30, "reddit": 30, "appstore": 90}
    assert config.form_retention_days == 90


def test_a_sources_own_retention_wins_then_the_files() -> None:
    text = sources('type = "hn"\nretention_days = 7', 'type = "rss"\nurl = "x"', top="retention_days = 180\n")
    config = parse_config(text)
    own, other = config.watches[0].sources
    assert config.retention_for(own) == 7  # its own setting
    assert config.retention_for(other) == 180  # the file's, over the public-post default
    assert config.form_retention_days == 180


@pytest.mark.parametrize("value", ["0", "-3", "4000", '"a month"'])
def test_an_invalid_source_retention_names_the_key(value: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_config(sources(f'type = "hn"\nretention_days = {value}'))
    assert "watch[0].sources[0].retention_days" in str(error.value)


def test_an_invalid_file_retention_names_the_key() -> None:
    with pytest.raises(ConfigError) as error:
        parse_config(sources('type = "hn"', top="retention_days = 0\n"))
    assert "retention_days" in str(error.value)
