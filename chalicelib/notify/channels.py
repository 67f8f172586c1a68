"""The channel adapters: the only code of Veille that talks to SNS, SES and Slack.

Each client is built on first use and cached for the Lambda container; tests pass their own clients
or clear the cache with :func:`clear_clients`.
"""

from __future__ import annotations

import functools
import json
import re
from typing import TYPE_CHECKING, Any

from chalicelib.alerts import Alert, Channel
from chalicelib.errors import VeilleError
from chalicelib.notify.render import alert_html, alert_slack_payload, alert_text

if TYPE_CHECKING:  # pragma: no cover
    from chalicelib.config import WatchConfig

SLACK_TIMEOUT_S = 10.0
SNS_MAX_BYTES = 250_000  # SNS takes 256 KiB including attributes; keep a margin
SNS_SUBJECT_MAX = 99


class NotifyError(VeilleError):
    """A channel refused or failed a message; the message says which and why (never the secret URL)."""


@functools.cache
def _aws_client(service: str, region: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        service,
        region_name=region,
        config=Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=5, read_timeout=10),
    )


@functools.cache
def _http_client() -> Any:
    import httpx

    return httpx.Client(timeout=SLACK_TIMEOUT_S, follow_redirects=False)


def clear_clients() -> None:
    """Forget the cached clients (tests that start a new mock, or a changed region)."""
    _aws_client.cache_clear()
    _http_client.cache_clear()


def _region() -> str:
    from chalicelib.settings import get_settings

    return get_settings().region


def slack_webhook_url() -> str | None:
    """The Slack incoming-webhook URL: the secret ``VEILLE_SLACK_WEBHOOK_URL`` (env or SSM), else settings."""
    from chalicelib.secrets import get_secret
    from chalicelib.settings import get_settings

    url = get_secret("VEILLE_SLACK_WEBHOOK_URL")
    if url:
        return url
    secret = get_settings().slack_webhook_url
    return secret.get_secret_value() if secret else None


def sns_subject(text: str) -> str:
    """An SNS subject: printable ASCII, one line, under 100 characters."""
    ascii_text = text.encode("ascii", "replace").decode("ascii")
    clean = re.sub(r"[\x00-\x1f\x7f]+", " ", ascii_text).strip() or "Veille"
    return clean if len(clean) <= SNS_SUBJECT_MAX else clean[: SNS_SUBJECT_MAX - 3] + "..."


def _fit_bytes(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode("utf-8", "ignore") + "..."


# -- low-level senders -----------------------------------------------------------------------------
def sns_publish(
    topic_arn: str, subject: str, message: str, attributes: dict[str, str], client: Any | None = None
) -> None:
    """Publish one message to an SNS topic; raise NotifyError on failure."""
    from botocore.exceptions import BotoCoreError, ClientError

    sns = client or _aws_client("sns", _region())
    try:
        sns.publish(
            TopicArn=topic_arn,
            Subject=sns_subject(subject),
            Message=_fit_bytes(message, SNS_MAX_BYTES),
            MessageAttributes={k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()},
        )
    except (ClientError, BotoCoreError) as exc:
        raise NotifyError(f"SNS publish to {topic_arn} failed: {exc}") from exc


def ses_send(sender: str, to: list[str], subject: str, text: str, html: str | None, client: Any | None = None) -> None:
    """Send one email through SES v2 ``SendEmail`` (text part, optional HTML part)."""
    from botocore.exceptions import BotoCoreError, ClientError

    ses = client or _aws_client("sesv2", _region())
    body: dict[str, Any] = {"Text": {"Data": text, "Charset": "UTF-8"}}
    if html is not None:
        body["Html"] = {"Data": html, "Charset": "UTF-8"}
    subject_line = " ".join(subject.split())
    try:
        ses.send_email(
            FromEmailAddress=sender,
            Destination={"ToAddresses": to[:50]},
            Content={"Simple": {"Subject": {"Data": subject_line, "Charset": "UTF-8"}, "Body": body}},
        )
    except (ClientError, BotoCoreError) as exc:
        raise NotifyError(f"SES SendEmail from {sender} failed: {exc}") from exc


def slack_post(url: str, payload: dict[str, Any], client: Any | None = None) -> None:
    """POST a Block Kit payload to an incoming webhook; raise NotifyError unless Slack answers 200 ``ok``."""
    import httpx

    http = client or _http_client()
    try:
        answer = http.post(url, content=json.dumps(payload), headers={"Content-Type": "application/json"})
    except httpx.HTTPError as exc:
        # The URL is a secret: name the error class only.
        raise NotifyError(f"Slack webhook unreachable: {type(exc).__name__}") from exc
    if answer.status_code != 200:
        raise NotifyError(f"Slack webhook answered {answer.status_code}: {answer.text[:100]}")


# -- alert channels --------------------------------------------------------------------------------
def sns_channel(topic_arn: str, client: Any | None = None) -> Channel:
    """A channel publishing alerts to an SNS topic (text message, ``kind`` and ``watch`` attributes)."""

    def send(alert: Alert) -> None:
        sns_publish(topic_arn, alert.title, alert_text(alert), {"kind": alert.kind, "watch": alert.watch}, client)

    send.channel_name = "sns"  # type: ignore[attr-defined]
    return send


def slack_channel(url: str, client: Any | None = None) -> Channel:
    """A channel posting alerts to a Slack incoming webhook as Block Kit."""

    def send(alert: Alert) -> None:
        slack_post(url, alert_slack_payload(alert), client)

    send.channel_name = "slack"  # type: ignore[attr-defined]
    return send


def email_channel(sender: str, to: list[str], client: Any | None = None) -> Channel:
    """A channel emailing alerts through SES v2."""

    def send(alert: Alert) -> None:
        ses_send(sender, to, f"[Veille] {alert.title}", alert_text(alert), alert_html(alert), client)

    send.channel_name = "email"  # type: ignore[attr-defined]
    return send


def channels_for(watch: WatchConfig) -> list[Channel]:
    """The configured alert channels of a watch: SNS, Slack and email, each only when set up."""
    from chalicelib.settings import get_settings

    settings = get_settings()
    channels: list[Channel] = []
    if watch.sns and settings.alert_topic_arn:
        channels.append(sns_channel(settings.alert_topic_arn))
    url = slack_webhook_url() if watch.slack else None
    if url:
        channels.append(slack_channel(url))
    if watch.email_to and settings.ses_sender:
        channels.append(email_channel(settings.ses_sender, list(watch.email_to)))
    return channels


# -- digest senders --------------------------------------------------------------------------------
def _watch_of(digest: dict[str, Any]) -> WatchConfig | None:
    from chalicelib.config import get_config

    try:
        return get_config().watch(str(digest["watch"]))
    except KeyError:
        return None


def send_digest_email(
    digest: dict[str, Any],
    html: str,
    text: str,
    *,
    to: list[str] | None = None,
    sender: str | None = None,
    client: Any | None = None,
) -> bool:
    """Email a rendered digest to the watch's ``email_to``; False when email is not configured."""
    from chalicelib.digest.render import digest_subject
    from chalicelib.settings import get_settings

    if to is None:
        watch = _watch_of(digest)
        to = list(watch.email_to) if watch else []
    sender = sender or get_settings().ses_sender
    if not to or not sender:
        return False
    ses_send(sender, to, digest_subject(digest), text, html, client)
    return True


def send_digest_slack(digest: dict[str, Any], *, url: str | None = None, client: Any | None = None) -> bool:
    """Post the digest's Block Kit summary to Slack; False when Slack is not configured."""
    from chalicelib.digest.render import digest_subject, slack_blocks

    url = url or slack_webhook_url()
    if not url:
        return False
    from chalicelib.notify.render import escape_slack

    slack_post(url, {"text": escape_slack(digest_subject(digest)), "blocks": slack_blocks(digest)}, client)
    return True


def publish_digest_sns(digest: dict[str, Any], *, topic_arn: str | None = None, client: Any | None = None) -> bool:
    """Publish the digest's plain text to the alert topic; False when no topic is configured."""
    from chalicelib.digest.render import digest_subject, render_text
    from chalicelib.settings import get_settings

    topic_arn = topic_arn or get_settings().alert_topic_arn
    if not topic_arn:
        return False
    sns_publish(
        topic_arn,
        digest_subject(digest),
        render_text(digest),
        {"kind": "digest", "watch": str(digest["watch"]), "date": str(digest["date"])},
        client,
    )
    return True
