"""Invoke the Chalice app's event handlers as Lambda would: the same event shapes, a context object."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

_RATE = re.compile(r"rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)")
_UNIT_S = {"minute": 60, "hour": 3600, "day": 86400}


@dataclass
class LambdaContext:
    """The attributes Powertools reads from a Lambda context."""

    function_name: str
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    invoked_function_arn: str = ""
    log_group_name: str = "local"
    log_stream_name: str = "local"
    function_version: str = "$LATEST"

    def __post_init__(self) -> None:
        if not self.invoked_function_arn:
            self.invoked_function_arn = f"arn:aws:lambda:us-east-1:000000000000:function:veille-{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def rate_seconds(expression: Any) -> float:
    """Seconds between runs of a Chalice schedule (``Rate`` objects and ``rate(...)`` strings)."""
    text = expression.to_string() if hasattr(expression, "to_string") else str(expression)
    found = _RATE.fullmatch(text.strip())
    if not found:
        raise ValueError(f"only rate(...) schedules run locally, not {text!r}")
    count, unit = int(found.group(1)), found.group(2).rstrip("s")
    return float(count * _UNIT_S[unit])


def scheduled_event(rule: str) -> dict[str, Any]:
    """An EventBridge scheduled event, as Lambda receives it."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "000000000000",
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "us-east-1",
        "resources": [f"arn:aws:events:us-east-1:000000000000:rule/{rule}"],
        "detail": {},
    }


def handlers_of(app: Any) -> tuple[list[Any], list[Any]]:
    """The app's (schedules, dynamodb stream sources), read from its registered event sources."""
    from chalice.app import DynamoDBEventConfig, ScheduledEventConfig

    schedules = [s for s in app.event_sources if isinstance(s, ScheduledEventConfig)]
    streams = [s for s in app.event_sources if isinstance(s, DynamoDBEventConfig)]
    return schedules, streams


def handler_function(app_module: Any, source: Any) -> Any:
    """The decorated handler (it runs the app's middleware) for an event source."""
    return getattr(app_module, source.handler_string.rsplit(".", 1)[-1])
