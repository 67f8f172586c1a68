"""Themes: feedback units of one kind that say the same thing, English and French together.

Pure domain code (no boto3); numpy and the sentence encoder load at the first call, never at import.
`discover` is the scheduled job's grouping (and `veille themes`'s); `assign` puts one new unit of the
stream in the nearest theme.
"""

from __future__ import annotations

from chalicelib.themes.grouping import (
    Discovery,
    Thresholds,
    assign,
    discover,
    theme_id,
    thresholds_for,
    unit_vectors,
)
from chalicelib.themes.models import Assignment, FeedbackUnit, Theme
from chalicelib.themes.vectors import Space, default_space, words_space

__all__ = [
    "Assignment",
    "Discovery",
    "FeedbackUnit",
    "Space",
    "Theme",
    "Thresholds",
    "assign",
    "default_space",
    "discover",
    "theme_id",
    "thresholds_for",
    "unit_vectors",
    "words_space",
]
