"""Hacker News connector: normalisation, karma, paging and the incremental cursor."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import respx

from chalicelib.sources.base import FetchRequest, SourceConfig
from chalicelib.sources.hn import HackerNewsSource
from tests.unit.sources_support import context, ok, params

BASE = "https://hn.algolia.com/api/v1"


def _users(router: respx.MockRouter) -> None:
    def karma(request: httpx.Request) -> httpx.Response:
        name = request.url.path.rsplit("/", 1)[-1]
        return ok("hn", f"user_{name}.json")

    router.get(url__regex=rf"{BASE}/users/.+").mock(side_effect=karma)


def test_first_run_normalises_stories_and_comments_and_pages() -> None:
    with respx.mock(assert_all_called=True) as router:
        search = router.get(f"{BASE}/search_by_date").mock(
            side_effect=[ok("hn", "search_page0.json"), ok("hn", "search_page1.json")]
        )
        _users(router)
        result = HackerNewsSource().fetch(SourceConfig(type="hn"), FetchRequest(terms=["veille"]), context())

    assert [m.external_id for m in result.mentions] == ["44100001", "44099999", "44099500", "44095042"]
    assert result.skipped == 1  # the hit without a date
    story, comment_en, comment_fr, _ = result.mentions
    assert story.title == "Show HN: Veille – social listening for startups"
    assert story.text == (
        'We built Veille, an open-source social-listening tool.\n\nIt runs on "AWS Lambda" & costs cents.'
    )
    assert story.url == "https://news.ycombinator.com/item?id=44100001"
    assert story.engagement == 87
    assert story.extra["link"] == "https://github.com/example/veille"
    assert story.author.handle == "pgdev" and story.author.reach == 1523
    assert story.created_at == datetime(2026, 8, 3, 9, 15, tzinfo=UTC)
    assert story.lang is None  # Algolia gives no language
    assert comment_en.title is None and comment_en.extra["story_title"] == "Ask HN: How do you track brand mentions?"
    assert comment_en.text == "I tried Veille last week, the digest is great.\nSetup took 5 minutes."
    assert comment_en.engagement is None and comment_en.author.reach == 8764
    assert comment_fr.text == "On utilise Veille depuis un mois/c'est très pratique pour suivre les avis."
    first, second = (params(call) for call in search.calls)
    assert first["tags"] == "(story,comment)" and first["page"] == "0" and "numericFilters" not in first
    assert second["page"] == "1"
    assert result.cursor == {"since": "2026-08-03T09:15:00Z", "seen": ["44100001"]}


def test_second_run_asks_from_the_watermark_and_returns_only_new() -> None:
    cursor = {"since": "2026-08-03T09:15:00Z", "seen": ["44100001"]}
    with respx.mock() as router:
        search = router.get(f"{BASE}/search_by_date").mock(return_value=ok("hn", "search_incremental.json"))
        _users(router)
        result = HackerNewsSource().fetch(
            SourceConfig(type="hn"), FetchRequest(terms=["veille"], cursor=cursor), context()
        )

    assert params(search.calls[0])["numericFilters"] == "created_at_i>=1785748500"
    assert [m.external_id for m in result.mentions] == ["44100100"]
    assert result.mentions[0].text == "Veille 1.1 released"  # a link story: its title is its text
    assert result.cursor == {"since": "2026-08-03T11:00:00Z", "seen": ["44100100"]}


def test_pages_and_lookups_are_bounded_by_options() -> None:
    config = SourceConfig(type="hn", max_pages=1, author_karma=False)
    with respx.mock(assert_all_called=False) as router:
        search = router.get(f"{BASE}/search_by_date").mock(return_value=ok("hn", "search_page0.json"))
        users = router.get(url__regex=rf"{BASE}/users/.+")
        result = HackerNewsSource().fetch(config, FetchRequest(terms=["veille", "veille.app"]), context())

    assert search.call_count == 2  # one page for each term
    assert not users.called
    assert len(result.mentions) == 3
    assert any("stopped after 1 pages" in note for note in result.notes)


def test_a_failed_karma_lookup_is_a_note_not_a_failure() -> None:
    with respx.mock() as router:
        router.get(f"{BASE}/search_by_date").mock(return_value=ok("hn", "search_incremental.json"))
        router.get(url__regex=rf"{BASE}/users/.+").mock(return_value=httpx.Response(404, json={"error": "no user"}))
        result = HackerNewsSource().fetch(SourceConfig(type="hn"), FetchRequest(terms=["veille"]), context())

    assert len(result.mentions) == 2
    assert all(m.author.reach is None for m in result.mentions)
    assert "karma unavailable for 2 author(s)" in result.notes


def test_limit_keeps_the_newest() -> None:
    config = SourceConfig(type="hn", limit=2, author_karma=False)
    with respx.mock() as router:
        router.get(f"{BASE}/search_by_date").mock(return_value=ok("hn", "search_page0.json"))
        result = HackerNewsSource().fetch(config, FetchRequest(terms=["veille"]), context())

    assert [m.external_id for m in result.mentions] == ["44100001", "44099999"]
    assert result.cursor["since"] == "2026-08-03T09:15:00Z"
