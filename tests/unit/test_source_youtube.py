"""YouTube connector: search.list then comments of matched videos, quota counting and budget."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
import respx

from chalicelib.errors import SourceError
from chalicelib.sources.base import FetchRequest, SourceConfig
from chalicelib.sources.youtube import YouTubeSource
from tests.unit.sources_support import context, fixture, ok, params

API = "https://www.googleapis.com/youtube/v3"
KEY = {"VEILLE_YOUTUBE_API_KEY": "yt-key"}


def _comments(request: httpx.Request) -> httpx.Response:
    return ok("youtube", f"comments_{request.url.params['videoId']}.json")


def _mount(
    router: respx.MockRouter,
    search: str = "search.json",
    comments: Callable[[httpx.Request], httpx.Response] = _comments,
) -> dict[str, respx.Route]:
    return {
        "search": router.get(f"{API}/search").mock(return_value=ok("youtube", search)),
        "videos": router.get(f"{API}/videos").mock(return_value=ok("youtube", "videos.json")),
        "channels": router.get(f"{API}/channels").mock(return_value=ok("youtube", "channels.json")),
        "comments": router.get(f"{API}/commentThreads").mock(side_effect=comments),
    }


def test_first_run_videos_comments_reach_language_and_quota() -> None:
    with respx.mock() as router:
        routes = _mount(router)
        result = YouTubeSource().fetch(
            SourceConfig(type="youtube"), FetchRequest(terms=["veille", "veille app"]), context(KEY)
        )

    sent = params(routes["search"].calls[0])
    assert sent["q"] == 'veille|"veille app"' and sent["order"] == "date" and sent["type"] == "video"
    assert sent["key"] == "yt-key" and "publishedAfter" not in sent
    assert params(routes["comments"].calls[0])["textFormat"] == "plainText"
    assert result.skipped == 2  # the channel result and the comment without a date
    review, tuto, comment_en, comment_fr = result.mentions
    assert review.url == "https://www.youtube.com/watch?v=7y1UCICm0Jo"
    assert review.text == "We test Veille on a real launch & compare ..."
    assert review.lang == "en" and review.engagement == 353 and review.extra["views"] == "10523"
    assert review.author.name == "Unbox Diaries" and review.author.reach == 48200
    assert tuto.title == "Tuto Veille : installer l'outil en 10 minutes" and tuto.lang == "fr"
    assert tuto.author.reach is None  # hidden subscriber count
    assert comment_en.text == "Nobody's using Veille yet? It's great"
    assert comment_en.url == "https://www.youtube.com/watch?v=7y1UCICm0Jo&lc=UgxISZhP_62DIrtv2r94AaABAg"
    assert comment_en.engagement == 4 and comment_en.author.name == "Amit Sharma"
    assert comment_fr.text == "Merci, Veille tourne chez nous !"
    # 100 (search) + 1 (videos) + 2 (comment threads) + 1 (channels)
    assert "quota units used: 104" in result.notes
    assert result.cursor["videos"] == {"since": "2026-08-03T09:29:06Z", "seen": ["7y1UCICm0Jo"]}
    assert result.cursor["comments"]["7y1UCICm0Jo"]["since"] == "2026-08-03T11:19:11Z"
    assert result.cursor["comments"]["7ghhRHRP6t4"]["published"] == "2026-08-02T17:00:00Z"


def test_second_run_new_videos_and_only_new_comments_of_followed_ones() -> None:
    first_cursor = {
        "videos": {"since": "2026-08-03T09:29:06Z", "seen": ["7y1UCICm0Jo"]},
        "comments": {
            "7y1UCICm0Jo": {
                "published": "2026-08-03T09:29:06Z",
                "since": "2026-08-03T11:19:11Z",
                "seen": ["UgxISZhP_62DIrtv2r94AaABAg"],
            }
        },
    }

    def comments(request: httpx.Request) -> httpx.Response:
        if request.url.params["videoId"] == "7y1UCICm0Jo":
            return ok("youtube", "comments_7y1UCICm0Jo_incremental.json")
        return ok("youtube", "empty_comments.json")

    with respx.mock() as router:
        routes = _mount(router, "search_incremental.json", comments)
        result = YouTubeSource().fetch(
            SourceConfig(type="youtube"), FetchRequest(terms=["veille"], cursor=first_cursor), context(KEY)
        )

    assert params(routes["search"].calls[0])["publishedAfter"] == "2026-08-03T09:29:06Z"
    assert [m.external_id for m in result.mentions] == ["NEWvid00001", "UgxNEWcomment"]
    assert set(result.cursor["comments"]) == {"NEWvid00001", "7y1UCICm0Jo"}
    assert result.cursor["comments"]["7y1UCICm0Jo"]["seen"] == ["UgxNEWcomment"]


def test_quota_budget_stops_before_the_call_that_would_pass_it() -> None:
    with respx.mock(assert_all_called=False) as router:
        routes = _mount(router)
        result = YouTubeSource().fetch(
            SourceConfig(type="youtube", quota_budget=102), FetchRequest(terms=["veille"]), context(KEY)
        )

    assert routes["comments"].call_count == 1 and not routes["channels"].called
    assert "stopped before passing the quota budget of 102 units" in result.notes
    assert "quota units used: 102" in result.notes
    assert len(result.mentions) == 3  # two videos and the comments read before the budget ran out


def test_comments_disabled_on_one_video_is_a_note() -> None:
    def comments(request: httpx.Request) -> httpx.Response:
        if request.url.params["videoId"] == "7ghhRHRP6t4":
            return httpx.Response(403, json=fixture("youtube", "comments_disabled.json"))
        return _comments(request)

    with respx.mock() as router:
        _mount(router, comments=comments)
        result = YouTubeSource().fetch(SourceConfig(type="youtube"), FetchRequest(terms=["veille"]), context(KEY))

    assert len(result.mentions) == 3
    assert any("comments of 7ghhRHRP6t4 unavailable" in n for n in result.notes)


def test_quota_exceeded_fails_the_run_with_the_reason() -> None:
    with respx.mock() as router:
        router.get(f"{API}/search").mock(
            return_value=httpx.Response(403, json=fixture("youtube", "quota_exceeded.json"))
        )
        with pytest.raises(SourceError, match="quotaExceeded"):
            YouTubeSource().fetch(SourceConfig(type="youtube"), FetchRequest(terms=["veille"]), context(KEY))


def test_missing_key_names_the_setting() -> None:
    with pytest.raises(SourceError, match="VEILLE_YOUTUBE_API_KEY"):
        YouTubeSource().fetch(SourceConfig(type="youtube"), FetchRequest(terms=["veille"]), context())


def test_a_video_keeps_its_whole_description_from_videos_list_not_the_cut_search_snippet() -> None:
    with respx.mock() as router:
        routes = _mount(router)
        routes["videos"].mock(return_value=ok("youtube", "videos_full_description.json"))
        result = YouTubeSource().fetch(SourceConfig(type="youtube"), FetchRequest(terms=["veille"]), context(KEY))

    videos = {m.external_id: m for m in result.mentions if m.extra["kind"] == "video"}
    full = videos["7y1UCICm0Jo"].text
    assert full.startswith("We test Veille on a real launch & compare it to the paid social listening tools")
    assert "Instagram and TikTok are not covered" in full and "..." not in full
    # An empty description in videos.list keeps the search snippet rather than nothing.
    assert videos["7ghhRHRP6t4"].text == "Installation pas à pas ..."
