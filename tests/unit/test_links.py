"""Signed triage links: a valid link verifies; a forged, altered or expired one is refused with a reason."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from chalicelib.links import (
    LinkSecretMissingError,
    TriageLinkError,
    sign_triage_link,
    triage_path,
    verify_triage_link,
)
from chalicelib.settings import get_settings

SECRET = "s3cret-for-tests-only-0123456789"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def parts(url: str) -> tuple[str, str, str, str]:
    split = urlsplit(url)
    _, _, mention_id, action = split.path.rsplit("/", 3)
    query = parse_qs(split.query)
    return mention_id, action, query["exp"][0], query["sig"][0]


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("VEILLE_LINK_SECRET", SECRET)
    monkeypatch.setenv("VEILLE_PUBLIC_URL", "https://veille.example.com/api/")
    monkeypatch.delenv("VEILLE_SSM_PREFIX", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_signed_link_is_a_full_url_under_the_public_url(secret_env: None) -> None:
    url = sign_triage_link("m123", "replied", expires_at=NOW + timedelta(days=7))
    assert url.startswith("https://veille.example.com/api/t/m123/replied?exp=")
    mention_id, action, exp, sig = parts(url)
    assert (mention_id, action, int(exp)) == ("m123", "replied", int((NOW + timedelta(days=7)).timestamp()))
    verify_triage_link(mention_id, action, exp, sig, now=NOW)


def test_links_use_the_secret_from_the_environment(secret_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    mention_id, action, exp, sig = parts(sign_triage_link("m1", "ignored", expires_at=NOW + timedelta(hours=1)))
    monkeypatch.setenv("VEILLE_LINK_SECRET", "another-secret")
    with pytest.raises(TriageLinkError, match="altered or not signed"):
        verify_triage_link(mention_id, action, exp, sig, now=NOW)


@pytest.mark.parametrize("change", ["mention", "action", "exp", "sig"])
def test_an_altered_link_is_refused(change: str) -> None:
    mention_id, action, exp, sig = parts(
        "x" + triage_path("m1", "replied", expires_at=NOW + timedelta(days=1), secret=SECRET)
    )
    if change == "mention":
        mention_id = "m2"
    elif change == "action":
        action = "ignored"
    elif change == "exp":
        exp = str(int(exp) + 86400)
    else:
        sig = sig[:-1] + ("0" if sig[-1] != "0" else "1")
    with pytest.raises(TriageLinkError, match="altered or not signed"):
        verify_triage_link(mention_id, action, exp, sig, now=NOW, secret=SECRET)


def test_a_link_signed_with_another_secret_is_refused() -> None:
    forged = parts("x" + triage_path("m1", "replied", expires_at=NOW + timedelta(days=1), secret="guess"))
    with pytest.raises(TriageLinkError, match="altered or not signed"):
        verify_triage_link(*forged, now=NOW, secret=SECRET)


def test_an_expired_link_is_refused_and_says_so() -> None:
    link = parts("x" + triage_path("m1", "ignored", expires_at=NOW - timedelta(seconds=1), secret=SECRET))
    with pytest.raises(TriageLinkError, match="expired"):
        verify_triage_link(*link, now=NOW, secret=SECRET)
    verify_triage_link(*link, now=NOW - timedelta(minutes=1), secret=SECRET)


@pytest.mark.parametrize(
    ("exp", "sig"),
    [(None, "a" * 64), ("123", None), ("12x", "a" * 64), ("1", "A" * 64), ("1" * 13, "a" * 64), ("1", "a" * 63)],
)
def test_malformed_parts_are_refused(exp: str | None, sig: str | None) -> None:
    with pytest.raises(TriageLinkError, match="malformed"):
        verify_triage_link("m1", "replied", exp, sig, now=NOW, secret=SECRET)


def test_only_replied_and_ignored_can_be_signed_or_accepted() -> None:
    with pytest.raises(ValueError, match="unknown triage action"):
        triage_path("m1", "hidden", expires_at=NOW, secret=SECRET)
    with pytest.raises(TriageLinkError, match="known action"):
        verify_triage_link("m1", "hidden", "1", "a" * 64, now=NOW, secret=SECRET)


def test_without_a_secret_nothing_is_signed_or_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VEILLE_LINK_SECRET", raising=False)
    monkeypatch.delenv("VEILLE_SSM_PREFIX", raising=False)
    with pytest.raises(LinkSecretMissingError, match="VEILLE_LINK_SECRET"):
        sign_triage_link("m1", "replied", expires_at=NOW)
    with pytest.raises(LinkSecretMissingError):
        verify_triage_link("m1", "replied", "1", "a" * 64, now=NOW)
