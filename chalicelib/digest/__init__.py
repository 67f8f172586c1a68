"""The daily digest: built from the store (build), rendered for people (render), sent once (send)."""

from __future__ import annotations

from chalicelib.digest.build import build_digest
from chalicelib.digest.render import digest_subject, render_html, render_text, slack_blocks
from chalicelib.digest.send import send_due_digests

__all__ = ["build_digest", "digest_subject", "render_html", "render_text", "send_due_digests", "slack_blocks"]
