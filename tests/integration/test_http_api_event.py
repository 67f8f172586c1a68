"""What the HTTP API front door hands APIHandler reaches Chalice's views intact, over the real store.

API Gateway's HTTP API (infra/infra_app/stack.py) invokes ``app.app`` with the payload format 1.0 event:
header names lowercased, a form body base64-encoded, ``requestContext.resourcePath`` set to the matched
route's template, stage ``$default``. These tests build that event by hand, as the HTTP API documents it,
and call the deployed entry point ``app.app(event, context)`` directly (not Chalice's test client, which
builds REST API events of its own).
"""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from chalicelib.intake.samples import sample_deliveries, sign
from chalicelib.links import triage_path
from chalicelib.models import Author, Mention, WatchMatch, utcnow
from tests.conftest import clear_caches
from veille.runtime.lambda_shim import LambdaContext

pytestmark = pytest.mark.integration

TOKEN = "test-token-0123456789abcdef"
LINK_SECRET = "link-secret-0123456789abcdef"
WEBHOOK_SECRET = "webhook-secret-0123456789"
CONFIG = """
[[watch]]
name = "kanbo"
query = "kanbo"
default = true
forms = ["generic"]
"""
SAMPLES = {s.provider: s for s in sample_deliveries(Path(__file__).resolve().parents[2] / "samples" / "forms")}


def http_api_event(
    method: str,
    route: str,
    path: str,
    *,
    path_parameters: dict[str, str] | None = None,
    query: str = "",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    binary: bool = False,
) -> dict[str, Any]:
    """The payload format 1.0 event an HTTP API sends for ``method path`` matching route ``route``.

    ``binary``: the HTTP API base64-encodes bodies of non-text types (form posts among them).
    """
    names = {k.lower(): v for k, v in (headers or {}).items()}  # the HTTP API lowercases header names
    names.setdefault("host", "abc123.execute-api.eu-west-3.amazonaws.com")
    multi_query = dict(parse_qs(query, keep_blank_values=True)) or None
    encoded = None if body is None else (base64.b64encode(body).decode() if binary else body.decode("utf-8"))
    return {
        "version": "1.0",
        "resource": route,
        "path": path,
        "httpMethod": method,
        "headers": names,
        "multiValueHeaders": {k: [v] for k, v in names.items()},
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} if multi_query else None,
        "multiValueQueryStringParameters": multi_query,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": names["host"],
            "domainPrefix": "abc123",
            "extendedRequestId": "Xyz0AbCdEfGhIjK=",
            "httpMethod": method,
            "identity": {"sourceIp": "203.0.113.9", "userAgent": names.get("user-agent", "curl/8.5.0")},
            "path": path,
            "protocol": "HTTP/1.1",
            "requestId": "Xyz0AbCdEfGhIjK=",
            "requestTime": "03/Dec/2026:09:00:00 +0000",
            "requestTimeEpoch": 1796288400000,
            "resourceId": None,
            "resourcePath": route,
            "stage": "$default",
        },
        "pathParameters": path_parameters,
        "stageVariables": None,
        "body": encoded,
        "isBase64Encoded": binary,
    }


def invoke(event: dict[str, Any]) -> dict[str, Any]:
    """APIHandler's entry point, as Lambda calls it."""
    import app as veille_app

    return veille_app.app(event, LambdaContext("api_handler"))


@pytest.fixture
def deployed(store: Any, write_config: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    write_config(CONFIG)
    monkeypatch.setenv("VEILLE_API_TOKEN", TOKEN)
    monkeypatch.setenv("VEILLE_LINK_SECRET", LINK_SECRET)
    monkeypatch.setenv("VEILLE_GENERIC_SECRET", WEBHOOK_SECRET)
    monkeypatch.setenv("VEILLE_PUBLIC_URL", "https://abc123.execute-api.eu-west-3.amazonaws.com/")
    monkeypatch.delenv("VEILLE_SSM_PREFIX", raising=False)
    clear_caches()
    return store


def a_mention(n: int) -> Mention:
    return Mention(
        source="hn",
        external_id=str(n),
        text=f"kanbo mention {n}",
        author=Author(handle=f"user{n}"),
        created_at=utcnow() - timedelta(minutes=n),
        matches=[WatchMatch(watch="kanbo")],
    )


def test_a_signed_link_post_with_path_parameters_query_string_and_form_body_applies(deployed: Any) -> None:
    # Given a stored mention and its signed "replied" link
    mention = a_mention(1)
    deployed.put_listed([mention])
    link = urlsplit(triage_path(mention.id, "replied", expires_at=utcnow() + timedelta(days=1)))
    assert link.path == f"/t/{quote(mention.id, safe='')}/replied"
    # When the founder's browser posts the confirmation form through the HTTP API
    event = http_api_event(
        "POST",
        "/t/{mention_id}/{action}",
        link.path,
        path_parameters={"mention_id": mention.id, "action": "replied"},
        query=link.query,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Origin": "null"},
        body=b"confirm=1",
        binary=True,
    )
    response = invoke(event)
    # Then the view saw the route, its parameters and the signature in the query: the mention is replied
    assert response["statusCode"] == 200, response["body"]
    assert "Marked as replied" in response["body"]
    assert deployed.get_mention(mention.id).status == "replied"
    # And a query string the link did not sign is refused, with nothing changed
    forged = dict(event, multiValueQueryStringParameters={"exp": [parse_qs(link.query)["exp"][0]], "sig": ["0" * 64]})
    forged["queryStringParameters"] = {k: v[0] for k, v in forged["multiValueQueryStringParameters"].items()}
    other = a_mention(2)
    deployed.put_listed([other])
    forged["pathParameters"] = {"mention_id": other.id, "action": "replied"}
    assert invoke(forged)["statusCode"] == 403
    assert deployed.get_mention(other.id).status == "new"


def test_a_signed_webhook_keeps_its_raw_body_and_lowercased_signature_header(deployed: Any) -> None:
    # Given the generic provider's recorded delivery, signed as the form tool signs it
    sample = SAMPLES["generic"]
    extra = sign("generic", sample.body, WEBHOOK_SECRET, utcnow())
    headers = {**sample.headers, "Content-Type": sample.content_type, **extra["headers"]}
    event = http_api_event(
        "POST",
        "/webhooks/{provider}",
        "/webhooks/generic",
        path_parameters={"provider": "generic"},
        query="&".join(f"{k}={v}" for k, v in extra["params"].items()),
        headers=headers,
        body=sample.body,
    )
    assert all(name == name.lower() for name in event["headers"])
    # When the HTTP API delivers it
    response = invoke(event)
    # Then the signature checked out over the exact body, and the mention is stored once in the watch
    answer = json.loads(response["body"])
    assert (response["statusCode"], answer["stored"]) == (200, True), answer
    assert deployed.get_mention(answer["id"]).watch == "kanbo"
    assert json.loads(invoke(event)["body"]) == {"stored": False, "id": answer["id"]}
    # And a body altered on the way fails the signature
    tampered = dict(event, body=sample.body.decode("utf-8").replace("a", "b", 1))
    assert invoke(tampered)["statusCode"] == 401


def test_api_reads_with_a_lowercased_bearer_header_and_a_query_string(deployed: Any) -> None:
    mention = a_mention(3)
    deployed.put_listed([mention])
    auth = {"Authorization": f"Bearer {TOKEN}"}

    one = invoke(
        http_api_event(
            "GET",
            "/mentions/{mention_id}",
            f"/mentions/{quote(mention.id, safe='')}",
            path_parameters={"mention_id": mention.id},
            headers=auth,
        )
    )
    assert one["statusCode"] == 200, one["body"]
    assert json.loads(one["body"])["id"] == mention.id

    listed = invoke(http_api_event("GET", "/mentions", "/mentions", query="watch=kanbo&limit=5", headers=auth))
    assert listed["statusCode"] == 200, listed["body"]
    assert [m["id"] for m in json.loads(listed["body"])["items"]] == [mention.id]
    refused = invoke(http_api_event("GET", "/mentions", "/mentions", query="limit=0", headers=auth))
    assert refused["statusCode"] == 400 and "limit" in refused["body"]
    assert invoke(http_api_event("GET", "/mentions", "/mentions"))["statusCode"] == 401


def test_health_answers_through_the_http_api(deployed: Any) -> None:
    response = invoke(http_api_event("GET", "/health", "/health"))
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["ok"] is True
