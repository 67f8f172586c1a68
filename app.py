"""Veille's entry points: read this file and you know every way in.

Each body delegates to ``chalicelib.handlers`` (or a blueprint for routes) in one to three lines.
Nothing heavy happens at import time: every dependency is built on first use.
"""

from __future__ import annotations

import os
from typing import Any

from chalice.app import Chalice, CloudWatchEvent, ConvertToMiddleware, DynamoDBEvent, Rate

from chalicelib import handlers
from chalicelib.api.insights import insights_bp
from chalicelib.api.rest import rest_bp
from chalicelib.api.web import web_bp
from chalicelib.api.webhooks import bp as webhooks_bp
from chalicelib.observability import logger, metrics, tracer

app = Chalice(app_name="veille")
app.register_middleware(ConvertToMiddleware(logger.inject_lambda_context(clear_state=True)))
app.register_middleware(ConvertToMiddleware(tracer.capture_lambda_handler(capture_response=False)))
app.register_middleware(ConvertToMiddleware(metrics.log_metrics))
app.register_blueprint(rest_bp)  # /mentions, /stats, /digest/{date}, /openapi.json (bearer token)
app.register_blueprint(insights_bp)  # /themes, /themes/{id}, /report/{period}/{date} (bearer token)
app.register_blueprint(web_bp)  # /app (the inbox page) and /t/{id}/{action} (signed triage links)

# Chalice needs the stream ARN at import time; infra/ overrides it with the real table's stream.
STREAM_ARN = os.environ.get(
    "VEILLE_STREAM_ARN",
    "arn:aws:dynamodb:us-east-1:000000000000:table/veille/stream/1970-01-01T00:00:00.000",
)


@app.schedule(Rate(15, unit=Rate.MINUTES), name="fetch_mentions")
def fetch_mentions(event: CloudWatchEvent) -> dict[str, Any]:
    return handlers.fetch_mentions()


@app.on_dynamodb_record(
    stream_arn=STREAM_ARN,
    batch_size=100,
    starting_position="TRIM_HORIZON",
    name="classify_mentions",
    maximum_batching_window_in_seconds=5,
)
def classify_mentions(event: DynamoDBEvent) -> dict[str, Any]:
    return handlers.classify_stream(event.to_dict(), event.context)


@app.schedule(Rate(5, unit=Rate.MINUTES), name="retry_alerts")
def retry_alerts(event: CloudWatchEvent) -> dict[str, Any]:
    return handlers.retry_alerts()


@app.schedule(Rate(1, unit=Rate.DAYS), name="discover_themes")
def discover_themes(event: CloudWatchEvent) -> dict[str, Any]:
    return handlers.discover_themes()


@app.schedule(Rate(1, unit=Rate.HOURS), name="send_digests")
def send_digests(event: CloudWatchEvent) -> dict[str, Any]:
    return handlers.send_digests()


@app.route("/health", methods=["GET"])
def health() -> dict[str, Any]:
    return handlers.health(app.current_request)


app.register_blueprint(webhooks_bp)  # POST /webhooks/{provider}: signed form-tool deliveries
