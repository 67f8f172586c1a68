"""The source registry and ``veille sources``: every type resolves lazily, settings shown without values."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest

from chalicelib.models import SOURCE_NAMES
from chalicelib.sources import SOURCE_TYPES, UnknownSourceError, get_source
from veille import cmd_sources

EXPECTED = {
    "hn",
    "reddit",
    "bluesky",
    "mastodon",
    "stackexchange",
    "github",
    "youtube",
    "appstore",
    "rss",
    "google-alerts",
}


def test_every_type_resolves_to_a_connector_of_that_type() -> None:
    assert set(SOURCE_TYPES) == EXPECTED
    assert set(SOURCE_NAMES) == EXPECTED and len(SOURCE_NAMES) == len(EXPECTED)  # what query's source: accepts
    for name in SOURCE_TYPES:
        source = get_source(name)
        assert callable(source.fetch)
        assert isinstance(source.needs_credentials, bool) and source.description
        assert all(s.startswith("VEILLE_") for s in source.settings)
        if name != "google-alerts":
            assert source.type == name


def test_google_alerts_is_the_rss_connector() -> None:
    assert type(get_source("google-alerts")) is type(get_source("rss"))


def test_unknown_type_lists_the_valid_ones() -> None:
    with pytest.raises(UnknownSourceError, match="choose one of: appstore, bluesky, github, google-alerts, hn"):
        get_source("twitter")


def test_importing_the_package_imports_no_connector() -> None:
    code = (
        "import sys, chalicelib.sources; print(sorted(m for m in sys.modules if m.startswith('chalicelib.sources.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_sources_json_says_which_settings_are_set_without_values(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VEILLE_GITHUB_TOKEN", "ghp_secret_value")
    monkeypatch.delenv("VEILLE_YOUTUBE_API_KEY", raising=False)
    assert cmd_sources.run(argparse.Namespace(json=True)) == 0
    out = capsys.readouterr().out
    rows = {row["type"]: row for row in json.loads(out)}
    assert rows["github"]["settings"] == {"VEILLE_GITHUB_TOKEN": True}
    assert rows["youtube"] == {
        "type": "youtube",
        "needs_credentials": True,
        "settings": {"VEILLE_YOUTUBE_API_KEY": False},
        "description": get_source("youtube").description,
    }
    assert "ghp_secret_value" not in out


def test_sources_table(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("VEILLE_REDDIT_CLIENT_ID", "abc")
    monkeypatch.delenv("VEILLE_REDDIT_CLIENT_SECRET", raising=False)
    assert cmd_sources.run(argparse.Namespace(json=False)) == 0
    out = capsys.readouterr().out
    assert "VEILLE_REDDIT_CLIENT_ID: set" in out
    assert "VEILLE_REDDIT_CLIENT_SECRET: not set" in out
    assert "VEILLE_GITHUB_TOKEN (optional)" in out
    assert "abc" not in out
