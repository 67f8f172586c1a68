"""Send each brand watch's weekly report on Monday and its monthly report on the 1st, at the watch's digest hour
in its time zone, exactly once (the hourly ``send_digests`` schedule calls :func:`send_due_reports`).

The weekly report covers the week that ended on Sunday; the monthly one the month that ended the day before.
A conditional mark (``store.put_once("report", "<watch>#<period>#<start>")``) makes each send exactly-once;
if every configured channel fails, the mark is removed so the next hour retries.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.config import VeilleConfig, WatchConfig

# A sender gets the watch, the report, its HTML and its text; returns False when it is not configured.
ReportSender = Callable[[WatchConfig, dict[str, Any], str, str], bool]


def due_reports(watch: WatchConfig, now: datetime) -> list[tuple[str, date]]:
    """(period, a day of it) of the reports due at ``now``: last week's on Mondays, last month's on the 1st,
    from the watch's digest hour on."""
    local = now.astimezone(ZoneInfo(watch.timezone))
    if local.hour < watch.digest_hour:
        return []
    yesterday = local.date() - timedelta(days=1)
    due = []
    if local.weekday() == 0:
        due.append(("week", yesterday))
    if local.day == 1:
        due.append(("month", yesterday))
    return due


def _email(watch: WatchConfig, report: dict[str, Any], html: str, text: str) -> bool:
    from chalicelib.notify.channels import ses_send
    from chalicelib.report import report_subject
    from chalicelib.settings import get_settings

    sender = get_settings().ses_sender
    if not watch.email_to or not sender:
        return False
    ses_send(sender, list(watch.email_to), report_subject(report), text, html)
    return True


def _slack(watch: WatchConfig, report: dict[str, Any], html: str, text: str) -> bool:
    from chalicelib.notify.channels import slack_post, slack_webhook_url
    from chalicelib.notify.render import escape_slack
    from chalicelib.report import report_subject, slack_blocks

    url = slack_webhook_url() if watch.slack else None
    if not url:
        return False
    slack_post(url, {"text": escape_slack(report_subject(report)), "blocks": slack_blocks(report)})
    return True


def _sns(watch: WatchConfig, report: dict[str, Any], html: str, text: str) -> bool:
    from chalicelib.notify.channels import sns_publish
    from chalicelib.report import report_subject
    from chalicelib.settings import get_settings

    topic = get_settings().alert_topic_arn if watch.sns else None
    if not topic:
        return False
    period = report["period"]
    attributes = {"kind": f"report-{period['kind']}", "watch": str(report["watch"]), "date": str(period["start"])}
    sns_publish(topic, report_subject(report), text, attributes)
    return True


DEFAULT_SENDERS: dict[str, ReportSender] = {"email": _email, "slack": _slack, "sns": _sns}


def send_due_reports(
    store: Any, config: VeilleConfig, now: datetime, *, senders: dict[str, ReportSender] | None = None
) -> dict[str, Any]:
    """Send every brand watch's due reports exactly once; return what was sent, already sent or failed."""
    from chalicelib.digest.send import send_once
    from chalicelib.report import render_html, render_text
    from chalicelib.report.build import period_bounds
    from chalicelib.report.collect import collect_report
    from chalicelib.settings import get_settings

    senders = DEFAULT_SENDERS if senders is None else senders
    inbox = get_settings().public_url.rstrip("/") + "/app"
    result: dict[str, Any] = {"sent": {}, "already_sent": [], "failed": {}}
    for watch in config.watches:
        if watch.competitor:
            continue
        for period, day in due_reports(watch, now):
            start = period_bounds(period, day)[0]  # type: ignore[arg-type]
            key = f"{watch.name}#{period}#{start.isoformat()}"

            def build(w: WatchConfig = watch, p: str = period, d: date = day) -> tuple[dict[str, Any], str, str]:
                report = collect_report(store, config, w.name, p, d, inbox_url=inbox)
                return report, render_html(report), render_text(report)

            send_once(
                store,
                "report",
                key,
                {"watch": watch.name, "period": period},
                watch,
                build,
                senders,
                result,
                failed_metric="ReportsFailed",
            )
    return result
