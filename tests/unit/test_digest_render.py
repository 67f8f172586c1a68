"""Rendering a digest (pure): bar charts as tables, links, dark mode, both languages, Slack limits."""

from __future__ import annotations

import json
import re
from typing import Any

from chalicelib.config import WatchConfig
from chalicelib.digest import digest_subject, render_html, render_text, slack_blocks
from chalicelib.digest.send import due_date


def item(n: int, **extra: Any) -> dict[str, Any]:
    base = {
        "id": f"m{n}",
        "source": "reddit",
        "url": f"https://reddit.example/{n}",
        "author": f"user{n}",
        "reach": None,
        "title": None,
        "quote": f"acme mention {n} <img src=x onerror=alert(1)>",
        "created_at": "2026-03-09T10:00:00+00:00",
        "local_time": "2026-03-09 11:00",
        "sentiment": "negative",
        "urgency": 50,
        "complaint": True,
        "lead": False,
        "status": "new",
        "why": [],
    }
    base.update(extra)
    return base


def digest(language: str = "en", needs: int = 2) -> dict[str, Any]:
    return {
        "watch": "acme",
        "date": "2026-03-09",
        "language": language,
        "timezone": "Europe/Paris",
        "period": {},
        "generated_at": "2026-03-10T07:00:00+00:00",
        "totals": {
            "mentions": 12,
            "shown": 10,
            "negative": 4,
            "complaints": 3,
            "leads": 1,
            "needs_reply": needs,
            "overdue": 1,
            "hidden": 2,
        },
        "trend": {
            "today": 10,
            "previous_days": [{"date": f"2026-03-0{d}", "count": d} for d in range(2, 9)],
            "previous_mean": 5.0,
            "change_pct": 100.0,
        },
        "by_source": [{"source": "reddit", "count": 7, "share": 0.7}, {"source": "hn", "count": 3, "share": 0.3}],
        "sentiment": {"positive": 2, "neutral": 4, "negative": 4, "unlabelled": 0},
        "share_of_voice": [
            {"watch": "acme", "count": 10, "share": 0.8, "self": True},
            {"watch": "rival", "count": 2, "share": 0.2, "self": False},
        ],
        "needs_reply": [item(n, age_hours=30.0 - n, target_hours=24, overdue=n == 0) for n in range(needs)],
        "leads": [item(99, lead=True, complaint=False, sentiment="positive")],
        "influencers": [],
        "hidden": {"spam": 1, "offensive": 1, "by_user": 0, "total": 2},
        "spikes": [
            {"hour": "2026-03-09T16:00:00+00:00", "local_hour": "17:00", "count": 9, "baseline": 0.4, "threshold": 5}
        ],
        "source_health": [{"source_key": "alerts", "silent": True, "last_error": "HTTP 503"}],
        "stories": [],
        "reply_time": {"this_week_hours": 3.5, "this_week_count": 4, "last_week_hours": None, "last_week_count": 0},
    }


def test_bar_charts_are_tables_with_proportional_widths() -> None:
    page = render_html(digest())
    assert "<svg" not in page and "<script" not in page and "<canvas" not in page
    # reddit has 7 of 10 shown mentions: a 70% bar and a 30% track
    assert re.search(r'<td class="bar" width="70%"[^>]*>', page)
    assert re.search(r'<td class="track" width="30%"[^>]*>', page)


def test_every_complaint_and_lead_gets_signed_links() -> None:
    calls: list[tuple[str, str]] = []

    def links(mention_id: str, action: str) -> str:
        calls.append((mention_id, action))
        return f"https://veille.example/t/{mention_id}/{action}?exp=1&sig=abc"

    page = render_html(digest(), links=links)
    assert sorted(calls) == sorted([(m, a) for m in ("m0", "m1", "m99") for a in ("replied", "ignored")])
    assert 'href="https://veille.example/t/m99/ignored?exp=1&amp;sig=abc"' in page


def test_dark_mode_and_escaping() -> None:
    page = render_html(digest())
    assert '<meta name="color-scheme" content="light dark">' in page
    assert "@media (prefers-color-scheme: dark)" in page
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_text_and_french() -> None:
    text = render_text(digest())
    assert text.startswith("acme: your day of 2026-03-09")
    assert (
        "10 mentions (+100% vs the 7-day average). Complaints: 3. Leads: 1. Waiting for a reply: 2 (1 overdue)." in text
    )
    assert "overdue (target 24 h)" in text and "alerts: SILENT (last error: HTTP 503)" in text
    assert "Hidden: 1 spam, 1 offensive" in text
    french = render_text(digest("fr"))
    assert "acme : votre journée du 2026-03-09" in french and "Masquées : 1 spam" in french
    assert digest_subject(digest("fr")) == "Synthèse Veille pour acme, 2026-03-09"


def test_slack_blocks_stay_within_limits_and_escaped() -> None:
    blocks = slack_blocks(digest(needs=60))
    assert len(blocks) <= 50
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b.get("text"))
    body = json.dumps(blocks)
    assert "<img" not in body and "&lt;img" in body


def test_due_date_is_yesterday_after_the_local_digest_hour() -> None:
    from datetime import UTC, date, datetime

    watch = WatchConfig(name="acme", query="acme", timezone="America/Los_Angeles", digest_hour=8)
    assert due_date(watch, datetime(2026, 3, 10, 14, 59, tzinfo=UTC)) is None  # 07:59 in Los Angeles (PDT)
    assert due_date(watch, datetime(2026, 3, 10, 15, 0, tzinfo=UTC)) == date(2026, 3, 9)
    assert due_date(watch, datetime(2026, 3, 11, 6, 0, tzinfo=UTC)) == date(2026, 3, 9)  # 23:00 the same day


def test_an_item_with_no_author_is_attributed_to_its_source_alone() -> None:
    d = digest()
    d["leads"] = [item(9, author=None, source="google-alerts", lead=True, complaint=False)]
    text, html = render_text(d), render_html(d)
    assert "* google-alerts, 2026-03-09 11:00" in text
    assert "? on" not in text and "? on" not in html and "google-alerts · 2026-03-09 11:00" in html
