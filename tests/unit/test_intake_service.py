"""The intake service with an in-memory store: order of checks, redeliveries, personal data, storage faults."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from chalicelib.errors import ThrottledError
from chalicelib.intake import InboundRequest, IntakeDeps, Reply, Route, receive
from chalicelib.intake.samples import sample_deliveries, sign
from chalicelib.models import Mention

NOW = datetime(2026, 11, 21, 18, 0, tzinfo=UTC)
SECRET = "s3cret-for-tests"
SAMPLES = {s.provider: s for s in sample_deliveries(Path(__file__).resolve().parents[2] / "samples" / "forms")}


class MemoryStore:
    """Conditional puts, like the real store: a mention id is stored once."""

    def __init__(self) -> None:
        self.mentions: dict[str, Mention] = {}

    def put_mention(self, mention: Mention) -> bool:
        if mention.id in self.mentions:
            return False
        self.mentions[mention.id] = mention
        return True


class FailingStore:
    def put_mention(self, mention: Mention) -> bool:
        raise ThrottledError("throttled")


def make_deps(store: object | None = None, *, secrets: dict[str, str] | None = None, **kwargs: object) -> IntakeDeps:
    return IntakeDeps(
        store=store or MemoryStore(),  # type: ignore[arg-type]
        secret=(lambda name: SECRET) if secrets is None else secrets.get,
        route=lambda provider, form_id: Route("kanbo" if form_id != "w4Ne9K" else "tally-watch", 30),
        now=lambda: NOW,
        **kwargs,  # type: ignore[arg-type]
    )


def signed_request(
    provider: str, body: bytes | None = None, *, content_type: str | None = None, secret: str = SECRET
) -> InboundRequest:
    sample = SAMPLES[provider]
    body = sample.body if body is None else body
    extra = sign(provider, body, secret, NOW)
    headers = {**sample.headers, "Content-Type": content_type or sample.content_type, **extra["headers"]}
    return InboundRequest(provider, body, headers, extra["params"])


@pytest.mark.parametrize("provider", sorted(SAMPLES))
def test_each_recorded_delivery_is_stored_once_as_a_form_mention(provider: str) -> None:
    store = MemoryStore()
    deps = make_deps(store)
    # When the provider delivers its recorded sample, then delivers it again
    first = receive(signed_request(provider), deps)
    again = receive(signed_request(provider), deps)
    # Then the first answer stores it and the redelivery stores nothing new, both 200 with the same id
    assert (first.status, first.body["stored"]) == (200, True)
    assert (again.status, again.body) == (200, {"stored": False, "id": first.body["id"]})
    [mention] = store.mentions.values()
    assert mention.source == f"form:{provider}"
    assert mention.text and mention.title
    assert mention.matches[0].watch == mention.watch
    assert mention.author.email and "@" in mention.author.email


def test_the_watch_comes_from_the_form_routing() -> None:
    reply = receive(signed_request("tally"), make_deps())
    assert reply.mention is not None and reply.mention.watch == "tally-watch"
    assert reply.mention.retention_days == 30


def test_created_at_is_the_submission_time_or_the_time_of_receipt() -> None:
    assert receive(signed_request("typeform"), make_deps()).mention.created_at == datetime(
        2026, 11, 21, 14, 32, 10, tzinfo=UTC
    )
    assert receive(signed_request("jotform"), make_deps()).mention.created_at == NOW  # Jotform sends no time


def test_drop_personal_data_keeps_the_feedback_but_not_who_gave_it() -> None:
    for provider in SAMPLES:
        reply = receive(signed_request(provider), make_deps(drop_personal_data=True))
        assert reply.mention is not None
        assert (reply.mention.author.name, reply.mention.author.email) == (None, None), provider
        assert "@" not in reply.mention.text, provider


def status(reply: Reply) -> tuple[int, str]:
    return reply.status, reply.reason


def test_order_of_checks_unknown_provider_first() -> None:
    request = InboundRequest("surveymonkey", b"x" * 10_000_000, {"Content-Type": "text/xml"})
    assert status(receive(request, make_deps(max_bytes=10))) == (404, "unknown_provider")


def test_order_of_checks_unconfigured_provider_before_size() -> None:
    # Given no secret configured for typeform, an unsigned oversized body of the wrong type
    request = InboundRequest("typeform", b"x" * 1000, {"Content-Type": "text/xml"})
    reply = receive(request, make_deps(secrets={"VEILLE_TALLY_SECRET": SECRET}, max_bytes=10))
    assert status(reply) == (404, "not_configured")
    assert "VEILLE_TYPEFORM_SECRET" in reply.body["error"]


def test_order_of_checks_size_before_content_type_and_signature() -> None:
    request = InboundRequest("typeform", b"x" * 11, {"Content-Type": "text/xml"})
    assert status(receive(request, make_deps(max_bytes=10))) == (413, "too_large")


def test_order_of_checks_content_type_before_signature() -> None:
    request = InboundRequest("typeform", b"{}", {"Content-Type": "application/x-www-form-urlencoded"})
    reply = receive(request, make_deps())
    assert status(reply) == (415, "content_type")
    assert status(receive(InboundRequest("tally", b"{}", {}), make_deps())) == (415, "content_type")


def test_order_of_checks_signature_before_parsing_and_nothing_stored() -> None:
    store = MemoryStore()
    request = signed_request("generic", secret="not-the-secret")
    assert status(receive(request, make_deps(store))) == (401, "signature")
    garbage = InboundRequest("generic", b"not json", {"Content-Type": "application/json"})
    assert status(receive(garbage, make_deps(store))) == (401, "signature")
    assert store.mentions == {}


def test_a_signed_malformed_body_is_a_400_naming_the_field_and_nothing_stored() -> None:
    store = MemoryStore()
    body = json.dumps({"id": "1", "text": ""}).encode()
    reply = receive(signed_request("generic", body), make_deps(store))
    assert status(reply) == (400, "payload")
    assert reply.body["field"] == "text"
    assert store.mentions == {}


def test_a_signed_response_with_no_text_at_all_is_refused() -> None:
    body = json.dumps({"form_response": {"token": "t1", "answers": []}}).encode()
    reply = receive(signed_request("typeform", body), make_deps())
    assert (reply.status, reply.body["field"]) == (400, "answers")


def test_a_stale_formspree_delivery_is_refused() -> None:
    sample = SAMPLES["formspree"]
    extra = sign("formspree", sample.body, SECRET, NOW.timestamp() - 301)
    request = InboundRequest("formspree", sample.body, {"Content-Type": "application/json", **extra["headers"]})
    reply = receive(request, make_deps(tolerance_s=300))
    assert status(reply) == (401, "signature")
    assert "stale" in reply.body["error"]


def test_a_throttled_table_answers_503_so_the_provider_retries() -> None:
    assert status(receive(signed_request("tally"), make_deps(FailingStore()))) == (503, "storage")
