"""Every API route through Chalice's test client, on DynamoDB Local: auth, filters, pagination, triage, links."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from chalice.test import Client

from chalicelib.links import sign_triage_link
from chalicelib.models import Author, Mention, WatchMatch, utcnow
from tests.support import chalice_project

pytestmark = pytest.mark.integration

TOKEN = "test-token-0123456789abcdef"
LINK_SECRET = "link-secret-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
CONFIG = """
[[watch]]
name = "kanbo"
query = "kanbo"
default = true

[[watch]]
name = "taskly"
query = "taskly"
competitor = true
"""


def make_mention(
    n: int,
    *,
    days_ago: int = 0,
    watch: str = "kanbo",
    text: str = "",
    source: str = "hn",
    labels: dict[str, Any] | None = None,
) -> Mention:
    created = utcnow().replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=days_ago)
    return Mention(
        source=source,
        external_id=str(n),
        text=text or f"kanbo mention {n}",
        author=Author(handle=f"user{n}"),
        created_at=created + timedelta(minutes=n),
        matches=[WatchMatch(watch=watch)],
        labels=labels,
    )


@pytest.fixture
def client(store, write_config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    """The real app.py, with a token, a link secret and a config of two watches."""
    import app as veille_app

    write_config(CONFIG)
    monkeypatch.setenv("VEILLE_API_TOKEN", TOKEN)
    monkeypatch.setenv("VEILLE_LINK_SECRET", LINK_SECRET)
    monkeypatch.setenv("VEILLE_PUBLIC_URL", "http://testserver")
    monkeypatch.delenv("VEILLE_SSM_PREFIX", raising=False)
    with Client(veille_app.app, project_dir=chalice_project(tmp_path)) as test_client:
        yield test_client


def get(client: Client, path: str, headers: dict[str, str] | None = None) -> Any:
    return client.http.get(path, headers=AUTH if headers is None else headers)


def patch(client: Client, path: str, body: Any, headers: dict[str, str] | None = None) -> Any:
    raw = body if isinstance(body, str) else json.dumps(body)
    return client.http.request(
        "PATCH", path, body=raw.encode(), headers={**AUTH, "Content-Type": "application/json", **(headers or {})}
    )


def body(response: Any) -> Any:
    return json.loads(response.body)


# -- authentication ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/mentions", "/mentions/m1", "/stats", "/digest/2026-03-01"])
def test_every_api_route_wants_the_bearer_token(client: Client, path: str) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
        answer = get(client, path, headers)
        assert answer.status_code == 401
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert patch(client, "/mentions/m1", {"status": "replied"}, {"Authorization": "Bearer x"}).status_code == 401


def test_without_a_token_configured_the_api_answers_503_saying_what_to_set(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VEILLE_API_TOKEN")
    answer = get(client, "/mentions")
    assert answer.status_code == 503
    assert "set VEILLE_API_TOKEN" in body(answer)["error"]


def test_openapi_needs_no_token_and_lists_every_route(client: Client) -> None:
    import app as veille_app

    document = body(client.http.get("/openapi.json"))
    assert document["openapi"].startswith("3.")
    assert {
        "/mentions",
        "/mentions/{mention_id}",
        "/stats",
        "/digest/{date}",
        "/webhooks/{provider}",
        "/health",
        "/t/{mention_id}/{action}",
    } <= set(document["paths"])
    for path, route in veille_app.app.routes.items():
        if not path.startswith("/app/static"):
            assert set(document["paths"][path]) - {"parameters"} >= {m.lower() for m in route}, path


def test_the_inbox_page_needs_no_token(client: Client) -> None:
    page = client.http.get("/app")
    assert page.status_code == 200 and b"<title>Veille" in page.body
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    script = client.http.get("/app/static/app.js")
    assert script.status_code == 200 and script.headers["Content-Type"].startswith("application/javascript")
    assert client.http.get("/app/static/secrets.txt").status_code == 404


# -- listing ---------------------------------------------------------------------------------------------------
def test_mentions_are_listed_filtered_and_paged(client: Client, store) -> None:
    store.put_listed([make_mention(n, days_ago=n % 3) for n in range(1, 13)])
    store.put_listed([make_mention(50, watch="taskly"), make_mention(60, days_ago=8)])
    complaint = make_mention(70, text="Kanbo a planté, très déçu")
    store.put_mention(complaint)
    store.set_labels(complaint.id, {"complaint": True, "sentiment": "negative"})

    everything = body(get(client, "/mentions?limit=200"))
    assert len(everything["items"]) == 13 and everything["next"] is None
    assert everything["watch"] == "kanbo"
    created = [item["created_at"] for item in everything["items"]]
    assert created == sorted(created, reverse=True)

    seen: list[str] = []
    url = "/mentions?limit=5"
    while url:
        page = body(get(client, url))
        assert len(page["items"]) <= 5
        seen += [item["id"] for item in page["items"]]
        url = f"/mentions?limit=5&cursor={page['next']}" if page["next"] else ""
    assert sorted(seen) == sorted(item["id"] for item in everything["items"])

    assert [m["id"] for m in body(get(client, "/mentions?label=complaint"))["items"]] == [complaint.id]
    assert [m["id"] for m in body(get(client, "/mentions?text=TRES%20DECU"))["items"]] == [complaint.id]
    assert [m["external_id"] for m in body(get(client, "/mentions?watch=taskly"))["items"]] == ["50"]
    since = (utcnow() - timedelta(days=9)).date().isoformat()
    assert "60" in [m["external_id"] for m in body(get(client, f"/mentions?since={since}&limit=200"))["items"]]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=done", "status"),
        ("limit=500", "limit"),
        ("since=tomorrow", "since"),
        ("watch=nope", "watch"),
        ("cursor=zzz", "cursor"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(client: Client, query: str, field: str) -> None:
    answer = get(client, f"/mentions?{query}")
    assert answer.status_code == 400
    payload = body(answer)
    assert field in payload.get("message", payload["error"])


# -- one mention and triage -----------------------------------------------------------------------------------------
def test_get_and_patch_a_mention_persists_the_triage(client: Client, store) -> None:
    mention = make_mention(1)
    store.put_mention(mention)
    store.set_labels(mention.id, {"lead": False, "sentiment": "neutral"})
    shown = body(get(client, f"/mentions/{mention.id}"))
    assert shown["text"] == mention.text and shown["status"] == "new"

    answer = patch(client, f"/mentions/{mention.id}", {"status": "replied", "note": "done", "labels": {"lead": True}})
    assert answer.status_code == 200
    assert body(answer)["effective_labels"]["lead"] is True
    stored = store.get_mention(mention.id)
    assert (stored.status, stored.note, stored.corrections) == ("replied", "done", {"lead": True})
    assert stored.labels == {"lead": False, "sentiment": "neutral"}
    assert stored.status_changed_at is not None


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"status": "archived"}, "status"),
        ({"labels": {"colour": "red"}}, "labels.colour"),
        ("{not json", "(body)"),
        ([], "(body)"),
        ({}, "(body)"),
    ],
)
def test_an_invalid_patch_is_a_400_naming_the_field_and_changes_nothing(
    client: Client, store, payload: Any, field: str
) -> None:
    mention = make_mention(1)
    store.put_mention(mention)
    answer = patch(client, f"/mentions/{mention.id}", payload)
    assert answer.status_code == 400
    payload = body(answer)
    assert field in payload.get("message", payload["error"])
    assert store.get_mention(mention.id).status == "new"


def test_unknown_mentions_are_404(client: Client) -> None:
    assert get(client, "/mentions/m000").status_code == 404
    assert patch(client, "/mentions/m000", {"status": "replied"}).status_code == 404


# -- stats and digest ---------------------------------------------------------------------------------------------
def test_stats_give_a_daily_series(client: Client, store) -> None:
    for n, labels in enumerate(
        [
            {"sentiment": "negative", "complaint": True},
            {"sentiment": "positive", "lead": True},
            {"sentiment": "positive"},
        ]
    ):
        mention = make_mention(n)
        store.put_mention(mention)
        store.set_labels(mention.id, labels)
    stats = body(get(client, "/stats?days=3"))
    assert [d["date"] for d in stats["days"]][-1] == utcnow().date().isoformat()
    today = stats["days"][-1]
    assert (today["total"], today["positive"], today["negative"], today["complaints"], today["leads"]) == (
        3,
        2,
        1,
        1,
        1,
    )
    assert get(client, "/stats?days=0").status_code == 400


def test_the_digest_as_json_and_as_html(client: Client, store) -> None:
    mention = make_mention(1, text="kanbo <b>crashed</b> again")
    store.put_mention(mention)
    store.set_labels(mention.id, {"complaint": True, "sentiment": "negative", "needs_reply": True, "urgency": 80})
    day = mention.created_at.date().isoformat()
    digest = body(get(client, f"/digest/{day}"))
    assert digest["watch"] == "kanbo" and str(digest["date"]).startswith(day[:4])
    html = get(client, f"/digest/{day}", {**AUTH, "Accept": "text/html"})
    assert html.status_code == 200 and html.headers["Content-Type"].startswith("text/html")
    assert b"<b>crashed</b>" not in html.body
    assert get(client, "/digest/not-a-date").status_code == 400
    assert get(client, f"/digest/{day}?watch=nope").status_code == 400


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/digest/0001-01-01", "date"),
        ("/digest/9999-12-31", "date"),
        ("/digest/1999-12-31", "date"),
        ("/mentions?since=0001-01-01", "since"),
        ("/mentions?until=9999-12-31", "until"),
        ("/stats?until=0001-01-01", "until"),
    ],
)
def test_a_day_out_of_bounds_is_a_400_saying_what_is_allowed_never_a_500(client: Client, path: str, field: str) -> None:
    answer = get(client, path)
    assert answer.status_code == 400
    [error] = body(answer)["fields"]
    assert error["field"] == field
    tomorrow = (utcnow() + timedelta(days=1)).date().isoformat()
    assert f"from 2000-01-01 to {tomorrow}" in error["message"]


def test_the_first_and_last_allowed_days_answer_200(client: Client) -> None:
    tomorrow = (utcnow() + timedelta(days=1)).date().isoformat()
    for day in ("2000-01-01", tomorrow):
        assert get(client, f"/digest/{day}").status_code == 200
        assert get(client, f"/stats?until={day}").status_code == 200
        page = body(get(client, f"/mentions?until={day}"))
        assert page["items"] == [] or day == tomorrow
        assert get(client, f"/mentions?since={page['since']}&until={page['until']}").status_code == 200


# -- signed triage links -----------------------------------------------------------------------------------------------
def link_path(url: str) -> str:
    split = urlsplit(url)
    return f"{split.path}?{split.query}"


def test_a_signed_link_confirms_on_get_and_applies_on_post(client: Client, store) -> None:
    mention = make_mention(1, text="kanbo <script>alert(1)</script> is down")
    store.put_mention(mention)
    path = link_path(sign_triage_link(mention.id, "replied", expires_at=utcnow() + timedelta(days=1)))

    page = client.http.get(path)
    assert page.status_code == 200 and b"Mark as replied" in page.body and b'method="post"' in page.body
    assert b"<script>alert" not in page.body and b"&lt;script&gt;" in page.body
    assert store.get_mention(mention.id).status == "new"  # a GET (a mail scanner) changes nothing

    done = client.http.post(path, headers={"Content-Type": "application/x-www-form-urlencoded"}, body=b"")
    assert done.status_code == 200 and b"Marked as replied" in done.body
    assert store.get_mention(mention.id).status == "replied"


def _tampered(path: str, how: str) -> str:
    split = urlsplit(path)
    query = {k: v[0] for k, v in parse_qs(split.query).items()}
    route = split.path
    if how == "action":
        route = route.replace("/replied", "/ignored")
    elif how == "mention":
        route = route.replace("/t/m", "/t/mf")
    elif how == "exp":
        query["exp"] = str(int(query["exp"]) + 3600)
    elif how == "sig":
        query["sig"] = "0" * 64
    elif how == "nosig":
        query.pop("sig")
    return f"{route}?" + "&".join(f"{k}={v}" for k, v in query.items())


@pytest.mark.parametrize("how", ["action", "mention", "exp", "sig", "nosig", "expired", "forged"])
def test_forged_altered_or_expired_links_are_403_and_change_nothing(client: Client, store, how: str) -> None:
    mention = make_mention(1)
    store.put_mention(mention)
    expires = utcnow() + (timedelta(seconds=-5) if how == "expired" else timedelta(days=1))
    if how == "forged":
        from chalicelib.links import triage_path

        path = triage_path(mention.id, "replied", expires_at=expires, secret="a guess")
    else:
        path = _tampered(link_path(sign_triage_link(mention.id, "replied", expires_at=expires)), how)
    assert client.http.get(path).status_code == 403
    answer = client.http.post(path, headers={"Content-Type": "application/x-www-form-urlencoded"}, body=b"")
    assert answer.status_code == 403
    assert b"Nothing was changed" in answer.body
    assert store.get_mention(mention.id).status == "new"


def test_without_a_link_secret_links_are_refused(client: Client, store, monkeypatch: pytest.MonkeyPatch) -> None:
    mention = make_mention(1)
    store.put_mention(mention)
    path = link_path(sign_triage_link(mention.id, "ignored", expires_at=datetime.now(UTC) + timedelta(days=1)))
    monkeypatch.delenv("VEILLE_LINK_SECRET")
    answer = client.http.post(path, headers={"Content-Type": "application/x-www-form-urlencoded"}, body=b"")
    assert answer.status_code == 503 and b"VEILLE_LINK_SECRET" in answer.body
    assert store.get_mention(mention.id).status == "new"


def test_watches_lists_the_configured_watches(client: Client) -> None:
    answer = body(get(client, "/watches"))
    assert answer["default"] == "kanbo"
    assert [(w["name"], w["competitor"]) for w in answer["watches"]] == [("kanbo", False), ("taskly", True)]
    assert get(client, "/watches", {}).status_code == 401
