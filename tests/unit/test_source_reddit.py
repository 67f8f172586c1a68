"""Reddit connector: OAuth token, post search, subreddit comments, watermark stop."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
import respx

from chalicelib.errors import SourceError
from chalicelib.sources.base import FetchRequest, SourceConfig
from chalicelib.sources.reddit import RedditSource
from tests.unit.sources_support import context, ok, params

API = "https://oauth.reddit.com"
TOKEN_URL = "https://www.reddit.com/api/v1/access_token"
SECRETS = {"VEILLE_REDDIT_CLIENT_ID": "my-id", "VEILLE_REDDIT_CLIENT_SECRET": "my-secret"}


def test_posts_are_searched_newest_first_with_an_app_token() -> None:
    with respx.mock() as router:
        token = router.post(TOKEN_URL).mock(return_value=ok("reddit", "token.json"))
        search = router.get(f"{API}/search").mock(
            side_effect=[ok("reddit", "search_page1.json"), ok("reddit", "search_page2.json")]
        )
        result = RedditSource().fetch(SourceConfig(type="reddit"), FetchRequest(terms=["veille"]), context(SECRETS))

    auth = token.calls[0].request.headers["authorization"]
    assert auth == "Basic " + base64.b64encode(b"my-id:my-secret").decode()
    assert b"grant_type=client_credentials" in token.calls[0].request.content
    first, second = search.calls
    assert first.request.headers["authorization"] == "Bearer <ACCESS_TOKEN>"
    assert first.request.headers["user-agent"].startswith("veille/")
    assert params(first)["sort"] == "new" and params(first)["q"] == "veille" and "after" not in params(first)
    assert params(second)["after"] == "t3_1sk6yyy"

    assert [m.external_id for m in result.mentions] == ["t3_1sk894v", "t3_1sk7zz1", "t3_1sk6yyy", "t3_1sk5old"]
    assert result.skipped == 1
    post = result.mentions[0]
    assert post.title == "Anyone using Veille for brand monitoring?"
    assert post.text == "We're a 3-person startup & looking at Veille vs. paid tools. Thoughts?"
    assert post.url == "https://www.reddit.com/r/startups/comments/1sk894v/anyone_using_veille_for_brand_/"
    assert post.author.handle == "Elestria_Ethereal"
    assert post.engagement == 26
    assert post.created_at == datetime(2026, 8, 3, 9, 40, tzinfo=UTC)
    link_post = result.mentions[2]
    assert link_post.author.handle is None  # [deleted]
    assert link_post.text == link_post.title
    assert link_post.extra["link"] == "https://blog.example.com/veille"
    assert result.cursor == {"posts": {"since": "2026-08-03T09:40:00Z", "seen": ["t3_1sk894v"]}}


def test_second_run_stops_at_the_watermark() -> None:
    cursor = {"posts": {"since": "2026-08-03T09:40:00Z", "seen": ["t3_1sk894v"]}}
    with respx.mock() as router:
        router.post(TOKEN_URL).mock(return_value=ok("reddit", "token.json"))
        search = router.get(f"{API}/search").mock(return_value=ok("reddit", "search_incremental.json"))
        result = RedditSource().fetch(
            SourceConfig(type="reddit"), FetchRequest(terms=["veille"], cursor=cursor), context(SECRETS)
        )

    # The page has a next link, but its last item is the one already seen: no second page.
    assert search.call_count == 1
    assert [m.external_id for m in result.mentions] == ["t3_1sk9new"]
    assert result.cursor["posts"]["seen"] == ["t3_1sk9new"]


def test_subreddit_search_and_comments_keep_those_with_a_term() -> None:
    config = SourceConfig(type="reddit", subreddits="startups", max_pages=1)
    with respx.mock() as router:
        router.post(TOKEN_URL).mock(return_value=ok("reddit", "token.json"))
        search = router.get(f"{API}/r/startups/search").mock(return_value=ok("reddit", "search_page2.json"))
        router.get(f"{API}/r/startups/comments").mock(return_value=ok("reddit", "comments.json"))
        result = RedditSource().fetch(config, FetchRequest(terms=["Veille", "veille app"]), context(SECRETS))

    assert params(search.calls[0])["restrict_sr"] == "1"
    assert params(search.calls[0])["q"] == 'Veille OR "veille app"'
    comments = [m for m in result.mentions if m.extra["kind"] == "comment"]
    assert [c.external_id for c in comments] == ["t1_lq1abc", "t1_lq1aba"]
    assert comments[0].text == "Veille & its Slack alerts saved us last week"
    assert comments[0].extra["post_title"] == "Weekly tools thread"
    # Every comment read moves the watermark, the one without a term included.
    assert result.cursor["comments:startups"]["since"] == "2026-08-03T09:56:40Z"


def test_missing_credentials_say_which_settings() -> None:
    with pytest.raises(SourceError, match="VEILLE_REDDIT_CLIENT_ID and VEILLE_REDDIT_CLIENT_SECRET"):
        RedditSource().fetch(SourceConfig(type="reddit"), FetchRequest(terms=["veille"]), context())


def test_refused_credentials_are_a_clear_error() -> None:
    with respx.mock() as router:
        router.post(TOKEN_URL).respond(401, json={"message": "Unauthorized", "error": 401})
        with pytest.raises(SourceError, match=r"HTTP 401 .*credentials were refused.*Unauthorized"):
            RedditSource().fetch(SourceConfig(type="reddit"), FetchRequest(terms=["veille"]), context(SECRETS))


def test_selftext_and_titles_are_markdown_so_angle_brackets_are_kept_as_written() -> None:
    with respx.mock() as router:
        router.post(TOKEN_URL).mock(return_value=ok("reddit", "token.json"))
        router.get(f"{API}/search").mock(return_value=ok("reddit", "search_markdown_selftext.json"))
        result = RedditSource().fetch(SourceConfig(type="reddit"), FetchRequest(terms=["kanbo"]), context(SECRETS))

    post = result.mentions[0]
    assert post.title == 'Kanbo <kanbo-widget> & Safari: "<module>" error'
    assert post.text.startswith("Embedding `<kanbo-widget>` in a page breaks Safari:")
    assert "line 3, in <module>" in post.text
    assert "<kanbo.Config object at 0x7f3a2c1d0e50>" in post.text
    assert '<div class="kanbo"> must wrap it. Is 3 < 5 & 7 > 2 still true?' in post.text


def test_an_older_comment_without_permalink_gets_its_url_from_link_id_and_id() -> None:
    # A real answer recorded in praw's cassettes (2016): comments had no "permalink" then.
    config = SourceConfig(type="reddit", subreddits="redditdev", max_pages=1)
    with respx.mock() as router:
        router.post(TOKEN_URL).mock(return_value=ok("reddit", "token.json"))
        router.get(f"{API}/r/redditdev/search").mock(return_value=ok("reddit", "search_incremental.json"))
        router.get(f"{API}/r/redditdev/comments").mock(return_value=ok("reddit", "praw_comments_no_permalink.json"))
        result = RedditSource().fetch(config, FetchRequest(terms=["release"]), context(SECRETS))

    comment = next(m for m in result.mentions if m.extra["kind"] == "comment")
    assert comment.url == "https://www.reddit.com/r/redditdev/comments/2gmzqe/_/cklhv0f/"
    assert comment.text.startswith("Yes it does. That fix is also in the master branch, we just haven't made")
    assert result.skipped == 0
