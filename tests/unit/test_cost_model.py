"""The monthly cost model's arithmetic, checked against a case computed by hand."""

from __future__ import annotations

import pytest

from bench.ops.cost import Assumptions, Usage, cheapest_saas, monthly_cost

USAGE = Usage(
    write_units=2.0,
    read_units=0.5,
    digest_read_units=0.25,
    item_bytes=900,
    index_bytes=900,
    stream_ms=10.0,
    intake_ms=20.0,
    log_bytes=500,
)


# The earlier deployment: every mention kept 90 days, behind Chalice's REST API (which logged no access line).
REST_90_DAYS = Assumptions(front_door="rest", retention_mix=(), access_log_bytes=0)


def test_one_million_a_day_matches_the_hand_computed_bill() -> None:
    bill = monthly_cost(1_000_000, USAGE, REST_90_DAYS)
    # M = 30M mentions. Requests: 300k stream + 3M webhooks + 2,880 fetches + 720 digests + 8,640 alert retries
    # + 100k = 3,412,240; 2,412,240 billed.
    assert bill["lambda_requests"] == pytest.approx(2_412_240 * 0.20 / 1e6, abs=1e-4)
    # Seconds: 300k + 9k (invocation overhead) + 600k + 5,760 + 360 + 432 + 10k = 925,552 GB-s at 1 GB; 525,552 billed.
    assert bill["lambda_compute"] == pytest.approx(525_552 * 0.0000133334, abs=1e-4)
    # 30M x 2 WRU x $0.625/M, plus the crisis counter: one write per 15-minute window (2,880 a month);
    # 30M x 0.75 RRU x $0.125/M.
    assert bill["dynamodb_writes"] == pytest.approx((30e6 * 2 + 2_880) * 0.625e-6)
    assert bill["dynamodb_reads"] == pytest.approx(2.8125, abs=1e-4)
    # 1M x 90 days x 2 copies x 1,000 B = 180 GB; 155 GB billed x $0.25.
    assert bill["dynamodb_storage"] == pytest.approx(38.75)
    # 3M webhooks + 100k API requests at $3.50/M.
    assert bill["api_gateway"] == pytest.approx(10.85)
    # 600 alerts a month to 5 subscribers: 3,000 emails, 2,000 billed at $2/100k; 150 digest emails at $0.10/1k.
    assert bill["sns_alerts"] == pytest.approx(0.04)
    assert bill["ses_digests"] == pytest.approx(0.015)
    # Logs: 3,412,240 x 500 B + 30M x 500 B = 16.70612 GB; 11.70612 GB billed at $0.50.
    assert bill["cloudwatch_logs"] == pytest.approx(5.85306, abs=1e-4)
    parts = sum(v for k, v in bill.items() if k != "total")
    assert bill["total"] == pytest.approx(parts, abs=1e-3)


def test_a_small_volume_stays_inside_the_free_allowances() -> None:
    bill = monthly_cost(1_000, USAGE, Assumptions(webhook_fraction=0.0, api_requests_per_month=0))
    assert bill["lambda_requests"] == 0
    assert bill["lambda_compute"] == 0
    assert bill["dynamodb_storage"] == 0
    assert bill["cloudwatch_logs"] == 0
    assert bill["total"] == pytest.approx(bill["dynamodb_writes"] + bill["dynamodb_reads"] + 0.04 + 0.015, abs=1e-3)


def test_cheapest_saas_plan_is_the_cheapest_whose_quota_covers_the_volume() -> None:
    plan = cheapest_saas(400)  # 12,000 a month
    assert plan is not None and plan["tool"] == "Awario Starter"
    assert cheapest_saas(1_000_000) is None  # 30M a month: no published plan


def test_the_front_door_prices_webhooks_and_api_requests() -> None:
    # 3M webhooks + 100k API requests a month at 1M mentions a day (10% through webhooks).
    assert monthly_cost(1_000_000, USAGE, Assumptions(front_door="http"))["api_gateway"] == pytest.approx(3.10)
    assert monthly_cost(1_000_000, USAGE, Assumptions(front_door="rest"))["api_gateway"] == pytest.approx(10.85)
    assert monthly_cost(1_000_000, USAGE, Assumptions(front_door="function_url"))["api_gateway"] == 0
    with pytest.raises(ValueError, match="front_door"):
        monthly_cost(1_000_000, USAGE, Assumptions(front_door="alb"))


def test_the_defaults_are_what_is_deployed_http_api_and_retention_per_source() -> None:
    bill = monthly_cost(1_000_000, USAGE)
    # 3M webhooks + 100k API requests at the HTTP API's $1.00/M.
    assert bill["api_gateway"] == pytest.approx(3.10)
    # 90% kept 30 days, 10% kept 90: 36 days on average; 1M x 36 x 2 copies x 1,000 B = 72 GB; 47 GB billed x $0.25.
    assert bill["dynamodb_storage"] == pytest.approx(11.75)
    # Logs as in the hand-computed bill (16.70612 GB) plus 3.1M access-log lines x 290 B = 0.899 GB; 12.60512 billed.
    assert bill["cloudwatch_logs"] == pytest.approx(12.60512 * 0.50, abs=1e-3)


def test_standard_ia_stores_for_less_and_writes_for_more() -> None:
    bill = monthly_cost(1_000_000, USAGE, Assumptions(table_class="standard_ia", retention_mix=()))
    # 180 GB at $0.10, no free allowance; writes and reads 25% dearer.
    assert bill["dynamodb_storage"] == pytest.approx(18.0)
    assert bill["dynamodb_writes"] == pytest.approx((30e6 * 2 + 2_880) * 0.625e-6 * 1.25, abs=1e-4)
    assert bill["dynamodb_reads"] == pytest.approx(2.8125 * 1.25, abs=1e-4)


def test_retention_per_source_shrinks_what_is_stored() -> None:
    # 10% kept 90 days, 90% kept 30 days: 36 days on average, 72 GB; 47 GB billed.
    mix = Assumptions(retention_mix=((0.1, 90), (0.9, 30)))
    assert monthly_cost(1_000_000, USAGE, mix)["dynamodb_storage"] == pytest.approx(11.75)
    assert monthly_cost(1_000_000, USAGE, REST_90_DAYS)["dynamodb_storage"] == pytest.approx(38.75)


def test_webhook_log_bytes_count_once_per_webhook_request() -> None:
    chatty = Usage(**{**USAGE.__dict__, "webhook_log_bytes": 1000})
    extra = monthly_cost(1_000_000, chatty)["cloudwatch_logs"] - monthly_cost(1_000_000, USAGE)["cloudwatch_logs"]
    assert extra == pytest.approx(3_000_000 * 1000 / 1e9 * 0.50, abs=1e-3)  # 3 GB more, all billed


def test_counter_writes_weigh_most_on_a_quiet_watch() -> None:
    from bench.ops.cost import write_units_per_mention

    # One counter write per 15-minute window, over 10k / 1M mentions a day, on top of the mention's 2 WRU
    quiet, busy = write_units_per_mention(10_000, USAGE), write_units_per_mention(1_000_000, USAGE)
    assert quiet == pytest.approx(2 + 96 / 10_000 + 20 * USAGE.alert_write_units / 10_000)
    assert busy < quiet and busy == pytest.approx(2 + 96 / 1e6 + 20 * USAGE.alert_write_units / 1e6)
