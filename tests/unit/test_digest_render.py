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
    assert "2 mentions need you (1 overdue).\n10 mentions today, +100% vs a usual day; 3 complaints, 1 lead." in text
    assert "overdue (target 24 h)" in text and "alerts: SILENT (last error: HTTP 503)" in text
    assert "Hidden: 1 spam, 1 offensive" in text
    french = render_text(digest("fr"))
    assert "acme : votre journée du 2026-03-09" in french and "Masquées : 1 spam" in french
    assert "10 mentions aujourd'hui, +100 % par rapport à un jour habituel ; 3 plaintes, 1 prospect." in french
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
    assert "* [lead] google-alerts · 2026-03-09 11:00" in text
    assert "? on" not in text and "? on" not in html and "google-alerts · 2026-03-09 11:00" in html


# -- the digest a founder scans in ten seconds ---------------------------------------------------------------
def busy(language: str = "en") -> dict[str, Any]:
    """A morning after: one critical outage 12 days old, a question, a lead, a feature request, a fan."""
    d = digest(language)
    outage = item(
        1,
        author="ops_olga",
        reach=1200,
        quote="acme is down, whole team locked out",
        kind="complaint",
        level="critical",
        urgency=88,
        reasons=["outage", "access"],
        age_hours=300.4,
        target_hours=24,
        overdue=True,
        actions={
            "replied": "https://veille.example/t/m1/replied?sig=1",
            "ignored": "https://veille.example/t/m1/ignored?sig=1",
        },
    )
    question = item(2, quote="does acme export to csv?", kind="question", complaint=False, level="normal", urgency=20,
                    reasons=[], age_hours=3.2, target_hours=24, overdue=False)  # fmt: skip
    d["needs_reply"] = [outage, question]
    d["leads"] = [item(3, quote="pricing for 40 seats of acme?", kind="question", lead=True, complaint=False)]
    d["requests"] = [item(4, quote="acme needs a dark mode", kind="feature_request", complaint=False)]
    d["fans"] = [item(5, author="fan_fay", reach=9000, quote="acme saved our retro", kind="praise", complaint=False)]
    d["influencers"] = [item(6, author="big_voice", reach=50000, quote="trying acme", kind="other", complaint=False)]
    d["inbox_url"] = "https://veille.example/app"
    d["trend"].update(previous_mean=0.14, change_pct=4186.0)
    d["summary"] = {
        "needs_you": 3,
        "needs_you_today": 1,
        "critical": 1,
        "overdue": 2,
        "today": 6,
        "usual": 0.14,
        "change": 6,
        "change_pct": 4186.0,
        "tiny_baseline": True,
        "complaints": 2,
        "leads": 1,
        "requests": 1,
        "crisis": {"type": "critical", "item": outage},
    }
    return d


def positions(text: str, *needles: str) -> list[int]:
    found = [text.find(n) for n in needles]
    assert -1 not in found, [n for n, at in zip(needles, found, strict=True) if at < 0]
    return found


def test_three_summary_lines_first_in_plain_words() -> None:
    lines = render_text(busy()).splitlines()
    assert lines[2:6] == [
        "3 mentions need you (1 critical, 2 overdue, 2 from earlier days).",
        "6 mentions today, +6 vs a usual day; 2 complaints, 1 lead, 1 feature request.",
        "Most urgent: ops_olga (1,200 followers) on reddit, “acme is down, whole team locked out” (outage, access).",
        "Open the inbox: https://veille.example/app",
    ]
    french = render_text(busy("fr")).splitlines()
    assert french[2:6] == [
        "3 mentions vous attendent (1 critique, 2 en retard, 2 des jours précédents).",
        "6 mentions aujourd'hui, +6 par rapport à un jour habituel ; "
        "2 plaintes, 1 prospect, 1 demande de fonctionnalité.",
        "Le plus urgent : ops_olga (1,200 abonnés) sur reddit, "
        "« acme is down, whole team locked out » (outage, access).",
        "Ouvrir la boîte de réception : https://veille.example/app",
    ]


def test_plain_copy_no_percent_on_a_tiny_baseline_no_hours_old_no_1_leads() -> None:
    text = render_text(busy())
    assert "%" not in text.split("\n\n")[1]  # the summary: a count, not "+4186%"
    assert "12 days ago" in text and "300.4" not in text and " h old" not in text
    assert "3 hours ago" in text
    assert "1 leads" not in text and "1 lead," in text
    d = busy()
    d["summary"].update(needs_you=1, needs_you_today=1, critical=0, overdue=0, leads=1, complaints=1, requests=0,
                        today=1, change=0, crisis=None)  # fmt: skip
    one = render_text(d)
    assert "1 mention needs you.\n1 mention today, as many as a usual day; 1 complaint, 1 lead.\nNo crisis." in one
    french = render_text(busy("fr"))
    assert "il y a 12 jours" in french and "il y a 3 heures" in french


def test_sections_in_reading_order_in_every_rendering() -> None:
    d = busy()
    text = render_text(d)
    order = positions(text, "3 mentions need you", "Needs you, most pressing first", "Leads\n", "Asked for this week",
                      "Fans to thank", "Biggest voices", "Last 8 days", "By source")  # fmt: skip
    assert order == sorted(order)
    assert positions(text, "acme is down", "does acme export")[0] < text.find("does acme export")
    page = render_html(d)
    order = positions(page, "3 mentions need you", "Needs you, most pressing first", ">Leads<", "Asked for this week",
                      "Fans to thank", "Biggest voices", "Last 8 days")  # fmt: skip
    assert order == sorted(order)
    blocks = json.dumps(slack_blocks(d), ensure_ascii=False)
    order = positions(blocks, "3 mentions need you", "Needs you, most pressing first", "*Leads*", "Asked for this week",
                      "Fans to thank")  # fmt: skip
    assert order == sorted(order)
    french = render_html(busy("fr"))
    order = positions(french, "Vous attendent, les plus", ">Prospects<", "Demandé cette semaine", "Fans à remercier",
                      "Les voix les plus écoutées", "Les 8 derniers jours")  # fmt: skip
    assert order == sorted(order)


def test_pressing_items_carry_a_kind_chip_and_an_urgency_level_with_reasons() -> None:
    d = busy()
    text = render_text(d)
    assert "* [complaint] [critical 88: outage, access] ops_olga (1,200 followers) on reddit" in text
    assert "* [question] [normal 20] user2 on reddit" in text
    assert "* [feature request] user4 on reddit" in text
    page = render_html(d)
    assert re.search(r'<span class="chip chip-critical"[^>]*>critical 88: outage, access</span>', page)
    assert re.search(r'<span class="chip chip-kind"[^>]*>feature request</span>', page)
    assert "demande" in render_text(busy("fr")) and "[critique 88: outage, access]" in render_text(busy("fr"))


def test_the_same_actions_in_text_html_and_slack() -> None:
    d = busy()  # built with signed links: the outage carries them
    text, page, blocks = render_text(d), render_html(d), json.dumps(slack_blocks(d))
    for url in ("https://veille.example/t/m1/replied?sig=1", "https://veille.example/t/m1/ignored?sig=1"):
        assert url in text and url in page and url in blocks
    assert "Mark replied: https://veille.example/t/m1/replied?sig=1" in text
    assert "|Mark replied>" in blocks and "|Ignore>" in blocks and "|Open>" in blocks
    assert "https://veille.example/app" in page and "https://veille.example/app" in blocks
    # Links given at render time sign every listed item but the biggest voices (nothing to triage there).
    signed = render_text(d, links=lambda mid, action: f"https://x.example/{mid}/{action}")
    assert {f"https://x.example/m{n}/replied" in signed for n in (1, 2, 3, 4, 5)} == {True}
    assert "https://x.example/m6/replied" not in signed


def test_chart_labels_stay_readable_on_a_phone() -> None:
    page = render_html(busy())
    # Month-day labels (not full dates) in 14px cells: no 7px text at 390 px.
    assert re.search(r'<td class="label" width="30%"[^>]*font-size: 14px[^>]*>03-09</td>', page)
    assert "<svg" not in page
