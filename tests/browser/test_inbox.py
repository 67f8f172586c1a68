"""The inbox page as a person uses it, in chromium, against the whole local stack."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import TOKEN, screenshot
from tests.browser.seed import XSS

pytestmark = pytest.mark.browser

# "Needs you", most pressing first: the old outage (urgency 92, 12,000 followers, overdue), the crash and
# refund (85), the form feedback (62), the lead (40), the question (25).
NEEDS_YOU = ["locked out", "crashed twice", "empty file", "team of 40", "export to Excel"]


def row(page: Any, text: str) -> Any:
    return page.locator("#rows > li", has_text=text)


def view(page: Any, name: str) -> None:
    page.locator("#filters .views label", has_text=name).click()


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
        expect(page.locator("#rows > li")).to_have_count(len(NEEDS_YOU))
        page.reload()
        expect(page.locator("#rows > li")).to_have_count(len(NEEDS_YOU))
        expect(dialog).to_be_hidden()
        assert page.evaluate("localStorage.getItem('veille.token')") == TOKEN
    finally:
        context.close()


def test_needs_you_is_the_default_view_most_pressing_first(page: Any, seeded: Any) -> None:
    page.goto(f"{seeded.url}/app")
    rows = page.locator("#rows > li")
    expect(rows).to_have_count(len(NEEDS_YOU))
    for index, text in enumerate(NEEDS_YOU):
        expect(rows.nth(index)).to_contain_text(text)
    # Urgency as a coloured level, with its reasons on hover and in the detail pane.
    expect(rows.nth(0).locator(".level")).to_have_text("critical 92")
    expect(rows.nth(0).locator(".level")).to_have_class("level critical")
    expect(rows.nth(0).locator(".level")).to_have_attribute("title", "urgency 92: outage, access, followers:12000")
    expect(rows.nth(2).locator(".level")).to_have_text("high 62")
    expect(rows.nth(4).locator(".level")).to_have_text("25")
    expect(rows.nth(0).locator(".kind")).to_have_text("complaint")
    expect(row(page, "team of 40").locator(".kind")).to_have_text("lead")
    expect(row(page, "export to Excel").locator(".kind")).to_have_text("question")
    expect(page.locator("#count")).to_have_text("5 mentions need you")
    # Spam, praise, the XSS post and the feature request are not waiting for you.
    for text in ("free iPhone", "retro painless", "acme is great", "dark mode"):
        expect(row(page, text)).to_have_count(0)
    screenshot(page, "inbox-desktop.png")

    view(page, "Requests")
    expect(page.locator("#rows > li")).to_have_count(1)
    expect(rows.first).to_contain_text("dark mode")
    expect(rows.first.locator(".kind")).to_have_text("request")

    view(page, "All")  # the filters bring everything back, spam included
    expect(rows).to_have_count(9)
    page.select_option("#filters [name=label]", "spam")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("free iPhone")
    page.select_option("#filters [name=label]", "")
    page.fill("#filters [name=text]", "RETRO painless")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("thank you")
    page.fill("#filters [name=text]", "")
    page.select_option("#watch", "rival")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("rival is fine")
    assert page.errors == []


def test_the_detail_pane_shows_everything_and_replies_by_email(page: Any, seeded: Any) -> None:
    page.goto(f"{seeded.url}/app")
    detail = page.locator("#detail")
    expect(detail).to_be_visible()
    expect(detail.locator(".d-text")).to_have_text("acme has been down for 3 hours, the whole team is locked out")
    expect(detail.locator(".d-meta")).to_contain_text("ops_olga.bsky.social · Olga · 12,000 followers")
    expect(detail.locator(".d-urgency")).to_have_text("Urgent because: outage, access, followers:12000 · overdue")
    expect(detail.locator(".d-labels")).to_contain_text("critical 92")
    expect(detail.locator(".d-why")).to_contain_text("complaint: “down”, “locked out”")
    expect(detail.locator(".d-open")).to_have_attribute("href", "https://news.example.com/item/outage")
    expect(detail.locator(".d-email")).to_be_hidden()  # a public post: reply where it was said

    row(page, "empty file").click()
    expect(detail.locator(".d-title")).to_have_text("Product feedback")
    answers = detail.locator(".d-answers")
    expect(answers.locator("dt")).to_have_text(["What did you try?", "What went wrong?", "Plan"])
    expect(answers.locator("dd")).to_have_text(["Export my board to CSV", "acme gave me an empty file", "Team"])
    expect(detail.locator(".d-meta")).to_contain_text("Zoé Martin · zoe@example.com")
    email = detail.locator(".d-email")
    expect(email).to_be_visible()
    href = email.get_attribute("href")
    parsed = urlparse(href)
    assert parsed.scheme == "mailto" and unquote(parsed.path) == "zoe@example.com"
    query = parse_qs(parsed.query)
    assert query["subject"] == ["Re: Product feedback"]
    assert "> What went wrong?: acme gave me an empty file" in query["body"][0]
    assert page.errors == []


def test_correct_a_label_add_a_note_and_see_the_history(page: Any, seeded: Any) -> None:
    question = seeded.mentions["question"]
    page.goto(f"{seeded.url}/app")
    row(page, "export to Excel").click()
    detail = page.locator("#detail")
    expect(detail.locator(".d-correct [name=kind]")).to_have_value("question")
    detail.locator(".d-correct [name=kind]").select_option("feature_request")
    expect(page.locator("#message")).to_contain_text("Corrected: kind feature_request")
    stored = seeded.store.get_mention(question.id)
    assert stored.corrections == {"kind": "feature_request", "complaint": False}
    expect(detail.locator(".d-labels .kind")).to_have_text("feature request")
    expect(detail.locator(".d-labels .kind")).to_have_class("kind corrected")

    detail.locator(".d-note-form textarea").fill("Asked Cal for the file; <b>not</b> markup")
    detail.get_by_role("button", name="Save note").click()
    expect(page.locator("#message")).to_have_text("Note saved.")
    assert seeded.store.get_mention(question.id).note == "Asked Cal for the file; <b>not</b> markup"

    detail.get_by_role("button", name="Replied").click()
    expect(row(page, "export to Excel")).to_have_count(0)  # replied: it no longer needs you
    view(page, "All")
    page.select_option("#filters [name=status]", "replied")
    expect(page.locator("#rows > li")).to_have_count(1)
    expect(detail.locator(".d-history li")).to_have_count(2)
    expect(detail.locator(".d-history li").nth(1)).to_contain_text("replied ·")
    expect(detail.get_by_role("button", name="Replied")).to_be_disabled()
    expect(detail.locator(".d-note-form textarea")).to_have_value("Asked Cal for the file; <b>not</b> markup")
    assert page.errors == []


def test_keyboard_moves_opens_and_triages(page: Any, seeded: Any) -> None:
    page.goto(f"{seeded.url}/app")
    rows = page.locator("#rows > li")
    expect(rows).to_have_count(5)
    expect(rows.nth(0)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_attribute("aria-selected", "true")
    expect(page.locator("#detail .d-text")).to_contain_text("crashed twice")
    page.keyboard.press("Enter")
    expect(page.locator("#detail")).to_be_focused()
    page.keyboard.press("i")
    expect(rows).to_have_count(4)
    expect(row(page, "crashed twice")).to_have_count(0)
    assert seeded.store.get_mention(seeded.mentions["complaint"].id).status == "ignored"
    expect(rows.nth(1)).to_contain_text("empty file")  # the next one is selected
    expect(rows.nth(1)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("r")
    expect(rows).to_have_count(3)
    assert seeded.store.get_mention(seeded.mentions["form"].id).status == "replied"
    page.keyboard.press("k")
    page.keyboard.press("h")
    expect(rows).to_have_count(2)
    assert seeded.store.get_mention(seeded.mentions["outage"].id).status == "hidden"

    page.keyboard.press("2")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("dark mode")
    page.keyboard.press("1")
    expect(rows).to_have_count(2)

    page.keyboard.press("?")
    expect(page.locator("#help")).to_be_visible()
    expect(page.locator("#help")).to_contain_text("reply by email")
    page.keyboard.press("Escape")
    expect(page.locator("#help")).to_be_hidden()
    page.fill("#filters [name=text]", "zzz")
    page.locator("#filters [name=text]").press("r")  # typing in a field never triages
    assert seeded.store.get_mention(seeded.mentions["lead"].id).status == "new"


def test_the_date_range_picks_the_window(page: Any, seeded: Any) -> None:
    from chalicelib.models import Author, Mention, WatchMatch, utcnow

    old = Mention(
        source="hn",
        external_id="last-month",
        text="acme lost my data last month",
        author=Author(handle="patient_pat"),
        created_at=utcnow() - timedelta(days=20),
        matches=[WatchMatch(watch="acme")],
        labels={"sentiment": "negative", "complaint": True, "urgency": 70},
    )
    seeded.store.put_listed([old])
    page.goto(f"{seeded.url}/app")
    expect(page.locator("#rows > li")).to_have_count(5)  # the last 7 days by default
    expect(row(page, "last month")).to_have_count(0)
    since = (utcnow() - timedelta(days=30)).date().isoformat()
    page.fill("#since", since)
    expect(row(page, "last month")).to_have_count(1)
    until = (utcnow() - timedelta(days=10)).date().isoformat()
    page.fill("#until", until)
    expect(page.locator("#rows > li")).to_have_count(1)
    expect(page.locator("#rows > li").first).to_contain_text("last month")
    assert page.errors == []


def test_dense_rows_at_least_twelve_visible_at_1280x800(browser: Any, seeded: Any) -> None:
    from chalicelib.models import Author, Mention, WatchMatch, utcnow

    seeded.store.put_listed(
        Mention(
            source="reddit",
            external_id=f"filler-{n}",
            text=f"acme question number {n}: how do I invite my team to the board?",
            author=Author(handle=f"user{n}"),
            created_at=utcnow() - timedelta(hours=n + 1),
            matches=[WatchMatch(watch="acme")],
            labels={"sentiment": "neutral", "kind": "question", "needs_reply": True, "urgency": 20},
        )
        for n in range(15)
    )
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.add_init_script(f"localStorage.setItem('veille.token', {TOKEN!r})")
    page = context.new_page()
    try:
        page.goto(f"{seeded.url}/app")
        rows = page.locator("#rows > li")
        expect(rows).to_have_count(20)
        visible = page.evaluate(
            "[...document.querySelectorAll('#rows > li')].filter(r => r.getBoundingClientRect().bottom <= innerHeight)"
            ".length"
        )
        assert visible >= 12, f"only {visible} rows fit at 1280x800"
        expect(page.locator("#detail")).to_be_in_viewport()
        screenshot(page, "inbox-1280x800.png")
    finally:
        context.close()


def test_markup_in_a_mention_is_shown_as_text(page: Any, seeded: Any) -> None:
    page.goto(f"{seeded.url}/app")
    view(page, "All")
    attack = row(page, "acme is great")
    expect(attack.locator(".text")).to_have_text(XSS)
    expect(attack.locator(".text mark")).to_have_text("acme")  # highlighted, and still only text around it
    expect(attack.locator(".title")).to_have_text("<b>bold</b> claim")
    expect(attack.locator(".author")).to_have_text("<i>mallory</i>")
    attack.click()
    detail = page.locator("#detail")
    expect(detail.locator(".d-text")).to_have_text(XSS)
    expect(detail.locator(".d-title")).to_have_text("<b>bold</b> claim")
    assert (
        page.locator("#rows img, #rows script, #rows b, #rows i, #detail img, #detail script, #detail b").count() == 0
    )
    assert page.evaluate("window.__xss") is None
    assert page.errors == []


def test_digest_view_summary_first_then_sections_then_charts(page: Any, seeded: Any) -> None:
    page.goto(f"{seeded.url}/app")
    expect(page.locator("#rows > li")).to_have_count(5)
    page.click("#tab-digest")
    expect(page.locator("#digest")).to_be_visible()
    bars = page.locator("#chart-sentiment svg rect")
    expect(bars.first).to_be_visible()
    kinds = set(bars.evaluate_all("els => els.map(e => e.dataset.kind)"))
    assert {"negative", "positive"} <= kinds
    expect(page.locator("#chart-lines svg polyline")).to_have_count(2)
    body = page.locator("#digest-body")
    expect(body.locator(".summary p").first).to_contain_text("need you")
    expect(body.locator("h3")).to_contain_text(
        ["Digest of", "Needs you", "Leads", "Asked for this week", "Fans to thank", "Biggest voices"]
    )
    expect(body.locator("section").nth(1).locator("li").first).to_contain_text("critical 92")
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
        expect(page.locator("#until")).to_have_value(today_there)
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
        expect(rows).to_have_count(5)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways on a phone ({width}px wide)"
        screenshot(page, "inbox-phone.png")
        rows.nth(1).tap()
        replied = page.locator("#detail").get_by_role("button", name="Replied")
        expect(replied).to_be_in_viewport()
        box = replied.bounding_box()
        assert box and box["height"] >= 36, "buttons too small to tap"
        replied.tap()
        expect(rows).to_have_count(4)
        page.click("#tab-digest")
        expect(page.locator("#chart-sentiment svg rect").first).to_be_visible()
        expect(page.locator("#digest-body")).to_contain_text("Needs you")
        # Axis labels drawn at the shown size: at least 11 px on a 390 px screen.
        size = page.locator("#chart-sentiment svg text.axis").first.evaluate("t => t.getBoundingClientRect().height")
        assert size >= 11, f"chart labels are {size}px tall"
        screenshot(page, "digest-phone.png")
    finally:
        context.close()


def test_a_one_click_link_confirms_then_applies_in_the_browser(browser: Any, seeded: Any) -> None:
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


def test_an_alert_a_channel_refused_is_shown_on_its_mention(page: Any, seeded: Any) -> None:
    from chalicelib.alerts import Alert, ChannelFailure, PendingAlert
    from chalicelib.models import utcnow
    from chalicelib.store.repo import listed_key_of

    # Given the outage's alert refused by Slack (its webhook answered 500), as the stream leaves it
    outage = seeded.mentions["outage"]
    now = utcnow()
    failure = ChannelFailure(error="Slack webhook answered 500: <b>down</b>", since=now, last_try=now)
    seeded.store.put_pending_alert(
        PendingAlert(
            alert=Alert(kind="urgent", key=outage.id, watch="acme", title="Urgent complaint", summary="down"),
            mention_id=outage.id,
            listed_key=listed_key_of(outage),
            sent=["email"],
            failed={"slack": failure},
            first_failed_at=now,
            next_at=now,
        )
    )
    page.goto(f"{seeded.url}/app")
    # Then its row carries a badge, and the detail pane says which channel, why and since when, as text
    badge = row(page, "down for 3 hours").locator(".alert-badge")
    expect(badge).to_have_text("alert pending")
    alert = page.locator("#detail .d-alert")
    expect(alert).to_contain_text("alert not delivered to Slack: Slack webhook answered 500: <b>down</b> since")
    expect(alert).to_contain_text("retried automatically")
    assert page.locator("#detail .d-alert b").count() == 0
    expect(row(page, "empty file").locator(".alert-badge")).to_be_hidden()
    assert page.errors == []


def test_the_detail_pane_highlights_each_part_of_a_message_by_kind(page: Any, seeded: Any) -> None:
    page.goto(f"{seeded.url}/app")
    detail = page.locator("#detail")
    legend = detail.locator(".d-units")
    # An older mention has no units: its text is plain, with no key
    expect(detail.locator(".d-text")).to_contain_text("locked out")
    expect(detail.locator(".unit")).to_have_count(0)
    expect(legend).to_be_hidden()

    # A kind review that asks for something: the praise and the request each highlighted, named on hover
    view(page, "All")
    row(page, "retro painless").click()
    units = detail.locator(".d-text .unit")
    expect(units).to_have_text(["Acme made our retro painless, thank you!", "Could you add a timer to the board?"])
    expect(units.nth(0)).to_have_attribute("title", "praise")
    expect(units.nth(1)).to_have_attribute("title", "request")
    assert units.evaluate_all("els => els.map(e => e.dataset.kind)") == ["praise", "feature_request"]
    expect(units.nth(0).locator("mark")).to_have_text("Acme")  # the watch's term still marked, inside its part
    expect(detail.locator(".d-text")).to_have_text(seeded.mentions["praise"].text)
    expect(legend).to_be_visible()
    expect(legend).to_have_text("Parts:requestpraise")
    screenshot(page, "inbox-units.png")

    # Form feedback: the unit (offsets into the whole text) lands on its answer; "other" parts stay plain
    row(page, "empty file").click()
    answers = detail.locator(".d-answers")
    expect(answers.locator("dd")).to_have_text(["Export my board to CSV", "acme gave me an empty file", "Team"])
    expect(answers.locator(".unit")).to_have_count(1)
    complaint = answers.locator("dd").nth(1).locator(".unit")
    expect(complaint).to_have_text("acme gave me an empty file")
    expect(complaint).to_have_attribute("title", "bug / complaint")
    expect(complaint.locator("mark")).to_have_text("acme")
    expect(legend).to_have_text("Parts:bug / complaint")

    # A part of a hostile post is still only text
    row(page, "acme is great").click()
    expect(detail.locator(".d-text .unit")).to_have_text("acme is great")
    expect(detail.locator(".d-text")).to_have_text(XSS)
    assert page.locator("#detail img, #detail script").count() == 0
    assert page.evaluate("window.__xss") is None
    assert page.errors == []
