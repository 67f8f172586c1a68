"""Stack Exchange connector: search/advanced, key, backoff, quota, gzip bodies, incremental fromdate."""

from __future__ import annotations

import gzip
import json

import httpx
import pytest
import respx

from chalicelib.errors import SourceError
from chalicelib.sources.base import FetchRequest, SourceConfig
from chalicelib.sources.stackexchange import StackExchangeSource
from tests.unit.sources_support import context, fixture, ok, params

URL = "https://api.stackexchange.com/2.3/search/advanced"


def test_first_run_newest_first_with_reputation_and_quota() -> None:
    with respx.mock() as router:
        search = router.get(URL).mock(
            side_effect=[ok("stackexchange", "search_page1.json"), ok("stackexchange", "search_page2.json")]
        )
        result = StackExchangeSource().fetch(
            SourceConfig(type="stackexchange", site="stackoverflow"), FetchRequest(terms=["veille"]), context()
        )

    first, second = (params(c) for c in search.calls)
    assert first["order"] == "desc" and first["sort"] == "creation" and first["filter"] == "withbody"
    assert "fromdate" not in first and "key" not in first
    assert second["page"] == "2"
    assert result.skipped == 1
    question, french, older = result.mentions
    assert question.external_id == "stackoverflow:79700003"
    assert question.title == "How do I configure Veille's Reddit connector?"
    assert question.text == "I set VEILLE_REDDIT_CLIENT_ID but get a 401."
    assert question.author.name == "Leff" and question.author.reach == 82
    assert question.engagement == 2
    assert french.text == "Je voudrais ne garder que le français." and french.extra["answer_count"] == "2"
    assert older.external_id == "stackoverflow:79699990"
    assert "quota_remaining=9994" in result.notes
    assert result.cursor == {"since": "2026-08-03T09:40:00Z", "seen": ["stackoverflow:79700003"]}


def test_second_run_reads_oldest_first_from_the_watermark_with_the_key() -> None:
    cursor = {"since": "2026-08-03T09:40:00Z", "seen": ["stackoverflow:79700003"]}
    with respx.mock() as router:
        search = router.get(URL).mock(return_value=ok("stackexchange", "search_incremental.json"))
        result = StackExchangeSource().fetch(
            SourceConfig(type="stackexchange", site="stackoverflow"),
            FetchRequest(terms=["veille"], cursor=cursor),
            context({"VEILLE_STACKEXCHANGE_KEY": "se-key"}),
        )

    sent = params(search.calls[0])
    assert sent["fromdate"] == "1785750000" and sent["order"] == "asc"
    assert sent["key"] == "se-key" and sent["site"] == "stackoverflow"
    # fromdate is inclusive: the question at the watermark comes back and is dropped as seen.
    assert [m.external_id for m in result.mentions] == ["stackoverflow:79700010"]
    assert result.cursor == {"since": "2026-08-03T12:26:40Z", "seen": ["stackoverflow:79700010"]}


def test_backoff_is_waited_before_the_next_call() -> None:
    waits: list[float] = []
    with respx.mock() as router:
        search = router.get(URL).mock(
            side_effect=[ok("stackexchange", "search_backoff.json"), ok("stackexchange", "search_page2.json")]
        )
        result = StackExchangeSource(sleep=waits.append).fetch(
            SourceConfig(type="stackexchange"), FetchRequest(terms=["veille"]), context()
        )

    assert waits == [10.0]
    assert search.call_count == 2
    assert len(result.mentions) == 2


def test_a_long_backoff_stops_the_run_instead_of_sleeping() -> None:
    waits: list[float] = []
    with respx.mock() as router:
        search = router.get(URL).mock(return_value=ok("stackexchange", "search_backoff.json"))
        result = StackExchangeSource(sleep=waits.append).fetch(
            SourceConfig(type="stackexchange", max_backoff_s=5), FetchRequest(terms=["veille", "veille.app"]), context()
        )

    assert waits == []
    assert search.call_count == 1  # neither the next page nor the next term
    assert len(result.mentions) == 1
    assert any("back off 10s" in n for n in result.notes)


def test_gzip_body_without_content_encoding_is_decoded() -> None:
    raw = gzip.compress(json.dumps(fixture("stackexchange", "search_page2.json")).encode())
    with respx.mock() as router:
        router.get(URL).mock(return_value=httpx.Response(200, content=raw))
        result = StackExchangeSource().fetch(
            SourceConfig(type="stackexchange"), FetchRequest(terms=["veille"]), context()
        )
    assert [m.external_id for m in result.mentions] == ["stackoverflow:79699990"]


def test_gzip_with_content_encoding_is_decoded_by_httpx() -> None:
    raw = gzip.compress(json.dumps(fixture("stackexchange", "search_page2.json")).encode())
    with respx.mock() as router:
        router.get(URL).mock(return_value=httpx.Response(200, content=raw, headers={"content-encoding": "gzip"}))
        result = StackExchangeSource().fetch(
            SourceConfig(type="stackexchange"), FetchRequest(terms=["veille"]), context()
        )
    assert len(result.mentions) == 1


def test_throttle_violation_reports_the_api_error() -> None:
    with respx.mock() as router:
        router.get(URL).mock(return_value=httpx.Response(400, json=fixture("stackexchange", "throttle_error.json")))
        with pytest.raises(SourceError, match="throttle_violation: too many requests from this IP"):
            StackExchangeSource().fetch(SourceConfig(type="stackexchange"), FetchRequest(terms=["veille"]), context())
