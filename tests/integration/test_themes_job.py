"""Themes in the running system, on DynamoDB Local: the daily discovery, the stream's assignment, the report."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from chalicelib.config import VeilleConfig, parse_config
from chalicelib.crisis import COUNTER
from chalicelib.models import Author, Mention

pytestmark = pytest.mark.integration

NOW = datetime(2026, 3, 11, 15, 0, tzinfo=UTC)  # a Wednesday
CONFIG = """
[[watch]]
name = "acme"
query = "acme"
timezone = "UTC"
"""


def config() -> VeilleConfig:
    return parse_config(CONFIG)


def labelled(n: int, text: str, kind: str, author: str, hours_ago: int, sentiment: str = "neutral") -> Mention:
    """A listed mention as the stream leaves it: one unit spanning its text."""
    labels = {
        "lang": "fr" if " le " in f" {text} " or "exporter" in text else "en",
        "sentiment": sentiment,
        "kind": kind,
        "complaint": kind == "complaint",
        "urgency": 10,
        "units": [[0, len(text), kind, sentiment]],
    }
    return Mention(
        source="reddit",
        external_id=str(n),
        text=text,
        created_at=NOW - timedelta(hours=hours_ago),
        url=f"https://reddit.example/{n}",
        author=Author(handle=author),
        watch="acme",
        labels=labels,
    )


CSV = [
    labelled(1, "How do I export a board to CSV?", "question", "ann", 30),
    labelled(2, "Is there a way to export my acme board as a CSV file?", "question", "bob", 20),
    labelled(3, "Est-ce que acme permet d'exporter un tableau en CSV ?", "question", "chloé", 10),
]
OTHERS = [
    labelled(4, "The Android app logs me out every time I switch boards", "complaint", "dan", 5, "negative"),
    labelled(5, "Love the new timeline view, great job", "praise", "eve", 4, "positive"),
]


def discover(store: Any, now: datetime = NOW) -> dict[str, Any]:
    from chalicelib.themes.job import discover_themes

    return discover_themes(store, config(), now)


def test_discovery_finds_the_bilingual_question_stores_it_and_counts_its_units_once(store: Any) -> None:
    store.put_listed(CSV + OTHERS)

    # When the daily job runs
    result = discover(store)["acme"]

    # Then one question theme holds the three CSV questions, English and French, from three people
    (theme,) = store.themes("acme")
    assert result["new"] == 1 and theme["kind"] == "question" and "CSV" in theme["label"]
    assert {e["id"] for e in theme["examples"]} == {m.id for m in CSV}
    for mention in CSV:
        (unit,) = store.get_mention(mention.id).labels["units"]
        assert unit[4] == theme["id"]
    assert store.get_mention(OTHERS[0].id).labels["units"] == [OTHERS[0].labels["units"][0]]
    # and its units are counted in the hours they were said, once each, even when the job runs again
    counted = lambda: sum(  # noqa: E731
        fields.get(f"t|{theme['id']}", 0)
        for fields in store.counter_items("acme", COUNTER, NOW - timedelta(days=2), NOW).values()
    )
    assert counted() == 3
    assert discover(store)["acme"]["new"] == 0
    assert counted() == 3 and len(store.themes("acme")) == 1


def test_the_stream_gives_a_new_unit_its_theme_and_the_report_counts_it(store: Any) -> None:
    from chalicelib.report.collect import collect_report
    from chalicelib.themes.job import assign_units

    store.put_listed(CSV + OTHERS)
    discover(store)
    (theme,) = store.themes("acme")

    # When the stream classifies a new CSV question (and a complaint no theme fits)
    fresh = labelled(6, "Can I export a board to CSV with its comments?", "question", "fred", 1)
    other = labelled(7, "Billing charged me twice this month", "complaint", "gus", 1, "negative")
    labels = {fresh.id: fresh.labels, other.id: other.labels}
    assert assign_units(store, [fresh, other], labels) == 1
    assert labels[fresh.id]["units"][0][4] == theme["id"] and len(labels[other.id]["units"][0]) == 4

    # Then, counted by the stream's tally, the week's report shows the theme with its four units
    from chalicelib.pipeline.react import BatchReaction

    reaction = BatchReaction(store=store, config=config(), channels_for=lambda w: [], now=NOW)
    for mention in (fresh, other):
        store.put_mention(mention)
        reaction(mention, labels[mention.id], lambda m=mention: store.set_labels(m.id, labels[m.id], m))
    reaction.flush()
    report = collect_report(store, config(), "acme", "week", date(2026, 3, 11))
    (shown,) = [t for t in report["themes"] if t["id"] == theme["id"]]
    assert shown["count"] == 4 and shown["trend"] == "new"
    assert report["kpis"]["by_source"]["reddit"]["mentions"]["value"] == 2  # the two the stream counted
    assert any(p["theme"] == theme["id"] for p in report["proposals"])


def test_a_merged_themes_units_count_under_the_theme_it_went_into(store: Any) -> None:
    from chalicelib.report.collect import collect_report

    store.put_listed(CSV + OTHERS)
    discover(store)
    (theme,) = store.themes("acme")
    # Given an older theme the founder merged into it (its tombstone), with two units counted last Monday
    store.put_theme("acme", "th-old", {**theme, "id": "th-old", "merged_into": theme["id"]})
    store.add_to_counter("acme", COUNTER, NOW - timedelta(days=2), 0, extra={"t|th-old": 2, "tm|th-old": 2})
    report = collect_report(store, config(), "acme", "week", date(2026, 3, 11))
    # Then the report shows one theme with all five units, never the merged one
    assert [(t["id"], t["count"]) for t in report["themes"]] == [(theme["id"], 5)]
