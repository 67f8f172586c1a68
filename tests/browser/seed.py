"""The seeded inbox shared by the browser tests and the schemathesis run."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from chalicelib.models import Author, Mention, WatchMatch, utcnow
from chalicelib.query import compile_query

XSS = '<img src=x onerror="window.__xss = 1"> acme is great <script>window.__xss = 2</script>'
PRAISE = "Acme made our retro painless, thank you! Could you add a timer to the board?"
FORM = "What did you try?: Export my board to CSV\nWhat went wrong?: acme gave me an empty file\nPlan: Team"


def unit(text: str, part: str, kind: str, sentiment: str) -> list[Any]:
    """A feedback unit as the stream stores it: ``[start, end, kind, sentiment]``, offsets into ``text``."""
    start = text.index(part)
    return [start, start + len(part), kind, sentiment]


def seed_mentions() -> dict[str, Mention]:
    """A small inbox for watch ``acme``: a complaint, a lead, an XSS attempt, praise, an old outage, form
    feedback with an address, a question, a feature request and spam; one mention of the rival.

    The praise (with a request), the XSS post and the form carry feedback units, as the stream stores them
    (one of the form's in the keyed form); the others are older mentions, without units."""
    base = utcnow().replace(second=0, microsecond=0) - timedelta(hours=6)

    def make(
        key: str,
        minutes: int,
        text: str,
        labels: dict[str, Any],
        *,
        watch: str = "acme",
        source: str = "hn",
        title: str | None = None,
        handle: str | None = "someone",
        author: Author | None = None,
    ) -> Mention:
        return Mention(
            source=source,
            external_id=key,
            text=text,
            title=title,
            author=author or Author(handle=handle),
            url=f"https://news.example.com/item/{key}",
            created_at=base + timedelta(minutes=minutes),
            # The spans the watch's query really finds, as the fetch pipeline stores them.
            matches=[WatchMatch(watch=watch, spans=compile_query(watch).match(text, title=title or "") or [])],
            labels=labels,
        )

    return {
        "complaint": make(
            "complaint",
            50,
            "Acme app crashed twice today and lost my board. I want a refund.",
            {
                "lang": "en",
                "sentiment": "negative",
                "complaint": True,
                "needs_reply": True,
                "urgency": 85,
                "why": {"complaint": ["crashed", "refund"], "needs_reply": ["I want"]},
            },
            handle="angry_ann",
        ),
        "lead": make(
            "lead",
            40,
            "Looking for something like acme for a team of 40, what does it cost?",
            {
                "lang": "en",
                "sentiment": "neutral",
                "lead": True,
                "needs_reply": True,
                "urgency": 40,
                "why": {"lead": ["looking for", "team of 40"]},
            },
            source="reddit",
            handle="buyer_bob",
        ),
        "xss": make(
            "xss",
            30,
            XSS,
            {"lang": "en", "sentiment": "positive", "units": [unit(XSS, "acme is great", "praise", "positive")]},
            title="<b>bold</b> claim",
            handle="<i>mallory</i>",
        ),
        "praise": make(
            "praise",
            20,
            PRAISE,
            {
                "lang": "en",
                "sentiment": "positive",
                "units": [
                    unit(PRAISE, "Acme made our retro painless, thank you!", "praise", "positive"),
                    unit(PRAISE, "Could you add a timer to the board?", "feature_request", "neutral"),
                ],
            },
            source="rss",
            handle="fan_fay",
        ),
        "rival": make("rival", 10, "rival is fine I guess", {"lang": "en", "sentiment": "neutral"}, watch="rival"),
        "outage": make(
            "outage",
            -1500,  # 31 hours ago: past the 24-hour reply target
            "acme has been down for 3 hours, the whole team is locked out",
            {
                "lang": "en",
                "sentiment": "negative",
                "complaint": True,
                "kind": "complaint",
                "needs_reply": True,
                "urgency": 92,
                "why": {"complaint": ["down", "locked out"], "urgent": ["outage", "access", "followers:12000"]},
            },
            source="bluesky",
            author=Author(handle="ops_olga.bsky.social", name="Olga", reach=12000),
        ),
        "form": make(
            "form",
            45,
            FORM,
            {
                "lang": "en",
                "sentiment": "negative",
                "complaint": True,
                "kind": "complaint",
                "needs_reply": True,
                "urgency": 62,
                "why": {"complaint": ["empty file"], "urgent": ["data loss"]},
                "units": [
                    unit(FORM, "Export my board to CSV", "other", "neutral"),
                    dict(
                        zip(
                            ("start", "end", "kind", "sentiment"),
                            unit(FORM, "acme gave me an empty file", "complaint", "negative"),
                            strict=True,
                        )
                    ),
                    unit(FORM, "Team", "other", "neutral"),
                ],
            },
            source="form:tally",
            title="Product feedback",
            author=Author(name="Zoé Martin", email="zoe@example.com"),
        ),
        "question": make(
            "question",
            35,
            "Does acme export to Excel?",
            {"lang": "en", "sentiment": "neutral", "kind": "question", "needs_reply": True, "urgency": 25},
            source="hn",
            handle="curious_cal",
        ),
        "request": make(
            "request",
            25,
            "acme really needs a dark mode",
            {"lang": "en", "sentiment": "neutral", "kind": "feature_request", "urgency": 10},
            source="reddit",
            handle="night_owl",
        ),
        "spam": make(
            "spam",
            15,
            "acme promo code, win a free iPhone now",
            {"lang": "en", "sentiment": "positive", "spam": True, "urgency": 0},
            handle="promo_bot",
        ),
    }
