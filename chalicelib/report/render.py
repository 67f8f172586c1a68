"""The report as plain text, as email HTML (inline styles, tables only) and as Slack Block Kit.

Every rendering reads the same order: what to do (proposals, each with its example), the key figures
against the previous period, what changed most, the themes of each kind, volume and sentiment by day,
and the channels. Theme labels and quotes are untrusted user text: ``html.escape`` in HTML,
``escape_slack`` in Slack, and only http(s) URLs become links. The HTML needs no stylesheet: every
style is inline and the day chart is a table of proportional cells, which every mail client draws.
"""

from __future__ import annotations

import html
from typing import Any

from chalicelib.notify.render import escape_slack, slack_link, truncate
from chalicelib.report.i18n import number, plural, words
from chalicelib.report.model import THEME_KINDS

QUOTE_MAX = 160
SLACK_THEMES_PER_KIND = 3
# (kpi key, how to read it): "count", "rate" (a share, 0..1) or "hours".
FIGURES: tuple[tuple[str, str], ...] = (
    ("mentions", "count"),
    ("share_of_voice", "rate"),
    ("positive", "count"),
    ("neutral", "count"),
    ("negative", "count"),
    ("complaints", "count"),
    ("leads", "count"),
    ("median_first_reply_hours", "hours"),
    ("share_replied", "rate"),
)
# The channel table's columns in HTML: few enough to fit a phone (the text and JSON give every figure).
CHANNEL_COLUMNS = ("mentions", "negative", "complaints", "leads", "median_first_reply_hours", "share_replied")
COLOURS = {"positive": "#16a34a", "neutral": "#a1a1aa", "negative": "#dc2626", "other": "#d4d4d8"}
TRACK = "#f4f4f5"
FONT = "font-family:Arial,Helvetica,sans-serif;color:#18181b;"


def _lang(report: dict[str, Any]) -> str:
    return "fr" if report.get("language") == "fr" else "en"


def _safe_url(url: object) -> str | None:
    return url if isinstance(url, str) and url.startswith(("https://", "http://")) else None


def report_subject(report: dict[str, Any]) -> str:
    """The email subject (also the Slack header and the page title)."""
    w, p = words(_lang(report)), report["period"]
    return w[f"subject_{p['kind']}"].format(watch=report["watch"], start=p["start"], end=p["end"])


def _figure(kpis: dict[str, Any], key: str) -> dict[str, Any]:
    return dict(kpis["sentiment"][key]) if key in ("positive", "neutral", "negative") else dict(kpis[key])


def _value(value: float | None, how: str, lang: str) -> str:
    w = words(lang)
    if value is None:
        return w["na"]
    if how == "rate":
        return w["pct"].format(n=number(round(100 * value), lang))
    if how == "hours":
        return w["hours"].format(h=number(value, lang))
    return str(int(value))


def _change(entry: dict[str, Any], how: str, lang: str) -> str:
    w, change = words(lang), entry.get("change")
    if change is None:
        return ""
    sign = "+" if change > 0 else ("−" if change < 0 else "±")
    if how == "rate":
        return sign + w["points"].format(n=number(abs(round(100 * change)), lang))
    if how == "hours":
        return sign + w["hours"].format(h=number(abs(change), lang))
    text = f"{sign}{abs(int(change))}"
    if entry.get("change_pct") is not None:
        pct = entry["change_pct"]
        text += " (" + ("+" if pct > 0 else "−" if pct < 0 else "±") + w["pct"].format(n=abs(pct)) + ")"
    return text


def figure_rows(
    report: dict[str, Any], kpis: dict[str, Any] | None = None, keys: tuple[str, ...] | None = None
) -> list[tuple[str, str, str, str]]:
    """(name, now, before, change) of each key figure (or of ``keys``), in the report's language;
    ``kpis`` a channel's instead of the whole watch's."""
    lang = _lang(report)
    w = words(lang)
    kpis = kpis if kpis is not None else report["kpis"]
    rows = []
    for key, how in FIGURES:
        if keys is not None and key not in keys:
            continue
        if key == "share_of_voice" and (key not in kpis or kpis[key]["value"] is None):
            continue
        entry = _figure(kpis, key)
        rows.append(
            (w[key], _value(entry["value"], how, lang), _value(entry["previous"], how, lang), _change(entry, how, lang))
        )
    return rows


def change_lines(report: dict[str, Any]) -> list[str]:
    """What changed most, one sentence each ("Complaints: 14, up from 6")."""
    w = words(_lang(report))
    out = []
    for c in report["changes"]:
        what = c["label"] if c["kind"] in ("theme", "source") else w[c["key"]]
        out.append(
            w["change_line"].format(what=what, value=c["value"], direction=w[c["direction"]], previous=c["previous"])
        )
    return out


def theme_line(report: dict[str, Any], theme: dict[str, Any]) -> str:
    """One theme with its count, trend, previous count and people."""
    w = words(_lang(report))
    return w["theme_line"].format(
        label=theme["label"],
        count=theme["count"],
        trend=w["trend_" + theme["trend"]],
        previous=theme["previous"],
        before=w["before_" + report["period"]["kind"]],
        people=plural(w, "people", int(theme["authors"])),
    )


def _themes_by_kind(report: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    return [(k, [t for t in report["themes"] if t["kind"] == k]) for k in THEME_KINDS]


def _quote(example: dict[str, Any]) -> str:
    return truncate(" ".join(str(example.get("quote", "")).split()), QUOTE_MAX)


# -- plain text ------------------------------------------------------------------------------------
def render_text(report: dict[str, Any]) -> str:
    """The report as plain text (email text part, terminal)."""
    lang = _lang(report)
    w = words(lang)
    out = [report_subject(report), ""]
    inbox = _safe_url(report.get("inbox_url"))
    if inbox:
        out += [w["labelled"].format(label=w["open_inbox"], value=inbox), ""]

    def section(title: str, lines: list[str]) -> None:
        if lines:
            out.extend([title, "-" * len(title), *lines, ""])

    def example_lines(examples: list[dict[str, Any]], indent: str) -> list[str]:
        lines = []
        for ex in examples:
            url = _safe_url(ex.get("url"))
            lines.append(f"{indent}“{_quote(ex)}”" + (f" {url}" if url else ""))
        return lines

    proposals = []
    for i, p in enumerate(report["proposals"], 1):
        proposals.append(f"{i}. {p['text']}")
        proposals += example_lines(p["examples"], "   ")
        link = None if p["examples"] else _safe_url(p.get("link"))
        if link:  # a channel's proposal has no theme examples: the inbox is where to act
            proposals.append("   " + w["labelled"].format(label=w["open_inbox"], value=link))
    section(w["proposals"], proposals or [w["no_proposals"]])
    section(
        w["kpis"],
        [
            w["labelled"].format(
                label=name, value=f"{now} ({w['previous'].lower()} {before}{', ' + change if change else ''})"
            )
            for name, now, before, change in figure_rows(report)
        ],
    )
    section(w["changes"], [f"* {line}" for line in change_lines(report)])
    themes = []
    for kind, items in _themes_by_kind(report):
        if items:
            themes.append(w[f"kind_{kind}"])
            for t in items:
                themes.append(f"  * {theme_line(report, t)}")
                themes += example_lines(t["examples"][:1], "    ")
    section(w["themes"], themes)
    peak = max((d["mentions"] for d in report["days"]), default=0) or 1
    section(
        w["chart"],
        [
            f"{d['day']}  {'#' * round(20 * d['mentions'] / peak):<20}  {d['mentions']}"
            f" (+{d['positive']} ={d['neutral']} -{d['negative']})"
            for d in report["days"]
        ],
    )
    channels = []
    for source, kpis in report["kpis"]["by_source"].items():
        rows = figure_rows(report, kpis)
        channels.append(
            w["labelled"].format(label=source, value=w["then"].join(f"{n} {now} ({b})" for n, now, b, _ in rows))
        )
    section(w["by_source"], channels)
    out.append(w["footer"])
    return "\n".join(out) + "\n"


# -- HTML ------------------------------------------------------------------------------------------
def _h2(text: str) -> str:
    return (
        f'<h2 style="{FONT}font-size:16px;margin:20px 0 8px 0;border-bottom:1px solid #e4e4e7;'
        f'padding-bottom:4px">{html.escape(text)}</h2>'
    )


def _p(inner: str, style: str = "") -> str:
    return f'<p style="{FONT}font-size:14px;line-height:20px;margin:0 0 8px 0;{style}">{inner}</p>'


def _examples_html(examples: list[dict[str, Any]]) -> str:
    e = html.escape
    out = []
    for ex in examples:
        url = _safe_url(ex.get("url"))
        quote = f"&ldquo;{e(_quote(ex))}&rdquo;"
        if url:
            quote = f'<a href="{e(url)}" style="color:#4f46e5">{quote}</a>'
        out.append(
            f'<div style="{FONT}border-left:3px solid #a1a1aa;padding:2px 0 2px 8px;margin:4px 0 4px 0;'
            f'font-size:13px;color:#3f3f46">{quote}</div>'
        )
    return "".join(out)


def _table(header: list[str], rows: list[list[str]]) -> str:
    """A small data table; ``rows`` cells are already escaped HTML."""
    cell = f"{FONT}font-size:13px;padding:4px 8px 4px 0;border-bottom:1px solid #f4f4f5;"
    head = "".join(f'<th align="left" style="{cell}color:#71717a;font-weight:normal">{h}</th>' for h in header)
    body = "".join("<tr>" + "".join(f'<td style="{cell}">{c}</td>' for c in row) + "</tr>" for row in rows)
    return (
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">'
        f"<tr>{head}</tr>{body}</table>"
    )


def _day_bar(day: dict[str, Any], peak: int) -> str:
    """One day as a bar: green, grey, red and unclassified cells sized by count, then the empty track."""
    other = max(0, day["mentions"] - day["positive"] - day["neutral"] - day["negative"])
    cells, used = [], 0
    for key, n in (
        ("positive", day["positive"]),
        ("neutral", day["neutral"]),
        ("negative", day["negative"]),
        ("other", other),
    ):
        pct = round(100 * n / peak) if peak else 0
        pct = min(pct, 100 - used)
        if pct > 0:
            used += pct
            cells.append(
                f'<td width="{pct}%" style="background:{COLOURS[key]};height:12px;font-size:1px;line-height:1px">'
                "&nbsp;</td>"
            )
    if used < 100:
        cells.append(
            f'<td width="{100 - used}%" style="background:{TRACK};height:12px;font-size:1px;line-height:1px">'
            "&nbsp;</td>"
        )
    return (
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">'
        f"<tr>{''.join(cells)}</tr></table>"
    )


def chart_html(report: dict[str, Any]) -> str:
    """Volume and sentiment by day: one row per day, bar lengths relative to the busiest day."""
    w, e = words(_lang(report)), html.escape
    peak = max((d["mentions"] for d in report["days"]), default=0)
    label = f"{FONT}font-size:12px;color:#3f3f46;padding:2px 8px 2px 0;white-space:nowrap"
    rows = "".join(
        f'<tr><td width="15%" style="{label}">{e(d["day"][5:])}</td>'
        f'<td width="75%" style="padding:2px 0">{_day_bar(d, peak)}</td>'
        f'<td width="10%" align="right" style="{label};padding:2px 0 2px 8px">{int(d["mentions"])}</td></tr>'
        for d in report["days"]
    )
    legend = " ".join(
        f'<span style="{FONT}font-size:12px;color:#3f3f46"><span style="background:{COLOURS[k]};'
        f'display:inline-block;width:10px;height:10px">&nbsp;</span> {e(w[k])}</span>'
        for k in ("positive", "neutral", "negative")
    )
    return f'<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">{rows}</table>' + _p(
        legend, "margin-top:4px"
    )


def render_html(report: dict[str, Any]) -> str:
    """The report as an email HTML document: inline styles only, tables for layout and the day chart."""
    lang = _lang(report)
    w, e = words(lang), html.escape
    body = [f'<h1 style="{FONT}font-size:20px;margin:0 0 8px 0">{e(report_subject(report))}</h1>']
    inbox = _safe_url(report.get("inbox_url"))
    if inbox:
        body.append(
            _p(
                f'<a href="{e(inbox)}" style="display:inline-block;padding:6px 12px;border-radius:4px;'
                f'background:#4f46e5;color:#ffffff;text-decoration:none">{e(w["open_inbox"])}</a>'
            )
        )
    body.append(_h2(w["proposals"]))
    if report["proposals"]:
        for i, p in enumerate(report["proposals"], 1):
            link = None if p["examples"] else _safe_url(p.get("link"))
            more = _p(f'<a href="{e(link)}" style="color:#4f46e5">{e(w["open_inbox"])}</a>') if link else ""
            body.append(
                _p(f"<strong>{i}. {e(p['text'])}</strong>", "margin-top:8px") + _examples_html(p["examples"]) + more
            )
    else:
        body.append(_p(e(w["no_proposals"])))
    body.append(_h2(w["kpis"]))
    body.append(
        _table(
            [e(w["metric"]), e(w["now"]), e(w["previous"]), e(w["change"])],
            [[e(c) for c in row] for row in figure_rows(report)],
        )
    )
    changes = change_lines(report)
    if changes:
        body.append(_h2(w["changes"]) + "".join(_p("&bull; " + e(line)) for line in changes))
    themes = []
    for kind, items in _themes_by_kind(report):
        if items:
            themes.append(_p(f"<strong>{e(w['kind_' + kind])}</strong>", "margin-top:8px"))
            for t in items:
                themes.append(_p(e(theme_line(report, t)), "margin:0 0 2px 0") + _examples_html(t["examples"][:1]))
    if themes:
        body.append(_h2(w["themes"]) + "".join(themes))
    body.append(_h2(w["chart"]) + chart_html(report))
    channels = [
        [e(source)] + [e(f"{now} ({before})") for _, now, before, _ in figure_rows(report, kpis, CHANNEL_COLUMNS)]
        for source, kpis in report["kpis"]["by_source"].items()
    ]
    if channels:
        first = next(iter(report["kpis"]["by_source"].values()))
        names = [e(name) for name, *_ in figure_rows(report, first, CHANNEL_COLUMNS)]
        body.append(_h2(w["by_source"]) + _table([e(w["source"]), *names], channels))
    body.append(_p(e(w["footer"]), "color:#71717a;font-size:12px;margin-top:16px"))
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(report_subject(report))}</title></head>"
        '<body style="margin:0;padding:0;background:#f4f4f5">'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
        'style="background:#f4f4f5"><tr><td align="center" style="padding:8px">'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
        'style="max-width:640px;background:#ffffff;border-radius:8px">'
        f'<tr><td style="padding:16px">{"".join(body)}</td></tr></table></td></tr></table></body></html>'
    )


# -- Slack -----------------------------------------------------------------------------------------
def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, 3000)}}


def _slack_examples(examples: list[dict[str, Any]]) -> str:
    return "".join(f"\n>{slack_link(_safe_url(ex.get('url')), _quote(ex))}" for ex in examples)


def slack_blocks(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The report as Block Kit: proposals with an example each, key figures, changes, top themes (<= 50 blocks)."""
    w = words(_lang(report))
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "emoji": True, "text": truncate(report_subject(report), 150)}}
    ]
    blocks.append(_section(f"*{escape_slack(w['proposals'])}*"))
    if report["proposals"]:
        for i, p in enumerate(report["proposals"], 1):
            link = None if p["examples"] else _safe_url(p.get("link"))
            more = f"\n{slack_link(link, w['open_inbox'])}" if link else ""
            blocks.append(_section(f"{i}. {escape_slack(p['text'])}" + _slack_examples(p["examples"][:1]) + more))
    else:
        blocks.append(_section(escape_slack(w["no_proposals"])))
    figures = "\n".join(
        escape_slack(
            w["labelled"].format(
                label=name, value=f"{now} ({w['previous'].lower()} {before}{', ' + change if change else ''})"
            )
        )
        for name, now, before, change in figure_rows(report)
    )
    blocks.append(_section(f"*{escape_slack(w['kpis'])}*\n{figures}"))
    changes = change_lines(report)
    if changes:
        blocks.append(
            _section(f"*{escape_slack(w['changes'])}*\n" + "\n".join(f"• {escape_slack(c)}" for c in changes))
        )
    for kind, items in _themes_by_kind(report):
        if items:
            lines = "\n".join(f"• {escape_slack(theme_line(report, t))}" for t in items[:SLACK_THEMES_PER_KIND])
            blocks.append(_section(f"*{escape_slack(w['kind_' + kind])}*\n{lines}"))
    inbox = _safe_url(report.get("inbox_url"))
    if inbox:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": slack_link(inbox, w["open_inbox"])}]})
    return blocks[:50]
