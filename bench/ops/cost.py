"""Veille's monthly AWS bill as a pure function of measured usage, assumptions and list prices.

Prices: us-east-1 list prices from the project's cost reference (aws-costs-and-limits.md, §1);
only the always-free allowances are applied (Lambda 1M requests + 400k GB-s, DynamoDB 25 GB,
SNS 1M publishes + 1,000 email deliveries, CloudWatch Logs 5 GB), never the 12-month offers.
The Standard-IA table class is priced from AWS's stated ratios to Standard (storage 60% less,
reads and writes 25% more), and given no free storage (the 25 GB allowance is for Standard tables).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

GB = 1_000_000_000  # DynamoDB and CloudWatch bill decimal GB


@dataclass(frozen=True)
class Prices:
    lambda_request: float = 0.20 / 1e6
    lambda_gb_s_arm64: float = 0.0000133334
    lambda_free_requests: float = 1e6
    lambda_free_gb_s: float = 400_000
    ddb_wru: float = 0.625 / 1e6
    ddb_rru: float = 0.125 / 1e6
    ddb_storage_gb_month: float = 0.25
    ddb_free_gb: float = 25
    ddb_item_overhead_bytes: int = 100  # per item, and per copy in an index
    ddb_ia_wru: float = 0.625 * 1.25 / 1e6
    ddb_ia_rru: float = 0.125 * 1.25 / 1e6
    ddb_ia_storage_gb_month: float = 0.10
    apigw_rest_request: float = 3.50 / 1e6
    apigw_http_request: float = 1.00 / 1e6  # per 512 KB: webhooks are at most 256 KB
    function_url_request: float = 0.0  # billed as the function's own invocation only
    sns_publish: float = 0.50 / 1e6
    sns_free_publishes: float = 1e6
    sns_email: float = 2.00 / 100_000
    sns_free_emails: float = 1_000
    ses_email: float = 0.10 / 1_000
    logs_ingest_gb: float = 0.50
    logs_free_gb: float = 5


@dataclass(frozen=True)
class Usage:
    """Per-mention figures, measured by bench/bench_ops.py (or given by hand)."""

    write_units: float  # WRU per mention: insert, labelled item (counters and alert marks apart)
    read_units: float  # RRU per mention in the pipeline
    digest_read_units: float  # RRU per mention for the daily digest's read of the day
    item_bytes: float  # the stored mention items (with labels), summed, as DynamoDB sizes them
    index_bytes: float = 0.0  # the mention's GSI entry, if the layout has one (the earlier layout did)
    stored_items: int = 1  # items per mention (each with DynamoDB's per-item overhead): the insert and listed item
    stream_ms: float = 2.0  # stream handler time per mention (Lambda-billed wall time)
    intake_ms: float = 10.0  # webhook or fetch handler time per mention
    log_bytes: float = 600  # application log + EMF bytes per mention, stream handler
    webhook_log_bytes: float = 0.0  # application log + EMF bytes per webhook request
    alert_write_units: float = 0.0  # WRU per urgent alert sent (its exactly-once marks)


@dataclass(frozen=True)
class Assumptions:
    """What the bill assumes beyond the measured usage; the defaults are what infra/ and veille.toml deploy."""

    days_per_month: int = 30
    retention_days: int = 90
    # (share of mentions, days kept) per group of sources; empty: every mention kept retention_days.
    # Default: chalicelib/config.py's retention by kind, public posts 30 days and forms and reviews 90, with
    # forms and reviews the webhook_fraction of mentions.
    retention_mix: tuple[tuple[float, int], ...] = ((0.9, 30), (0.1, 90))
    # "http" (the HTTP API infra/ deploys), "rest" (API Gateway REST, what Chalice packages), "function_url"
    front_door: str = "http"
    # One access-log line per API Gateway request (infra's ACCESS_LOG_FORMAT: about 260 B of JSON, plus the
    # 26 B per event CloudWatch Logs bills); none through a function URL.
    access_log_bytes: int = 290
    table_class: str = "standard"  # or "standard_ia"
    memory_mb: int = 1024  # .chalice/config.json, stage prod
    stream_batch: int = 100
    stream_invocation_ms: float = 30.0  # per-invocation overhead of the stream handler
    webhook_fraction: float = 0.1  # share of mentions arriving through form webhooks (API Gateway)
    fetch_runs_per_month: int = 2_880  # rate(15 minutes)
    fetch_run_s: float = 2.0  # fixed part of a fetch run (HTTP to the sources)
    digest_runs_per_month: int = 720  # the hourly send_digests schedule
    digest_run_s: float = 0.5
    # The retry_alerts schedule: rate(5 minutes), one Query of the (nearly always empty) pending-alert partition.
    retry_runs_per_month: int = 8_640
    retry_run_s: float = 0.05
    api_requests_per_month: int = 100_000  # inbox, REST API, triage links
    api_request_ms: float = 100.0
    alerts_per_day: int = 20
    # Hourly crisis counters: one write per watch, hour and tumbling window of the stream mapping (react.py's
    # TALLY_WINDOW_S); counted as if every window of the day had a negative mention (an upper bound).
    tally_window_s: int = 900
    alert_email_subscribers: int = 5
    watches: int = 1
    digest_recipients: int = 5
    platform_log_bytes_per_invocation: int = 500


def monthly_cost(
    mentions_per_day: float, usage: Usage, assume: Assumptions | None = None, prices: Prices | None = None
) -> dict[str, float]:
    """Each line of the monthly bill in USD, and ``total``."""
    a = assume or Assumptions()
    p = prices or Prices()
    m = mentions_per_day * a.days_per_month
    webhooks = m * a.webhook_fraction
    stream_invocations = m / a.stream_batch
    invocations = (
        stream_invocations
        + webhooks
        + a.fetch_runs_per_month
        + a.digest_runs_per_month
        + a.retry_runs_per_month
        + a.api_requests_per_month
    )
    gb = a.memory_mb / 1024
    seconds = (
        m * usage.stream_ms / 1000
        + stream_invocations * a.stream_invocation_ms / 1000
        + m * usage.intake_ms / 1000
        + a.fetch_runs_per_month * a.fetch_run_s
        + a.digest_runs_per_month * a.digest_run_s
        + a.retry_runs_per_month * a.retry_run_s
        + a.api_requests_per_month * a.api_request_ms / 1000
    )
    item_bytes = usage.item_bytes  # as stored: long texts deflated by the store (chalicelib/store/repo.py)
    copies = usage.stored_items + (1 if usage.index_bytes else 0)
    kept_days = sum(share * days for share, days in a.retention_mix) if a.retention_mix else a.retention_days
    stored_bytes = mentions_per_day * kept_days * (item_bytes + usage.index_bytes + copies * p.ddb_item_overhead_bytes)
    alerts = a.alerts_per_day * a.days_per_month
    access_logs = 0 if a.front_door == "function_url" else (webhooks + a.api_requests_per_month) * a.access_log_bytes
    log_bytes = (
        invocations * a.platform_log_bytes_per_invocation
        + m * usage.log_bytes
        + webhooks * usage.webhook_log_bytes
        + access_logs
    )
    if a.table_class == "standard_ia":
        wru, rru, storage_gb, free_gb = p.ddb_ia_wru, p.ddb_ia_rru, p.ddb_ia_storage_gb_month, 0.0
    elif a.table_class == "standard":
        wru, rru, storage_gb, free_gb = p.ddb_wru, p.ddb_rru, p.ddb_storage_gb_month, p.ddb_free_gb
    else:
        raise ValueError(f"table_class: {a.table_class!r} is not standard or standard_ia")
    front_door = {"rest": p.apigw_rest_request, "http": p.apigw_http_request, "function_url": p.function_url_request}
    if a.front_door not in front_door:
        raise ValueError(f"front_door: {a.front_door!r} is not one of {', '.join(front_door)}")
    lines = {
        "lambda_requests": max(0.0, invocations - p.lambda_free_requests) * p.lambda_request,
        "lambda_compute": max(0.0, seconds * gb - p.lambda_free_gb_s) * p.lambda_gb_s_arm64,
        "dynamodb_writes": (m * usage.write_units + alerts * usage.alert_write_units + counter_writes(a)) * wru,
        "dynamodb_reads": m * (usage.read_units + usage.digest_read_units) * rru,
        "dynamodb_storage": max(0.0, stored_bytes / GB - free_gb) * storage_gb,
        "dynamodb_streams": 0.0,  # GetRecords made by a Lambda trigger are free
        "eventbridge": 0.0,  # scheduled rules; 3,600 runs a month are far inside any free allowance
        "api_gateway": (webhooks + a.api_requests_per_month) * front_door[a.front_door],
        "sns_alerts": max(0.0, alerts - p.sns_free_publishes) * p.sns_publish
        + max(0.0, alerts * a.alert_email_subscribers - p.sns_free_emails) * p.sns_email,
        "ses_digests": a.days_per_month * a.watches * a.digest_recipients * p.ses_email,
        "cloudwatch_logs": max(0.0, log_bytes / GB - p.logs_free_gb) * p.logs_ingest_gb,
    }
    lines["total"] = sum(lines.values())
    return {k: round(v, 4) for k, v in lines.items()}


def counter_writes(assume: Assumptions) -> float:
    """Crisis-counter writes a month: one per watch and tumbling window (at most one hour key per window)."""
    return assume.watches * assume.days_per_month * 86400 / assume.tally_window_s


def write_units_per_mention(mentions_per_day: float, usage: Usage, assume: Assumptions | None = None) -> float:
    """All write units of a month over its mentions: the mentions', the counters' and the alerts' marks."""
    a = assume or Assumptions()
    m = mentions_per_day * a.days_per_month
    alerts = a.alerts_per_day * a.days_per_month
    return (m * usage.write_units + alerts * usage.alert_write_units + counter_writes(a)) / m


def describe(assume: Assumptions | None = None) -> dict[str, object]:
    return asdict(assume or Assumptions())


# Cheapest published plans from the cost reference, §5 (prices marked unverified there are marked here).
SAAS_PLANS: list[dict[str, object]] = [
    {"tool": "F5Bot", "usd_month": 0, "mentions_month": None, "note": "Reddit/HN/Lobsters keyword emails only"},
    {"tool": "Awario Starter", "usd_month": 39, "mentions_month": 15_000, "note": "unverified"},
    {"tool": "Awario Pro", "usd_month": 149, "mentions_month": 150_000, "note": "unverified"},
    {"tool": "Awario Enterprise", "usd_month": 399, "mentions_month": 1_000_000, "note": "unverified"},
    {"tool": "Brand24 Individual", "usd_month": 79, "mentions_month": 2_000, "note": "unverified"},
    {"tool": "Hootsuite Standard", "usd_month": 99, "mentions_month": None, "note": "per user, annual"},
    {"tool": "Sprout Social Standard", "usd_month": 199, "mentions_month": None, "note": "per seat; listening extra"},
]


def cheapest_saas(mentions_per_day: float, days_per_month: int = 30) -> dict[str, object] | None:
    """The cheapest plan of SAAS_PLANS whose published monthly quota covers the volume, or None."""
    needed = mentions_per_day * days_per_month
    fitting = [p for p in SAAS_PLANS if isinstance(p["mentions_month"], int) and p["mentions_month"] >= needed]
    return min(fitting, key=lambda p: float(str(p["usd_month"]))) if fitting else None
