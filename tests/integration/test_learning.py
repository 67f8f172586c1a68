"""A watch that learns, on DynamoDB Local: a correction made through the API changes the next similar mention
of the same watch, never another watch's, and stops when it is removed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.models import Author, Mention, WatchMatch, utcnow
from tests.support import chalice_project, insert_event
from veille.runtime.lambda_shim import LambdaContext

pytestmark = pytest.mark.integration

AUTH = {"Authorization": "Bearer test-token-0123456789abcdef"}
CONFIG = """
[[watch]]
name = "kanbo"
query = "kanbo"
default = true

[[watch]]
name = "taskly"
query = "taskly"
"""
TEXT = "{brand} crashes every time I open the calendar view and I lose my unsaved tasks, so annoying"


@pytest.fixture
def client(store, write_config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    import app as veille_app
    from chalicelib.pipeline.learn import clear_cache

    write_config(CONFIG)
    monkeypatch.setenv("VEILLE_API_TOKEN", AUTH["Authorization"].split()[1])
    monkeypatch.delenv("VEILLE_SSM_PREFIX", raising=False)
    clear_cache()
    with Client(veille_app.app, project_dir=chalice_project(tmp_path)) as test_client:
        yield test_client


def arrive(store: Any, n: int, watch: str, text: str) -> Mention:
    """A new mention stored and classified by the stream handler, as Lambda would deliver its INSERT."""
    from chalicelib import handlers

    mention = Mention(
        source="hn",
        external_id=f"{watch}-{n}",
        text=text.format(brand=watch.capitalize()),
        author=Author(handle=f"user{n}"),
        created_at=utcnow(),
        matches=[WatchMatch(watch=watch)],
    )
    assert store.put_mention(mention)
    event = insert_event(store, mention.id, event_id=str(n))
    assert handlers.classify_stream(event, LambdaContext("classify_mentions")) == {"batchItemFailures": []}
    stored = store.get_mention(mention.id)
    assert stored is not None and stored.labels is not None
    return stored


def patch(client: Client, mention_id: str, body: Any) -> dict[str, Any]:
    answer = client.http.request(
        "PATCH",
        f"/mentions/{mention_id}",
        body=json.dumps(body).encode(),
        headers={**AUTH, "Content-Type": "application/json"},
    )
    assert answer.status_code == 200, answer.body
    return json.loads(answer.body)  # type: ignore[no-any-return]


def test_a_correction_through_the_api_changes_the_next_similar_mention_of_its_watch_only(
    client: Client, store: Any
) -> None:
    first = arrive(store, 1, "kanbo", TEXT)
    assert first.labels["complaint"] is True  # what the founder disagrees with (precondition)

    # The founder says: not a complaint (a feature request, in their product's words)
    patch(client, first.id, {"labels": {"kind": "feature_request"}})

    # The next similar mention of the same watch follows the correction, and says why
    second = arrive(store, 2, "kanbo", TEXT + "!")
    assert (second.labels["complaint"], second.labels["kind"]) == (False, "feature_request")
    today = utcnow()
    marked = f"like the mention you marked a feature request on {today.day} {today:%b}"
    assert second.labels["why"]["kind"] == [marked]
    shown = json.loads(client.http.get(f"/mentions/{second.id}", headers=AUTH).body)
    assert shown["effective_labels"]["why"]["kind"] == [marked]

    # Another watch's mention with the same words keeps its own labels
    other = arrive(store, 3, "taskly", TEXT + "!")
    assert other.labels["complaint"] is True and "adapted" not in other.labels

    # Removed (labels: null), the correction stops acting on the next mention
    undone = patch(client, first.id, {"labels": None})
    assert undone["corrections"] is None and undone["effective_labels"]["complaint"] is True
    third = arrive(store, 4, "kanbo", TEXT + "!!")
    assert third.labels["complaint"] is True and "adapted" not in third.labels


def test_one_label_can_be_uncorrected_and_the_watch_keeps_the_rest(client: Client, store: Any) -> None:
    first = arrive(store, 1, "kanbo", TEXT)
    patch(client, first.id, {"labels": {"lead": True, "sentiment": "neutral"}})
    assert store.get_mention(first.id).corrections == {"lead": True, "sentiment": "neutral"}
    patch(client, first.id, {"labels": {"lead": None}})
    assert store.get_mention(first.id).corrections == {"sentiment": "neutral"}
    version, corrections = store.watch_corrections("kanbo")
    assert version is not None and [c.labels for c in corrections] == [{"sentiment": "neutral"}]
    assert store.watch_corrections("taskly") == (None, [])


def test_veille_corrections_export_prints_each_correction_as_jsonl(
    client: Client, store: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from veille.cli import main

    first = arrive(store, 1, "kanbo", TEXT)
    patch(client, first.id, {"labels": {"kind": "feature_request"}})
    capsys.readouterr()
    assert main(["corrections", "export", "--watch", "kanbo"]) == 0
    [line] = capsys.readouterr().out.splitlines()
    row = json.loads(line)
    assert row["mention_id"] == first.id and row["watch"] == "kanbo"
    assert row["labels"] == {"kind": "feature_request", "complaint": False}
    assert row["text"].startswith("Kanbo crashes every time")
    assert main(["corrections", "export", "--watch", "nope"]) == 2
