"""The Themes and Report views in chromium, against the whole local stack: rename, merge, the report's proposals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from chalicelib.crisis import COUNTER, floor_hour
from chalicelib.models import Author, Mention, WatchMatch, utcnow
from chalicelib.themes.job import theme_data
from chalicelib.themes.models import Theme
from tests.browser.conftest import screenshot
from tests.browser.seed import XSS

pytestmark = pytest.mark.browser

UNIT_TEXT = "Can acme export a board to Excel?"


def put_theme(store: Any, theme_id: str, kind: str, label: str, fr: str, *, authors: int = 2) -> None:
    now = utcnow()
    theme = Theme(
        id=theme_id,
        kind=kind,  # type: ignore[arg-type]
        label=label,
        labels={"en": label, "fr": fr},
        authors=authors,
        size=3,
        centroid=[0.6, 0.8],
        threshold=0.7,
        first_seen=now - timedelta(days=2),
        last_seen=now,
    )
    examples = [
        {"id": f"{theme_id}-{n}", "quote": f"{label} ({n})", "url": f"https://forum.example.com/{theme_id}/{n}"}
        for n in range(3)
    ]
    store.put_theme("acme", theme_id, theme_data(theme, examples=examples))


@pytest.fixture
def themed(seeded: Any) -> Any:
    """The seeded inbox, three themes of watch acme (one labelled with markup), this week's and last week's
    counts, and a question whose unit carries the id of the theme the test merges away."""
    store = seeded.store
    put_theme(store, "th-excel", "question", "Question: export to Excel", "Question : export Excel", authors=3)
    put_theme(store, "th-xls", "question", "Question: Excel export of a board", "Question : export Excel d'un tableau")
    put_theme(store, "th-crash", "problem", XSS, "Problème : plantage")
    hour = floor_hour(utcnow())
    store.add_to_counter("acme", COUNTER, hour, 0, extra={"n|hn": 5, "neg|hn": 1, "t|th-excel": 4, "tm|th-excel": 3})
    store.add_to_counter("acme", COUNTER, hour, 0, extra={"t|th-xls": 1, "t|th-crash": 1})
    store.add_to_counter("acme", COUNTER, hour - timedelta(days=7), 0, extra={"n|hn": 2, "t|th-excel": 1})
    mention = Mention(
        source="hn",
        external_id="themed-question",
        text=UNIT_TEXT,
        author=Author(handle="sheets_sam"),
        url="https://news.example.com/item/themed-question",
        created_at=utcnow().replace(microsecond=0) - timedelta(minutes=5),
        matches=[WatchMatch(watch="acme")],
        labels={
            "lang": "en",
            "sentiment": "neutral",
            "kind": "question",
            "needs_reply": True,
            "urgency": 20,
            "units": [[0, len(UNIT_TEXT), "question", "neutral", "th-xls"]],
        },
    )
    store.put_listed([mention])
    return seeded


def card(page: Any, label: str) -> Any:
    return page.locator("#themes-body .theme", has=page.locator(".theme-label", has_text=label))


def test_rename_and_merge_a_theme_then_read_the_report(page: Any, themed: Any) -> None:
    page.goto(f"{themed.url}/app")
    page.click("#tab-themes")
    questions = page.locator("#themes-body .theme-group.question")
    expect(questions.locator("h2")).to_have_text("Questions (2 themes, 6 in 30 days)")
    expect(questions.locator(".theme")).to_have_count(2)
    excel = card(page, "Question: export to Excel")
    expect(excel.locator(".theme-count")).to_have_text("5 in 30 days · 3 people")  # this week's 4, last week's 1
    expect(excel.locator(".examples a").first).to_have_attribute("href", "https://forum.example.com/th-excel/0")
    # A label made of markup is shown as text, and nothing of it runs
    expect(page.locator("#themes-body .theme-group.problem .theme-label")).to_have_text(XSS)
    assert page.evaluate("window.__xss") is None

    # Rename: an inline text input, saved with Enter
    problem = page.locator("#themes-body .theme-group.problem .theme")
    problem.locator("button.rename").click()
    field = problem.locator(".rename-form input")
    expect(field).to_be_focused()
    field.fill("Crash when opening a board")
    field.press("Enter")
    expect(page.locator("#message")).to_have_text("Renamed to “Crash when opening a board”.")
    renamed = card(page, "Crash when opening a board")
    expect(renamed.locator(".generated")).to_contain_text("generated label:")
    stored = {d["id"]: d for d in themed.store.themes("acme")}
    assert stored["th-crash"]["custom_label"] == "Crash when opening a board"

    # Merge into…: only the other themes of the same kind are offered
    xls = card(page, "Question: Excel export of a board")
    target = xls.locator("select.merge-target")
    expect(target.locator("option")).to_have_text(["Merge into…", "Question: export to Excel"])
    expect(xls.locator("button.merge")).to_be_disabled()
    target.select_option("th-excel")
    xls.locator("button.merge").click()
    expect(page.locator("#message")).to_contain_text("Merged “Question: Excel export of a board” into")
    expect(questions.locator(".theme")).to_have_count(1)
    expect(card(page, "Question: export to Excel").locator(".examples li")).to_have_count(6)
    expect(card(page, "Question: export to Excel").locator(".theme-count")).to_have_text("6 in 30 days · 3 people")
    assert {d["id"]: d for d in themed.store.themes("acme")}["th-xls"]["merged_into"] == "th-excel"
    screenshot(page, "themes-desktop.png")

    # Hide, then unhide
    problem.locator("button.hide").click()
    expect(page.locator("#themes-body .theme-group.problem .hidden-chip")).to_be_visible()
    page.locator("#themes-body .theme-group.problem button.hide").click()
    expect(page.locator("#themes-body .theme-group.problem .hidden-chip")).to_have_count(0)

    # The weekly report: KPIs against last week, the theme rising, the proposal with its example links
    page.click("#tab-report")
    kpis = page.locator("#report-body table.kpis")
    expect(kpis.locator("tr", has_text="Mentions").locator("th, td")).to_have_text(["Mentions", "5", "2", "+3"])
    proposal = page.locator("#report-body .proposal[data-rule=help_article]")
    expect(proposal.locator(".proposal-text")).to_contain_text("Write a help article: “export to Excel”")
    expect(proposal.locator(".examples a").first).to_have_attribute("href", "https://forum.example.com/th-excel/0")
    theme = page.locator("#report-body .report-themes .theme[data-id=th-excel]")
    expect(theme.locator(".trend")).to_have_text("↑ rising")
    expect(page.locator("#report-body .report-themes")).to_contain_text("Crash when opening a board")
    expect(page.locator("#report-body .report-chart svg")).to_be_visible()
    page.select_option("#report-lang", "fr")
    expect(page.locator("#report-body .report-themes")).to_contain_text("Question : export Excel")
    screenshot(page, "report-desktop.png")

    # The inbox's detail pane names a unit's theme, the merged id read as the theme it went into
    page.click("#tab-inbox")
    page.locator("#rows > li", has_text="export a board to Excel").click()
    expect(page.locator("#detail .d-themes")).to_have_text("Themes: Question: export to Excel")
    assert page.errors == []
