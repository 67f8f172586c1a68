"""What the stream handler gives the classifier for each mention."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.models import Mention
from chalicelib.pipeline.reading import classification_text


def mention(source: str, text: str, title: str | None = None) -> Mention:
    return Mention(source=source, external_id="1", text=text, title=title, created_at=datetime(2026, 3, 9, tzinfo=UTC))


def test_form_feedback_is_read_without_its_question_labels() -> None:
    text = "Company Name: Northwind Studio\nTeam size: 40-100\nWhat are you looking for?: a demo: next week"
    assert classification_text(mention("form:jotform", text, title="Sales form")) == (
        "Northwind Studio\n40-100\na demo: next week"
    )


def test_a_public_post_is_read_with_its_title() -> None:
    assert classification_text(mention("hn", "Label: kept as written", title="Kanbo 2.0")) == (
        "Kanbo 2.0. Label: kept as written"
    )
    assert classification_text(mention("rss", "no title here")) == "no title here"
