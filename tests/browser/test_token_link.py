"""The inbox address veille serve prints (``/app#token=...``) opens the inbox without asking for the token."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import TOKEN

pytestmark = pytest.mark.browser


def test_the_printed_inbox_link_carries_the_token_then_forgets_it_from_the_address(browser: Any, seeded: Any) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{seeded.url}/app#token={TOKEN}")
        expect(page.locator("#rows > li").first).to_be_visible()
        expect(page.locator("#token-dialog")).to_be_hidden()
        assert page.evaluate("localStorage.getItem('veille.token')") == TOKEN
        assert "token" not in page.url  # not left in the address bar, the history or a screenshot
    finally:
        context.close()
