"""GitHub connector: search issues and PRs, created:>= qualifier, oldest first once incremental, followers."""

from __future__ import annotations

import httpx
import pytest
import respx

from chalicelib.errors import SourceError
from chalicelib.sources.base import FetchRequest, SourceConfig
from chalicelib.sources.github import GitHubSource
from tests.unit.sources_support import context, fixture, ok, params

API = "https://api.github.com"


def _users(router: respx.MockRouter) -> respx.Route:
    def user(request: httpx.Request) -> httpx.Response:
        return ok("github", f"user_{request.url.path.rsplit('/', 1)[-1]}.json")

    return router.get(url__regex=rf"{API}/users/.+").mock(side_effect=user)


def test_first_run_normalises_issues_and_pull_requests() -> None:
    with respx.mock() as router:
        search = router.get(f"{API}/search/issues").mock(return_value=ok("github", "search.json"))
        _users(router)
        result = GitHubSource().fetch(
            SourceConfig(type="github", qualifiers="-org:veille"),
            FetchRequest(terms=["veille", "veille app"]),
            context(),
        )

    sent = params(search.calls[0])
    assert sent["q"] == 'veille OR "veille app" -org:veille'
    assert sent["sort"] == "created" and sent["order"] == "desc"
    assert "authorization" not in search.calls[0].request.headers
    assert result.skipped == 1
    pr, issue, french = result.mentions
    assert pr.extra["kind"] == "pull_request" and pr.extra["repo"] == "octokit-fixture-org/search-issues"
    assert pr.url == "https://github.com/octokit-fixture-org/search-issues/pull/3"
    assert pr.engagement == 7 and pr.author.reach == 120
    assert issue.text == "I’ve waited all year long, but there was no pop 😭 (Veille alert)"
    assert issue.author.handle == "octokit-fixture-user-b" and issue.author.reach == 7
    assert french.text == french.title == "Documentation en français pour Veille"  # no body
    assert result.cursor == {"since": "2026-08-03T10:00:00Z", "seen": ["1002"]}


def test_second_run_uses_created_qualifier_oldest_first_and_the_token() -> None:
    cursor = {"since": "2026-08-03T10:00:00Z", "seen": ["1002"]}
    with respx.mock() as router:
        search = router.get(f"{API}/search/issues").mock(return_value=ok("github", "search_incremental.json"))
        _users(router)
        result = GitHubSource().fetch(
            SourceConfig(type="github"),
            FetchRequest(terms=["veille"], cursor=cursor),
            context({"VEILLE_GITHUB_TOKEN": "ghp_test"}),
        )

    sent = params(search.calls[0])
    assert sent["q"] == "veille created:>=2026-08-03T10:00:00Z" and sent["order"] == "asc"
    assert search.calls[0].request.headers["authorization"] == "Bearer ghp_test"
    assert [m.external_id for m in result.mentions] == ["1003"]
    assert result.cursor == {"since": "2026-08-03T12:00:00Z", "seen": ["1003"]}


def test_rate_limit_403_names_the_reason() -> None:
    limited = httpx.Response(403, json=fixture("github", "rate_limited.json"), headers={"x-ratelimit-remaining": "0"})
    with respx.mock() as router:
        router.get(f"{API}/search/issues").mock(return_value=limited)
        with pytest.raises(SourceError, match="API rate limit exceeded"):
            GitHubSource().fetch(SourceConfig(type="github"), FetchRequest(terms=["veille"]), context())


def test_an_older_search_answer_without_repository_url_takes_the_repo_from_html_url() -> None:
    # A real 2014 answer recorded in PyGithub's replay data: no repository_url on its items.
    with respx.mock() as router:
        router.get(f"{API}/search/issues").mock(return_value=ok("github", "pygithub_search_2014.json"))
        result = GitHubSource().fetch(
            SourceConfig(type="github", author_followers=False), FetchRequest(terms=["compile"]), context()
        )

    by_number = {m.extra["number"]: m for m in result.mentions}
    assert by_number["997"].extra["repo"] == "hrydgard/ppsspp"
    assert by_number["275"].extra["repo"] == "ufz/ogs"
    assert by_number["997"].extra["kind"] == "pull_request"
    assert by_number["997"].title == "Make sceMpeg and sceAtrac basiclly workable for PC"
