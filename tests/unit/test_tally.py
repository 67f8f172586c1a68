"""What one labelled mention adds to its hour's counters (the report's aggregates)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chalicelib.models import Mention
from chalicelib.pipeline.tally import kpi_fields, reply_bucket, reply_fields

AT = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def review(labels: dict, rating: str | None = None) -> Mention:
    return Mention(
        source="appstore",
        external_id="r1",
        text="Love it but it crashes. Please add dark mode.",
        created_at=AT,
        watch="acme",
        extra={"rating": rating} if rating else {},
        labels=labels,
    )


def test_a_mixed_one_star_review_counts_once_by_source_and_once_per_theme_it_touches() -> None:
    labels = {
        "sentiment": "negative",
        "complaint": True,
        "lead": False,
        "units": [
            [0, 12, "praise", "positive"],
            [13, 23, "complaint", "negative", "th-crash"],
            [24, 45, "feature_request", "neutral", "th-dark"],
        ],
    }
    counts = kpi_fields(review(labels, rating="1"), labels)
    assert counts == {
        "n|appstore": 1,
        "neg|appstore": 1,
        "cmp|appstore": 1,
        "t|th-crash": 1,
        "tm|th-crash": 1,
        "tn|th-crash": 1,
        "t1|th-crash": 1,
        "t|th-dark": 1,
        "tm|th-dark": 1,
        "t1|th-dark": 1,
    }


def test_a_correction_counts_as_the_founder_said() -> None:
    labels = {"sentiment": "negative", "complaint": True, "units": []}
    mention = review(labels).model_copy(update={"corrections": {"complaint": False, "sentiment": "neutral"}})
    counts = kpi_fields(mention, labels)
    assert counts == {"n|appstore": 1, "neu|appstore": 1}


def test_a_first_reply_lands_in_its_delay_bucket() -> None:
    assert [reply_bucket(h) for h in (0.5, 1, 3, 30, 200)] == ["1", "1", "4", "48", "inf"]
    mention = review({})
    assert reply_fields(mention, AT + timedelta(hours=5)) == {"rep|appstore": 1, "rh8|appstore": 1}
