"""Fuzzing every parser and the whole intake: any body, any headers -> a 2xx/4xx answer, never an exception,
and exactly 0 or 1 mention stored per delivery."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from chalicelib.intake import InboundRequest, IntakeDeps, Route, receive
from chalicelib.intake.model import Delivery, IgnoredDelivery, PayloadError
from chalicelib.intake.providers import PROVIDER_MODULES, get_provider
from chalicelib.intake.samples import sample_deliveries, sign
from chalicelib.models import Mention

NOW = datetime(2026, 11, 21, 18, 0, tzinfo=UTC)
SECRET = "fuzz-secret"
SAMPLES = {s.provider: s for s in sample_deliveries(Path(__file__).resolve().parents[2] / "samples" / "forms")}
PROVIDERS = sorted(PROVIDER_MODULES)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)


@st.composite
def mutated(draw: st.DrawFn, provider: str) -> bytes:
    """The provider's recorded JSON with one to three values replaced by anything, or keys dropped."""
    data = json.loads(SAMPLES[provider].body)
    for _ in range(draw(st.integers(1, 3))):
        node: Any = data
        path: list[Any] = []
        while isinstance(node, dict | list) and node and draw(st.booleans()):
            key = draw(st.sampled_from(list(node.keys()) if isinstance(node, dict) else list(range(len(node)))))
            path.append(key)
            node = node[key]
        if not path:
            continue
        parent: Any = data
        for key in path[:-1]:
            parent = parent[key]
        if isinstance(parent, dict) and draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(json_values)
    return json.dumps(data, ensure_ascii=draw(st.booleans())).encode()


@st.composite
def multipart_bodies(draw: st.DrawFn) -> tuple[bytes, str]:
    boundary = draw(st.sampled_from(["x", "----b0und4ry", "a b"]))
    fields = draw(
        st.dictionaries(
            st.sampled_from(["submissionID", "formID", "formTitle", "rawRequest", "pretty", "x"]),
            st.text(max_size=40) | json_values.map(json.dumps),
            max_size=6,
        )
    )
    if draw(st.booleans()):
        fields["rawRequest"] = json.dumps(
            draw(
                st.dictionaries(
                    st.from_regex(r"q[0-9]{1,2}_[a-zA-Z]{1,8}", fullmatch=True) | st.text(max_size=8),
                    json_values,
                    max_size=5,
                )
            )
        )
    parts = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n'.encode() + v.encode() + b"\r\n"
        for k, v in fields.items()
    )
    tail = draw(st.sampled_from([f"--{boundary}--\r\n".encode(), b"", b"--" + boundary.encode()]))
    return parts + tail, draw(
        st.sampled_from(
            [
                f"multipart/form-data; boundary={boundary}",
                f'multipart/form-data; boundary="{boundary}"',
                "multipart/form-data",
            ]
        )
    )


def _parses_or_names_a_field(provider: str, body: bytes, content_type: str) -> None:
    module = get_provider(provider)
    assert module is not None
    try:
        delivery = module.parse(body, content_type)
    except PayloadError as exc:
        event("refused")
        assert exc.field
    except IgnoredDelivery:
        event("ignored")  # a signed event that is not a response (Tally, Typeform partial): 200, not stored
    else:
        event("parsed")
        assert isinstance(delivery, Delivery)
        delivery.body_text()


@FUZZ
@given(provider=st.sampled_from(PROVIDERS), body=st.binary(max_size=300))
def test_random_bytes_never_crash_a_parser(provider: str, body: bytes) -> None:
    _parses_or_names_a_field(provider, body, SAMPLES[provider].content_type)


@FUZZ
@given(provider=st.sampled_from(PROVIDERS), value=json_values)
def test_random_json_never_crashes_a_parser(provider: str, value: Any) -> None:
    _parses_or_names_a_field(provider, json.dumps(value).encode(), "application/json")


@FUZZ
@given(data=st.data(), provider=st.sampled_from([p for p in PROVIDERS if p != "jotform"]))
def test_mutated_recorded_deliveries_never_crash_a_parser(data: st.DataObject, provider: str) -> None:
    _parses_or_names_a_field(provider, data.draw(mutated(provider)), "application/json")


@FUZZ
@given(body_and_type=multipart_bodies())
def test_random_multipart_never_crashes_the_jotform_parser(body_and_type: tuple[bytes, str]) -> None:
    _parses_or_names_a_field("jotform", *body_and_type)


class CountingStore:
    def __init__(self) -> None:
        self.puts: list[Mention] = []
        self.ids: set[str] = set()

    def put_mention(self, mention: Mention) -> bool:
        self.puts.append(mention)
        new = mention.id not in self.ids
        self.ids.add(mention.id)
        return new


header_maps = st.dictionaries(
    st.sampled_from(
        [
            "Content-Type",
            "typeform-signature",
            "Tally-Signature",
            "x-form-signature",
            "X-Veille-Token",
            "formspree-signature",
            "x-veille-signature",
            "X-Other",
        ]
    ),
    st.text(max_size=60),
    max_size=5,
)


@FUZZ
@given(
    data=st.data(),
    provider=st.sampled_from([*PROVIDERS, "unknown"]),
    signed=st.booleans(),
    headers=header_maps,
    query=st.dictionaries(st.sampled_from(["token", "x"]), st.text(max_size=20), max_size=2),
)
def test_any_delivery_gets_an_answer_and_stores_at_most_one_mention(
    data: st.DataObject, provider: str, signed: bool, headers: dict[str, str], query: dict[str, str]
) -> None:
    # Given any body (often a mutated real one), sometimes correctly signed, with any headers
    if provider in SAMPLES and provider != "jotform" and data.draw(st.booleans()):
        body = data.draw(mutated(provider))
    else:
        body = data.draw(st.binary(max_size=300))
    if signed and provider in SAMPLES:
        extra = sign(provider, body, SECRET, NOW)
        headers = {**headers, "Content-Type": SAMPLES[provider].content_type, **extra["headers"]}
        query = {**query, **extra["params"]}
    store = CountingStore()
    deps = IntakeDeps(store=store, secret=lambda name: SECRET, route=lambda p, f: Route("kanbo"), now=lambda: NOW)
    # When it is received
    reply = receive(InboundRequest(provider, body, copy.deepcopy(headers), query), deps)
    # Then the answer is a client error or a store, and at most one put happened, only on 200
    event(f"HTTP {reply.status}")
    assert reply.status in (200, 400, 401, 404, 413, 415)
    assert len(store.puts) == (1 if reply.status == 200 and reply.reason != "ignored" else 0)
    if reply.status != 200:
        assert reply.body["error"]
