"""The API's plain functions over an in-memory store: filters, pagination, triage, stats, auth, errors."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from chalicelib.api.rest import (
    ApiError,
    DigestQuery,
    MentionPatch,
    MentionQuery,
    StatsQuery,
    check_bearer,
    daily_stats,
    error_response,
    get_mention,
    list_mentions,
    patch_mention,
)
from chalicelib.config import parse_config
from chalicelib.models import Mention, StatusChange

TODAY = date(2026, 3, 10)
CONFIG = parse_config("""
[[watch]]
name = "kanbo"
query = "kanbo"
default = true

[[watch]]
name = "taskly"
query = "taskly"
competitor = true
""")


class FakeStore:
    """The part of Store the API reads, in memory, paging like the day's partition (newest first, by sort key)."""

    def __init__(self, mentions: list[Mention]) -> None:
        self.mentions = {m.id: m for m in mentions}
        self.queries = 0
        self.corrections_of: dict[tuple[str, str], dict[str, Any]] = {}
        self.pending: dict[str, Any] = {}  # pending alerts by mention id

    @staticmethod
    def key(mention: Mention) -> str:
        return f"{mention.created_at.isoformat()}#{mention.id}"

    def mentions_of_day(
        self,
        watch: str,
        day: str,
        *,
        limit: int | None = None,
        start_key: dict[str, Any] | None = None,
        newest_first: bool = True,
    ) -> tuple[list[Mention], dict[str, Any] | None]:
        self.queries += 1
        rows = sorted(
            (m for m in self.mentions.values() if m.watch == watch and m.day == day), key=self.key, reverse=True
        )
        if start_key:
            assert start_key["pk"] == f"WATCH#{watch}#{day}"
            rows = [m for m in rows if self.key(m) < start_key["sk"]]
        page = rows[:limit] if limit else rows
        last = {"pk": f"WATCH#{watch}#{day}", "sk": self.key(page[-1])} if len(rows) > len(page) else None
        return page, last

    def iter_mentions(self, watch: str, days: list[str]) -> Any:
        for day in days:
            yield from self.mentions_of_day(watch, day)[0]

    def get_mention(self, mention_id: str) -> Mention | None:
        return self.mentions.get(mention_id)

    def pending_alerts(self, watch: str | None = None) -> list[Any]:
        return [p for p in self.pending.values() if watch is None or p.watch == watch]

    def get_pending_alert(self, watch: str, mention_id: str) -> Any:
        return self.pending.get(mention_id)

    def update_mention(
        self,
        mention_id: str,
        *,
        status: str | None = None,
        note: str | None = None,
        corrections: dict[str, Any] | None = None,
        clear_corrections: bool = False,
        current: Mention | None = None,
    ) -> Mention | None:
        current = self.mentions.get(mention_id)
        if current is None:
            return None
        changes: dict[str, Any] = {}
        if status is not None:
            now = datetime.now(UTC)
            history = [*current.history, StatusChange(status=status, at=now)]  # type: ignore[arg-type]
            changes.update(status=status, status_changed_at=now, history=history)
        if note is not None:
            changes["note"] = note
        if corrections is not None:
            changes["corrections"] = corrections
        if clear_corrections:
            changes["corrections"] = None
        self.mentions[mention_id] = current.model_copy(update=changes)
        return self.mentions[mention_id]

    def put_correction(self, watch: str, correction: Any) -> None:
        self.corrections_of[(watch, correction.mention_id)] = dict(correction.labels)

    def remove_correction(self, watch: str, mention_id: str) -> None:
        self.corrections_of.pop((watch, mention_id), None)


def mention(
    n: int,
    *,
    day: date = TODAY,
    watch: str = "kanbo",
    text: str = "",
    labels: dict[str, Any] | None = None,
    source: str = "hn",
    status: str = "new",
    hour: int = 12,
) -> Mention:
    return Mention(
        source=source,
        external_id=str(n),
        watch=watch,
        text=text or f"mention number {n} of kanbo",
        created_at=datetime(day.year, day.month, day.day, hour, n % 60, tzinfo=UTC),
        labels=labels,
        status=status,
    )


def ids(page: dict[str, Any]) -> list[str]:
    return [item["external_id"] for item in page["items"]]


def query(**params: Any) -> MentionQuery:
    return MentionQuery.model_validate(params)


# -- listing --------------------------------------------------------------------------------------------------------
def test_lists_the_default_watch_newest_first_over_the_last_seven_days() -> None:
    store = FakeStore(
        [
            mention(1, day=TODAY),
            mention(2, day=TODAY - timedelta(days=1)),
            mention(3, day=TODAY - timedelta(days=6)),
            mention(4, day=TODAY - timedelta(days=7)),
            mention(5, watch="taskly"),
        ]
    )
    page = list_mentions(store, CONFIG, query(), today=TODAY)
    assert ids(page) == ["1", "2", "3"]
    assert (page["watch"], page["since"], page["until"], page["next"]) == ("kanbo", "2026-03-04", "2026-03-10", None)
    assert ids(list_mentions(store, CONFIG, query(watch="taskly"), today=TODAY)) == ["5"]


def test_each_filter_keeps_only_what_it_names() -> None:
    store = FakeStore(
        [
            mention(1, labels={"sentiment": "negative", "complaint": True}),
            mention(2, labels={"sentiment": "positive", "lead": True}, source="reddit"),
            mention(3, labels={"sentiment": "neutral", "spam": True}, status="hidden", source="form:tally"),
            mention(4, text="Le café de Kanbo est GÉNIAL"),
        ]
    )
    lead = mention(2, source="reddit").id
    store.mentions[lead] = store.mentions[lead].model_copy(update={"corrections": {"lead": False}})
    assert ids(list_mentions(store, CONFIG, query(label="complaint"), today=TODAY)) == ["1"]
    assert ids(list_mentions(store, CONFIG, query(label="negative"), today=TODAY)) == ["1"]
    assert ids(list_mentions(store, CONFIG, query(label="lead"), today=TODAY)) == []  # corrected away
    assert ids(list_mentions(store, CONFIG, query(status="hidden"), today=TODAY)) == ["3"]
    assert ids(list_mentions(store, CONFIG, query(source="reddit"), today=TODAY)) == ["2"]
    assert ids(list_mentions(store, CONFIG, query(source="form"), today=TODAY)) == ["3"]
    assert ids(list_mentions(store, CONFIG, query(text="cafe de kanbo est genial"), today=TODAY)) == ["4"]
    assert ids(list_mentions(store, CONFIG, query(text="nothing like this"), today=TODAY)) == []


def test_since_and_until_bound_the_days_read() -> None:
    store = FakeStore([mention(n, day=date(2026, 2, n)) for n in range(1, 11)])
    page = list_mentions(store, CONFIG, query(since="2026-02-03", until="2026-02-05"), today=TODAY)
    assert ids(page) == ["5", "4", "3"]
    assert store.queries == 3


def test_pagination_walks_every_mention_once_across_days() -> None:
    mentions = [mention(n, day=TODAY - timedelta(days=n % 3), hour=n % 24) for n in range(1, 48)]
    store = FakeStore(mentions)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = list_mentions(store, CONFIG, query(limit=10, cursor=cursor), today=TODAY)
        pages += 1
        assert len(page["items"]) <= 10
        seen += ids(page)
        cursor = page["next"]
        if not cursor:
            break
    assert sorted(seen, key=int) == [str(n) for n in range(1, 48)]
    assert pages == 5
    created = [store.mentions[m.id].created_at for m in sorted(mentions, key=lambda m: seen.index(m.external_id))]
    assert created == sorted(created, reverse=True)


def test_a_rare_filter_stops_at_the_budget_and_hands_back_a_cursor() -> None:
    store = FakeStore([mention(n, hour=n % 24) for n in range(1, 31)] + [mention(99, hour=0, text="needle")])
    page = list_mentions(store, CONFIG, query(text="needle"), today=TODAY, budget=10)
    assert page["items"] == [] and page["next"]
    found: list[str] = []
    cursor = page["next"]
    while cursor:
        page = list_mentions(store, CONFIG, query(text="needle", cursor=cursor), today=TODAY, budget=10)
        found += ids(page)
        cursor = page["next"]
    assert found == ["99"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "done"}, "status"),
        ({"label": "angry"}, "label"),
        ({"limit": 201}, "limit"),
        ({"limit": 0}, "limit"),
        ({"since": "yesterday"}, "since"),
        ({"until": "2024-13-01"}, "until"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_invalid_query_parameters_name_the_field(params: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        MentionQuery.model_validate(params)
    answer = error_response(caught.value)
    assert answer.status_code == 400
    assert [f["field"] for f in answer.body["fields"]] == [field]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"watch": "nope"}, "unknown watch 'nope'; known watches: kanbo, taskly"),
        ({"since": "2026-03-10", "until": "2026-03-01"}, "since: must not be after until"),
        ({"since": "2025-01-01"}, "ask for at most 92"),
        ({"cursor": "not-a-cursor"}, "cursor: not a cursor"),
        ({"cursor": "eyJkIjoiMjAyNi0wMS0wMSIsImsiOiIyMDI2LTAxLTAxVDAwOjAwOjAwKzAwOjAwI20xIn0"}, "another window"),
    ],
)
def test_a_bad_window_watch_or_cursor_is_a_400_saying_what_to_do(params: dict[str, Any], message: str) -> None:
    with pytest.raises(ApiError, match=message) as caught:
        list_mentions(FakeStore([]), CONFIG, query(**params), today=TODAY)
    assert error_response(caught.value).status_code == 400


@pytest.mark.parametrize(
    ("model", "params", "field"),
    [
        (DigestQuery, {"date": "0001-01-01"}, "date"),
        (DigestQuery, {"date": "9999-12-31"}, "date"),
        (DigestQuery, {"date": "not-a-date"}, "date"),
        (MentionQuery, {"since": "1999-12-31"}, "since"),
        (MentionQuery, {"until": "0001-01-01"}, "until"),
        (StatsQuery, {"until": "9999-12-31"}, "until"),
    ],
)
def test_a_day_outside_2000_to_tomorrow_is_a_400_saying_what_is_allowed(
    model: type[DigestQuery | MentionQuery | StatsQuery], params: dict[str, Any], field: str
) -> None:
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    with pytest.raises(ValidationError) as caught:
        model.model_validate(params)
    answer = error_response(caught.value)
    assert answer.status_code == 400
    [error] = answer.body["fields"]
    assert error["field"] == field
    assert f"from 2000-01-01 to {tomorrow}" in error["message"]


def test_the_first_and_last_allowed_days_are_read_and_a_window_never_starts_before_2000() -> None:
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date()
    assert DigestQuery.model_validate({"date": "2000-01-01"}).day == date(2000, 1, 1)
    assert DigestQuery.model_validate({"date": tomorrow.isoformat()}).day == tomorrow
    page = list_mentions(FakeStore([]), CONFIG, query(until="2000-01-01"), today=TODAY)
    # the window it echoes back can be sent again as it is
    assert (page["since"], page["until"]) == ("2000-01-01", "2000-01-01")
    assert query(since=page["since"], until=page["until"]).since == date(2000, 1, 1)
    stats = daily_stats(FakeStore([]), CONFIG, StatsQuery.model_validate({"until": "2000-01-02", "days": 2}))
    assert [d["date"] for d in stats["days"]] == ["2000-01-01", "2000-01-02"]


# -- one mention, triage ------------------------------------------------------------------------------------------
def test_get_mention_shows_labels_after_corrections_and_404s_unknown_ids() -> None:
    first = mention(1, labels={"complaint": True, "sentiment": "negative"})
    store = FakeStore([first.model_copy(update={"corrections": {"complaint": False}})])
    shown = get_mention(store, first.id)
    assert shown["labels"]["complaint"] is True
    assert shown["effective_labels"] == {"complaint": False, "sentiment": "negative"}
    assert shown["day"] == TODAY.isoformat()
    with pytest.raises(ApiError) as caught:
        get_mention(store, "m-unknown")
    assert caught.value.status == 404


def test_patch_changes_status_note_and_merges_corrections() -> None:
    first = mention(1, labels={"lead": False})
    store = FakeStore([first])
    patch_mention(store, first.id, MentionPatch.model_validate({"labels": {"lead": True}}))
    answer = patch_mention(
        store,
        first.id,
        MentionPatch.model_validate(
            {"status": "replied", "note": "answered on HN", "labels": {"sentiment": "positive"}}
        ),
    )
    assert answer["status"] == "replied" and answer["note"] == "answered on HN"
    assert answer["corrections"] == {"lead": True, "sentiment": "positive"}
    assert store.mentions[first.id].status == "replied"
    assert store.mentions[first.id].status_changed_at is not None


def test_a_correction_acts_on_its_watch_until_a_null_label_withdraws_it() -> None:
    first = mention(1, labels={"lead": False, "kind": "complaint", "complaint": True})
    store = FakeStore([first])
    patch_mention(store, first.id, MentionPatch.model_validate({"labels": {"lead": True, "kind": "praise"}}))
    assert store.corrections_of == {("kanbo", first.id): {"lead": True, "kind": "praise", "complaint": False}}
    answer = patch_mention(store, first.id, MentionPatch.model_validate({"labels": {"complaint": None}}))
    assert answer["corrections"] == {"lead": True}  # kind and complaint go together
    assert store.corrections_of == {("kanbo", first.id): {"lead": True}}
    answer = patch_mention(store, first.id, MentionPatch.model_validate({"labels": None}))
    assert answer["corrections"] is None and answer["effective_labels"]["lead"] is False
    assert store.corrections_of == {}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "archived"}, "status"),
        ({"labels": {"angry": True}}, "labels.angry"),
        ({"labels": {"urgency": 101}}, "labels.urgency"),
        ({"note": "x" * 2001}, "note"),
        ({"stats": "new"}, "stats"),
    ],
)
def test_patch_validation_names_the_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        MentionPatch.model_validate_json(json.dumps(body))
    answer = error_response(caught.value)
    assert answer.status_code == 400
    assert field in answer.body["message"]


def test_patch_refuses_an_empty_change_and_unknown_ids() -> None:
    first = mention(1)
    store = FakeStore([first])
    with pytest.raises(ApiError, match="at least one of status, labels, note"):
        patch_mention(store, first.id, MentionPatch())
    with pytest.raises(ApiError) as caught:
        patch_mention(store, "m-unknown", MentionPatch(status="replied"))
    assert caught.value.status == 404
    assert store.mentions[first.id].status == "new"


# -- stats --------------------------------------------------------------------------------------------------------
def test_stats_count_each_day_oldest_first_leaving_what_the_digest_hides_aside() -> None:
    yesterday = TODAY - timedelta(days=1)
    store = FakeStore(
        [
            mention(1, labels={"sentiment": "negative", "complaint": True, "needs_reply": True}),
            mention(2, labels={"sentiment": "positive", "lead": True}, status="replied"),
            mention(3, labels={"sentiment": "negative", "spam": True}),
            mention(4, status="hidden"),
            mention(5, day=yesterday, labels={"sentiment": "neutral"}),
            mention(6, labels={"sentiment": "negative", "offensive": True}),  # abuse: hidden, as in the digest
        ]
    )
    stats = daily_stats(store, CONFIG, StatsQuery(days=3), today=TODAY)
    assert [d["date"] for d in stats["days"]] == ["2026-03-08", "2026-03-09", "2026-03-10"]
    assert stats["days"][0]["total"] == 0
    assert stats["days"][1] == {
        "date": "2026-03-09",
        "total": 1,
        "positive": 0,
        "neutral": 1,
        "negative": 0,
        "complaints": 0,
        "leads": 0,
        "needs_reply": 0,
        "replied": 0,
        "hidden": 0,
    }
    assert stats["days"][2] == {
        "date": "2026-03-10",
        "total": 2,
        "positive": 1,
        "neutral": 0,
        "negative": 1,
        "complaints": 1,
        "leads": 1,
        "needs_reply": 1,
        "replied": 1,
        "hidden": 3,
    }


# -- authentication ------------------------------------------------------------------------------------------------
def test_bearer_token_checks() -> None:
    check_bearer("Bearer right-token", "right-token")
    check_bearer("bearer   right-token ", "right-token")
    for header in (None, "", "Bearer", "Basic right-token", "Bearer wrong-token", "right-token"):
        with pytest.raises(ApiError) as caught:
            check_bearer(header, "right-token")
        answer = error_response(caught.value)
        assert answer.status_code == 401
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_without_a_configured_token_the_api_is_closed() -> None:
    for token in (None, ""):
        with pytest.raises(ApiError, match="set VEILLE_API_TOKEN") as caught:
            check_bearer("Bearer anything", token)
        assert caught.value.status == 503


# -- priority order, the default view, kinds, history ------------------------------------------------------
def test_order_priority_puts_what_needs_you_first_and_pages_by_offset() -> None:
    store = FakeStore(
        [
            mention(1, labels={"complaint": True, "kind": "complaint", "urgency": 85, "why": {"urgent": ["outage"]}}),
            mention(2, labels={"kind": "praise", "sentiment": "positive", "urgency": 5}, hour=13),
            mention(3, labels={"kind": "question", "needs_reply": True, "urgency": 30}, hour=9),
            mention(4, labels={"complaint": True, "urgency": 65}, hour=14),
            mention(5, labels={"kind": "feature_request", "needs_reply": True, "urgency": 40}, hour=15),
            mention(6, labels={"spam": True, "complaint": True, "urgency": 90}, hour=16),
        ]
    )
    page = list_mentions(store, CONFIG, query(order="priority", limit=3), today=TODAY)
    assert ids(page) == ["1", "4", "3"]
    assert page["items"][0]["priority"]["level"] == "critical"
    assert page["items"][0]["priority"]["reasons"] == ["outage"]
    assert page["items"][1]["priority"]["level"] == "high"
    rest = list_mentions(store, CONFIG, query(order="priority", limit=3, cursor=page["next"]), today=TODAY)
    assert ids(rest) == ["6", "5", "2"] and rest["next"] is None  # none needs you: urgency 90 (spam), 40, 5
    assert ids(list_mentions(store, CONFIG, query(order="priority", label="needs_you"), today=TODAY)) == ["1", "4", "3"]
    assert ids(list_mentions(store, CONFIG, query(kind="feature_request"), today=TODAY)) == ["5"]
    # The newest-first listing carries the same priority.
    newest = list_mentions(store, CONFIG, query(), today=TODAY)
    assert ids(newest)[0] == "6" and newest["items"][0]["priority"]["needs_you"] is False


def test_status_open_means_new_or_to_reply() -> None:
    store = FakeStore([mention(1), mention(2, status="to_reply"), mention(3, status="replied")])
    assert sorted(ids(list_mentions(store, CONFIG, query(status="open"), today=TODAY))) == ["1", "2"]


def test_correcting_the_kind_keeps_the_complaint_flag_consistent_and_history_grows() -> None:
    m = mention(1, labels={"complaint": True, "kind": "complaint", "urgency": 50})
    store = FakeStore([m])
    patched = patch_mention(store, m.id, MentionPatch.model_validate({"labels": {"kind": "feature_request"}}), CONFIG)
    assert patched["corrections"] == {"kind": "feature_request", "complaint": False}
    assert patched["priority"]["kind"] == "feature_request" and not patched["priority"]["needs_you"]
    patched = patch_mention(store, m.id, MentionPatch.model_validate({"labels": {"complaint": True}}), CONFIG)
    assert patched["effective_labels"]["kind"] == "complaint"
    patch_mention(store, m.id, MentionPatch(status="replied"))
    patched = patch_mention(store, m.id, MentionPatch(status="new", note="reopened: they wrote back"))
    assert [c["status"] for c in patched["history"]] == ["replied", "new"]
    assert patched["note"] == "reopened: they wrote back"
