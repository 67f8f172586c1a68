"""How an alert reads in each channel: plain text (SNS, email), escaped HTML (email), Block Kit (Slack).

Pure functions: every mention's words are untrusted and escaped for the medium they land in.
"""

from __future__ import annotations

import html
from typing import Any

from chalicelib.alerts import Alert, AlertItem

SLACK_TEXT_MAX = 3000
SLACK_BLOCKS_MAX = 50


def escape_slack(text: str) -> str:
    """Escape untrusted text for Slack mrkdwn: ``&``, ``<`` and ``>`` (so ``<!channel>`` stays inert)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def slack_link(url: str | None, label: str) -> str:
    """A Slack ``<url|label>`` link with both parts escaped; the bare label when there is no http(s) URL."""
    label = escape_slack(label)
    if not url or not url.startswith(("https://", "http://")):
        return label
    return f"<{escape_slack(url).replace('|', '%7C')}|{label}>"


def _item_lines(item: AlertItem) -> list[str]:
    who = item.author or "someone"
    if item.reach is not None:
        who += f" ({item.reach:,} followers)"
    lines = [f'- {who} on {item.source}: "{item.quote}"']
    if item.why:
        lines.append(f"  why: {'; '.join(item.why)}")
    if item.urgency is not None:
        lines.append(f"  urgency: {item.urgency}/100")
    if item.url:
        lines.append(f"  {item.url}")
    return lines


def alert_text(alert: Alert) -> str:
    """The alert as plain text (SNS message, email text part)."""
    lines = [alert.title, "", alert.summary]
    if alert.items:
        lines.append("")
        for item in alert.items:
            lines += _item_lines(item)
    if alert.link:
        lines += ["", alert.link]
    return "\n".join(lines)


def alert_html(alert: Alert) -> str:
    """The alert as a small HTML email; every value escaped."""
    esc = html.escape
    parts = [
        '<!doctype html><html><head><meta charset="utf-8"><meta name="color-scheme" content="light dark">'
        f'<title>{esc(alert.title)}</title></head><body style="font-family:Arial,sans-serif">',
        f"<h2>{esc(alert.title)}</h2><p>{esc(alert.summary)}</p>",
    ]
    for item in alert.items:
        who = esc(item.author or "someone") + (f" ({item.reach:,} followers)" if item.reach is not None else "")
        link = f' — <a href="{esc(item.url)}">open</a>' if item.url and item.url.startswith("http") else ""
        why = f"<br><small>why: {esc('; '.join(item.why))}</small>" if item.why else ""
        parts.append(f"<blockquote>{esc(item.quote)}</blockquote><p>{who} on {esc(item.source)}{link}{why}</p>")
    if alert.link:
        parts.append(f'<p><a href="{esc(alert.link)}">{esc(alert.link)}</a></p>')
    parts.append("</body></html>")
    return "".join(parts)


def alert_slack_payload(alert: Alert) -> dict[str, Any]:
    """An incoming-webhook body for the alert: fallback ``text`` plus Block Kit ``blocks``."""
    emoji = {"urgent": ":rotating_light:", "crisis": ":fire:", "source_silent": ":zzz:"}.get(alert.kind, ":bell:")
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": truncate(alert.title, 150), "emoji": True}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": truncate(f"{emoji} {escape_slack(alert.summary)}", SLACK_TEXT_MAX)},
        },
    ]
    for item in alert.items[: SLACK_BLOCKS_MAX - 4]:
        who = escape_slack(item.author or "someone")
        if item.reach is not None:
            who += f" ({item.reach:,} followers)"
        quote = " ".join(item.quote.split())
        lines = [f">{escape_slack(quote)}", f"{who} on {escape_slack(item.source)} · {slack_link(item.url, 'open')}"]
        if item.why:
            lines.append(f"_why: {escape_slack('; '.join(item.why))}_")
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": truncate("\n".join(lines), SLACK_TEXT_MAX)}}
        )
    if alert.link:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": slack_link(alert.link, "Open Veille")}]}
        )
    return {"text": escape_slack(truncate(alert.title, 300)), "blocks": blocks}
