"""The weekly and monthly report, built from hand-made aggregates whose every figure is known."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from chalicelib.report import (
    DayCounts,
    build_report,
    median_hours,
    period_bounds,
    render_html,
    render_text,
    slack_blocks,
    trend,
)
from chalicelib.report.i18n import number

WEDNESDAY = date(2026, 3, 11)  # the week of Monday 9 to Sunday 15 March 2026; the one before: 2 to 8
INBOX = "https://veille.example/app"


def ex(theme: str, n: int = 1) -> list[dict[str, Any]]:
    return [
        {"id": f"{theme}-{i}", "quote": f"{theme} quote {i}", "url": f"https://x.test/{theme}/{i}"} for i in range(n)
    ]


THEMES: list[dict[str, Any]] = [
    {
        "id": "freeze",
        "kind": "problem",
        "label": "Problem: the app freezes since Android 6.0.1",
        "examples": ex("freeze", 4),
    },
    {"id": "old", "kind": "problem", "label": "Problem: login loop", "examples": ex("old")},
    {"id": "csv", "kind": "question", "label": "Question: export a board to CSV", "examples": ex("csv", 2)},
    {"id": "timeline", "kind": "praise", "label": "Praise: the new timeline", "examples": ex("timeline")},
    {"id": "dark", "kind": "request", "label": "Request: dark mode", "examples": ex("dark")},
    {"id": "sync", "kind": "request", "label": "Request: calendar sync", "examples": ex("sync")},
    {"id": "hidden", "kind": "problem", "label": "Problem: hidden by the founder", "hidden": True},
]


def days() -> list[dict[str, Any]]:
    """Two days of this week, two of the week before, and one on either side that must be ignored."""
    this_monday = {
        "day": "2026-03-09",
        "by_source": {
            "hn": {
                "mentions": 10,
                "positive": 5,
                "neutral": 3,
                "negative": 2,
                "complaints": 2,
                "leads": 1,
                "replied": 4,
                "reply_hours": {"1": 2, "2": 2},
            },
            "reddit": {
                "mentions": 6,
                "positive": 1,
                "neutral": 2,
                "negative": 3,
                "complaints": 3,
                "replied": 4,
                "reply_hours": {"24": 1, "48": 3},
            },
        },
        "themes": {
            "freeze": {"units": 10, "authors": 8, "negative": 10, "one_star": 3},
            "csv": {"units": 5, "authors": 4},
            "timeline": {"units": 6, "authors": 6},
            "dark": {"units": 4, "authors": 3},
            "sync": {"units": 2, "authors": 2},
            "old": {"units": 1, "authors": 1},
            "hidden": {"units": 20, "authors": 10},
            "deleted": {"units": 50, "authors": 50},  # not among the themes: left out
        },
        "competitors": {"taskly": 12},
    }
    this_sunday = {
        "day": "2026-03-15",
        "by_source": {"hn": {"mentions": 4, "positive": 1, "neutral": 1, "negative": 2, "complaints": 2, "leads": 1}},
        "themes": {
            "freeze": {"units": 4, "authors": 4, "negative": 4, "one_star": 2},
            "csv": {"units": 4, "authors": 3},
        },
        "competitors": {"taskly": 8},
    }
    last_monday = {
        "day": "2026-03-02",
        "by_source": {
            "hn": {
                "mentions": 8,
                "positive": 4,
                "neutral": 2,
                "negative": 2,
                "complaints": 1,
                "replied": 2,
                "reply_hours": {"4": 2},
            }
        },
        "themes": {
            "freeze": {"units": 2, "authors": 2, "negative": 2},
            "csv": {"units": 3, "authors": 3},
            "timeline": {"units": 5, "authors": 5},
            "dark": {"units": 4, "authors": 3},
            "old": {"units": 6, "authors": 5},
        },
        "competitors": {"taskly": 10},
    }
    last_sunday = {
        "day": "2026-03-08",
        "by_source": {"reddit": {"mentions": 2, "neutral": 1, "negative": 1, "complaints": 1}},
    }
    noise = {"mentions": 999, "complaints": 999}
    outside = [{"day": d, "by_source": {"hn": noise}} for d in ("2026-03-01", "2026-03-16")]
    return [this_monday, this_sunday, last_monday, last_sunday, *outside]


@pytest.fixture
def report() -> dict[str, Any]:
    return build_report("kanbo", "en", "week", WEDNESDAY, days(), THEMES, INBOX)


def test_a_week_given_a_wednesday_covers_monday_to_sunday(report: dict[str, Any]) -> None:
    assert report["period"] == {
        "kind": "week",
        "start": "2026-03-09",
        "end": "2026-03-15",
        "previous_start": "2026-03-02",
        "previous_end": "2026-03-08",
    }
    assert [d["day"] for d in report["days"]] == [f"2026-03-{n:02d}" for n in range(9, 16)]
    assert report["days"][0] == {"day": "2026-03-09", "mentions": 16, "positive": 6, "neutral": 5, "negative": 5}
    assert report["days"][1]["mentions"] == 0  # a missing day is a zero, not a gap
    for day in (date(2026, 3, 9), date(2026, 3, 15)):
        assert period_bounds("week", day) == period_bounds("week", WEDNESDAY)


def test_month_boundaries() -> None:
    assert period_bounds("month", date(2026, 3, 31)) == (
        date(2026, 3, 1),
        date(2026, 3, 31),
        date(2026, 2, 1),
        date(2026, 2, 28),
    )
    assert period_bounds("month", date(2026, 1, 15)) == (
        date(2026, 1, 1),
        date(2026, 1, 31),
        date(2025, 12, 1),
        date(2025, 12, 31),
    )
    assert period_bounds("month", date(2024, 3, 1))[2:] == (date(2024, 2, 1), date(2024, 2, 29))
    month = build_report(
        "kanbo",
        "en",
        "month",
        date(2026, 3, 31),
        [
            {"day": "2026-03-01", "by_source": {"hn": {"mentions": 3}}},
            {"day": "2026-03-31", "by_source": {"hn": {"mentions": 4}}},
            {"day": "2026-02-28", "by_source": {"hn": {"mentions": 5}}},
            {"day": "2026-01-31", "by_source": {"hn": {"mentions": 100}}},  # before February: ignored
        ],
        [],
    )
    assert month["period"]["start"] == "2026-03-01" and month["period"]["end"] == "2026-03-31"
    assert month["period"]["previous_start"] == "2026-02-01" and month["period"]["previous_end"] == "2026-02-28"
    assert len(month["days"]) == 31
    assert month["kpis"]["mentions"] == {"value": 7, "previous": 5, "change": 2, "change_pct": 40}


def test_kpis_against_the_previous_week(report: dict[str, Any]) -> None:
    k = report["kpis"]
    assert k["mentions"] == {"value": 20, "previous": 10, "change": 10, "change_pct": 100}
    assert k["complaints"] == {"value": 7, "previous": 2, "change": 5, "change_pct": 250}
    assert k["leads"] == {"value": 2, "previous": 0, "change": 2, "change_pct": None}
    assert k["sentiment"]["negative"] | {} == {
        "value": 7,
        "previous": 3,
        "change": 4,
        "change_pct": 133,
        "share": 0.35,
        "previous_share": 0.3,
    }
    assert (k["sentiment"]["positive"]["value"], k["sentiment"]["neutral"]["value"]) == (7, 6)
    # replies: this week 2 within 1 h, 2 within 2 h, 1 within 24 h, 3 within 48 h: the 4th of 8 lands at 2 h
    reply = k["median_first_reply_hours"]
    assert (reply["value"], reply["previous"], reply["change"]) == (2.0, 3.0, -1.0)
    assert (reply["replies"], reply["previous_replies"]) == (8, 2)
    assert k["share_replied"] == {"value": 0.4, "previous": 0.2, "change": 0.2, "change_pct": None}
    assert k["share_of_voice"]["value"] == 0.5 and k["share_of_voice"]["previous"] == 0.5
    assert k["share_of_voice"]["competitors"] == {"taskly": {"value": 20, "previous": 10}}
    assert set(k["by_source"]) == {"hn", "reddit"}
    reddit = k["by_source"]["reddit"]
    assert reddit["mentions"] == {"value": 6, "previous": 2, "change": 4, "change_pct": 200}
    assert reddit["median_first_reply_hours"]["value"] == 32.0  # 24 + 24 x (4 - 1) / 3 / 2 ... the 2nd of 4
    assert reddit["median_first_reply_hours"]["previous"] is None
    assert k["by_source"]["hn"]["complaints"]["value"] == 4
    json.dumps(report)  # JSON-able as it is


def test_themes_with_trend_people_and_examples(report: dict[str, Any]) -> None:
    themes = {t["id"]: t for t in report["themes"]}
    assert "hidden" not in themes and "deleted" not in themes
    assert [t["kind"] for t in report["themes"]] == ["problem", "problem", "request", "request", "question", "praise"]
    assert (themes["freeze"]["count"], themes["freeze"]["previous"], themes["freeze"]["trend"]) == (14, 2, "rising")
    assert (themes["freeze"]["authors"], themes["freeze"]["one_star"]) == (12, 5)
    assert len(themes["freeze"]["examples"]) == 3  # three linked examples at most
    assert (themes["csv"]["count"], themes["csv"]["previous"], themes["csv"]["trend"]) == (9, 3, "rising")
    assert themes["timeline"]["trend"] == "steady"
    assert themes["dark"]["trend"] == "steady"
    assert themes["sync"]["trend"] == "new"
    assert (themes["old"]["count"], themes["old"]["previous"], themes["old"]["trend"]) == (1, 6, "falling")


def test_trend_rule() -> None:
    assert trend(3, 0) == "new"
    assert trend(0, 0) == "steady"
    assert trend(2, 1) == "steady"  # doubled, but by one: not a surge
    assert trend(3, 1) == "rising"
    assert trend(6, 4) == "rising"
    assert trend(5, 4) == "steady"
    assert trend(4, 6) == "falling"
    assert trend(1, 2) == "steady"


def test_what_changed_most(report: dict[str, Any]) -> None:
    moves = [(c["kind"], c["key"], c["value"], c["previous"]) for c in report["changes"]]
    assert moves == [
        ("theme", "freeze", 14, 2),
        ("theme", "old", 1, 6),
        ("kpi", "mentions", 20, 10),
        ("theme", "csv", 9, 3),
        ("kpi", "complaints", 7, 2),
    ]
    assert render_text(report).count("Problem: login loop: 1, down from 6") == 1


def test_proposals_cite_their_numbers_and_link_their_examples(report: dict[str, Any]) -> None:
    texts = [p["text"] for p in report["proposals"]]
    assert texts == [
        "Fix: the app freezes since Android 6.0.1, 14 reports this week, up from 2, 5 of them one-star",
        "Write a help article: “export a board to CSV”, asked 9 times this week by 7 people, up from 3",
        "Consider building: “dark mode”, asked for 4 times this week by 3 people, 4 the week before",
        "Reply faster on reddit: median 32 h against 1 h elsewhere (4 replies)",
        "Thank the 6 people who praised “the new timeline” (6 times this week)",
    ]
    fix = report["proposals"][0]
    assert fix["rule"] == "fix" and fix["theme"] == "freeze"
    assert fix["evidence"] == {"count": 14, "previous": 2, "authors": 12, "one_star": 5}
    assert [e["url"] for e in fix["examples"]] == [f"https://x.test/freeze/{i}" for i in range(3)]
    reply = report["proposals"][3]
    assert reply["source"] == "reddit" and reply["evidence"]["others_median_hours"] == 1.0
    assert all(p["link"] == INBOX for p in report["proposals"])
    assert f"4. {reply['text']}\n   Open the inbox: {INBOX}\n" in render_text(report)  # no examples: the inbox
    page, text, slack = render_html(report), render_text(report), json.dumps(slack_blocks(report))
    for p in report["proposals"]:
        for example in p["examples"]:
            assert f'href="{example["url"]}"' in page
            assert example["url"] in text
        if p["examples"]:
            assert f"<{p['examples'][0]['url']}|" in slack


def test_proposals_are_capped_and_ordered_by_impact() -> None:
    themes = [{"id": f"p{i}", "kind": "problem", "label": f"Problem: bug {i}"} for i in range(4)] + [
        {"id": "q", "kind": "question", "label": "Question: how"}
    ]
    day = {"day": "2026-03-10", "themes": {f"p{i}": {"units": 5 + i, "authors": 3} for i in range(4)}}
    day["themes"]["q"] = {"units": 3, "authors": 3}
    report = build_report("kanbo", "en", "week", WEDNESDAY, [day], themes)
    assert [p["theme"] for p in report["proposals"]] == ["p3", "p2", "q"]  # two fixes at most, then the question
    assert [p["impact"] for p in report["proposals"]] == [40, 35, 6]


def test_french_rendering(report: dict[str, Any]) -> None:
    fr_themes = [t | {"label": t["label"].replace("Problem: ", "Problème : ")} for t in THEMES]
    fr = build_report("kanbo", "fr", "week", WEDNESDAY, days(), fr_themes, INBOX)
    assert fr["proposals"][0]["text"] == (
        "Corrigez : the app freezes since Android 6.0.1, 14 signalements cette semaine, "
        "contre 2 la semaine précédente, dont 5 à une étoile"
    )
    assert (
        fr["proposals"][3]["text"] == "Répondez plus vite sur reddit : médiane de 32 h contre 1 h ailleurs (4 réponses)"
    )
    text = render_text(fr)
    assert text.startswith("Rapport hebdomadaire de kanbo : du 2026-03-09 au 2026-03-15\n")
    assert "Que faire" in text and "Chiffres clés" in text and "Part des mentions répondues : 40 %" in text
    assert "Problème : login loop : 1 (en baisse, 6 la semaine précédente), 1 personne" in text
    page = render_html(fr)
    assert '<html lang="fr">' in page and "Volume et tonalité par jour" in page
    assert "Que faire" in json.dumps(slack_blocks(fr), ensure_ascii=False)
    assert number(31.5, "fr") == "31,5" and number(31.5, "en") == "31.5" and number(4.0, "fr") == "4"


def test_untrusted_labels_and_quotes_are_escaped() -> None:
    evil = '<script>alert("x")</script> & <b>'
    themes = [
        {
            "id": "evil",
            "kind": "problem",
            "label": f"Problem: {evil}",
            "examples": [
                {"id": "m1", "quote": evil, "url": "javascript:alert(1)"},
                {"id": "m2", "quote": "<img src=x onerror=alert(1)>", "url": 'https://x.test/"><script>'},
            ],
        }
    ]
    day = {"day": "2026-03-10", "themes": {"evil": {"units": 6, "authors": 4}}, "by_source": {"hn": {"mentions": 6}}}
    report = build_report("kanbo", "en", "week", WEDNESDAY, [day], themes, "javascript:alert(2)")
    page = render_html(report)
    assert "<script>" not in page and "<img" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;" in page
    assert "javascript:" not in page  # neither the example's nor the inbox's URL becomes a link
    assert 'href="https://x.test/&quot;&gt;&lt;script&gt;"' in page
    slack = json.dumps(slack_blocks(report))
    assert "<script>" not in slack and "<img" not in slack and "javascript:" not in slack
    assert "&lt;script&gt;" in slack
    assert "javascript:" not in render_text(report)


def test_chart_is_drawn_in_tables_with_inline_styles(report: dict[str, Any]) -> None:
    page = render_html(report)
    assert "<style" not in page and "<script" not in page and "<svg" not in page
    # Monday is the busiest day (16): its bar fills the row; Sunday's (4 of 16) a quarter of it
    assert 'width="38%" style="background:#16a34a' in page  # 6 positive of 16
    # Sunday (1 positive, 1 neutral, 2 negative of 16): 6 + 6 + 12 %, the rest is the empty track
    assert 'width="76%" style="background:#f4f4f5' in page
    assert "Volume and sentiment by day" in page
    # the channel table: each figure now (before), reddit's slow replies included
    assert ">reddit</td>" in page and ">32 h (n/a)</td>" in page and ">6 (2)</td>" in page


def test_median_hours_from_the_histogram() -> None:
    assert median_hours({}) is None
    assert median_hours({"1": 2}) == 0.5
    assert median_hours({"24": 1, "48": 3}) == 32.0
    assert median_hours({"inf": 5, "1": 1}) == 168.0


def test_input_contract_errors_say_what_is_wrong() -> None:
    with pytest.raises(ValidationError, match="unknown reply_hours buckets"):
        DayCounts.model_validate({"day": "2026-03-10", "by_source": {"hn": {"reply_hours": {"3": 1}}}})
    with pytest.raises(ValueError, match="given twice"):
        build_report("kanbo", "en", "week", WEDNESDAY, [{"day": "2026-03-10"}, {"day": "2026-03-10"}], [])
    with pytest.raises(ValueError, match="period must be"):
        build_report("kanbo", "en", "year", WEDNESDAY, [], [])
    with pytest.raises(ValueError, match="language must be"):
        build_report("kanbo", "de", "week", WEDNESDAY, [], [])
    # what DynamoDB hands back (Decimal whole numbers) is accepted as it is
    stored = {"day": "2026-03-10", "by_source": {"hn": {"mentions": Decimal(3), "reply_hours": {"1": Decimal(1)}}}}
    assert build_report("kanbo", "en", "week", WEDNESDAY, [stored], [])["kpis"]["mentions"]["value"] == 3


def test_an_empty_week_renders() -> None:
    report = build_report("kanbo", "en", "week", WEDNESDAY, [], [])
    assert report["proposals"] == [] and report["themes"] == [] and report["changes"] == []
    assert report["kpis"]["share_of_voice"]["value"] is None
    assert "Nothing stands out" in render_text(report)
    assert "Nothing stands out" in render_html(report)
    assert len(slack_blocks(report)) >= 3
