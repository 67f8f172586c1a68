"""The digest as plain text, as email HTML (CSS inlined, dark-mode aware) and as Slack Block Kit.

Every piece of mention text is untrusted: ``html.escape`` in HTML, ``escape_slack`` in Slack, and
only http(s) URLs become links. Bar charts are tables with widths (no script, no SVG), which every
mail client draws. css-inline is imported on first render only.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable
from typing import Any

from chalicelib.digest.i18n import words
from chalicelib.notify.render import escape_slack, slack_link, truncate

Links = Callable[[str, str], str]
"""``links(mention_id, action)`` -> a signed one-click URL for ``action`` in ("replied", "ignored")."""

SLACK_LIST_MAX = 5


def _w(digest: dict[str, Any]) -> dict[str, str]:
    return words(str(digest.get("language", "en")))


def _hours(value: float | None, w: dict[str, str]) -> str:
    return w["na"] if value is None else w["hours"].format(h=value)


def _change(digest: dict[str, Any], w: dict[str, str]) -> str:
    pct = digest["trend"].get("change_pct")
    return w["change_none"] if pct is None else w["change"].format(pct=pct)


def digest_subject(digest: dict[str, Any]) -> str:
    """The email subject (also the SNS subject and Slack fallback text)."""
    return _w(digest)["subject"].format(watch=digest["watch"], date=digest["date"])


def _summary(digest: dict[str, Any], w: dict[str, str]) -> str:
    t = digest["totals"]
    return w["summary"].format(
        shown=t["shown"],
        change=_change(digest, w),
        complaints=t["complaints"],
        leads=t["leads"],
        needs_reply=t["needs_reply"],
        overdue=t["overdue"],
    )


def _who(item: dict[str, Any], w: dict[str, str]) -> str:
    who = item.get("author")
    if not who:  # feeds and anonymous forms name nobody: the source alone says where it was said
        return str(item["source"])
    if item.get("reach"):
        reach = f"{item['reach']:,}"
        who += f" ({w['followers'].format(reach=reach)})"
    return f"{who} {w['on']} {item['source']}"


def _safe_url(url: str | None) -> str | None:
    return url if url and url.startswith(("https://", "http://")) else None


# -- plain text ------------------------------------------------------------------------------------
def render_text(digest: dict[str, Any]) -> str:
    """The digest as plain text (email text part, SNS, terminal)."""
    w = _w(digest)
    out = [w["title"].format(watch=digest["watch"], date=digest["date"]), "", _summary(digest, w), ""]

    def section(title: str, lines: list[str]) -> None:
        if lines:
            out.extend([title, "-" * len(title), *lines, ""])

    def item_lines(item: dict[str, Any], extra: str = "") -> list[str]:
        lines = [f"* {_who(item, w)}, {item['local_time']}{extra}", f'  "{item["quote"]}"']
        if item.get("url"):
            lines.append(f"  {item['url']}")
        return lines

    needs: list[str] = []
    for item in digest["needs_reply"]:
        extra = " — " + w["age"].format(age=item["age_hours"])
        if item["overdue"]:
            extra += ", " + w["overdue"].format(target=item["target_hours"])
        needs += item_lines(item, extra)
    section(w["needs_reply"], needs)
    section(w["leads"], [line for item in digest["leads"] for line in item_lines(item)])
    trend = digest["trend"]
    section(
        w["trend"],
        [f"{p['date']}  {p['count']}" for p in trend["previous_days"]] + [f"{digest['date']}  {trend['today']}"],
    )
    section(w["by_source"], [f"{s['source']}: {s['count']}" for s in digest["by_source"]])
    section(w["sentiment"], [f"{w[k]}: {n}" for k, n in digest["sentiment"].items() if n])
    if len(digest["share_of_voice"]) > 1:
        section(
            w["share_of_voice"], [f"{s['watch']}: {s['count']} ({s['share']:.0%})" for s in digest["share_of_voice"]]
        )
    section(w["influencers"], [line for item in digest["influencers"] for line in item_lines(item)])
    stories: list[str] = []
    for story in digest["stories"]:
        stories.append("* " + w["story"].format(size=story["size"], sources=", ".join(story["sources"])))
        stories.append(f'  "{story["items"][0]["quote"]}"')
    section(w["stories"], stories)
    section(
        w["spikes"],
        [w["spike"].format(hour=s["local_hour"], count=s["count"], baseline=s["baseline"]) for s in digest["spikes"]],
    )
    rt = digest["reply_time"]
    section(
        w["reply_time"],
        [
            w["reply_time_value"].format(
                this=_hours(rt["this_week_hours"], w),
                this_n=rt["this_week_count"],
                last=_hours(rt["last_week_hours"], w),
                last_n=rt["last_week_count"],
            )
        ],
    )
    section(
        w["source_health"],
        [
            f"{h['source_key']}: {w['source_silent'] if h['silent'] else w['source_ok']}"
            + (f" ({w['last_error']}: {h['last_error']})" if h.get("last_error") else "")
            for h in digest["source_health"]
        ],
    )
    hidden = digest["hidden"]
    if hidden["total"]:
        out += [w["hidden"].format(**hidden), ""]
    out.append(w["footer"])
    return "\n".join(out) + "\n"


# -- HTML ------------------------------------------------------------------------------------------
CSS = """
body { margin: 0; padding: 0; background: #f4f4f5; color: #18181b; font-family: Arial, Helvetica, sans-serif; }
.wrap { width: 100%; background: #f4f4f5; }
.card { max-width: 640px; background: #ffffff; border-radius: 8px; }
h1 { font-size: 20px; margin: 0 0 8px 0; color: #18181b; }
h2 { font-size: 16px; margin: 20px 0 8px 0; color: #18181b; border-bottom: 1px solid #e4e4e7; padding-bottom: 4px; }
p { margin: 0 0 8px 0; font-size: 14px; line-height: 20px; }
.muted { color: #71717a; font-size: 12px; }
.quote { border-left: 3px solid #a1a1aa; padding: 2px 0 2px 8px; margin: 4px 0; color: #27272a; font-size: 14px; }
.item { padding: 8px 0; border-bottom: 1px solid #f4f4f5; }
.bar { background: #4f46e5; height: 12px; font-size: 1px; line-height: 1px; }
.bar-neg { background: #dc2626; height: 12px; font-size: 1px; line-height: 1px; }
.bar-pos { background: #16a34a; height: 12px; font-size: 1px; line-height: 1px; }
.bar-neu { background: #a1a1aa; height: 12px; font-size: 1px; line-height: 1px; }
.track { background: #e4e4e7; height: 12px; font-size: 1px; line-height: 1px; }
.label { font-size: 13px; color: #3f3f46; padding: 2px 8px 2px 0; white-space: nowrap; }
.num { font-size: 13px; color: #3f3f46; padding: 2px 0 2px 8px; text-align: right; }
.overdue { color: #dc2626; font-weight: bold; }
.btn { display: inline-block; padding: 4px 10px; margin: 4px 6px 0 0; border-radius: 4px; font-size: 13px;
       text-decoration: none; background: #4f46e5; color: #ffffff; }
.btn-2 { background: #e4e4e7; color: #18181b; }
a { color: #4f46e5; }
@media (prefers-color-scheme: dark) {
  body, .wrap { background: #18181b !important; color: #e4e4e7 !important; }
  .card { background: #27272a !important; }
  h1, h2, p, .label, .num, .quote { color: #e4e4e7 !important; }
  h2 { border-bottom-color: #3f3f46 !important; }
  .muted { color: #a1a1aa !important; }
  .track { background: #3f3f46 !important; }
  .item { border-bottom-color: #3f3f46 !important; }
  a { color: #a5b4fc !important; }
  .btn { background: #6366f1 !important; color: #ffffff !important; }
  .btn-2 { background: #3f3f46 !important; color: #e4e4e7 !important; }
}
"""


@functools.cache
def _inliner() -> Any:
    import css_inline

    return css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)


def _bar_rows(rows: list[tuple[str, int, float, str]]) -> str:
    """Rows of (label, count, fraction 0..1, bar class) as a table of proportional cells."""
    out = ['<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">']
    for label, count, fraction, css in rows:
        pct = max(0, min(100, round(fraction * 100)))
        bar = (f'<td class="{css}" width="{pct}%">&nbsp;</td>' if pct else "") + (
            f'<td class="track" width="{100 - pct}%">&nbsp;</td>' if pct < 100 else ""
        )
        out.append(
            f'<tr><td class="label" width="30%">{html.escape(label)}</td>'
            f'<td width="60%"><table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">'
            f"<tr>{bar}</tr></table></td>"
            f'<td class="num" width="10%">{count}</td></tr>'
        )
    out.append("</table>")
    return "".join(out)


def _item_html(item: dict[str, Any], w: dict[str, str], links: Links | None, extra: str = "") -> str:
    e = html.escape
    url = _safe_url(item.get("url"))
    title = f"<strong>{e(item['title'])}</strong><br>" if item.get("title") else ""
    parts = [
        '<div class="item">',
        f'<p class="muted">{e(_who(item, w))} · {e(item["local_time"])}{extra}</p>',
        f'<div class="quote">{title}{e(item["quote"])}</div>',
    ]
    buttons = []
    if url:
        buttons.append(f'<a class="btn btn-2" href="{e(url)}">{e(w["open"])}</a>')
    if links is not None and (item.get("complaint") or item.get("lead") or extra):
        buttons.append(f'<a class="btn" href="{e(links(item["id"], "replied"))}">{e(w["mark_replied"])}</a>')
        buttons.append(f'<a class="btn btn-2" href="{e(links(item["id"], "ignored"))}">{e(w["mark_ignored"])}</a>')
    if buttons:
        parts.append("<p>" + "".join(buttons) + "</p>")
    parts.append("</div>")
    return "".join(parts)


def render_html(digest: dict[str, Any], *, links: Links | None = None) -> str:
    """The digest as an email HTML document: CSS inlined, table bar charts, dark-mode styles kept.

    ``links(mention_id, action)`` gives the signed one-click URLs of each complaint and lead;
    without it the email has no triage buttons.
    """
    w = _w(digest)
    e = html.escape
    lang = "fr" if digest.get("language") == "fr" else "en"
    body: list[str] = [
        f"<h1>{e(w['title'].format(watch=digest['watch'], date=digest['date']))}</h1>",
        f"<p>{e(_summary(digest, w))}</p>",
    ]

    def section(title: str, content: str) -> None:
        if content:
            body.append(f"<h2>{e(title)}</h2>{content}")

    needs = []
    for item in digest["needs_reply"]:
        extra = " · " + e(w["age"].format(age=item["age_hours"]))
        if item["overdue"]:
            extra += f' · <span class="overdue">{e(w["overdue"].format(target=item["target_hours"]))}</span>'
        needs.append(_item_html(item, w, links, extra))
    section(w["needs_reply"], "".join(needs))
    section(w["leads"], "".join(_item_html(item, w, links) for item in digest["leads"]))

    trend = digest["trend"]
    days = [(p["date"], p["count"]) for p in trend["previous_days"]] + [(digest["date"], trend["today"])]
    peak = max((n for _, n in days), default=0) or 1
    section(w["trend"], _bar_rows([(d, n, n / peak, "bar") for d, n in days]))
    shown = digest["totals"]["shown"] or 1
    section(
        w["by_source"], _bar_rows([(s["source"], s["count"], s["count"] / shown, "bar") for s in digest["by_source"]])
    )
    css = {"positive": "bar-pos", "neutral": "bar-neu", "negative": "bar-neg", "unlabelled": "bar-neu"}
    section(w["sentiment"], _bar_rows([(w[k], n, n / shown, css[k]) for k, n in digest["sentiment"].items() if n]))
    if len(digest["share_of_voice"]) > 1:
        section(
            w["share_of_voice"],
            _bar_rows(
                [
                    (s["watch"], s["count"], s["share"], "bar" if s["self"] else "bar-neu")
                    for s in digest["share_of_voice"]
                ]
            ),
        )
    section(w["influencers"], "".join(_item_html(item, w, None) for item in digest["influencers"]))
    stories = []
    for story in digest["stories"]:
        head = e(w["story"].format(size=story["size"], sources=", ".join(story["sources"])))
        stories.append(f"<p><strong>{head}</strong></p>" + _item_html(story["items"][0], w, None))
    section(w["stories"], "".join(stories))
    section(
        w["spikes"],
        "".join(
            f"<p>{e(w['spike'].format(hour=s['local_hour'], count=s['count'], baseline=s['baseline']))}</p>"
            for s in digest["spikes"]
        ),
    )
    rt = digest["reply_time"]
    section(
        w["reply_time"],
        "<p>"
        + e(
            w["reply_time_value"].format(
                this=_hours(rt["this_week_hours"], w),
                this_n=rt["this_week_count"],
                last=_hours(rt["last_week_hours"], w),
                last_n=rt["last_week_count"],
            )
        )
        + "</p>",
    )
    health = []
    for h in digest["source_health"]:
        state = f'<span class="overdue">{e(w["source_silent"])}</span>' if h["silent"] else e(w["source_ok"])
        error = (
            f' <span class="muted">({e(w["last_error"])}: {e(str(h["last_error"]))})</span>'
            if h.get("last_error")
            else ""
        )
        health.append(f"<p>{e(h['source_key'])}: {state}{error}</p>")
    section(w["source_health"], "".join(health))
    if digest["hidden"]["total"]:
        body.append(f'<p class="muted">{e(w["hidden"].format(**digest["hidden"]))}</p>')
    body.append(f'<p class="muted">{e(w["footer"])}</p>')

    document = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="color-scheme" content="light dark"><meta name="supported-color-schemes" content="light dark">'
        f"<title>{e(digest_subject(digest))}</title><style>{CSS}</style></head>"
        '<body><table role="presentation" class="wrap" width="100%" cellpadding="0" cellspacing="0" border="0">'
        '<tr><td align="center" style="padding:16px">'
        '<table role="presentation" class="card" width="100%" cellpadding="0" cellspacing="0" border="0">'
        f'<tr><td style="padding:20px">{"".join(body)}</td></tr></table></td></tr></table></body></html>'
    )
    return str(_inliner().inline(document))


# -- Slack -----------------------------------------------------------------------------------------
def _slack_item(item: dict[str, Any], w: dict[str, str], extra: str = "") -> dict[str, Any]:
    quote = " ".join(str(item["quote"]).split())
    text = (
        f"{escape_slack(_who(item, w))}{escape_slack(extra)} · {slack_link(item.get('url'), w['open'])}\n"
        f">{escape_slack(quote)}"
    )
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, 3000)}}


def slack_blocks(digest: dict[str, Any]) -> list[dict[str, Any]]:
    """The digest's headline, replies due, leads and spikes as Block Kit blocks (at most 50)."""
    w = _w(digest)
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {
                "type": "plain_text",
                "emoji": True,
                "text": truncate(w["title"].format(watch=digest["watch"], date=digest["date"]), 150),
            },
        },
        {"type": "section", "text": {"type": "mrkdwn", "text": escape_slack(_summary(digest, w))}},
    ]
    if digest["needs_reply"]:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"*{escape_slack(w['needs_reply'])}*"}})
        for item in digest["needs_reply"][:SLACK_LIST_MAX]:
            extra = ", " + w["age"].format(age=item["age_hours"])
            if item["overdue"]:
                extra += ", " + w["overdue"].format(target=item["target_hours"])
            blocks.append(_slack_item(item, w, extra))
    if digest["leads"]:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"*{escape_slack(w['leads'])}*"}})
        blocks += [_slack_item(item, w) for item in digest["leads"][:SLACK_LIST_MAX]]
    if digest["spikes"]:
        lines = [
            w["spike"].format(hour=s["local_hour"], count=s["count"], baseline=s["baseline"]) for s in digest["spikes"]
        ]
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": truncate(f"*{escape_slack(w['spikes'])}*\n" + escape_slack("\n".join(lines)), 3000),
                },
            }
        )
    silent = [h["source_key"] for h in digest["source_health"] if h["silent"]]
    context = []
    if silent:
        context.append(f"{w['source_health']}: {', '.join(silent)} {w['source_silent']}")
    if digest["hidden"]["total"]:
        context.append(w["hidden"].format(**digest["hidden"]))
    if context:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": escape_slack(" · ".join(context))}]})
    return blocks[:50]
