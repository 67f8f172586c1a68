"""Feedback units: a message read part by part, so a bug inside a kind review is still a bug."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.classify import ClassifyInput, Labels, get_classifier
from chalicelib.classify.schema import Unit
from chalicelib.classify.units import align, keep_units, split_units


def parts(text: str) -> list[str]:
    return [text[s:e] for s, e in split_units(text)]


def label(text: str, **kw) -> Labels:
    return get_classifier().classify([ClassifyInput(id="t", text=text, **kw)])[0]


def unit_texts(text: str, labels: Labels) -> list[tuple[str, str, str]]:
    return [(text[u.start : u.end], u.kind, u.sentiment) for u in labels.units]


# --- splitting ------------------------------------------------------------------------------------------------


def test_sentences_and_clauses_around_a_contrast_are_units():
    assert parts("Love the app but it crashes every time I open a board. Support answered fast!") == [
        "Love the app",
        "but it crashes every time I open a board.",
        "Support answered fast!",
    ]
    assert parts("I love it, however the sync is slow, except on wifi") == [
        "I love it",
        "however the sync is slow",
        "except on wifi",
    ]


def test_french_contrasts_split_too():
    assert parts("Super appli, mais depuis la mise à jour elle plante. Par contre le support est top !") == [
        "Super appli",
        "mais depuis la mise à jour elle plante.",
        "Par contre le support est top !",
    ]
    assert parts("Tout marche bien sauf que l'export PDF est vide") == [
        "Tout marche bien",
        "sauf que l'export PDF est vide",
    ]


def test_each_line_of_a_form_is_its_own_unit():
    answers = "Kanbo\nThe boards are great\nExport is broken"
    assert parts(answers) == ["Kanbo", "The boards are great", "Export is broken"]


def test_a_lone_contrast_word_is_no_unit():
    assert parts("Nice app though.") == ["Nice app though."]
    assert parts("Works well, though.") == ["Works well, though."]
    assert parts("") == [] and parts("   \n ") == []


def test_offsets_point_into_the_text_and_skip_its_whitespace():
    text = "  Great app.   But slow to start.  "
    for s, e in split_units(text):
        assert text[s:e] == text[s:e].strip() and text[s:e]


# --- labels derived from units --------------------------------------------------------------------------------


def test_a_bug_inside_a_kind_review_is_a_complaint_with_its_praise_visible():
    text = "Love the app but it crashes every time I open a board"
    lab = label(text)
    assert lab.complaint and lab.kind == "complaint"
    assert lab.sentiment == "negative"  # praise and a bug: not a positive review
    assert unit_texts(text, lab) == [
        ("Love the app", "praise", "positive"),
        ("but it crashes every time I open a board", "complaint", "negative"),
    ]
    assert "crashes" in lab.why["complaint"]


def test_a_french_mixed_review_is_a_complaint():
    text = "Super appli, mais depuis la mise à jour elle plante à chaque ouverture."
    lab = label(text)
    assert lab.lang == "fr" and lab.complaint and lab.kind == "complaint" and lab.sentiment == "negative"
    assert [k for _, k, _ in unit_texts(text, lab)] == ["praise", "complaint"]


def test_a_one_part_message_has_one_unit_with_the_messages_labels():
    text = "I love this app, it saves me hours every week"
    lab = label(text)
    assert [u.as_json() for u in lab.units] == [
        {"start": 0, "end": len(text), "kind": lab.kind, "sentiment": lab.sentiment}
    ]


# --- rules a founder would state -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Please fix the sync, it is so slow",
        "The calendar view doesn't work anymore",
        "I can't export my boards anymore",
        "Since the update the app is so slow I can barely use it",
        "Merci de corriger l'export, il est vide",
    ],
)
def test_bug_reports_worded_as_requests_are_complaints(text):
    lab = label(text)
    assert lab.complaint and lab.kind == "complaint", lab


@pytest.mark.parametrize(
    "text",
    [
        "I wish it had a dark mode",
        "Please add tags to cards",
        "Would be nice to export boards to CSV",
        "Pourriez-vous ajouter un export CSV ?",
    ],
)
def test_requests_stay_requests(text):
    lab = label(text)
    assert lab.kind == "feature_request" and not lab.complaint, lab


def test_a_request_that_describes_a_charge_is_a_complaint():
    lab = label("Please add a way to get my money back, you charged me twice")
    assert lab.complaint and lab.kind == "complaint"


@pytest.mark.parametrize(
    "text",
    [
        "Since the update it is so much faster, great work",
        "It doesn't crash anymore since the update, thank you!",
        "The crash is fixed, love it",
        "Never had it crash, not once",
    ],
)
def test_resolved_and_negated_cues_do_not_count(text):
    lab = label(text)
    # No cue and no bug report is read in them: nothing is quoted as a reason, nothing alerts.
    assert lab.urgency < 50 and "urgent" not in lab.why, lab
    assert "since the update" not in lab.why.get("complaint", []), lab


# --- urgency's reasons ------------------------------------------------------------------------------------------


def test_urgency_reasons_quote_what_was_said_never_label_names():
    lab = label("You charged me twice this month, I will file a chargeback", followers=50_000)
    assert lab.urgency >= 60
    assert {"charged me twice", "chargeback", "followers:50000"} <= set(lab.why["urgent"])
    assert not {"refund", "negative", "complaint"} & set(lab.why["urgent"])


def test_the_complaint_part_sets_the_urgency_not_the_praise_around_it():
    praise_only = label("Love the app, the boards are beautiful")
    mixed = label("Love the app, the boards are beautiful, but it lost all my data after the update")
    assert mixed.urgency >= 60 > praise_only.urgency
    assert "lost all my" in mixed.why["urgent"]


# --- storage -------------------------------------------------------------------------------------------------


def test_units_are_stored_as_compact_lists_and_read_back():
    text = "Love the app but it crashes every time I open a board"
    lab = label(text)
    stored = lab.model_dump(mode="json")
    assert stored["units"] == [[0, 12, "praise", "positive"], [13, len(text), "complaint", "negative"]]
    assert Labels.model_validate(stored) == lab
    keyed = {**stored, "units": [u.as_json() for u in lab.units]}
    assert Labels.model_validate(keyed).units == lab.units
    older = {k: v for k, v in stored.items() if k != "units"}
    assert Labels.model_validate(older).units == []


def test_a_labelled_review_stays_one_write_unit():
    from chalicelib.models import Mention
    from chalicelib.store.repo import item_size_bytes, listed_item, serialize

    text = (
        "Great app for our team, the boards are clear and fast. But since the last update the sync drops my "
        "changes, twice this week. Please fix it! Also I wish there was a dark mode."
    )
    lab = label(text)
    assert len(lab.units) >= 3
    mention = Mention(
        source="appstore",
        external_id="1234567890",
        url="https://apps.apple.com/us/app/id1234567890?see-all=reviews",
        text=text,
        created_at=datetime(2024, 12, 1, tzinfo=UTC),
        watch="kanbo",
        labels=lab.model_dump(mode="json"),
    )
    assert item_size_bytes(serialize(listed_item(mention))) < 1024


def test_long_posts_keep_their_most_pressing_units():
    units = [
        Unit(start=i * 10, end=i * 10 + 9, kind="other" if i % 2 else "praise", sentiment="neutral") for i in range(20)
    ]
    units[15] = units[15].model_copy(update={"kind": "complaint", "sentiment": "negative"})
    kept = keep_units(units, limit=4)
    assert len(kept) == 4 and any(u.kind == "complaint" for u in kept)
    assert [u.start for u in kept] == sorted(u.start for u in kept)


def test_neighbouring_units_alike_are_one():
    units = [
        Unit(start=0, end=5, kind="praise", sentiment="positive"),
        Unit(start=6, end=12, kind="praise", sentiment="positive"),
    ]
    assert keep_units(units) == [Unit(start=0, end=12, kind="praise", sentiment="positive")]


# --- offsets onto the mention's own text ------------------------------------------------------------------------


def test_align_maps_units_of_a_titled_post_onto_its_text():
    title, text = "Kanbo review", "Love the boards but the app crashes on start."
    classified = f"{title}. {text}"
    lab = label(classified)
    mapped = align(lab.units, classified, text)
    assert [text[u.start : u.end] for u in mapped] == ["Love the boards", "but the app crashes on start."]
    assert [u.kind for u in mapped][-1] == "complaint"


def test_align_maps_units_of_form_answers_onto_the_question_lines():
    original = "What do you like?: The boards are great\nWhat should we fix?: Export is broken"
    classified = "The boards are great\nExport is broken"
    lab = label(classified)
    mapped = align(lab.units, classified, original)
    assert [original[u.start : u.end] for u in mapped] == ["The boards are great", "Export is broken"]
