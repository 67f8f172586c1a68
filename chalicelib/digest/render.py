"""The digest as plain text, as email HTML (CSS inlined, dark-mode aware) and as Slack Block Kit.

Each rendering reads the same order: a three-line summary (what needs you, what changed, the one
crisis), the inbox link, what needs you (kind chip, urgency level and its reasons), leads, what was
asked for this week, fans to thank, the biggest voices, then the numbers. Every listed item carries the
same actions everywhere: open the original, and, when links are signed, Mark replied and Ignore.

Every piece of mention text is untrusted: ``html.escape`` in HTML, ``escape_slack`` in Slack, and
only http(s) URLs become links. Bar charts are tables with widths (no script, no SVG), which every
mail client draws. css-inline is imported on first render only.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable
from typing import Any

from chalicelib.digest.i18n import ago, plural, words
from chalicelib.notify.render import escape_slack, slack_link, truncate

Links = Callable[[str, str], str]
"""``links(mention_id, action)`` -> a signed one-click URL for ``action`` in ("replied", "ignored")."""

SLACK_LIST_MAX = 5
CRISIS_QUOTE = 100
ACTIONS = (("replied", "mark_replied"), ("ignored", "mark_ignored"))


def _w(digest: dict[str, Any]) -> dict[str, str]:
    return words(str(digest.get("language", "en")))


def _hours(value: float | None, w: dict[str, str]) -> str:
    return w["na"] if value is None else w["hours"].format(h=value)


def digest_subject(digest: dict[str, Any]) -> str:
    """The email subject (also the SNS subject and Slack fallback text)."""
    return _w(digest)["subject"].format(watch=digest["watch"], date=digest["date"])


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


def _summary_data(digest: dict[str, Any]) -> dict[str, Any]:
    """The summary block; a digest built before it existed gets one from its totals and trend."""
    if isinstance(digest.get("summary"), dict):
        return dict(digest["summary"])
    totals, trend = digest["totals"], digest["trend"]
    usual = float(trend.get("previous_mean") or 0)
    return {
        "needs_you": totals.get("needs_reply", 0),
        "needs_you_today": totals.get("needs_reply", 0),
        "critical": totals.get("critical", 0),
        "overdue": totals.get("overdue", 0),
        "today": totals.get("shown", 0),
        "usual": usual,
        "change": round(totals.get("shown", 0) - usual),
        "change_pct": trend.get("change_pct"),
        "tiny_baseline": usual < 5,
        "complaints": totals.get("complaints", 0),
        "leads": totals.get("leads", 0),
        "requests": totals.get("requests", 0),
        "crisis": None,
    }


def _change(s: dict[str, Any], w: dict[str, str]) -> str:
    if s.get("tiny_baseline") or s.get("change_pct") is None:
        return w["change_count"].format(n=int(s["change"])) if s["change"] else w["change_same"]
    return w["change_pct"].format(pct=s["change_pct"])


def summary_lines(digest: dict[str, Any]) -> list[str]:
    """Three lines a founder reads first: what needs you today, what changed, the one crisis if any."""
    w = _w(digest)
    s = _summary_data(digest)
    n = int(s["needs_you"])
    if n:
        details = [
            plural(w, key, int(count))
            for key, count in (
                ("critical", s["critical"]),
                ("overdue_n", s["overdue"]),
                ("earlier", n - int(s["needs_you_today"])),
            )
            if count
        ]
        first = plural(w, "needs_you", n) + (f" ({', '.join(details)})" if details else "") + "."
    else:
        first = w["needs_you_none"]
    counts = [
        plural(w, key, int(s[field]))
        for key, field in (("complaint", "complaints"), ("lead", "leads"), ("request", "requests"))
        if s[field]
    ]
    second = w["changed"].format(mentions=plural(w, "mention", int(s["today"])), change=_change(s, w))
    second += (w["then"] + ", ".join(counts) if counts else "") + "."
    crisis = s.get("crisis")
    if crisis and crisis.get("type") == "spike":
        third = w["crisis_spike"].format(
            count=crisis["count"], hour=crisis["local_hour"], baseline=_number(crisis["baseline"], w)
        )
    elif crisis and crisis.get("type") == "critical":
        item = crisis["item"]
        reasons = item.get("reasons") or []
        third = w["crisis_critical"].format(
            who=_who(item, w),
            quote=truncate(" ".join(str(item["quote"]).split()), CRISIS_QUOTE),
            reasons=f" ({', '.join(reasons)})" if reasons else "",
        )
    else:
        third = w["crisis_none"]
    return [first, second, third]


def _number(value: float, w: dict[str, str]) -> str:
    text = f"{value:g}"
    return text.replace(".", ",") if w is words("fr") else text


def _chips(item: dict[str, Any], w: dict[str, str], *, level: bool) -> list[tuple[str, str]]:
    """(css class, words) of the item's chips: its kind (lead when it is one), and its urgency level."""
    kind = str(item.get("kind") or ("complaint" if item.get("complaint") else "other"))
    chips: list[tuple[str, str]] = []
    if kind != "other":
        chips.append(("kind", w.get(f"kind_{kind}", kind)))
    if item.get("lead") and kind not in ("complaint",):
        chips.append(("lead", w["kind_lead"]))
    if level and item.get("level"):
        text = f"{w['level_' + str(item['level'])]} {item.get('urgency') or 0}"
        if item.get("reasons"):
            text += ": " + ", ".join(str(r) for r in item["reasons"])
        chips.append((str(item["level"]), text))
    return chips


def _actions(item: dict[str, Any], links: Links | None, *, triage: bool = True) -> list[tuple[str, str, str]]:
    """(action, words key, url): Open the original, then (``triage``) the signed links when there are any."""
    out: list[tuple[str, str, str]] = []
    url = _safe_url(item.get("url"))
    if url:
        out.append(("open", "open", url))
    if not triage:
        return out
    signed = item.get("actions") or {}
    for action, key in ACTIONS:
        link = links(item["id"], action) if links is not None else signed.get(action)
        if link:
            out.append((action, key, str(link)))
    return out


def _meta(item: dict[str, Any], w: dict[str, str], *, waiting: bool) -> str:
    parts = [_who(item, w), str(item["local_time"])]
    if waiting and item.get("age_hours") is not None:
        age = ago(w, float(item["age_hours"]))
        if item.get("overdue"):
            age += ", " + w["overdue"].format(target=item["target_hours"])
        parts.append(age)
    return " · ".join(parts)


def also_said(item: dict[str, Any], w: dict[str, str]) -> str | None:
    """'also said: “Love the app”': the other parts of a message the item quotes one part of, if any."""
    parts = [str(p["quote"]) for p in item.get("also_said") or [] if isinstance(p, dict) and p.get("quote")]
    if not parts:
        return None
    return w["also_said"].format(quotes=", ".join(w["quoted"].format(quote=" ".join(p.split())) for p in parts))


# The sections that list mentions, in reading order: (digest key, title key, urgency level shown, actions).
SECTIONS = (
    ("needs_reply", "needs_reply", True, True),
    ("leads", "leads", False, True),
    ("requests", "requests", False, True),
    ("fans", "fans", False, True),
    ("influencers", "influencers", False, False),
)


# -- plain text ------------------------------------------------------------------------------------
def alert_lines(digest: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    """(what failed, the quote, the link) of each alert not delivered, in the digest's language."""
    w = _w(digest)
    lines = []
    for alert in digest.get("alerts_not_delivered") or []:
        channels = alert["channels"]
        first = min(channels.values(), key=lambda c: c["since"]) if channels else {"error": "", "since": ""}
        what = w["alert_not_delivered"].format(
            title=alert["title"],
            channels=", ".join(channels),
            error=first["error"],
            since=str(first["since"])[:16].replace("T", " "),
            given_up=w["alert_given_up"] if alert["status"] == "undelivered" else "",
        )
        lines.append((what, alert["quote"], _safe_url(alert.get("url"))))
    return lines


def render_text(digest: dict[str, Any], *, links: Links | None = None) -> str:
    """The digest as plain text (email text part, SNS, terminal)."""
    w = _w(digest)
    out = [w["title"].format(watch=digest["watch"], date=digest["date"]), "", *summary_lines(digest)]
    if digest.get("inbox_url"):
        out.append(w["labelled"].format(label=w["open_inbox"], value=digest["inbox_url"]))
    out.append("")

    def section(title: str, lines: list[str]) -> None:
        if lines:
            out.extend([title, "-" * len(title), *lines, ""])

    section(
        w["alerts_not_delivered"],
        [
            line
            for what, quote, url in alert_lines(digest)
            for line in (f"* {what}", f'  "{quote}"', *([f"  {url}"] if url else []))
        ],
    )

    def item_lines(item: dict[str, Any], *, level: bool, actions: bool) -> list[str]:
        chips = " ".join(f"[{text}]" for _, text in _chips(item, w, level=level))
        head = f"* {chips} " if chips else "* "
        lines = [head + _meta(item, w, waiting=level)]
        quote = f"{item['title']}: {item['quote']}" if item.get("title") else item["quote"]
        lines.append(f'  "{quote}"')
        also = also_said(item, w)
        if also:
            lines.append(f"  {also}")
        for _, key, url in _actions(item, links, triage=actions):
            lines.append("  " + w["labelled"].format(label=w[key], value=url))
        return lines

    for key, title, level, actions in SECTIONS:
        section(
            w[title],
            [line for item in digest.get(key) or [] for line in item_lines(item, level=level, actions=actions)],
        )
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
    stories: list[str] = []
    for story in digest["stories"]:
        stories.append("* " + w["story"].format(size=story["size"], sources=", ".join(story["sources"])))
        stories.append(f'  "{story["items"][0]["quote"]}"')
    section(w["stories"], stories)
    section(w["spikes"], [_spike(s, w) for s in digest["spikes"]])
    section(w["reply_time"], [_reply_time(digest, w)])
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


def _spike(s: dict[str, Any], w: dict[str, str]) -> str:
    return w["spike"].format(hour=s["local_hour"], count=s["count"], baseline=_number(s["baseline"], w))


def _reply_time(digest: dict[str, Any], w: dict[str, str]) -> str:
    rt = digest["reply_time"]
    return w["reply_time_value"].format(
        this=_hours(rt["this_week_hours"], w),
        this_n=plural(w, "reply", rt["this_week_count"]),
        last=_hours(rt["last_week_hours"], w),
        last_n=plural(w, "reply", rt["last_week_count"]),
    )


# -- HTML ------------------------------------------------------------------------------------------
CSS = """
body { margin: 0; padding: 0; background: #f4f4f5; color: #18181b; font-family: Arial, Helvetica, sans-serif; }
.wrap { width: 100%; background: #f4f4f5; }
.card { max-width: 640px; background: #ffffff; border-radius: 8px; }
h1 { font-size: 20px; margin: 0 0 8px 0; color: #18181b; }
h2 { font-size: 16px; margin: 20px 0 8px 0; color: #18181b; border-bottom: 1px solid #e4e4e7; padding-bottom: 4px; }
p { margin: 0 0 8px 0; font-size: 14px; line-height: 20px; }
.summary { margin: 0 0 4px 0; font-size: 15px; line-height: 22px; }
.crisis { color: #b91c1c; font-weight: bold; }
.muted { color: #71717a; font-size: 13px; }
.quote { border-left: 3px solid #a1a1aa; padding: 2px 0 2px 8px; margin: 4px 0; color: #27272a; font-size: 14px; }
.also { color: #52525b; font-size: 13px; font-style: italic; }
.item { padding: 8px 0; border-bottom: 1px solid #f4f4f5; }
.chip { display: inline-block; padding: 1px 7px; margin: 0 4px 2px 0; border-radius: 10px; font-size: 12px;
        line-height: 18px; background: #e4e4e7; color: #27272a; }
.chip-critical { background: #dc2626; color: #ffffff; font-weight: bold; }
.chip-high { background: #f59e0b; color: #1c1917; font-weight: bold; }
.chip-normal { background: #e4e4e7; color: #3f3f46; }
.chip-lead { background: #ede9fe; color: #5b21b6; }
.bar { background: #4f46e5; height: 14px; font-size: 1px; line-height: 1px; }
.bar-neg { background: #dc2626; height: 14px; font-size: 1px; line-height: 1px; }
.bar-pos { background: #16a34a; height: 14px; font-size: 1px; line-height: 1px; }
.bar-neu { background: #a1a1aa; height: 14px; font-size: 1px; line-height: 1px; }
.track { background: #e4e4e7; height: 14px; font-size: 1px; line-height: 1px; }
.label { font-size: 14px; color: #3f3f46; padding: 3px 8px 3px 0; white-space: nowrap; }
.num { font-size: 14px; color: #3f3f46; padding: 3px 0 3px 8px; text-align: right; }
.overdue { color: #dc2626; font-weight: bold; }
.btn { display: inline-block; padding: 6px 12px; margin: 4px 6px 0 0; border-radius: 4px; font-size: 14px;
       text-decoration: none; background: #4f46e5; color: #ffffff; }
.btn-2 { background: #e4e4e7; color: #18181b; }
a { color: #4f46e5; }
@media (prefers-color-scheme: dark) {
  body, .wrap { background: #18181b !important; color: #e4e4e7 !important; }
  .card { background: #27272a !important; }
  h1, h2, p, .label, .num, .quote { color: #e4e4e7 !important; }
  .also { color: #a1a1aa !important; }
  h2 { border-bottom-color: #3f3f46 !important; }
  .muted { color: #a1a1aa !important; }
  .crisis { color: #f87171 !important; }
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


def _item_html(item: dict[str, Any], w: dict[str, str], links: Links | None, *, level: bool, actions: bool) -> str:
    e = html.escape
    title = f"<strong>{e(item['title'])}</strong><br>" if item.get("title") else ""
    chips = "".join(f'<span class="chip chip-{e(css)}">{e(text)}</span>' for css, text in _chips(item, w, level=level))
    meta = e(_meta(item, w, waiting=False))
    if level and item.get("age_hours") is not None:
        meta += " · " + e(ago(w, float(item["age_hours"])))
        if item.get("overdue"):
            meta += f' · <span class="overdue">{e(w["overdue"].format(target=item["target_hours"]))}</span>'
    also = also_said(item, w)
    parts = [
        '<div class="item">',
        f"<p>{chips}</p>" if chips else "",
        f'<p class="muted">{meta}</p>',
        f'<div class="quote">{title}{e(item["quote"])}'
        + (f'<br><span class="also">{e(also)}</span>' if also else "")
        + "</div>",
    ]
    found = _actions(item, links, triage=actions)
    buttons = [
        f'<a class="btn{"" if action == "replied" else " btn-2"}" href="{e(url)}">{e(w[key])}</a>'
        for action, key, url in found
    ]
    if buttons:
        parts.append("<p>" + "".join(buttons) + "</p>")
    parts.append("</div>")
    return "".join(parts)


def render_html(digest: dict[str, Any], *, links: Links | None = None) -> str:
    """The digest as an email HTML document: CSS inlined, table bar charts, dark-mode styles kept.

    ``links(mention_id, action)`` gives the signed one-click URLs of each listed item (else the
    ``actions`` the digest was built with); without either the email has no triage buttons.
    """
    w = _w(digest)
    e = html.escape
    lang = "fr" if digest.get("language") == "fr" else "en"
    first, second, third = summary_lines(digest)
    crisis = ' class="summary crisis"' if (digest.get("summary") or {}).get("crisis") else ' class="summary"'
    body: list[str] = [
        f"<h1>{e(w['title'].format(watch=digest['watch'], date=digest['date']))}</h1>",
        f'<p class="summary"><strong>{e(first)}</strong></p>',
        f'<p class="summary">{e(second)}</p>',
        f"<p{crisis}>{e(third)}</p>",
    ]
    inbox = _safe_url(digest.get("inbox_url"))
    if inbox:
        body.append(f'<p><a class="btn" href="{e(inbox)}">{e(w["open_inbox"])}</a></p>')

    def section(title: str, content: str) -> None:
        if content:
            body.append(f"<h2>{e(title)}</h2>{content}")

    section(
        w["alerts_not_delivered"],
        "".join(
            f'<p class="alert-failed"><strong>{e(what)}</strong><br>&ldquo;{e(quote)}&rdquo;'
            + (f' <a href="{e(url)}">{e(url)}</a>' if url else "")
            + "</p>"
            for what, quote, url in alert_lines(digest)
        ),
    )

    for key, title, level, actions in SECTIONS:
        section(
            w[title],
            "".join(_item_html(item, w, links, level=level, actions=actions) for item in digest.get(key) or []),
        )

    trend = digest["trend"]
    days = [(p["date"], p["count"]) for p in trend["previous_days"]] + [(digest["date"], trend["today"])]
    peak = max((n for _, n in days), default=0) or 1
    # Month and day only: the label column stays readable on a 390 px phone.
    section(w["trend"], _bar_rows([(d[5:], n, n / peak, "bar") for d, n in days]))
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
    stories = []
    for story in digest["stories"]:
        head = e(w["story"].format(size=story["size"], sources=", ".join(story["sources"])))
        stories.append(
            f"<p><strong>{head}</strong></p>" + _item_html(story["items"][0], w, None, level=False, actions=False)
        )
    section(w["stories"], "".join(stories))
    section(w["spikes"], "".join(f"<p>{e(_spike(s, w))}</p>" for s in digest["spikes"]))
    section(w["reply_time"], f"<p>{e(_reply_time(digest, w))}</p>")
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
        '<tr><td align="center" style="padding:8px">'
        '<table role="presentation" class="card" width="100%" cellpadding="0" cellspacing="0" border="0">'
        f'<tr><td style="padding:16px">{"".join(body)}</td></tr></table></td></tr></table></body></html>'
    )
    return str(_inliner().inline(document))


# -- Slack -----------------------------------------------------------------------------------------
def _slack_item(item: dict[str, Any], w: dict[str, str], *, level: bool, actions: bool) -> dict[str, Any]:
    quote = " ".join(str(item["quote"]).split())
    chips = " ".join(f"`{escape_slack(text)}`" for _, text in _chips(item, w, level=level))
    found = _actions(item, None, triage=actions)
    links = " · ".join(slack_link(url, w[key]) for _, key, url in found)
    meta = escape_slack(_meta(item, w, waiting=level))
    text = f"{chips + ' ' if chips else ''}{meta}{' · ' + links if links else ''}\n>{escape_slack(quote)}"
    also = also_said(item, w)
    if also:
        text += f"\n>{escape_slack(also)}"
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, 3000)}}


def _slack_title(title: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": f"*{escape_slack(title)}*"}}


def slack_blocks(digest: dict[str, Any]) -> list[dict[str, Any]]:
    """The digest's summary, what needs you, leads, requests, fans and spikes as Block Kit (at most 50)."""
    w = _w(digest)
    summary = "\n".join(escape_slack(line) for line in summary_lines(digest))
    inbox = _safe_url(digest.get("inbox_url"))
    if inbox:
        summary += "\n" + slack_link(inbox, w["open_inbox"])
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {
                "type": "plain_text",
                "emoji": True,
                "text": truncate(w["title"].format(watch=digest["watch"], date=digest["date"]), 150),
            },
        },
        {"type": "section", "text": {"type": "mrkdwn", "text": truncate(summary, 3000)}},
    ]
    failed = alert_lines(digest)
    if failed:
        text = "\n".join(
            f"{escape_slack(what)}\n>{escape_slack(quote)}" + (f" {slack_link(url, url)}" if url else "")
            for what, quote, url in failed
        )
        blocks.append(_slack_title(w["alerts_not_delivered"]))
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, 3000)}})
    for key, title, level, actions in SECTIONS:
        items = digest.get(key) or []
        if items and key != "influencers":
            blocks.append(_slack_title(w[title]))
            blocks += [_slack_item(item, w, level=level, actions=actions) for item in items[:SLACK_LIST_MAX]]
    if digest["spikes"]:
        lines = [_spike(s, w) for s in digest["spikes"]]
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
