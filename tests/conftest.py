"""Shared fixtures: DynamoDB Local for the session, a fresh table per test, config files, the local stack."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from veille.runtime.dynamodb_local import DynamoDBLocal, local_aws_environment

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session", autouse=True)
def record_aws_calls() -> None:
    """Record every AWS call each Lambda function's code makes (tests/infra/test_iam_coverage.py checks them)."""
    import aws_calls

    aws_calls.install()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The IAM coverage test runs last, so that it sees the calls every other test made."""
    items.sort(key=lambda item: "test_iam_coverage" in item.nodeid)


def clear_caches() -> None:
    """Forget every lazily built dependency, so that a changed environment is seen."""
    from chalicelib.config import get_config
    from chalicelib.settings import get_settings
    from chalicelib.store.repo import get_store

    get_settings.cache_clear()
    get_store.cache_clear()
    get_config.cache_clear()


@pytest.fixture(scope="session")
def ddb_endpoint() -> Iterator[str]:
    """A DynamoDB Local on a free port of 127.0.0.1, started once for the session (or VEILLE_TEST_DDB_ENDPOINT)."""
    given = os.environ.get("VEILLE_TEST_DDB_ENDPOINT")
    if given:
        yield given
        return
    with DynamoDBLocal() as ddb:
        yield ddb.endpoint


@pytest.fixture
def store(ddb_endpoint: str, monkeypatch: pytest.MonkeyPatch):
    """A fresh table on DynamoDB Local, with the environment pointing at it and caches cleared."""
    from chalicelib.store.repo import Store, get_store

    table = f"veille-{uuid.uuid4().hex[:10]}"
    for key, value in local_aws_environment(ddb_endpoint, table).items():
        monkeypatch.setenv(key, value)
    clear_caches()
    fresh = get_store()
    assert isinstance(fresh, Store)
    fresh.ensure_table()
    yield fresh
    clear_caches()


@pytest.fixture
def write_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """``write_config(text)`` writes a veille.toml, points VEILLE_CONFIG at it and returns its path."""

    def write(text: str) -> Path:
        path = tmp_path / "veille.toml"
        path.write_text(text, encoding="utf-8")
        monkeypatch.setenv("VEILLE_CONFIG", str(path))
        clear_caches()
        return path

    return write


VEILLE_SERVER_CONFIG = """
[[watch]]
name = "acme"
query = 'acme OR "acme app"'
default = true
forms = ["typeform", "tally", "jotform", "google-forms", "formspree", "fillout", "generic"]
competitors = ["rival"]

[[watch]]
name = "rival"
competitor = true
query = "rival"
"""


@pytest.fixture
def veille_server(ddb_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest):
    """The whole local stack (HTTP on a free port, stream poller; schedules run by hand) on a fresh table.

    Yields the ``LocalStack``: ``.url``, ``.store``, ``.invoke_schedule(name)``, ``.drain_stream()``,
    ``.poller.stats``. Config: ``VEILLE_SERVER_CONFIG`` (watch ``acme``, competitor ``rival``), or the
    text of a ``veille_server_config`` marker. Secrets for every webhook provider and the API are set
    to ``test-secret``.
    """
    from veille.runtime.stack import LocalStack

    saved = dict(os.environ)
    config_path = tmp_path / "veille.toml"
    marker = request.node.get_closest_marker("veille_server_config")
    config_path.write_text(marker.args[0] if marker else VEILLE_SERVER_CONFIG, encoding="utf-8")
    secrets = {
        f"VEILLE_{name}": "test-secret"
        for name in (
            "TYPEFORM_SECRET",
            "TALLY_SECRET",
            "FORMSPREE_SECRET",
            "GOOGLE_FORMS_SECRET",
            "GENERIC_SECRET",
            "JOTFORM_TOKEN",
            "FILLOUT_TOKEN",
            "API_TOKEN",
            "LINK_SECRET",
        )
    }
    stack = LocalStack(
        port=0,
        ddb_endpoint=ddb_endpoint,
        table_name=f"veille-{uuid.uuid4().hex[:10]}",
        config_path=config_path,
        run_schedules=False,
        poll_interval=0.2,
        extra_env=secrets,
    )
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()
        os.environ.clear()
        os.environ.update(saved)
        clear_caches()
