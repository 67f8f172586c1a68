"""Bluesky connector: app-password session, searchPosts with since, followers by getProfiles."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
import respx

from chalicelib.errors import SourceError
from chalicelib.sources import bluesky
from chalicelib.sources.base import FetchRequest, SourceConfig
from chalicelib.sources.bluesky import BlueskySource
from tests.unit.sources_support import context, ok, params

XRPC = "https://bsky.social/xrpc"
SECRETS = {"VEILLE_BLUESKY_HANDLE": "veille.bsky.social", "VEILLE_BLUESKY_APP_PASSWORD": "abcd-efgh-ijkl-mnop"}


@pytest.fixture(autouse=True)
def _no_cached_session() -> Iterator[None]:
    bluesky._sessions.clear()
    yield
    bluesky._sessions.clear()


def _mount(router: respx.MockRouter, *pages: str) -> tuple[respx.Route, respx.Route, respx.Route]:
    session = router.post(f"{XRPC}/com.atproto.server.createSession").mock(return_value=ok("bluesky", "session.json"))
    search = router.get(f"{XRPC}/app.bsky.feed.searchPosts").mock(side_effect=[ok("bluesky", p) for p in pages])
    profiles = router.get(f"{XRPC}/app.bsky.actor.getProfiles").mock(return_value=ok("bluesky", "profiles.json"))
    return session, search, profiles


def test_first_run_searches_latest_and_fills_followers_and_language() -> None:
    with respx.mock() as router:
        session, search, profiles = _mount(router, "search_page1.json", "search_page2.json")
        result = BlueskySource().fetch(SourceConfig(type="bluesky"), FetchRequest(terms=["veille"]), context(SECRETS))

    assert json.loads(session.calls[0].request.content) == {
        "identifier": "veille.bsky.social",
        "password": "abcd-efgh-ijkl-mnop",
    }
    first, second = search.calls
    assert first.request.headers["authorization"] == "Bearer <ACCESS_JWT>"
    assert params(first)["sort"] == "latest" and "since" not in params(first)
    assert params(second)["cursor"] == "3"
    assert profiles.calls[0].request.url.params.get_list("actors") == [
        "did:plc:ewvi7nxzyoun6zhxrhs64oiz",
        "did:plc:z72i7hdynmk6r22z27h6tvur",
        "did:plc:4rdh2b7qhkvxxgzhkbaqqxyv",
    ]

    assert result.skipped == 1  # the post without a record
    alice, bob, claire, older = result.mentions
    assert alice.external_id == "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3lx7a2kq5cs2b"
    assert alice.url == "https://bsky.app/profile/alice.bsky.social/post/3lx7a2kq5cs2b"
    assert alice.author.reach == 1520 and alice.author.name == "ali"
    assert alice.engagement == 7 and alice.lang == "en"
    assert bob.lang == "en" and bob.engagement == 0 and bob.author.reach == 87
    assert claire.lang == "fr" and claire.author.reach == 4210
    assert older.author.reach == 1520
    assert result.cursor == {"since": "2026-08-03T10:00:00Z", "seen": [alice.external_id]}


def test_second_run_sends_since_and_drops_what_was_seen() -> None:
    seen = "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3lx7a2kq5cs2b"
    cursor = {"since": "2026-08-03T10:00:00Z", "seen": [seen]}
    with respx.mock() as router:
        _, search, _ = _mount(router, "search_incremental.json")
        result = BlueskySource().fetch(
            SourceConfig(type="bluesky"), FetchRequest(terms=["veille"], cursor=cursor), context(SECRETS)
        )

    assert params(search.calls[0])["since"] == "2026-08-03T10:00:00Z"
    assert [m.url for m in result.mentions] == ["https://bsky.app/profile/bob.test/post/3lx7c9new1abc"]
    assert result.cursor["since"] == "2026-08-03T12:00:00Z"


def test_the_session_is_reused_within_a_process() -> None:
    with respx.mock() as router:
        session, _, _ = _mount(router, "search_incremental.json", "search_incremental.json")
        for _ in range(2):
            BlueskySource().fetch(SourceConfig(type="bluesky"), FetchRequest(terms=["veille"]), context(SECRETS))

    assert session.call_count == 1


def test_follower_lookup_failure_is_a_note() -> None:
    with respx.mock() as router:
        router.post(f"{XRPC}/com.atproto.server.createSession").mock(return_value=ok("bluesky", "session.json"))
        router.get(f"{XRPC}/app.bsky.feed.searchPosts").mock(return_value=ok("bluesky", "search_incremental.json"))
        router.get(f"{XRPC}/app.bsky.actor.getProfiles").mock(return_value=httpx.Response(400, json={}))
        result = BlueskySource().fetch(SourceConfig(type="bluesky"), FetchRequest(terms=["veille"]), context(SECRETS))

    assert len(result.mentions) == 2
    assert any("follower counts unavailable" in n for n in result.notes)


def test_missing_app_password_names_the_settings() -> None:
    with pytest.raises(SourceError, match="VEILLE_BLUESKY_HANDLE and VEILLE_BLUESKY_APP_PASSWORD"):
        BlueskySource().fetch(SourceConfig(type="bluesky"), FetchRequest(terms=["veille"]), context())


def test_wrong_app_password_reports_the_api_message() -> None:
    refused = httpx.Response(401, json={"error": "AuthenticationRequired", "message": "Invalid identifier or password"})
    with respx.mock() as router:
        router.post(f"{XRPC}/com.atproto.server.createSession").mock(return_value=refused)
        with pytest.raises(SourceError, match="Invalid identifier or password"):
            BlueskySource().fetch(SourceConfig(type="bluesky"), FetchRequest(terms=["veille"]), context(SECRETS))


def test_links_come_whole_from_the_facets_and_the_link_card_adds_its_title_and_description() -> None:
    with respx.mock() as router:
        _mount(router, "search_link_card.json")
        result = BlueskySource().fetch(
            SourceConfig(type="bluesky", max_pages=1), FetchRequest(terms=["kanbo"]), context(SECRETS)
        )

    post = result.mentions[0]
    first_line, card = post.text.split("\n\n")
    # The shortened label is replaced by the facet's URL (byte offsets after "è" and an emoji);
    # a label made of words is kept, with the URL beside it.
    assert first_line == (
        "Très bon retour sur Kanbo 🎉 https://open.substack.com/pub/christachristensen/p/"
        "why-we-moved-our-team-to-kanbo?r=2x9f1&utm_medium=ios et la doc (https://docs.kanbo.io/fr/) ici"
    )
    assert card == "Why we moved our team to Kanbo\nThree months in: what Kanbo fixed, and the one thing we miss."
    assert post.extra["link"].startswith("https://open.substack.com/pub/christachristensen/p/why-we-moved")
