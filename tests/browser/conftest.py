"""Browser fixtures: Debian's chromium driven by Playwright (never ``playwright install``), the seeded local stack."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.seed import seed_mentions

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "out"
TOKEN = "test-secret"  # what the veille_server fixture sets VEILLE_API_TOKEN to
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def chromium_path() -> str:
    for candidate in (
        os.environ.get("VEILLE_CHROMIUM"),
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        shutil.which("chromium"),
    ):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    pytest.fail("chromium is missing: run `bash scripts/ensure-chromium.sh` (or set VEILLE_CHROMIUM)")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def seeded(veille_server: Any) -> Any:
    """The local stack with the seeded mentions (labels already set, so the classifier leaves them)."""
    mentions = seed_mentions()
    veille_server.store.put_listed(mentions.values())
    veille_server.mentions = mentions
    return veille_server


@pytest.fixture
def page(browser: Any, seeded: Any) -> Iterator[Any]:
    """A desktop page already holding the API token."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(f"localStorage.setItem('veille.token', {TOKEN!r})")
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    opened.errors = errors
    try:
        yield opened
    finally:
        context.close()


def screenshot(page: Any, name: str) -> Path:
    OUT.mkdir(exist_ok=True)
    path = OUT / name
    page.screenshot(path=str(path), full_page=True)
    return path
