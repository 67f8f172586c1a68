"""Every connector facing a broken API: one clear SourceError and no cursor, or a clean empty result.

Each scenario mounts the connector's happy routes (auth, lookups) and names its main data route,
which the test then breaks: HTML instead of JSON, a 403 "Blocked" page, truncated JSON, 429s,
a read timeout, an empty page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import respx
import stamina

from chalicelib.errors import SourceError
from chalicelib.sources import get_source
from chalicelib.sources.base import FetchRequest, SourceConfig
from tests.unit.sources_support import context, fixture, fixture_text, ok

BLOCKED_HTML = (
    "<!doctype html><html><head><title>Blocked</title></head><body>whoa there, pardner! Your request has been "
    "blocked due to a network policy.</body></html>"
)


@dataclass
class Scenario:
    """How to run one connector against respx: its main route, a good body, an empty body, its other routes."""

    type: str
    main: dict[str, Any]  # respx route pattern of the data request that the faults break
    good: tuple[str, str]  # (fixture dir, file) of a one-page success
    empty: Any
    options: dict[str, Any] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    others: Callable[[respx.MockRouter], None] = lambda router: None


def _reddit_auth(router: respx.MockRouter) -> None:
    router.post("https://www.reddit.com/api/v1/access_token").mock(return_value=ok("reddit", "token.json"))


def _bluesky_auth(router: respx.MockRouter) -> None:
    router.post("https://bsky.social/xrpc/com.atproto.server.createSession").mock(
        return_value=ok("bluesky", "session.json")
    )
    router.get("https://bsky.social/xrpc/app.bsky.actor.getProfiles").mock(return_value=ok("bluesky", "profiles.json"))


def _lookups(pattern: str, body: dict[str, Any]) -> Callable[[respx.MockRouter], None]:
    def mount(router: respx.MockRouter) -> None:
        router.get(url__regex=pattern).mock(return_value=httpx.Response(200, json=body))

    return mount


def _youtube_others(router: respx.MockRouter) -> None:
    base = "https://www.googleapis.com/youtube/v3"
    router.get(f"{base}/videos").mock(return_value=ok("youtube", "videos.json"))
    router.get(f"{base}/channels").mock(return_value=ok("youtube", "channels.json"))
    router.get(f"{base}/commentThreads").mock(return_value=ok("youtube", "empty_comments.json"))


SCENARIOS = [
    Scenario(
        "hn",
        {"url": "https://hn.algolia.com/api/v1/search_by_date"},
        ("hn", "search_incremental.json"),
        fixture("hn", "empty.json"),
        others=_lookups(r"/api/v1/users/", {"karma": 5}),
    ),
    Scenario(
        "reddit",
        {"url": "https://oauth.reddit.com/search"},
        ("reddit", "search_incremental.json"),
        {"kind": "Listing", "data": {"after": None, "children": []}},
        options={"max_pages": 1},
        secrets={"VEILLE_REDDIT_CLIENT_ID": "id", "VEILLE_REDDIT_CLIENT_SECRET": "secret"},
        others=_reddit_auth,
    ),
    Scenario(
        "bluesky",
        {"url": "https://bsky.social/xrpc/app.bsky.feed.searchPosts"},
        ("bluesky", "search_incremental.json"),
        {"posts": []},
        secrets={"VEILLE_BLUESKY_HANDLE": "veille.bsky.social", "VEILLE_BLUESKY_APP_PASSWORD": "app-pass"},
        others=_bluesky_auth,
    ),
    Scenario(
        "mastodon",
        {"url": "https://mastodon.social/api/v1/timelines/tag/veille"},
        ("mastodon", "tag_incremental.json"),
        [],
    ),
    Scenario(
        "stackexchange",
        {"url": "https://api.stackexchange.com/2.3/search/advanced"},
        ("stackexchange", "search_incremental.json"),
        {"items": [], "has_more": False, "quota_remaining": 9000},
    ),
    Scenario(
        "github",
        {"url": "https://api.github.com/search/issues"},
        ("github", "search_incremental.json"),
        {"total_count": 0, "incomplete_results": False, "items": []},
        others=_lookups(r"https://api\.github\.com/users/", {"followers": 3}),
    ),
    Scenario(
        "youtube",
        {"url": "https://www.googleapis.com/youtube/v3/search"},
        ("youtube", "search_incremental.json"),
        {"kind": "youtube#searchListResponse", "items": []},
        secrets={"VEILLE_YOUTUBE_API_KEY": "key"},
        others=_youtube_others,
    ),
    Scenario(
        "appstore",
        {"url__regex": r"/us/rss/customerreviews/page=1/id=1404176564/"},
        ("appstore", "us_incremental.json"),
        fixture("appstore", "us_page3_empty.json"),
        options={"app_id": "1404176564", "max_pages": 1},
    ),
]


@pytest.fixture(autouse=True)
def _fast_retries() -> Iterator[None]:
    # Three tries like production, without the backoff sleeps.
    with stamina.set_testing(True, attempts=3):
        yield


@pytest.fixture(params=SCENARIOS, ids=lambda s: s.type)
def scenario(request: pytest.FixtureRequest) -> Scenario:
    return request.param  # type: ignore[no-any-return]


def _fetch(scenario: Scenario, main: Any, cursor: dict[str, Any] | None = None) -> Any:
    """Run the connector with its main route answering ``main`` (a Response, a list of them, or an exception)."""
    with respx.mock(assert_all_called=False) as router:
        route = router.route(**scenario.main)
        if isinstance(main, list):
            route.mock(side_effect=main)
        elif isinstance(main, httpx.Response):
            route.mock(return_value=main)
        else:
            route.mock(side_effect=main)
        scenario.others(router)
        config = SourceConfig(type=scenario.type, **scenario.options)
        request = FetchRequest(terms=["veille"], cursor=dict(cursor or {}))
        result = get_source(scenario.type).fetch(config, request, context(scenario.secrets))
    return result, route


def test_html_instead_of_json(scenario: Scenario) -> None:
    page = httpx.Response(
        200, text="<html><body><h1>Maintenance</h1></body></html>", headers={"content-type": "text/html; charset=utf-8"}
    )
    with pytest.raises(SourceError, match=r"expected JSON from .*, got HTML") as caught:
        _fetch(scenario, page)
    assert caught.value.source == scenario.type


def test_403_blocked(scenario: Scenario) -> None:
    page = httpx.Response(403, text=BLOCKED_HTML, headers={"content-type": "text/html"})
    with pytest.raises(SourceError, match=r"HTTP 403 from .*: access forbidden or blocked"):
        _fetch(scenario, page)


def test_truncated_json(scenario: Scenario) -> None:
    text = fixture_text(*scenario.good)
    page = httpx.Response(200, text=text[: len(text) // 2], headers={"content-type": "application/json"})
    with pytest.raises(SourceError, match="got invalid JSON"):
        _fetch(scenario, page)


def test_429_with_retry_after_then_success(scenario: Scenario) -> None:
    limited = httpx.Response(429, headers={"Retry-After": "0"}, text="Too Many Requests")
    result, route = _fetch(scenario, [limited, ok(*scenario.good)])
    assert route.call_count == 2
    assert result.mentions
    assert result.cursor


def test_always_429(scenario: Scenario) -> None:
    limited = httpx.Response(429, headers={"Retry-After": "0"}, text="Too Many Requests")
    with pytest.raises(SourceError, match=r"HTTP 429 .* after 3 tries"):
        _fetch(scenario, limited)


def test_read_timeout(scenario: Scenario) -> None:
    with pytest.raises(SourceError, match="timed out reaching"):
        _fetch(scenario, httpx.ReadTimeout("read timed out"))


def test_empty_page_returns_nothing_and_keeps_the_cursor(scenario: Scenario) -> None:
    previous = {"kept": "as it was"}
    result, _ = _fetch(scenario, httpx.Response(200, json=scenario.empty), cursor=previous)
    assert result.mentions == []
    assert result.skipped == 0
    assert result.cursor == previous
