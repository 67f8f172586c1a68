"""Recorded samples dated as if just fetched: every date moved by one whole-hour shift, the rest untouched."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from chalicelib.sources.base import FetchContext, FetchRequest, SourceConfig
from chalicelib.sources.recorded import freshen, recorded_dates, shift_dates
from chalicelib.sources.rss import RssSource

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2031, 6, 15, 12, 34, 56, tzinfo=UTC)


def test_iso_and_rfc822_dates_move_and_keep_their_form() -> None:
    text = (
        '{"a":"2026-11-21T09:12:44.120Z","b":"2026-11-21T16:05:00+01:00","c":"2026-11-20T17:55:21Z"}'
        "<pubDate>Sat, 21 Nov 2026 08:05:00 GMT</pubDate>"
    )
    moved = shift_dates(text, timedelta(days=10, hours=2))
    assert moved == (
        '{"a":"2026-12-01T11:12:44.120Z","b":"2026-12-01T18:05:00+01:00","c":"2026-11-30T19:55:21Z"}'
        "<pubDate>Tue, 01 Dec 2026 10:05:00 GMT</pubDate>"  # the weekday follows the date
    )


def test_dates_in_urls_and_ids_are_not_dates() -> None:
    text = '{"id":"zap-20261121-0042","url":"https://news.example.com/2026/11/21/kanbo-seed-round/"}'
    assert recorded_dates(text) == []
    assert freshen(text.encode(), NOW) == text.encode()


def test_the_newest_date_lands_in_the_last_hour_and_the_gaps_stay() -> None:
    body = b"<updated>2026-11-21T17:42:10Z</updated><published>2026-11-21T09:14:00Z</published>"
    dates = recorded_dates(freshen(body, NOW).decode())
    assert NOW - timedelta(hours=1) < max(dates) <= NOW
    assert max(dates) - min(dates) == timedelta(hours=8, minutes=28, seconds=10)
    assert {d.minute for d in dates} == {42, 14}  # a whole-hour shift: times of day still look natural


def test_several_documents_move_together_with_a_shared_newest_date() -> None:
    newest = datetime(2026, 11, 21, 18, 0, tzinfo=UTC)
    form = freshen(b'{"submitted_at":"2026-11-21T14:32:10Z"}', NOW, newest)
    assert recorded_dates(form.decode()) == [datetime(2031, 6, 15, 8, 32, 10, tzinfo=UTC)]


def _fetch(recorded: bool) -> list[datetime]:
    options = {"recorded": True} if recorded else {}
    config = SourceConfig(type="rss", key="community", url=str(ROOT / "samples/feeds/community-forum.rss"), **options)
    with httpx.Client() as client:
        result = RssSource().fetch(config, FetchRequest(terms=["kanbo"]), FetchContext(http=client))
    return [m.created_at for m in result.mentions]


def test_a_recorded_feed_reads_as_fresh_whatever_the_date() -> None:
    as_recorded, fresh = _fetch(recorded=False), _fetch(recorded=True)
    now = datetime.now(UTC)
    assert max(as_recorded) < datetime(2026, 11, 22, tzinfo=UTC)  # the file itself keeps its dates
    assert all(now - timedelta(days=1) < created <= now for created in fresh)
    shift = fresh[0] - as_recorded[0]
    assert [c + shift for c in as_recorded] == fresh and shift % timedelta(hours=1) == timedelta(0)
