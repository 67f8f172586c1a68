"""Inputs that used to wedge the deployed pipeline (issue 11), on DynamoDB Local: any Unicode, huge texts,
absurd dates, empty label corrections, oversized pages."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from chalicelib.api.models import EARLIEST_DAY, MentionPatch, MentionQuery, latest_day
from chalicelib.api.rest import list_mentions, mention_json, patch_mention
from chalicelib.config import parse_config
from chalicelib.digest import build_digest, render_html, render_text
from chalicelib.digest.render import slack_blocks
from chalicelib.intake.service import InboundRequest, IntakeDeps, Route, receive
from chalicelib.models import MAX_TEXT_CHARS, Author, Mention, WatchMatch, utcnow
from chalicelib.pipeline.stream import process_stream
from chalicelib.store.repo import mention_to_item
from tests.support import insert_event
from veille.runtime.lambda_shim import LambdaContext

pytestmark = pytest.mark.integration

SECRET = "generic-test-secret"
CONFIG = parse_config("""
[[watch]]
name = "acme"
query = "acme"
default = true
forms = ["generic"]
""")


def deps(store: Any, now: datetime) -> IntakeDeps:
    return IntakeDeps(store=store, secret=lambda name: SECRET, route=lambda p, f: Route("acme", 90), now=lambda: now)


def delivery(body: dict[str, Any]) -> InboundRequest:
    raw = json.dumps(body).encode()  # ensure_ascii: a lone surrogate travels as "\ud800", valid JSON
    signature = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "X-Veille-Signature": signature}
    return InboundRequest(provider="generic", body=raw, headers=headers)


unicode_text = st.text(alphabet=st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF), min_size=1)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=unicode_text, title=st.text(alphabet=st.characters(codec=None), max_size=50))
def test_any_unicode_goes_through_intake_stream_classify_digest_and_api(store: Any, text: str, title: str) -> None:
    from chalicelib.classify import get_classifier

    now = utcnow()
    # Given a signed delivery whose text is arbitrary Unicode, lone surrogates and controls included
    reply = receive(delivery({"id": hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
                              "text": "acme " + text, "author": title}), deps(store, now))  # fmt: skip
    assert reply.status in (200, 400), reply.body  # 400 only when nothing readable is left
    if reply.status != 200:
        return
    mention_id = reply.body["id"]
    # When the stream classifies it
    answer = process_stream(insert_event(store, mention_id), LambdaContext("classify_mentions"), store,
                            get_classifier("builtin"))  # fmt: skip
    # Then nothing failed, and every renderer and the API can encode what was stored
    assert answer == {"batchItemFailures": []}
    stored = store.get_mention(mention_id)
    assert stored is not None and stored.labels is not None
    stored.text.encode("utf-8")
    built = build_digest(store, CONFIG, "acme", stored.created_at.date())
    render_html(built).encode("utf-8")
    render_text(built).encode("utf-8")
    json.dumps(slack_blocks(built), ensure_ascii=False).encode("utf-8")
    page = list_mentions(store, CONFIG, MentionQuery(), today=stored.created_at.date())
    json.dumps(page, ensure_ascii=False).encode("utf-8")


def test_a_lone_surrogate_is_replaced_and_control_characters_removed(store: Any) -> None:
    reply = receive(delivery({"id": "s1", "text": "acme crashed \ud800 again\x00\x1b[31m"}), deps(store, utcnow()))
    assert reply.status == 200
    stored = store.get_mention(reply.body["id"])
    assert stored.text == "acme crashed \ufffd again[31m"


def test_an_oversized_text_is_cut_and_flagged_and_fits_in_an_item(store: Any) -> None:
    # 430 KB of 4-byte characters, a brand that repeats, dozens of extra fields: still one storable item
    huge = ("acme \U0001f525 " * 60_000)[:430_000]
    mention = Mention(
        source="rss", external_id="big", text=huge, title="t" * 50_000, created_at=utcnow(),
        author=Author(name="n" * 50_000), extra={f"k{i}": "v" * 10_000 for i in range(500)},
        matches=[WatchMatch(watch="acme", spans=[{"start": i, "end": i + 4, "term": "acme"} for i in range(20_000)])],
    )  # fmt: skip
    assert mention.truncated and len(mention.text) == MAX_TEXT_CHARS
    # (a deflated text counts its bytes)
    assert (
        len(json.dumps(mention_to_item(mention), ensure_ascii=False, default=lambda b: "x" * len(b)).encode()) < 350_000
    )
    assert store.put_mention(mention)
    assert store.get_mention(mention.id).truncated


@pytest.mark.parametrize("given_date", ["2099-01-01T00:00:00Z", "1995-06-01T00:00:00Z"])
def test_a_date_out_of_reason_becomes_the_time_of_receipt_and_is_listed_today(store: Any, given_date: str) -> None:
    now = utcnow()
    reply = receive(delivery({"id": given_date, "text": "acme is down", "created_at": given_date}), deps(store, now))
    assert reply.status == 200
    stored = store.get_mention(reply.body["id"])
    assert stored.created_at == now
    assert stored.extra["created_at_given"].startswith(given_date[:10])
    from chalicelib.classify import get_classifier

    process_stream(insert_event(store, stored.id), LambdaContext("classify_mentions"), store, get_classifier("builtin"))
    listed = list_mentions(store, CONFIG, MentionQuery(), today=now.date())
    assert [m["id"] for m in listed["items"]] == [stored.id]


def test_the_api_reads_the_first_and_last_day_it_allows_and_refuses_the_others(store: Any) -> None:
    for day in (EARLIEST_DAY, latest_day()):
        page = list_mentions(store, CONFIG, MentionQuery(since=day, until=day), today=day)
        assert page["items"] == []
        assert list_mentions(store, CONFIG, MentionQuery(until=day), today=day)["since"] >= "2000-01-01"
    for day in (date(1, 1, 1), date(1999, 12, 31), date(9999, 12, 31)):
        with pytest.raises(ValidationError, match="from 2000-01-01"):
            MentionQuery(since=day)


def test_an_empty_labels_object_still_changes_the_status(store: Any) -> None:
    mention = Mention(source="rss", external_id="p", text="acme", created_at=utcnow(), watch="acme")
    store.put_mention(mention)
    answer = patch_mention(store, mention.id, MentionPatch.model_validate({"status": "replied", "labels": {}}))
    assert answer["status"] == "replied"
    assert store.get_mention(mention.id).status == "replied"


def test_a_page_of_long_mentions_stays_far_below_lambdas_6_mb_and_resumes(store: Any) -> None:
    now = datetime.now(UTC)
    for i in range(40):  # 40 x ~80 KB of emoji
        store.put_listed([Mention(source="form:generic", external_id=str(i), text="acme " + "\U0001f600" * 19_990,
                                  created_at=now - timedelta(seconds=i), watch="acme",
                                  matches=[WatchMatch(watch="acme")])])  # fmt: skip
    seen: list[str] = []
    cursor = None
    while True:
        page = list_mentions(store, CONFIG, MentionQuery(limit=200, cursor=cursor), today=now.date())
        body = json.dumps(page, ensure_ascii=False).encode()
        assert len(body) < 3_000_000
        assert "\\ud83d" not in body.decode()  # emoji written as UTF-8, not as escapes
        seen += [m["id"] for m in page["items"]]
        cursor = page["next"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 40


def test_mention_json_of_a_clean_mention_is_unchanged_by_the_sanitiser() -> None:
    mention = Mention(source="hn", external_id="1", text="Kanbo\tis great\nreally é ü 🎉", created_at=utcnow())
    assert mention_json(mention)["text"] == "Kanbo\tis great\nreally é ü 🎉"
    assert mention.truncated is False
