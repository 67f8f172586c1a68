"""Models, config validation and the RSS/Google Alerts source, without AWS."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from chalicelib.config import parse_config
from chalicelib.errors import ConfigError, SourceError
from chalicelib.models import Mention, SourceHealth, SourceRun, mention_id
from chalicelib.sources.base import FetchContext, FetchRequest, SourceConfig
from chalicelib.sources.rss import RssSource, strip_html, unwrap_google_redirect

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "feeds"


def test_a_refetched_item_is_the_same_mention() -> None:
    first = Mention(source="hn", external_id="42", text="a", created_at=datetime(2026, 1, 1, tzinfo=UTC))
    again = Mention(source="hn", external_id="42", text="b", created_at=datetime(2026, 1, 2, tzinfo=UTC))
    other = Mention(source="reddit", external_id="42", text="a", created_at=datetime(2026, 1, 1, tzinfo=UTC))
    assert first.id == again.id == mention_id("hn", "42")
    assert first.id != other.id


def test_mentions_expire_after_the_retention_period() -> None:
    fetched = datetime(2026, 1, 1, tzinfo=UTC)
    mention = Mention(source="hn", external_id="1", text="x", created_at=fetched, fetched_at=fetched, retention_days=30)
    assert mention.expires_at == int(datetime(2026, 1, 31, tzinfo=UTC).timestamp())


def test_the_committed_sample_config_is_valid() -> None:
    config = parse_config((SAMPLES.parents[1] / "veille.toml").read_text())
    assert config.default_watch.name == "kanbo"
    assert config.watch("taskly").competitor


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('[[watch]]\nname = "a"\nquery = "x"\ndigest_hour = 30\n', "watch[0].digest_hour"),
        ('[[watch]]\nname = "a"\nquery = "x"\ntimezone = "Mars/Olympus"\n', "watch[0].timezone"),
        ('[[watch]]\nname = "a"\nquery = "x"\ncolour = "red"\n', "watch[0].colour"),
        ('[[watch]]\nname = "a"\nquery = "x"\ncompetitors = ["b"]\n', "competitor 'b'"),
        ('[[watch]]\nname = "a"\n', "watch[0].query"),
        ("retention_days = 90\n", "watch"),
        ('[[watch]]\nname = "a"\nquery = "x"\n[[watch.sources]]\ntype = "myspace"\n', "watch[0].sources[0].type"),
        ("[[watch]\n", "not valid TOML"),
    ],
)
def test_an_invalid_config_names_the_key(text: str, named: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_config(text)
    assert named in str(error.value)


def test_google_alerts_links_are_unwrapped_and_highlights_stripped() -> None:
    link = "https://www.google.com/url?rct=j&sa=t&url=https://example.com/a%3Fb%3D1&ct=ga"
    assert unwrap_google_redirect(link) == "https://example.com/a?b=1"
    assert unwrap_google_redirect("https://example.com/x") == "https://example.com/x"
    assert strip_html("New &lt;b&gt;Kanbo&lt;/b&gt;: <b>board</b>&nbsp;...<p>x</p>") == "New <b>Kanbo</b>: board ... x"


def _fetch(config: SourceConfig, cursor: dict | None = None, transport: httpx.MockTransport | None = None):
    http = httpx.Client(transport=transport or httpx.MockTransport(lambda r: httpx.Response(500)))
    return RssSource().fetch(config, FetchRequest(terms=["kanbo"], cursor=cursor or {}), FetchContext(http=http))


def test_a_google_alerts_feed_becomes_clean_mentions() -> None:
    result = _fetch(SourceConfig(type="google-alerts", key="alerts", url=str(SAMPLES / "google-alerts-kanbo.xml")))
    assert len(result.mentions) == 6
    first = result.mentions[0]
    assert first.url == "https://techpulse.example.com/2026/11/21/kanbo-seed-round/"
    assert first.title == "Kanbo raises seed round to rethink team boards"
    assert "<b>" not in first.text and "Kanbo" in first.text
    assert first.source == "google-alerts" and first.source_key == "alerts"
    assert first.created_at == datetime(2026, 11, 21, 9, 14, tzinfo=UTC)


def test_seen_entries_are_not_returned_twice_and_malformed_ones_are_counted() -> None:
    config = SourceConfig(type="rss", key="forum", url=str(SAMPLES / "community-forum.rss"))
    first = _fetch(config)
    assert first.skipped == 1  # the entry with no id, link or text
    assert len(first.mentions) == 10
    # The channel's <language>en</language> is not taken for each entry's (the forum mixes languages).
    assert first.mentions[0].lang is None and first.mentions[0].author.name == "marta_ops"
    again = _fetch(config, cursor=first.cursor)
    assert again.mentions == []


def test_an_atom_entry_keeps_the_language_it_declares(tmp_path) -> None:
    feed = tmp_path / "mixed.atom"
    feed.write_text(
        """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>mixed</title><id>urn:mixed</id>
<updated>2026-11-21T10:00:00Z</updated>
<entry xml:lang="fr"><id>urn:1</id><title>Kanbo</title><updated>2026-11-21T10:00:00Z</updated>
<content type="text">Kanbo plante depuis la mise à jour</content></entry>
<entry><id>urn:2</id><title>Kanbo</title><updated>2026-11-21T10:00:00Z</updated>
<content type="text">Kanbo crashes since the update</content></entry>
</feed>""",
        encoding="utf-8",
    )
    result = _fetch(SourceConfig(type="rss", key="mixed", url=str(feed)))
    assert [m.lang for m in result.mentions] == ["fr", None]


def test_conditional_get_sends_validators_and_a_304_changes_nothing() -> None:
    body = (SAMPLES / "google-alerts-taskly.xml").read_bytes()
    seen_headers: list[httpx.Headers] = []

    def serve(request: httpx.Request) -> httpx.Response:
        seen_headers.append(request.headers)
        if request.headers.get("if-none-match") == '"v1"':
            return httpx.Response(304)
        return httpx.Response(200, content=body, headers={"ETag": '"v1"', "Last-Modified": "Sat, 21 Nov 2026"})

    config = SourceConfig(type="rss", key="t", url="https://feeds.example.com/t.xml")
    first = _fetch(config, transport=httpx.MockTransport(serve))
    assert len(first.mentions) == 3 and first.cursor["etag"] == '"v1"'
    second = _fetch(config, cursor=first.cursor, transport=httpx.MockTransport(serve))
    assert second.mentions == [] and second.cursor == first.cursor
    assert seen_headers[1]["if-modified-since"] == "Sat, 21 Nov 2026"


def test_an_unreachable_or_broken_feed_is_a_source_error() -> None:
    config = SourceConfig(type="rss", key="t", url="https://feeds.example.com/t.xml")
    with pytest.raises(SourceError, match="HTTP 404"):
        _fetch(config, transport=httpx.MockTransport(lambda r: httpx.Response(404)))
    with pytest.raises(SourceError, match="not a readable RSS/Atom feed"):
        _fetch(config, transport=httpx.MockTransport(lambda r: httpx.Response(200, content=b"{not xml")))
    with pytest.raises(SourceError, match="cannot read feed file"):
        _fetch(SourceConfig(type="rss", url="/nonexistent/feed.xml"))


def test_source_health_goes_silent_once_on_failure_or_after_empty_runs() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    health = SourceHealth(watch="w", source_key="s", source="rss")
    assert not health.apply(SourceRun(watch="w", source_key="s", source="rss", started_at=start, fetched=3))
    assert not health.apply(SourceRun(watch="w", source_key="s", source="rss", started_at=start))
    assert not health.apply(SourceRun(watch="w", source_key="s", source="rss", started_at=start))
    assert health.apply(SourceRun(watch="w", source_key="s", source="rss", started_at=start))  # third empty run
    assert not health.apply(SourceRun(watch="w", source_key="s", source="rss", started_at=start))  # only once
    assert health.silent
    health.apply(SourceRun(watch="w", source_key="s", source="rss", started_at=start, fetched=1))
    assert not health.silent
    assert health.apply(SourceRun(watch="w", source_key="s", source="rss", started_at=start, error="boom"))
