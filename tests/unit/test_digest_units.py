"""The digest reads a message part by part: a request is quoted by its request, a kind review that reports a
bug is listed once, as a complaint, with its praise beside it; in text, HTML and Slack, English and French."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from chalicelib.config import parse_config
from chalicelib.digest import build_digest, render_html, render_text, slack_blocks
from chalicelib.models import Author, Mention, SourceHealth

CONFIG = """
[[watch]]
name = "acme"
query = "acme"
timezone = "Europe/Paris"
language = "{language}"
"""
DAY = "2026-03-09"
NOW = datetime(2026, 3, 10, 7, 0, tzinfo=UTC)

MIXED = "I love acme, it changed how we plan. But since the update it crashes every time I open a board."
LOVED = "I love acme, it changed how we plan."
CRASH = "But since the update it crashes every time I open a board."
WISH = "acme is great for our team. Please add a dark mode, my eyes hurt at night."
DARK = "Please add a dark mode, my eyes hurt at night."
HOSTILE = "acme is <b>lovely</b> & fast. But <script>x()</script> it loses my cards."


def unit(text: str, part: str, kind: str, sentiment: str) -> list[Any]:
    start = text.index(part)
    return [start, start + len(part), kind, sentiment]


def mention(key: str, text: str, hour: int, **labels: Any) -> Mention:
    base: dict[str, Any] = {"lang": "en", "sentiment": "neutral", "complaint": False, "urgency": 20, "why": {}}
    return Mention(
        source="appstore",
        external_id=key,
        text=text,
        created_at=datetime(2026, 3, 9, hour, 0, tzinfo=UTC),
        url=f"https://apps.example/{key}",
        author=Author(handle=key),
        labels={**base, **labels},
    )


class Store:
    """The reads a digest makes, over a list of mentions."""

    def __init__(self, mentions: list[Mention]) -> None:
        self.mentions = mentions

    def iter_mentions(self, watch: str, days: Iterable[str]) -> Iterable[Mention]:
        wanted = set(days)
        return [m for m in self.mentions if m.day in wanted]

    def counters(self, watch: str, name: str, start: datetime, end: datetime) -> dict[str, int]:
        return {}

    def list_health(self) -> list[SourceHealth]:
        return []


def seeded() -> list[Mention]:
    return [
        # A 5-star review that reports a bug: the stream labels it a complaint, its praise one of its units.
        mention(
            "mixed",
            MIXED,
            9,
            sentiment="negative",
            complaint=True,
            kind="complaint",
            needs_reply=True,
            urgency=55,
            units=[unit(MIXED, LOVED, "praise", "positive"), unit(MIXED, CRASH, "complaint", "negative")],
        ),
        # Praise with a wish, keyed units as a person would write them.
        mention(
            "wish",
            WISH,
            10,
            sentiment="positive",
            kind="feature_request",
            units=[
                {"start": 0, "end": WISH.index(DARK) - 1, "kind": "praise", "sentiment": "positive"},
                dict(
                    zip(
                        ("start", "end", "kind", "sentiment"),
                        unit(WISH, DARK, "feature_request", "neutral"),
                        strict=True,
                    )
                ),
            ],
        ),
        # An older request, labelled before units: quoted whole.
        mention("older", "acme needs an export to Excel", 11, kind="feature_request"),
    ]


def digest(language: str = "en", mentions: list[Mention] | None = None) -> dict[str, Any]:
    config = parse_config(CONFIG.replace("{language}", language))
    return build_digest(
        Store(mentions if mentions is not None else seeded()),
        config,
        "acme",
        DAY,
        now=NOW,
        group_stories=lambda pairs: [],
        inbox_url="https://veille.example/app",
    )


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["url"].rsplit("/", 1)[1] for item in items]


def test_asked_for_this_week_quotes_the_request_not_the_whole_review() -> None:
    d = digest()
    requests = dict(zip(ids(d["requests"]), d["requests"], strict=True))
    assert sorted(requests) == ["older", "wish"]
    assert requests["wish"]["quote"] == DARK
    assert requests["older"]["quote"] == "acme needs an export to Excel"
    assert requests["older"]["also_said"] == []

    text = render_text(d)
    section = text.split("Asked for this week\n")[1].split("\n\n")[0]
    assert f'"{DARK}"' in section
    assert "great for our team" not in section.split("also said")[0]


def test_a_kind_review_that_reports_a_bug_is_listed_once_as_a_complaint_with_its_praise() -> None:
    d = digest()
    listed = [(key, i) for key in ("needs_reply", "leads", "requests", "fans") for i in ids(d[key]) if i == "mixed"]
    assert listed == [("needs_reply", "mixed")]
    (item,) = [i for i in d["needs_reply"] if i["url"].endswith("/mixed")]
    assert item["kind"] == "complaint"
    assert item["quote"] == CRASH
    assert item["also_said"] == [{"kind": "praise", "quote": LOVED}]

    text = render_text(d)
    assert f'  "{CRASH}"\n  also said: “{LOVED}”' in text
    html = render_html(d)
    assert CRASH in html and f"also said: “{LOVED}”" in html
    slack = json.dumps(slack_blocks(d), ensure_ascii=False)
    assert f">{CRASH}\\n>also said: “{LOVED}”" in slack


def test_in_french_the_praise_is_said_in_french() -> None:
    d = digest("fr")
    text = render_text(d)
    assert f'  "{CRASH}"\n  a aussi dit : « {LOVED} »' in text
    assert f"a aussi dit : « {LOVED} »" in render_html(d)
    assert f"a aussi dit : « {LOVED} »" in json.dumps(slack_blocks(d), ensure_ascii=False)


def test_a_form_answer_is_quoted_with_its_question() -> None:
    form = "What went wrong?: acme lost my board\nAnything else?: I love the colours"
    m = mention(
        "form",
        form,
        9,
        complaint=True,
        kind="complaint",
        needs_reply=True,
        units=[
            unit(form, "acme lost my board", "complaint", "negative"),
            unit(form, "I love the colours", "praise", "positive"),
        ],
    ).model_copy(update={"source": "form:tally"})
    (item,) = digest(mentions=[m])["needs_reply"]
    assert item["quote"] == "What went wrong?: acme lost my board"
    assert item["also_said"] == [{"kind": "praise", "quote": "Anything else?: I love the colours"}]


def test_a_complaint_whose_other_parts_are_context_is_quoted_whole() -> None:
    text = "I updated acme yesterday. Now it crashes on start."
    m = mention(
        "context",
        text,
        9,
        complaint=True,
        kind="complaint",
        needs_reply=True,
        units=[
            unit(text, "I updated acme yesterday.", "other", "neutral"),
            unit(text, "Now it crashes on start.", "complaint", "negative"),
        ],
    )
    (item,) = digest(mentions=[m])["needs_reply"]
    assert item["quote"] == text
    assert item["also_said"] == []


def test_units_that_do_not_fit_the_text_are_left_out_and_the_whole_text_quoted() -> None:
    m = mention(
        "stale",
        "acme crashes on start",
        9,
        complaint=True,
        kind="complaint",
        needs_reply=True,
        units=[[0, 4, "praise", "positive"], [5, 400, "complaint", "negative"], ["x", 2, "complaint", "negative"]],
    )
    (item,) = digest(mentions=[m])["needs_reply"]
    assert item["quote"] == "acme crashes on start"
    assert item["also_said"] == []
    assert "also said" not in render_text(digest(mentions=[m]))


def test_what_else_was_said_is_escaped_everywhere() -> None:
    crash = HOSTILE[HOSTILE.index("But") :]
    m = mention(
        "hostile",
        HOSTILE,
        9,
        complaint=True,
        kind="complaint",
        needs_reply=True,
        units=[
            unit(HOSTILE, "acme is <b>lovely</b> & fast.", "praise", "positive"),
            unit(HOSTILE, crash, "complaint", "negative"),
        ],
    )
    d = digest(mentions=[m])
    html = render_html(d)
    assert "<b>lovely</b>" not in html and "<script>" not in html
    assert "also said: “acme is &lt;b&gt;lovely&lt;/b&gt; &amp; fast.”" in html
    slack = json.dumps(slack_blocks(d))
    assert "<b>" not in slack and "&lt;b&gt;lovely&lt;/b&gt; &amp; fast" in slack
