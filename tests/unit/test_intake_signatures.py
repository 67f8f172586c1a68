"""Each provider's signature check, on the documented test vectors and on the ways a forgery fails."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from chalicelib.intake.model import SignatureError
from chalicelib.intake.providers import fillout, formspree, generic, google_forms, jotform, tally, typeform

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
SECRET = "test-secret"


def test_typeform_documented_vector_verifies() -> None:
    # Given the vector from sources-and-webhooks.md B1
    body = b'{"event_id":"LtWXD3crgy","event_type":"form_response"}'
    header = "sha256=9Qk43kDnGfuJw9YvfsvFTDJXHLif38Rp6U+mXLoaUNg="
    # Then it verifies, with the header name in any case (API Gateway lower-cases them)
    assert typeform.signature(body, SECRET) == header
    typeform.verify(body, {"typeform-signature": header}, SECRET, NOW)


def test_tally_documented_vector_verifies() -> None:
    body = b'{"eventId":"8514703f-010f-401d-abf7-80a46b7498bb","eventType":"FORM_RESPONSE"}'
    header = "XwZ6dPDtRV77YK1/ZfP8HUmO5qOnflzR/ewYw2f3NwE="
    assert tally.signature(body, SECRET) == header
    tally.verify(body, {"tally-signature": header}, SECRET, NOW)


def test_formspree_documented_vector_verifies_within_tolerance() -> None:
    body = b'{"form":"xyz","submission":{"email":"a@example.com"}}'
    header = "t=1746651750,v1=0fee094840b61f95ea9325fe01c8772707132a36bb6b919c65e81bccb0d7fa6e"
    signed_at = datetime.fromtimestamp(1746651750, tz=UTC)
    assert formspree.signature(body, SECRET, 1746651750) == header
    formspree.verify(body, {"formspree-signature": header}, SECRET, signed_at, tolerance_s=300)


def test_formspree_refuses_a_stale_delivery_even_when_correctly_signed() -> None:
    body = b'{"form":"xyz","submission":{"email":"a@example.com"}}'
    header = "t=1746651750,v1=0fee094840b61f95ea9325fe01c8772707132a36bb6b919c65e81bccb0d7fa6e"
    six_minutes_later = datetime.fromtimestamp(1746651750 + 360, tz=UTC)
    with pytest.raises(SignatureError, match="stale"):
        formspree.verify(body, {"formspree-signature": header}, SECRET, six_minutes_later, tolerance_s=300)


@pytest.mark.parametrize("header", ["v1=abc", "t=now,v1=00", "t=1746651750", "garbage", "t=1746651750,v1="])
def test_formspree_refuses_malformed_headers(header: str) -> None:
    with pytest.raises(SignatureError):
        formspree.verify(b"{}", {"formspree-signature": header}, SECRET, NOW)


def test_generic_signature_is_hex_hmac_of_the_raw_body() -> None:
    import hashlib
    import hmac

    body = b'{"id":"1","text":"hello"}'
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert generic.signature(body, SECRET) == expected
    generic.verify(body, {"x-veille-signature": expected.upper().replace("SHA256=", "sha256=")}, SECRET, NOW)


SIGNED = [
    ("typeform", typeform, lambda b: {"typeform-signature": typeform.signature(b, SECRET)}),
    ("tally", tally, lambda b: {"tally-signature": tally.signature(b, SECRET)}),
    ("google-forms", google_forms, lambda b: {"x-form-signature": google_forms.signature(b, SECRET)}),
    ("generic", generic, lambda b: {"x-veille-signature": generic.signature(b, SECRET)}),
    ("formspree", formspree, lambda b: {"formspree-signature": formspree.signature(b, SECRET, int(NOW.timestamp()))}),
]


@pytest.mark.parametrize(("name", "module", "headers_for"), SIGNED, ids=[s[0] for s in SIGNED])
def test_a_reserialized_body_fails_verification(name: str, module, headers_for) -> None:
    # Given a body signed as sent, then parsed and re-serialized (spaces after separators)
    sent = b'{"id":"1","text":"caf\xc3\xa9","n":[1,2]}'
    reserialized = json.dumps(json.loads(sent)).encode()
    assert reserialized != sent
    module.verify(sent, headers_for(sent), SECRET, NOW)
    # Then the same signature does not cover the re-serialized bytes
    with pytest.raises(SignatureError):
        module.verify(reserialized, headers_for(sent), SECRET, NOW)


@pytest.mark.parametrize(("name", "module", "headers_for"), SIGNED, ids=[s[0] for s in SIGNED])
def test_wrong_secret_missing_header_and_non_ascii_header_are_refused(name: str, module, headers_for) -> None:
    body = b'{"id":"1"}'
    good = headers_for(body)
    with pytest.raises(SignatureError):
        module.verify(body, good, "another-secret", NOW)
    with pytest.raises(SignatureError, match="missing"):
        module.verify(body, {}, SECRET, NOW)
    forged = dict.fromkeys(good, "sha256=é�")
    with pytest.raises(SignatureError):
        module.verify(body, forged, SECRET, NOW)


@pytest.mark.parametrize("module", [jotform, fillout], ids=["jotform", "fillout"])
def test_token_providers_take_the_token_from_the_query_or_a_header(module) -> None:
    module.verify(b"x", {}, SECRET, NOW, query={"token": SECRET})
    module.verify(b"x", {"x-veille-token": SECRET}, SECRET, NOW, query={})
    with pytest.raises(SignatureError, match="missing token"):
        module.verify(b"x", {}, SECRET, NOW, query={})
    with pytest.raises(SignatureError, match="wrong token"):
        module.verify(b"x", {}, SECRET, NOW, query={"token": SECRET + "x"})
