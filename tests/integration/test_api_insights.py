"""Themes and the report over real HTTP, on the whole local stack: list, rename, hide, merge, report."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from chalicelib.crisis import COUNTER, floor_hour
from chalicelib.models import utcnow
from chalicelib.themes.job import theme_data
from chalicelib.themes.models import Theme

pytestmark = pytest.mark.integration
BEARER = {"Authorization": "Bearer test-secret"}  # the veille_server fixture's VEILLE_API_TOKEN


def stored_theme(theme_id: str, kind: str, en: str, fr: str, *, size: int = 3, authors: int = 2, **extra: Any) -> dict:
    """A theme as the discovery job stores it (centroid packed, three linked examples)."""
    now = utcnow()
    theme = Theme(
        id=theme_id,
        kind=kind,  # type: ignore[arg-type]
        label=en,
        labels={"en": en, "fr": fr},
        authors=authors,
        size=size,
        centroid=[0.6, 0.8],
        threshold=0.7,
        first_seen=now - timedelta(days=3),
        last_seen=now,
    )
    examples = [
        {"id": f"{theme_id}-m{n}", "quote": f"{en} #{n}", "url": f"https://example.com/{theme_id}/{n}"}
        for n in range(3)
    ]
    return theme_data(theme, examples=examples, extra=extra)


@pytest.fixture
def themed(veille_server: Any) -> Any:
    """Watch acme with four themes (one hidden) and this week's and last week's counters."""
    store = veille_server.store
    for data in (
        stored_theme("th-csv", "question", "Question: export to CSV", "Question : export CSV", size=5, authors=4),
        stored_theme("th-csv2", "question", "Question: CSV export of a board", "Question : export CSV d'un tableau"),
        stored_theme("th-crash", "problem", "Problem: the app crashes", "Problème : l'app plante"),
        stored_theme("th-dark", "request", "Request: dark mode", "Demande : mode sombre", hidden=True),
    ):
        store.put_theme("acme", data["id"], data)
    hour = floor_hour(utcnow())
    store.add_to_counter("acme", COUNTER, hour, 0, extra={"n|rss": 6, "neg|rss": 2, "t|th-csv": 4, "tm|th-csv": 4})
    store.add_to_counter("acme", COUNTER, hour, 0, extra={"t|th-csv2": 2, "tm|th-csv2": 2, "t|th-crash": 1})
    store.add_to_counter("acme", COUNTER, hour - timedelta(days=7), 0, extra={"n|rss": 2, "t|th-csv": 1})
    return veille_server


def api(server: Any, method: str, path: str, **kwargs: Any) -> httpx.Response:
    headers = {**BEARER, **kwargs.pop("headers", {})}
    return httpx.request(method, f"{server.url}{path}", headers=headers, timeout=30, **kwargs)


def by_id(answer: httpx.Response) -> dict[str, dict[str, Any]]:
    assert answer.status_code == 200, answer.text
    return {t["id"]: t for t in answer.json()["themes"]}


def test_themes_are_listed_by_kind_with_counts_and_examples_never_the_centroid(themed: Any) -> None:
    answer = api(themed, "GET", "/themes?watch=acme")
    body = answer.json()
    assert body["watch"] == "acme" and body["language"] == "en"
    themes = body["themes"]
    # Problems first, then requests, then questions (most units first), hidden ones included and marked
    assert [t["id"] for t in themes] == ["th-crash", "th-dark", "th-csv", "th-csv2"]
    csv = themes[2]
    assert csv["label"] == "Question: export to CSV"
    assert csv["labels"] == {"en": "Question: export to CSV", "fr": "Question : export CSV"}
    assert csv["count"] == 5 and csv["size"] == 5 and csv["authors"] == 4
    assert [e["url"] for e in csv["examples"]] == [f"https://example.com/th-csv/{n}" for n in range(3)]
    assert themes[1]["hidden"] is True and csv["hidden"] is False
    assert all("centroid_f16" not in t and "threshold" not in t and "space" not in t for t in themes)
    assert "centroid" not in answer.text


def test_a_rename_sticks_and_null_restores_the_generated_label(themed: Any) -> None:
    renamed = api(themed, "PATCH", "/themes/th-crash?watch=acme", json={"label": "  Crash on   Android 6 "})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["label"] == "Crash on Android 6"
    assert renamed.json()["generated_label"] == "Problem: the app crashes"
    assert by_id(api(themed, "GET", "/themes"))["th-crash"]["custom_label"] == "Crash on Android 6"
    stored = {d["id"]: d for d in themed.store.themes("acme")}["th-crash"]
    assert stored["custom_label"] == "Crash on Android 6" and stored["centroid_f16"]  # the rest kept
    # The report names it the founder's way, in either language
    day = utcnow().date().isoformat()
    report = api(themed, "GET", f"/report/week/{day}?lang=fr").json()
    assert "Crash on Android 6" in {t["label"] for t in report["themes"]}

    restored = api(themed, "PATCH", "/themes/th-crash", json={"label": None})
    assert restored.json()["label"] == "Problem: the app crashes" and restored.json()["custom_label"] is None
    assert "custom_label" not in {d["id"]: d for d in themed.store.themes("acme")}["th-crash"]


def test_a_hidden_theme_stays_listed_and_leaves_the_report(themed: Any) -> None:
    day = utcnow().date().isoformat()
    assert "th-crash" in {t["id"] for t in api(themed, "GET", f"/report/week/{day}").json()["themes"]}
    assert api(themed, "PATCH", "/themes/th-crash", json={"hidden": True}).json()["hidden"] is True
    assert by_id(api(themed, "GET", "/themes"))["th-crash"]["hidden"] is True
    assert "th-crash" not in {t["id"] for t in api(themed, "GET", f"/report/week/{day}").json()["themes"]}
    assert api(themed, "PATCH", "/themes/th-crash", json={"hidden": False}).json()["hidden"] is False


def test_a_merge_folds_examples_and_counts_into_the_target_and_leaves_a_tombstone(themed: Any) -> None:
    merged = api(themed, "PATCH", "/themes/th-csv2?watch=acme", json={"merge_into": "th-csv"})
    assert merged.status_code == 200, merged.text
    target = merged.json()
    assert target["id"] == "th-csv"
    assert len(target["examples"]) == 6 and {e["url"] for e in target["examples"]} >= {
        "https://example.com/th-csv2/0",
        "https://example.com/th-csv/0",
    }
    assert target["size"] == 8 and target["authors"] == 4 and target["count"] == 7  # 5 + the merged theme's 2

    listed = by_id(api(themed, "GET", "/themes"))
    assert "th-csv2" not in listed and listed["th-csv"]["count"] == 7
    assert listed["th-csv"]["merged"] == ["th-csv2"] and listed["th-crash"]["merged"] == []
    # The merged theme is a tombstone: the stream's assignment and the job skip it
    stored = {d["id"]: d for d in themed.store.themes("acme")}
    assert stored["th-csv2"]["merged_into"] == "th-csv"
    assert api(themed, "PATCH", "/themes/th-csv2", json={"hidden": True}).status_code == 404
    assert "merged into 'th-csv'" in api(themed, "PATCH", "/themes/th-csv2", json={"hidden": True}).json()["error"]

    # Merging the target on: the older tombstone follows, so its units still count somewhere listed
    themed.store.put_theme("acme", "th-csv3", stored_theme("th-csv3", "question", "Question: CSV", "Question : CSV"))
    assert api(themed, "PATCH", "/themes/th-csv", json={"merge_into": "th-csv3"}).json()["count"] == 7
    stored = {d["id"]: d for d in themed.store.themes("acme")}
    assert stored["th-csv2"]["merged_into"] == "th-csv3" and stored["th-csv"]["merged_into"] == "th-csv3"


@pytest.mark.parametrize(
    ("path", "body", "status", "says"),
    [
        ("/themes/th-nope", {"hidden": True}, 404, "no theme 'th-nope'"),
        ("/themes/th-csv", {"merge_into": "th-crash"}, 400, "merge_into: 'th-crash' is a problem theme"),
        ("/themes/th-csv", {"merge_into": "th-csv"}, 400, "merge_into: a theme cannot be merged into itself"),
        ("/themes/th-csv", {"merge_into": "th-gone"}, 400, "merge_into: no theme 'th-gone'"),
        ("/themes/th-csv", {"merge_into": "th-csv2", "label": "x"}, 400, "merge_into: send it alone"),
        ("/themes/th-csv", {"merge_into": "bad id!"}, 400, "merge_into"),
        ("/themes/th-csv", {"label": "   "}, 400, "label: Value error, must not be blank"),
        ("/themes/th-csv", {"label": "x" * 121}, 400, "label: String should have at most 120 characters"),
        ("/themes/th-csv", {"hidden": "yes"}, 400, "hidden: Input should be a valid boolean"),
        ("/themes/th-csv", {"split": True}, 400, "split: Extra inputs are not permitted"),
        ("/themes/th-csv", {}, 400, "send at least one of label, hidden, merge_into"),
        ("/themes/th-csv?watch=nobody", {"hidden": True}, 400, "watch: unknown watch 'nobody'"),
    ],
)
def test_a_bad_patch_names_the_field(themed: Any, path: str, body: Any, status: int, says: str) -> None:
    answer = api(themed, "PATCH", path, json=body)
    assert answer.status_code == status, answer.text
    assert says in (answer.json().get("message") or answer.json()["error"])


def test_the_weekly_report_has_kpis_against_last_week_and_proposals_with_examples(themed: Any) -> None:
    day = utcnow().date().isoformat()
    answer = api(themed, "GET", f"/report/week/{day}?watch=acme")
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["period"]["kind"] == "week" and report["watch"] == "acme"
    assert report["kpis"]["mentions"]["value"] == 6 and report["kpis"]["mentions"]["previous"] == 2
    csv = next(t for t in report["themes"] if t["id"] == "th-csv")
    assert csv["count"] == 4 and csv["previous"] == 1 and csv["trend"] == "rising"
    article = next(p for p in report["proposals"] if p["rule"] == "help_article")
    assert article["theme"] == "th-csv" and article["examples"][0]["url"] == "https://example.com/th-csv/0"
    assert "th-dark" not in {t["id"] for t in report["themes"]}  # hidden

    french = api(themed, "GET", f"/report/month/{day}?lang=fr").json()
    assert french["language"] == "fr" and french["period"]["kind"] == "month"
    assert "Question : export CSV" in {t["label"] for t in french["themes"]}


def test_the_report_as_html_has_the_digest_headers(themed: Any) -> None:
    day = utcnow().date().isoformat()
    answer = api(themed, "GET", f"/report/week/{day}", headers={"Accept": "text/html"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["content-security-policy"].startswith("default-src 'none'")
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["cache-control"] == "no-store"
    assert "export to CSV" in answer.text and "https://example.com/th-csv/0" in answer.text


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("/report/year/2026-03-09", "period: Input should be 'week' or 'month'"),
        ("/report/week/2026-02-30", "date: must be a day YYYY-MM-DD from 2000-01-01 to"),
        ("/report/week/1999-12-31", "date: must be a day YYYY-MM-DD"),
        ("/report/week/2026-03-09?lang=de", "lang: Input should be 'en' or 'fr'"),
        ("/report/week/2026-03-09?watch=nobody", "watch: unknown watch 'nobody'"),
        ("/report/week/2026-03-09?color=red", "color: Extra inputs are not permitted"),
    ],
)
def test_a_bad_report_request_names_the_field_and_what_is_allowed(veille_server: Any, path: str, says: str) -> None:
    answer = api(veille_server, "GET", path)
    assert answer.status_code == 400, answer.text
    assert says in (answer.json().get("message") or answer.json()["error"])


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/themes"), ("PATCH", "/themes/th-csv"), ("GET", "/report/week/2026-03-09")]
)
def test_without_the_token_nothing_is_shown_or_changed(themed: Any, method: str, path: str) -> None:
    answer = httpx.request(method, f"{themed.url}{path}", json={"hidden": True} if method == "PATCH" else None)
    assert answer.status_code == 401 and answer.headers["www-authenticate"].startswith("Bearer")
    assert not {d["id"]: d for d in themed.store.themes("acme")}["th-csv"].get("hidden")
