"""POST /webhooks/{provider} through Chalice's test client, over the real store on DynamoDB Local.

What a user checks: each provider's recorded delivery lands once, in the right watch and day, and
every refused delivery (unknown, unconfigured, too big, wrong type, forged, malformed) stores nothing;
fuzzed deliveries never get a 500 and write exactly 0 or 1 item.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from chalice.test import Client
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from chalicelib.intake.providers import PROVIDER_MODULES
from chalicelib.intake.samples import SampleDelivery, sample_deliveries, sign
from tests.support import chalice_project, insert_event
from tests.unit.test_intake_fuzz import header_maps, multipart_bodies, mutated

pytestmark = pytest.mark.integration

SECRET = "webhook-secret-0123456789"
SECRET_SETTINGS = (
    "VEILLE_TYPEFORM_SECRET",
    "VEILLE_TALLY_SECRET",
    "VEILLE_FORMSPREE_SECRET",
    "VEILLE_GOOGLE_FORMS_SECRET",
    "VEILLE_GENERIC_SECRET",
    "VEILLE_JOTFORM_TOKEN",
    "VEILLE_FILLOUT_TOKEN",
)
SAMPLES = {s.provider: s for s in sample_deliveries(Path(__file__).resolve().parents[2] / "samples" / "forms")}
CAPTURES = Path(__file__).resolve().parents[1] / "fixtures" / "intake"  # see tests/fixtures/ORIGINS.md
CONFIG = """
[[watch]]
name = "kanbo"
query = "kanbo"
default = true

[[watch]]
name = "feedback-fr"
query = "kanbo"
forms = ["tally", "q7vXa2mPkn3s"]
"""


def count_items(store: Any) -> int:
    """Every item in the (fresh, test-only) table: proof that a refused delivery wrote nothing at all."""
    return int(store.client.scan(TableName=store.table_name, Select="COUNT", ConsistentRead=True)["Count"])


def classify_inserted(store: Any, mention_id: str) -> Any:
    """Run app.py's stream handler on the INSERT record Lambda would deliver for a stored mention."""
    import app as veille_app
    from veille.runtime.lambda_shim import LambdaContext

    return veille_app.classify_mentions(insert_event(store, mention_id), LambdaContext("classify_mentions"))


@pytest.fixture
def client(store: Any, write_config: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    """The real app.py with every provider configured, and a config routing Tally and one Fillout form."""
    import app as veille_app
    from chalicelib.config import get_config
    from chalicelib.settings import get_settings

    write_config(CONFIG)
    for name in SECRET_SETTINGS:
        monkeypatch.setenv(name, SECRET)
    monkeypatch.delenv("VEILLE_SSM_PREFIX", raising=False)
    get_settings.cache_clear()
    get_settings()
    get_config()
    with Client(veille_app.app, project_dir=chalice_project(tmp_path)) as test_client:
        yield test_client


def post(client: Client, provider: str, body: bytes, headers: dict[str, str], query: str = "") -> Any:
    response = client.http.post(f"/webhooks/{provider}{query}", headers=headers, body=body)
    return response.status_code, json.loads(response.body or b"{}")


def post_sample(
    client: Client,
    sample: SampleDelivery,
    *,
    secret: str = SECRET,
    now: float | None = None,
    body: bytes | None = None,
    content_type: str | None = None,
) -> Any:
    body = sample.body if body is None else body
    extra = sign(sample.provider, body, secret, now if now is not None else datetime.now(UTC).timestamp())
    headers = {**sample.headers, "Content-Type": content_type or sample.content_type, **extra["headers"]}
    query = "".join(f"?{k}={v}" for k, v in extra["params"].items())
    return post(client, sample.provider, body, headers, query)


@pytest.mark.parametrize("provider", sorted(SAMPLES))
def test_each_recorded_delivery_is_stored_once_and_found_by_watch_and_day(
    client: Client, store: Any, provider: str
) -> None:
    # When the provider delivers its recorded sample twice (a retry)
    status, answer = post_sample(client, SAMPLES[provider])
    again_status, again = post_sample(client, SAMPLES[provider])
    # Then it was stored once, and the retry answered 200 without storing anything new
    assert (status, answer["stored"]) == (200, True)
    assert (again_status, again) == (200, {"stored": False, "id": answer["id"]})
    assert count_items(store) == 1
    mention = store.get_mention(answer["id"])
    assert mention is not None and mention.source == f"form:{provider}"
    assert mention.author.email and mention.title and mention.text
    expected_watch = "feedback-fr" if provider in ("tally", "fillout") else "kanbo"
    assert mention.watch == expected_watch
    # Once the stream function has labelled it, the watch's day lists it
    assert classify_inserted(store, answer["id"]) == {"batchItemFailures": []}
    day_page, _ = store.mentions_of_day(expected_watch, mention.day)
    assert [m.id for m in day_page] == [answer["id"]] and day_page[0].labels


def test_third_party_captures_land_through_the_route(client: Client, store: Any) -> None:
    # Fillout's wrapped webhook body (Pipedream's test event): form name, respondent, ?email= parameter
    status, answer = post_sample(
        client, SAMPLES["fillout"], body=(CAPTURES / "fillout_pipedream_test_event.json").read_bytes()
    )
    assert (status, answer["stored"]) == (200, True)
    lead = store.get_mention(answer["id"])
    assert (lead.title, lead.author.name, lead.author.email, lead.text) == (
        "Form Name",
        "Timmy",
        "example@example.com",
        "",
    )
    # A real Typeform delivery with a file upload: the file's name is in the text
    status, answer = post_sample(
        client, SAMPLES["typeform"], body=(CAPTURES / "typeform_exolever_all_types.json").read_bytes()
    )
    assert (status, answer["stored"]) == (200, True)
    assert "Fileupload type: blank.pdf" in store.get_mention(answer["id"]).text.splitlines()


def test_unknown_provider_is_404(client: Client, store: Any) -> None:
    status, answer = post(client, "surveymonkey", b"{}", {"Content-Type": "application/json"})
    assert status == 404 and "typeform" in answer["error"]
    assert count_items(store) == 0


def test_a_provider_without_a_secret_is_404_and_never_accepts_unsigned_data(
    client: Client, store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VEILLE_TALLY_SECRET")
    status, answer = post_sample(client, SAMPLES["tally"])
    assert status == 404 and "VEILLE_TALLY_SECRET" in answer["error"]
    assert count_items(store) == 0


def test_a_body_over_the_size_limit_is_413(client: Client, store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.settings import get_settings

    monkeypatch.setenv("VEILLE_WEBHOOK_MAX_BYTES", "1024")
    get_settings.cache_clear()
    body = json.dumps({"id": "big", "text": "x" * 2000}).encode()
    assert post_sample(client, SAMPLES["generic"], body=body)[0] == 413
    assert count_items(store) == 0


@pytest.mark.parametrize(
    ("provider", "content_type"),
    [
        ("typeform", "application/x-www-form-urlencoded"),
        ("generic", "multipart/form-data; boundary=x"),
        ("jotform", "application/json"),
    ],
)
def test_a_content_type_the_provider_never_sends_is_415(
    client: Client, store: Any, provider: str, content_type: str
) -> None:
    status, answer = post_sample(client, SAMPLES[provider], content_type=content_type)
    assert status == 415 and "sends" in answer["error"]
    assert count_items(store) == 0


@pytest.mark.parametrize("provider", sorted(SAMPLES))
def test_a_wrong_or_missing_signature_is_401_and_nothing_is_stored(client: Client, store: Any, provider: str) -> None:
    sample = SAMPLES[provider]
    assert post_sample(client, sample, secret="forged-secret")[0] == 401
    status, answer = post(client, provider, sample.body, {**sample.headers, "Content-Type": sample.content_type})
    assert status == 401 and answer["error"]
    assert count_items(store) == 0


def test_a_stale_formspree_delivery_is_401(client: Client, store: Any) -> None:
    ten_minutes_ago = datetime.now(UTC).timestamp() - 600
    status, answer = post_sample(client, SAMPLES["formspree"], now=ten_minutes_ago)
    assert status == 401 and "stale" in answer["error"]
    assert count_items(store) == 0


def test_the_jotform_token_may_come_as_a_header(client: Client, store: Any) -> None:
    sample = SAMPLES["jotform"]
    headers = {**sample.headers, "Content-Type": sample.content_type, "X-Veille-Token": SECRET}
    assert post(client, "jotform", sample.body, headers)[0] == 200
    assert count_items(store) == 1


def test_a_signed_malformed_body_is_400_naming_the_field(client: Client, store: Any) -> None:
    body = json.dumps({"id": "zap-1", "text": "hello", "created_at": "last tuesday"}).encode()
    status, answer = post_sample(client, SAMPLES["generic"], body=body)
    assert (status, answer["field"]) == (400, "created_at")
    status, answer = post_sample(client, SAMPLES["typeform"], body=b'{"form_response": {"answers": 7}}')
    assert (status, answer["field"]) == (400, "form_response.answers")
    assert count_items(store) == 0


def test_drop_personal_data_stores_no_name_or_email(
    client: Client, store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.settings import get_settings

    monkeypatch.setenv("VEILLE_DROP_PERSONAL_DATA", "true")
    get_settings.cache_clear()
    status, answer = post_sample(client, SAMPLES["typeform"])
    assert status == 200
    mention = store.get_mention(answer["id"])
    assert mention is not None and mention.author.name is None and mention.author.email is None
    assert "Android app logs me out" in mention.text


def test_names_and_emails_are_stored_but_never_logged(
    client: Client, store: Any, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level("DEBUG", logger="veille")
    for sample in SAMPLES.values():
        assert post_sample(client, sample)[0] == 200
        assert post_sample(client, sample, secret="wrong")[0] == 401
    output = capsys.readouterr()
    # Every attribute of every log record (Powertools adds the extra keys to the record), and stdout/stderr
    logged = "\n".join(json.dumps(r.__dict__, default=str) for r in caplog.records) + output.out + output.err
    assert logged.count('"reason": "stored"') == len(SAMPLES)  # the route does log each delivery...
    for personal in (
        "dana.whitfield@example.com",
        "Whitfield",
        "camille.roux",
        "Priya Raman",
        "marcus.bell",
        "Sophie Lambert",
        "leo@example.com",
        "julien.marchand",
        "Android app logs me out",
    ):
        assert personal not in logged  # ...without who sent it or what they wrote


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(data=st.data(), provider=st.sampled_from(sorted(PROVIDER_MODULES)), signed=st.booleans(), headers=header_maps)
def test_any_delivery_through_the_route_is_answered_and_writes_0_or_1_item(
    client: Client, store: Any, data: st.DataObject, provider: str, signed: bool, headers: dict[str, str]
) -> None:
    # Given any body: a mutated recorded delivery, random multipart or random bytes
    content_type = SAMPLES[provider].content_type
    if provider == "jotform":
        body, content_type = data.draw(multipart_bodies())
    elif data.draw(st.booleans()):
        body = data.draw(mutated(provider))
    else:
        body = data.draw(st.binary(max_size=200))
    query = ""
    if signed:
        extra = sign(provider, body, SECRET, datetime.now(UTC).timestamp())
        headers = {**headers, "Content-Type": content_type, **extra["headers"]}
        query = "".join(f"?{k}={v}" for k, v in extra["params"].items())
    before = count_items(store)
    # When it is posted to the route
    response = client.http.post(f"/webhooks/{provider}{query}", headers=headers, body=body)
    # Then the answer is never a server error, and the table grew by one item only for a new mention
    event(f"HTTP {response.status_code}")
    assert response.status_code in (200, 400, 401, 404, 413, 415)
    grew = count_items(store) - before
    if response.status_code == 200:
        assert grew == (1 if json.loads(response.body)["stored"] else 0)
    else:
        assert grew == 0


def test_the_local_access_log_never_prints_a_url_token(veille_server, capfd: pytest.CaptureFixture[str]) -> None:
    import httpx

    sample = SAMPLES["jotform"]
    answer = httpx.post(
        f"{veille_server.url}/webhooks/jotform?token=test-secret",
        content=sample.body,
        headers={"Content-Type": sample.content_type},
        timeout=10,
    )
    assert answer.status_code == 200
    log = capfd.readouterr().err
    assert "POST /webhooks/jotform?token=*** HTTP/1.1" in log
    assert "test-secret" not in log
