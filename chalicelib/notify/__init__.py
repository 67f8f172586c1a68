"""Outbound channels: Amazon SNS, a Slack incoming webhook and email through Amazon SES v2.

Every channel is a ``Channel`` (``Callable[[Alert], None]``) that raises when it could not deliver,
so that :func:`chalicelib.alerts.deliver_once` can retry. Clients (boto3, httpx) are built on first
use, never at import time; :func:`channels_for` returns only the channels that are configured.
"""

from __future__ import annotations

from chalicelib.notify.channels import (
    NotifyError,
    channels_for,
    email_channel,
    publish_digest_sns,
    send_digest_email,
    send_digest_slack,
    slack_channel,
    slack_webhook_url,
    sns_channel,
)
from chalicelib.notify.render import alert_html, alert_slack_payload, alert_text, escape_slack

__all__ = [
    "NotifyError",
    "alert_html",
    "alert_slack_payload",
    "alert_text",
    "channels_for",
    "email_channel",
    "escape_slack",
    "publish_digest_sns",
    "send_digest_email",
    "send_digest_slack",
    "slack_channel",
    "slack_webhook_url",
    "sns_channel",
]
