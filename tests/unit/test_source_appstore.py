"""App Store connector: customer-reviews JSON feed per country, metadata entry, stop at the last seen review."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import respx

from chalicelib.errors import SourceError
from chalicelib.sources.appstore import AppStoreSource
from chalicelib.sources.base import FetchRequest, SourceConfig
from tests.unit.sources_support import context, ok

FEED = "https://itunes.apple.com/{country}/rss/customerreviews/page={page}/id=1404176564/sortby=mostrecent/json"


def test_first_run_reads_pages_per_country() -> None:
    config = SourceConfig(type="appstore", app_id="1404176564", countries="us,fr")
    with respx.mock() as router:
        us = [
            router.get(FEED.format(country="us", page=n)).mock(return_value=ok("appstore", name))
            for n, name in ((1, "us_page1.json"), (2, "us_page2.json"), (3, "us_page3_empty.json"))
        ]
        fr = router.get(FEED.format(country="fr", page=1)).mock(return_value=ok("appstore", "fr_page1.json"))
        router.get(FEED.format(country="fr", page=2)).mock(return_value=ok("appstore", "us_page3_empty.json"))
        result = AppStoreSource().fetch(config, FetchRequest(terms=["veille"]), context())

    assert all(route.called for route in us) and fr.called
    assert result.skipped == 1  # the entry without content or date; the app metadata entry is not a review
    ids = [m.external_id for m in result.mentions]
    assert ids == ["6290024640", "6290024630", "6290024600", "6290024701"]
    great = result.mentions[0]
    assert great.title == "Great for a small team"
    assert great.text == "Veille finds Reddit threads about us within minutes."
    assert great.created_at == datetime(2026, 8, 3, 11, 30, 2, tzinfo=UTC)
    assert great.extra["rating"] == "5" and great.extra["version"] == "3.4.3" and great.engagement == 2
    assert great.url == "https://apps.apple.com/us/app/id1404176564?see-all=reviews"
    french = result.mentions[-1]
    assert french.author.name == "ヤミ。" and french.extra["country"] == "fr"
    assert result.cursor == {
        "us": {"since": "2026-08-03T11:30:02Z", "seen": ["6290024640"]},
        "fr": {"since": "2026-08-03T07:00:00Z", "seen": ["6290024701"]},
    }


def test_second_run_stops_at_the_last_seen_review() -> None:
    cursor = {"us": {"since": "2026-08-03T11:30:02Z", "seen": ["6290024640"]}}
    config = SourceConfig(type="appstore", app_id="1404176564")
    with respx.mock(assert_all_called=False) as router:
        page1 = router.get(FEED.format(country="us", page=1)).mock(return_value=ok("appstore", "us_incremental.json"))
        page2 = router.get(FEED.format(country="us", page=2))
        result = AppStoreSource().fetch(config, FetchRequest(terms=["veille"], cursor=cursor), context())

    assert page1.called and not page2.called
    assert [m.external_id for m in result.mentions] == ["6290024650"]
    assert result.cursor == {"us": {"since": "2026-08-04T15:00:00Z", "seen": ["6290024650"]}}


def test_app_id_is_required() -> None:
    with pytest.raises(SourceError, match="app_id"):
        AppStoreSource().fetch(SourceConfig(type="appstore"), FetchRequest(terms=["veille"]), context())


def test_reviews_without_their_own_updated_time_are_kept_dated_by_the_feed_in_order() -> None:
    with respx.mock() as router:
        router.get(FEED.format(country="us", page=1)).mock(return_value=ok("appstore", "us_no_entry_dates.json"))
        router.get(FEED.format(country="us", page=2)).mock(return_value=ok("appstore", "us_page3_empty.json"))
        result = AppStoreSource().fetch(
            SourceConfig(type="appstore", app_id="1404176564"), FetchRequest(terms=["veille"]), context()
        )

    assert len(result.mentions) == 2 and result.skipped == 1  # the third has no content: still malformed
    feed_time = datetime(2026, 8, 3, 12, 0, tzinfo=UTC)
    assert [m.created_at for m in result.mentions] == [feed_time - timedelta(seconds=s) for s in (1, 2)]
    assert all(m.extra["date"] == "feed" for m in result.mentions)
    assert result.mentions[0].text == "Veille finds Reddit threads about us within minutes."
