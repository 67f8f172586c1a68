"""Load: 1,000 deliveries at once against the whole local stack over loopback, 10% redeliveries and
10% forged, then count what the store holds for the day through the watch-by-day index."""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from chalicelib.intake.samples import sample_deliveries, sign

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SECRET = "test-secret"  # what the veille_server fixture configures for every provider
TOTAL = 1000
WORKERS = 20
SAMPLES = {s.provider: s for s in sample_deliveries(Path(__file__).resolve().parents[2] / "samples" / "forms")}


@dataclass(frozen=True)
class Shot:
    provider: str
    body: bytes
    content_type: str
    response_id: str
    forged: bool = False


def _variant(provider: str, n: int, when: str) -> Shot:
    """The provider's recorded delivery with a new response id and today's submission time."""
    sample = SAMPLES[provider]
    rid = f"load-{provider}-{n:05d}"
    if provider == "jotform":
        body = sample.body.replace(b"6391847205518832041", rid.encode())
        return Shot(provider, body, sample.content_type, rid)
    data = json.loads(sample.body)
    if provider == "generic":
        data.update(id=rid, created_at=when)
    elif provider == "typeform":
        data["form_response"].update(token=rid, submitted_at=when)
    elif provider == "tally":
        data["data"].update(responseId=rid, createdAt=when)
    return Shot(
        provider, json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode(), sample.content_type, rid
    )


def _plan(when: str) -> tuple[list[Shot], list[Shot]]:
    rng = random.Random(20261121)
    providers = ["generic", "typeform", "tally", "jotform"]
    valid = [_variant(providers[n % 4], n, when) for n in range(int(TOTAL * 0.8))]
    duplicates = [rng.choice(valid) for _ in range(int(TOTAL * 0.1))]
    forged = [
        Shot(**{**_variant(providers[n % 4], 10_000 + n, when).__dict__, "forged": True})
        for n in range(TOTAL - len(valid) - len(duplicates))
    ]
    shots = valid + duplicates + forged
    rng.shuffle(shots)
    return shots, valid


def _send(client: httpx.Client, shot: Shot) -> tuple[Shot, int, dict[str, Any], float]:
    extra = sign(shot.provider, shot.body, "forged-secret" if shot.forged else SECRET, time.time())
    started = time.perf_counter()
    response = client.post(
        f"/webhooks/{shot.provider}",
        content=shot.body,
        params=extra["params"],
        headers={"Content-Type": shot.content_type, **extra["headers"]},
    )
    return shot, response.status_code, response.json(), time.perf_counter() - started


def test_a_thousand_concurrent_deliveries_store_exactly_the_valid_unique_ones(veille_server: Any) -> None:
    # Given 800 distinct valid deliveries from four providers, 100 redeliveries of some, and 100 forged ones
    now = datetime.now(UTC).replace(microsecond=0)
    shots, valid = _plan(now.isoformat().replace("+00:00", "Z"))
    # When they are all sent at once by 20 senders over loopback
    started = time.perf_counter()
    limits = httpx.Limits(max_connections=WORKERS, max_keepalive_connections=WORKERS)
    with (
        httpx.Client(base_url=veille_server.url, timeout=60, limits=limits) as client,
        ThreadPoolExecutor(max_workers=WORKERS) as pool,
    ):
        results = list(pool.map(lambda shot: _send(client, shot), shots))
    elapsed = time.perf_counter() - started
    # Then every valid delivery (first or again) answered 200, every forged one 401...
    statuses = Counter((shot.forged, status) for shot, status, _, _ in results)
    stored_answers = sum(1 for _, status, body, _ in results if status == 200 and body["stored"])
    assert statuses == {(False, 200): len(valid) + TOTAL // 10, (True, 401): TOTAL // 10}
    assert stored_answers == len(valid)
    # ...and the store holds exactly the valid unique ones, listed by watch and day once the stream labelled them
    veille_server.drain_stream(timeout_s=120)
    from chalicelib.models import mention_id

    days = sorted({now.strftime("%Y-%m-%d"), datetime.now(UTC).strftime("%Y-%m-%d")})  # jotform: time of receipt
    stored = [m for m in veille_server.store.iter_mentions("acme", days) if m.external_id.startswith("load-")]
    by_id = {m.id for m in stored}
    assert len(stored) == len(by_id) == len(valid)
    assert by_id == {mention_id(f"form:{shot.provider}", shot.response_id) for shot in valid}
    latencies = sorted(latency for *_, latency in results)
    p50, p95 = latencies[len(latencies) // 2] * 1000, latencies[int(len(latencies) * 0.95)] * 1000
    print(
        f"\nload: sent {len(results)} in {elapsed:.1f}s ({len(results) / elapsed:.0f}/s, {WORKERS} senders); "
        f"latency p50 {p50:.0f} ms, p95 {p95:.0f} ms, "
        f"max {latencies[-1] * 1000:.0f} ms; answers {dict(Counter(status for _, status, _, _ in results))}; "
        f"stored {stored_answers}; found by GSI {len(stored)} (expected {len(valid)}: {TOTAL // 10} redeliveries "
        f"and {TOTAL // 10} forged refused)"
    )
