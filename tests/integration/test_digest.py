"""The daily digest on DynamoDB Local: what a founder reads the morning after."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.config import VeilleConfig, parse_config
from chalicelib.dedupe import fingerprint
from chalicelib.digest import build_digest, render_html, render_text, slack_blocks
from chalicelib.models import Author, Mention, Span, WatchMatch

pytestmark = pytest.mark.integration

CONFIG = """
[[watch]]
name = "acme"
query = "acme"
timezone = "Europe/Paris"
reply_target_hours = 24
competitors = ["rival"]
crisis_min_count = 3

[[watch]]
name = "rival"
query = "rival"
competitor = true
"""
DAY = "2026-03-09"  # Paris is UTC+1: the local day runs from 2026-03-08T23:00Z to 2026-03-09T23:00Z
NOW = datetime(2026, 3, 10, 7, 0, tzinfo=UTC)  # 08:00 in Paris
HOSTILE = "acme <script>alert('x')</script> & <!channel> <b>bold</b>"


def config() -> VeilleConfig:
    return parse_config(CONFIG)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def seed(
    store: Any,
    key: str,
    created: str,
    text: str = "acme is fine",
    *,
    watch: str = "acme",
    source: str = "reddit",
    reach: int | None = None,
    status: str = "new",
    changed: str | None = None,
    corrections: dict[str, Any] | None = None,
    fp: str | None = None,
    **flags: Any,
) -> Mention:
    labels: dict[str, Any] = {
        "lang": "en",
        "sentiment": "neutral",
        "complaint": False,
        "spam": False,
        "offensive": False,
        "lead": False,
        "needs_reply": False,
        "urgency": 10,
        "why": {},
    }
    labels.update(flags)
    start = max(0, text.find(watch))
    m = Mention(
        source=source,
        external_id=key,
        text=text,
        created_at=at(created),
        url=f"https://{source}.example/{key}",
        author=Author(handle=key, reach=reach),
        labels=labels,
        status=status,  # type: ignore[arg-type]
        status_changed_at=at(changed) if changed else None,
        corrections=corrections,
        fingerprint=fp,
        matches=[WatchMatch(watch=watch, spans=[Span(start=start, end=start + len(watch), term=watch)])],
    )
    assert store.put_listed([m])
    return m


@pytest.fixture
def seeded(store: Any) -> dict[str, Mention]:
    story = fingerprint("acme raises a seed round to replace spreadsheets for small teams")
    ms = {
        # Local 23:30 the day before: not today's, but an unanswered complaint from the backlog.
        "old": seed(
            store,
            "old",
            "2026-03-08T22:30:00",
            "acme lost my invoices",
            complaint=True,
            sentiment="negative",
            urgency=60,
        ),
        # Local 00:30: today's first mention (UTC day before).
        "first": seed(
            store,
            "first",
            "2026-03-08T23:30:00",
            "acme billing is broken again",
            complaint=True,
            sentiment="negative",
            urgency=80,
            reach=500,
        ),
        "question": seed(
            store,
            "question",
            "2026-03-09T10:00:00",
            "does acme export to csv?",
            needs_reply=True,
            status="to_reply",
            source="hn",
        ),
        "lead": seed(
            store,
            "lead",
            "2026-03-09T12:00:00",
            "looking for something like acme for my team of 40",
            lead=True,
            sentiment="positive",
            reach=25000,
            source="hn",
        ),
        "spam": seed(store, "spam", "2026-03-09T13:00:00", "acme cheap pills", spam=True),
        "rude": seed(
            store, "rude", "2026-03-09T13:30:00", "acme is run by idiots", offensive=True, sentiment="negative"
        ),
        "story1": seed(
            store,
            "story1",
            "2026-03-09T14:00:00",
            "acme raises a seed round to replace spreadsheets for small teams",
            source="rss",
            fp=story,
        ),
        "story2": seed(
            store,
            "story2",
            "2026-03-09T15:00:00",
            "acme raises a seed round to replace spreadsheets for small teams",
            source="hn",
            fp=story,
        ),
        "corrected": seed(
            store,
            "corrected",
            "2026-03-09T16:00:00",
            "acme, great, another outage",
            sentiment="positive",
            corrections={"sentiment": "negative"},
        ),
        "replied": seed(
            store,
            "replied",
            "2026-03-09T08:00:00",
            "acme sync fails",
            complaint=True,
            sentiment="negative",
            status="replied",
            changed="2026-03-09T12:00:00",
        ),
        "hostile": seed(
            store,
            "hostile",
            "2026-03-09T17:00:00",
            HOSTILE,
            complaint=True,
            sentiment="negative",
            why={"complaint": ["<!here>"]},
        ),
        # Local 23:59 today, and 00:10 tomorrow.
        "last": seed(store, "last", "2026-03-09T22:59:00", "acme at midnight"),
        "tomorrow": seed(store, "tomorrow", "2026-03-09T23:10:00", "acme tomorrow", complaint=True),
        # Last week: replied after 24 hours.
        "lastweek": seed(
            store,
            "lastweek",
            "2026-02-27T10:00:00",
            "acme import failed",
            complaint=True,
            status="replied",
            changed="2026-02-28T10:00:00",
        ),
    }
    for n, created in enumerate(["2026-03-09T09:00:00", "2026-03-09T20:00:00", "2026-03-09T23:30:00"]):
        seed(store, f"rival{n}", created, "rival is nice", watch="rival")
    for n in range(7):
        seed(store, f"trend{n}", f"2026-03-05T1{n}:00:00", "acme again")
    return ms


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [i["id"] for i in items]


def test_digest_counts_the_local_day_and_hides_spam(store: Any, seeded: dict[str, Mention]) -> None:
    digest = build_digest(store, config(), "acme", DAY, now=NOW)
    assert digest["watch"] == "acme" and digest["date"] == DAY
    # first, question, lead, spam, rude, story1, story2, corrected, replied, hostile, last
    assert digest["totals"]["mentions"] == 11
    assert digest["totals"]["shown"] == 9
    assert digest["hidden"] == {"spam": 1, "offensive": 1, "by_user": 0, "total": 2}
    assert {s["source"]: s["count"] for s in digest["by_source"]} == {"reddit": 5, "hn": 3, "rss": 1}
    # The user's correction wins: "corrected" counts as negative.
    assert digest["sentiment"] == {"positive": 1, "neutral": 4, "negative": 4, "unlabelled": 0}
    assert digest["trend"]["previous_days"][3] == {"date": "2026-03-05", "count": 7}
    assert digest["trend"]["previous_days"][6] == {"date": "2026-03-08", "count": 1}  # "old", local 23:30
    assert digest["trend"]["today"] == 9 and digest["trend"]["previous_mean"] == 1.14


def test_share_of_voice_against_competitors_over_the_same_hours(store: Any, seeded: dict[str, Mention]) -> None:
    digest = build_digest(store, config(), "acme", DAY, now=NOW)
    assert digest["share_of_voice"] == [
        {"watch": "acme", "count": 9, "share": 0.8182, "self": True},
        {"watch": "rival", "count": 2, "share": 0.1818, "self": False},
    ]


def test_needs_you_most_pressing_first_with_ages(store: Any, seeded: dict[str, Mention]) -> None:
    digest = build_digest(store, config(), "acme", DAY, now=NOW)
    needs = digest["needs_reply"]
    # urgency 80 with 500 followers, then urgency 60 waiting longer, then the question and the rude complaint
    assert ids(needs) == [seeded[k].id for k in ("first", "old", "question", "hostile")]
    assert [n["age_hours"] for n in needs] == [31.5, 32.5, 21.0, 14.0]
    assert [n["overdue"] for n in needs] == [True, True, False, False]
    assert [n["level"] for n in needs] == ["critical", "high", "normal", "normal"]
    assert [n["kind"] for n in needs] == ["complaint", "complaint", "other", "complaint"]
    assert needs[0]["quote"] == "acme billing is broken again"
    assert needs[0]["url"] == "https://reddit.example/first"
    assert digest["totals"]["overdue"] == 2
    # the lead needs you too (its own section below)
    assert digest["summary"]["needs_you"] == 5 and digest["summary"]["needs_you_today"] == 4
    assert digest["summary"]["crisis"]["type"] == "critical"
    assert digest["summary"]["crisis"]["item"]["id"] == seeded["first"].id


def test_leads_influencers_stories_and_reply_time(store: Any, seeded: dict[str, Mention]) -> None:
    digest = build_digest(store, config(), "acme", DAY, now=NOW)
    assert ids(digest["leads"]) == [seeded["lead"].id]
    assert ids(digest["influencers"]) == [seeded["lead"].id, seeded["first"].id]
    assert len(digest["stories"]) == 1
    assert digest["stories"][0]["size"] == 2 and digest["stories"][0]["sources"] == ["hn", "rss"]
    assert digest["reply_time"] == {
        "this_week_hours": 4.0,
        "this_week_count": 1,
        "last_week_hours": 24.0,
        "last_week_count": 1,
    }
    json.dumps(digest)  # JSON-ready as it is


def test_spikes_come_from_the_crisis_counters(store: Any, seeded: dict[str, Mention]) -> None:
    store.add_to_counter("acme", "negative", at("2026-03-09T17:00:00"), 6)
    store.add_to_counter("acme", "negative", at("2026-03-09T18:00:00"), 1)
    digest = build_digest(store, config(), "acme", DAY, now=NOW)
    assert [(s["local_hour"], s["count"]) for s in digest["spikes"]] == [("18:00", 6)]


def test_untrusted_text_is_escaped_everywhere(store: Any, seeded: dict[str, Mention]) -> None:
    digest = build_digest(store, config(), "acme", DAY, now=NOW)
    page = render_html(digest, links=lambda mid, action: f"https://veille.example/t/{mid}/{action}?sig=x&exp=1")
    assert "<script>" not in page and "<b>bold</b>" not in page
    assert "acme &lt;script&gt;alert('x')&lt;/script&gt; &amp; &lt;!channel&gt; &lt;b&gt;bold&lt;/b&gt;" in page
    assert f"https://veille.example/t/{seeded['hostile'].id}/replied?sig=x&amp;exp=1" in page
    text = render_text(digest)
    assert HOSTILE in text  # plain text shows the words as written
    blocks = json.dumps(slack_blocks(digest))
    assert "<!channel>" not in blocks and "<script>" not in blocks and "&lt;!channel&gt;" in blocks


def test_html_is_email_safe_and_french_when_asked(store: Any, seeded: dict[str, Mention]) -> None:
    french = parse_config(CONFIG.replace('timezone = "Europe/Paris"', 'timezone = "Europe/Paris"\nlanguage = "fr"'))
    digest = build_digest(store, french, "acme", DAY, now=NOW)
    page = render_html(digest)
    assert '<html lang="fr">' in page and "Vous attendent, les plus pressantes d'abord" in page
    assert '<meta name="color-scheme" content="light dark">' in page
    assert "prefers-color-scheme: dark" in page  # dark-mode rules survive inlining
    assert "<svg" not in page and "<script" not in page
    assert 'style="' in page  # CSS inlined
    assert "Mark replied" not in page and "Marquer répondu" not in page  # no links without a signer
    assert "3 plaintes, 1 prospect." in render_text(digest)


def test_a_day_across_a_dst_change_has_23_hours(store: Any) -> None:
    # Paris springs forward on 2026-03-29: that local day is 23 hours long.
    seed(store, "before", "2026-03-28T22:59:00", "acme before")
    seed(store, "inside", "2026-03-28T23:00:00", "acme inside")
    seed(store, "end", "2026-03-29T21:59:00", "acme end")
    seed(store, "after", "2026-03-29T22:00:00", "acme after")
    digest = build_digest(store, config(), "acme", "2026-03-29", now=NOW)
    assert digest["totals"]["mentions"] == 2
    assert digest["period"] == {"start": "2026-03-28T23:00:00+00:00", "end": "2026-03-29T22:00:00+00:00"}


def test_a_rude_complaint_is_still_shown_and_waits_for_a_reply(store: Any) -> None:
    # A customer who insults you about a real problem still needs an answer; plain abuse stays hidden.
    rude = seed(store, "rude-complaint", "2026-03-09T10:00:00", "acme you idiots lost my invoices, fix it",
                offensive=True, complaint=True, sentiment="negative")  # fmt: skip
    seed(store, "abuse", "2026-03-09T11:00:00", "acme is run by idiots", offensive=True, sentiment="negative")
    digest = build_digest(store, config(), "acme", DAY, now=NOW)
    assert ids(digest["needs_reply"]) == [rude.id]
    assert digest["hidden"] == {"spam": 0, "offensive": 1, "by_user": 0, "total": 1}


def test_a_lead_the_spam_head_also_flagged_is_still_listed(store: Any) -> None:
    lead = seed(store, "spammy-lead", "2026-03-09T10:00:00", "acme enterprise plan for 60 seats, book a demo?",
                spam=True, lead=True)  # fmt: skip
    seed(store, "promo", "2026-03-09T11:00:00", "acme promo code WIN free iPhone", spam=True)
    digest = build_digest(store, config(), "acme", DAY, now=NOW)
    assert ids(digest["leads"]) == [lead.id]
    assert digest["hidden"] == {"spam": 1, "offensive": 0, "by_user": 0, "total": 1}


def test_requests_apart_fans_to_thank_form_titles_and_links(store: Any) -> None:
    seed(store, "outage", "2026-03-09T09:00:00", "acme is down, nobody can log in", complaint=True, kind="complaint",
         sentiment="negative", urgency=90, why={"urgent": ["outage", "access"]})  # fmt: skip
    request = seed(store, "dark", "2026-03-09T10:00:00", "acme please add a dark mode", kind="feature_request",
                   needs_reply=True, reach=40)  # fmt: skip
    older = seed(store, "sso", "2026-03-04T10:00:00", "acme needs SSO", kind="feature_request", reach=4000)
    seed(store, "too-old", "2026-03-01T10:00:00", "acme needs an API", kind="feature_request")
    small_fan = seed(store, "fan1", "2026-03-09T11:00:00", "acme saved our retro", kind="praise",
                     sentiment="positive", reach=20)  # fmt: skip
    big_fan = seed(store, "fan2", "2026-03-09T12:00:00", "love acme", kind="praise", sentiment="positive", reach=9000)
    form = Mention(
        source="form:formspree",
        external_id="f1",
        text="Q: What should we build?\nA: acme, an export to Excel",
        title="Formspree form xvgpqrzd",
        created_at=at("2026-03-09T13:00:00"),
        author=Author(name="Zoé", email="zoe@example.com"),
        extra={"form_id": "xvgpqrzd"},
        watch="acme",
        matches=[WatchMatch(watch="acme", spans=[])],
        labels={"sentiment": "neutral", "kind": "feature_request", "urgency": 5},
    )
    assert store.put_listed([form])

    signed = lambda mid, action: f"https://veille.example/t/{mid}/{action}?sig=x"  # noqa: E731
    digest = build_digest(store, config(), "acme", DAY, now=NOW, links=signed, inbox_url="https://veille.example/app")
    # Feature requests of the last 7 days, never waiting as complaints, the loudest first.
    assert ids(digest["requests"]) == [older.id, request.id, form.id]
    assert request.id not in ids(digest["needs_reply"])
    assert digest["requests"][2]["title"] == "Formspree form"  # the provider's id says nothing
    assert ids(digest["fans"]) == [big_fan.id, small_fan.id]
    assert digest["needs_reply"][0]["actions"] == {
        "replied": f"https://veille.example/t/{digest['needs_reply'][0]['id']}/replied?sig=x",
        "ignored": f"https://veille.example/t/{digest['needs_reply'][0]['id']}/ignored?sig=x",
    }
    assert digest["inbox_url"] == "https://veille.example/app"

    text = render_text(digest)
    lines = text.splitlines()
    assert lines[2] == "1 mention needs you (1 critical)."
    assert lines[3] == "5 mentions today, +5 vs a usual day; 1 complaint, 2 feature requests."
    assert lines[4] == "Most urgent: outage on reddit, “acme is down, nobody can log in” (outage, access)."
    assert "Formspree form xvgpqrzd" not in text and "Formspree form: Q: What should we build?" in text
    for title in ("Needs you, most pressing first", "Asked for this week", "Fans to thank", "Biggest voices"):
        assert title in text
    assert text.index("Asked for this week") < text.index("Fans to thank") < text.index("Last 8 days")

    french = parse_config(CONFIG.replace('timezone = "Europe/Paris"', 'timezone = "Europe/Paris"\nlanguage = "fr"'))
    texte = render_text(build_digest(store, french, "acme", DAY, now=NOW, inbox_url="https://veille.example/app"))
    assert "1 mention vous attend (1 critique)." in texte
    assert (
        "5 mentions aujourd'hui, +5 par rapport à un jour habituel ; 1 plainte, 2 demandes de fonctionnalité." in texte
    )
    assert texte.index("Demandé cette semaine") < texte.index("Fans à remercier") < texte.index("Les 8 derniers jours")
