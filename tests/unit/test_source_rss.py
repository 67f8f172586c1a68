"""RSS/Atom as publishers really serve them: charset in the HTTP header, local-language dates, Apple links."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx

from chalicelib.sources.base import FetchContext, FetchRequest, FetchResult, SourceConfig
from chalicelib.sources.rss import RssSource, strip_html

FEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "sources" / "rss"
URL = "https://feeds.example.com/feed.xml"


def _serve(name: str, content_type: str) -> FetchResult:
    body = (FEEDS / name).read_bytes()
    transport = httpx.MockTransport(lambda r: httpx.Response(200, content=body, headers={"Content-Type": content_type}))
    ctx = FetchContext(http=httpx.Client(transport=transport))
    return RssSource().fetch(SourceConfig(type="rss", key="t", url=URL), FetchRequest(terms=["kanbo"]), ctx)


def test_the_http_charset_decodes_a_feed_without_an_xml_encoding_declaration() -> None:
    result = _serve("koi8r_no_declaration.xml", "application/rss+xml; charset=koi8-r")
    entry = result.mentions[0]
    assert entry.title == "Почему мы перешли на Kanbo"
    assert entry.text.startswith("Kanbo заменил нам три инструмента.")


def test_inline_tags_do_not_split_words() -> None:
    text = _serve("koi8r_no_declaration.xml", "application/rss+xml; charset=koi8-r").mentions[0].text
    assert "1930ft2" in text and "H2O" in text
    assert "супердлинноеслово" in text
    assert strip_html("<p>one</p><p>two</p>") == "one two"  # block tags still separate words


def test_a_date_feedparser_cannot_read_is_read_or_replaced_by_the_feeds_date_and_flagged() -> None:
    result = _serve("pt_br_dates.xml", "application/rss+xml")
    by_id = {m.external_id: m for m in result.mentions}
    assert by_id["diario-101"].created_at == datetime(2018, 9, 24, 22, 42, 40, tzinfo=UTC)
    assert "date" not in by_id["diario-101"].extra
    # "ontem à noite" is no date at all: the channel's own date stands in, and says so.
    assert by_id["diario-102"].created_at == datetime(2018, 9, 25, 11, 0, tzinfo=UTC)
    assert by_id["diario-102"].extra["date"] == "feed"


def test_a_feed_with_no_date_anywhere_flags_the_fetch_time() -> None:
    body = (
        b"<rss version='2.0'><channel><title>t</title><item><guid>g1</guid><title>Kanbo</title></item></channel></rss>"
    )
    transport = httpx.MockTransport(lambda r: httpx.Response(200, content=body))
    ctx = FetchContext(http=httpx.Client(transport=transport))
    result = RssSource().fetch(SourceConfig(type="rss", url=URL), FetchRequest(terms=["kanbo"]), ctx)
    assert result.mentions[0].extra["date"] == "fetched"


def test_apple_review_entries_link_to_their_related_page_not_to_their_id() -> None:
    result = _serve("apple_reviews.xml", "text/xml; charset=UTF-8")
    review = result.mentions[0]
    assert review.external_id == "6310006838"
    assert review.url == "https://itunes.apple.com/us/review?id=1404176564&type=Purple%20Software"
    assert review.created_at == datetime(2026, 8, 2, 21, 30, 23, tzinfo=UTC)


def test_plain_text_titles_and_atom_text_keep_angle_brackets_html_loses_its_tags() -> None:
    # An RSS <title> and Atom type="text" are plain text: "<module>" is the author's word, not a tag.
    # Atom type="html" (Google Alerts' titles) and RSS descriptions are HTML: their tags go.
    body = (
        b"<feed xmlns='http://www.w3.org/2005/Atom'><title>t</title><updated>2026-08-03T10:00:00Z</updated>"
        b"<entry><id>a1</id><updated>2026-08-03T10:00:00Z</updated><link href='https://x.example/a1'/>"
        b"<title type='text'>Import &lt;module&gt; fails in Kanbo</title>"
        b"<content type='text'>Our &lt;kanbo-widget&gt; embed breaks on Safari</content></entry>"
        b"<entry><id>a2</id><updated>2026-08-03T10:00:00Z</updated><link href='https://x.example/a2'/>"
        b"<title type='html'>&lt;b&gt;Kanbo&lt;/b&gt; raises a seed round</title>"
        b"<content type='html'>Paris-based &lt;b&gt;Kanbo&lt;/b&gt; announced it</content></entry></feed>"
    )
    rss = (
        b"<rss version='2.0'><channel><title>t</title><item><guid>r1</guid><link>https://x.example/r1</link>"
        b"<pubDate>Mon, 03 Aug 2026 10:00:00 GMT</pubDate><title>Kanbo &lt;3 dark mode</title>"
        b"<description>&lt;p&gt;We love &lt;em&gt;Kanbo&lt;/em&gt;&lt;/p&gt;</description></item></channel></rss>"
    )
    for feed, expected in (
        (body, {"a1": ("Import <module> fails in Kanbo", "Our <kanbo-widget> embed breaks on Safari"),
                "a2": ("Kanbo raises a seed round", "Paris-based Kanbo announced it")}),
        (rss, {"r1": ("Kanbo <3 dark mode", "We love Kanbo")}),
    ):  # fmt: skip
        transport = httpx.MockTransport(lambda r, feed=feed: httpx.Response(200, content=feed))
        ctx = FetchContext(http=httpx.Client(transport=transport))
        result = RssSource().fetch(SourceConfig(type="rss", url=URL), FetchRequest(terms=["kanbo"]), ctx)
        assert {m.external_id: (m.title, m.text) for m in result.mentions} == expected
