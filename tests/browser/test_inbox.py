"""The inbox page as a person uses it, in chromium, against the whole local stack."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import TOKEN, screenshot
from tests.browser.seed import XSS

pytestmark = pytest.mark.browser


def row(page: Any, text: str) -> Any:
    return page.locator("#rows > li", has_text=text)


def test_the_page_asks_for_the_token_once_then_shows_the_inbox(browser: Any, seeded: Any) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{seeded.url}/app")
        dialog = page.locator("#token-dialog")
        expect(dialog).to_be_visible()
        page.fill("#token", "wrong-token")
        page.click("#token-form button[type=submit]")
        expect(page.locator("#token-error")).to_contain_text("refused")
        page.fill("#token", TOKEN)
        page.click("#token-form button[type=submit]")
        expect(page.locator("#rows > li")).to_have_count(4)
        page.reload()
        expect(page.locator("#rows > li")).to_have_count(4)
        expect(dialog).to_be_hidden()
        assert page.evaluate("localStorage.getItem('veille.token')") == TOKEN
    finally:
        context.close()


def test_rows_show_text_labels_and_why(page: Any, seeded: Any) -> None:
    page.goto(f"{seeded.url}/app")
    rows = page.locator("#rows > li")
    expect(rows).to_have_count(4)  # the rival's mention belongs to another watch
    expect(rows.first).to_contain_text("Acme app crashed twice today")  # newest first
    complaint = row(page, "crashed twice")
    expect(complaint.locator(".labels")).to_contain_text("complaint")
    expect(complaint.locator(".labels")).to_contain_text("urgency 85")
    expect(complaint.locator(".why")).to_contain_text("“crashed”")
    expect(complaint.locator(".why")).to_contain_text("“refund”")
    expect(complaint.locator(".author")).to_have_text("angry_ann")
    expect(complaint.locator(".text mark")).to_have_text("Acme")  # the watch's matched word, highlighted
    expect(row(page, "team of 40").locator(".labels")).to_contain_text("lead")
    expect(page.locator("#watch")).to_have_value("acme")
    expect(page.locator("#count")).to_have_text("4 mentions")
    expect(page.locator("#more")).to_be_hidden()  # everything fits on one page
    screenshot(page, "inbox-desktop.png")

    page.select_option("#filters [name=label]", "lead")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("team of 40")
    page.select_option("#filters [name=label]", "")
    page.fill("#filters [name=text]", "RETRO painless")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("thank you")
    page.fill("#filters [name=text]", "")
    page.select_option("#watch", "rival")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("rival is fine")
    assert page.errors == []


def test_mark_replied_takes_the_row_out_of_new_and_persists(page: Any, seeded: Any) -> None:
    complaint = seeded.mentions["complaint"]
    page.goto(f"{seeded.url}/app")
    expect(page.locator("#rows > li")).to_have_count(4)
    row(page, "crashed twice").get_by_role("button", name="Replied").click()
    expect(page.locator("#rows > li")).to_have_count(3)
    expect(row(page, "crashed twice")).to_have_count(0)
    assert seeded.store.get_mention(complaint.id).status == "replied"

    page.select_option("#filters [name=status]", "replied")
    expect(page.locator("#rows > li")).to_have_count(1)
    replied = row(page, "crashed twice")
    expect(replied.locator(".status")).to_have_text("replied")
    expect(replied.get_by_role("button", name="Replied")).to_be_disabled()
    page.reload()
    expect(page.locator("#rows > li")).to_have_count(3)  # back on the default "new" filter
    assert page.errors == []


def test_keyboard_shortcuts_move_and_triage(page: Any, seeded: Any) -> None:
    page.goto(f"{seeded.url}/app")
    rows = page.locator("#rows > li")
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_have_class("row negative selected")
    page.keyboard.press("j")
    expect(rows.nth(1)).to_contain_text("team of 40")
    expect(rows.nth(1)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("i")
    expect(rows).to_have_count(3)
    expect(row(page, "team of 40")).to_have_count(0)
    assert seeded.store.get_mention(seeded.mentions["lead"].id).status == "ignored"
    page.keyboard.press("k")
    expect(rows.nth(0)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("h")
    expect(rows).to_have_count(2)
    assert seeded.store.get_mention(seeded.mentions["complaint"].id).status == "hidden"

    page.keyboard.press("?")
    expect(page.locator("#help")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#help")).to_be_hidden()
    page.fill("#filters [name=text]", "zzz")
    page.locator("#filters [name=text]").press("r")  # typing in a field never triages
    assert seeded.store.get_mention(seeded.mentions["praise"].id).status == "new"


def test_markup_in_a_mention_is_shown_as_text(page: Any, seeded: Any) -> None:
    page.goto(f"{seeded.url}/app")
    attack = row(page, "acme is great")
    expect(attack.locator(".text")).to_have_text(XSS)
    expect(attack.locator(".text mark")).to_have_text("acme")  # highlighted, and still only text around it
    expect(attack.locator(".title")).to_have_text("<b>bold</b> claim")
    expect(attack.locator(".author")).to_have_text("<i>mallory</i>")
    assert attack.locator("img, script, b, i").count() == 0
    assert page.evaluate("window.__xss") is None
    assert page.errors == []


def test_digest_view_draws_charts_from_stats(page: Any, seeded: Any) -> None:
    page.goto(f"{seeded.url}/app")
    expect(page.locator("#rows > li")).to_have_count(4)
    page.click("#tab-digest")
    expect(page.locator("#digest")).to_be_visible()
    bars = page.locator("#chart-sentiment svg rect")
    expect(bars.first).to_be_visible()
    kinds = set(bars.evaluate_all("els => els.map(e => e.dataset.kind)"))
    assert {"negative", "positive"} <= kinds
    expect(page.locator("#chart-lines svg polyline")).to_have_count(2)
    expect(page.locator("#digest-body")).to_contain_text("Needs a reply")
    screenshot(page, "digest-desktop.png")
    assert page.errors == []


def test_the_digest_opens_on_today_as_the_browser_s_calendar_says(browser: Any, seeded: Any) -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    # A zone whose calendar date differs from UTC's right now: UTC+14 late in the UTC day, UTC-11 early.
    zone = "Pacific/Kiritimati" if datetime.now(UTC).hour >= 10 else "Pacific/Pago_Pago"
    assert datetime.now(ZoneInfo(zone)).date() != datetime.now(UTC).date()
    context = browser.new_context(timezone_id=zone)
    context.add_init_script(f"localStorage.setItem('veille.token', {TOKEN!r})")
    page = context.new_page()
    try:
        page.goto(f"{seeded.url}/app")
        page.click("#tab-digest")
        today_there = datetime.now(ZoneInfo(zone)).date().isoformat()
        expect(page.locator("#digest-date")).to_have_value(today_there)
    finally:
        context.close()


def test_usable_on_a_phone(browser: Any, seeded: Any) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    context.add_init_script(f"localStorage.setItem('veille.token', {TOKEN!r})")
    page = context.new_page()
    try:
        page.goto(f"{seeded.url}/app")
        rows = page.locator("#rows > li")
        expect(rows).to_have_count(4)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways on a phone ({width}px wide)"
        box = rows.first.get_by_role("button", name="Replied").bounding_box()
        assert box and box["height"] >= 36, "buttons too small to tap"
        screenshot(page, "inbox-phone.png")
        rows.first.get_by_role("button", name="Replied").tap()
        expect(rows).to_have_count(3)
        page.click("#tab-digest")
        expect(page.locator("#chart-sentiment svg rect").first).to_be_visible()
        expect(page.locator("#digest-body")).to_contain_text("Needs a reply")
        screenshot(page, "digest-phone.png")
    finally:
        context.close()


def test_a_one_click_link_confirms_then_applies_in_the_browser(browser: Any, seeded: Any) -> None:
    from datetime import timedelta

    from chalicelib.links import sign_triage_link
    from chalicelib.models import utcnow

    lead = seeded.mentions["lead"]
    url = sign_triage_link(lead.id, "ignored", expires_at=utcnow() + timedelta(days=1))
    assert url.startswith(seeded.url)
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(url)
        expect(page.locator("h1")).to_have_text("Mark as ignored?")
        expect(page.locator("blockquote")).to_contain_text("team of 40")
        assert seeded.store.get_mention(lead.id).status == "new"  # opening the link changed nothing
        page.get_by_role("button", name="Mark as ignored").click()
        expect(page.locator("h1")).to_have_text("Marked as ignored")
        assert seeded.store.get_mention(lead.id).status == "ignored"

        page.goto(url.replace("/ignored?", "/replied?"))
        expect(page.locator("h1")).to_have_text("Link refused")
        assert seeded.store.get_mention(lead.id).status == "ignored"
    finally:
        context.close()
