"""The weekly and monthly report: KPIs against the previous period, themes and their trend, what
changed most and proposals, built from per-day aggregates (never a period's mentions) and rendered as
text, email HTML and Slack blocks, in English or French. Pure: no AWS, no HTTP.

    report = build_report("kanbo", "en", "week", date(2026, 3, 11), days, themes, inbox_url)
    render_html(report)

``model.py`` is the input contract the data layer fills; ``build.py`` says how trends, changes and
proposals are decided.
"""

from __future__ import annotations

from chalicelib.report.build import build_report, median_hours, period_bounds, trend
from chalicelib.report.model import REPLY_BUCKETS, DayCounts, Example, SourceDay, ThemeDay, ThemeInfo
from chalicelib.report.render import render_html, render_text, report_subject, slack_blocks

__all__ = [
    "REPLY_BUCKETS",
    "DayCounts",
    "Example",
    "SourceDay",
    "ThemeDay",
    "ThemeInfo",
    "build_report",
    "median_hours",
    "period_bounds",
    "render_html",
    "render_text",
    "report_subject",
    "slack_blocks",
    "trend",
]
