"""Each provider's parser on its recorded sample, and on the shapes that must answer 400 naming the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chalicelib.intake.model import PayloadError
from chalicelib.intake.providers import get_provider
from chalicelib.intake.samples import sample_deliveries

SAMPLES = {s.provider: s for s in sample_deliveries(Path(__file__).resolve().parents[2] / "samples" / "forms")}


def parse(provider: str, body: bytes | None = None, content_type: str | None = None):
    sample = SAMPLES[provider]
    module = get_provider(provider)
    assert module is not None
    return module.parse(sample.body if body is None else body, content_type or sample.content_type)


def test_there_is_one_sample_per_provider_in_both_languages_covering_each_kind() -> None:
    assert set(SAMPLES) == {"typeform", "tally", "jotform", "google-forms", "formspree", "fillout", "generic"}
    assert {s.lang for s in SAMPLES.values()} == {"en", "fr"}
    assert {"complaint", "praise", "question", "lead"} <= {s.kind for s in SAMPLES.values()}


def test_typeform_answers_get_their_question_titles_and_personal_data_is_set_apart() -> None:
    delivery = parse("typeform")
    assert delivery.response_id == "3f9a2c7b81d04e5f9a6b2c8d1e7f4a90"
    assert delivery.form_id == "kB7t2Lq9"
    assert delivery.form_name == "Kanbo product feedback"
    assert delivery.submitted_at is not None and delivery.submitted_at.isoformat() == "2026-11-21T14:32:10+00:00"
    assert (delivery.author_name, delivery.author_email) == ("Dana", "dana.whitfield@example.com")
    lines = delivery.body_text().splitlines()
    assert lines[0].startswith("What went wrong, …?: The Android app logs me out")
    assert "How likely are you to recommend Kanbo to a colleague?: 3" in lines
    assert "Where do you use Kanbo?: Android app" in lines
    assert "dana.whitfield@example.com" not in delivery.body_text()


def test_tally_choice_ids_become_option_text_and_hidden_fields_are_left_out() -> None:
    delivery = parse("tally")
    assert delivery.response_id == "mRq8Lz"
    assert delivery.form_name == "Votre avis sur Kanbo"
    assert (delivery.author_name, delivery.author_email) == ("Camille", "camille.roux@example.fr")
    text = delivery.body_text()
    assert "Comment avez-vous connu Kanbo ?: Bouche-à-oreille" in text
    assert "Note globale: 9" in text
    assert "newsletter" not in text and "camille" not in text.lower()


def test_jotform_multipart_labels_come_from_pretty_even_when_values_hold_commas() -> None:
    delivery = parse("jotform")
    assert delivery.response_id == "6391847205518832041"
    assert delivery.form_name == "Kanbo Enterprise demo request"
    assert (delivery.author_name, delivery.author_email) == ("Priya Raman", "priya.raman@example.com")
    assert delivery.submitted_at is None
    text = delivery.body_text()
    assert text.splitlines()[0] == "Company Name: Northwind Studio"
    assert "What are you looking for?: We're a 60-person design agency moving off Trello. We need SSO," in text


def test_jotform_also_accepts_url_encoded_and_falls_back_to_key_labels() -> None:
    from urllib.parse import urlencode

    raw = json.dumps({"q3_whatCan": "More integrations, please", "slug": "x"})
    body = urlencode({"submissionID": "42", "formTitle": "Feedback", "rawRequest": raw}).encode()
    delivery = parse("jotform", body, "application/x-www-form-urlencoded")
    assert delivery.body_text() == "What can: More integrations, please"


def test_google_forms_lists_are_joined_and_the_respondent_email_kept() -> None:
    delivery = parse("google-forms")
    assert delivery.response_id.startswith("2_ABaOnuf")
    assert delivery.author_email == "julien.marchand@example.fr"
    assert "Sur quelles plateformes ?: Web, Android" in delivery.body_text()


def test_formspree_without_submission_id_is_identified_by_its_content() -> None:
    first = parse("formspree")
    again = parse("formspree")
    assert first.response_id == again.response_id
    assert (first.author_name, first.author_email) == ("Marcus Bell", "marcus.bell@example.com")
    assert "Message: I was charged twice" in first.body_text()
    assert first.form_id == "xvgpqrzd" and first.form_name == "Formspree form xvgpqrzd"  # no hashid as a title
    other = json.loads(SAMPLES["formspree"].body)
    other["submission"]["message"] = "another message"
    assert parse("formspree", json.dumps(other).encode()).response_id != first.response_id


def test_fillout_questions_by_name() -> None:
    delivery = parse("fillout")
    assert delivery.response_id == "f3c9a1e7-5b2d-4e8f-9a6c-0d1b2c3e4f5a"
    assert (delivery.author_name, delivery.author_email) == ("Sophie Lambert", "sophie.lambert@example.fr")
    assert delivery.body_text().splitlines() == [
        "Décrivez le problème: Depuis la mise à jour de mardi, les rappels par e-mail arrivent avec deux heures de "
        "retard. On a raté une échéance client à cause de ça. C'est inacceptable pour un outil payant.",
        "Gravité: Bloquant",
    ]


def test_generic_text_is_taken_as_written() -> None:
    delivery = parse("generic")
    assert delivery.response_id == "zap-20261121-0042"
    assert delivery.body_text().startswith("Switched our 12-person team")
    assert delivery.url == "https://example.com/nps/0042"
    assert delivery.author_email == "leo@example.com"


@pytest.mark.parametrize(
    ("provider", "body", "field"),
    [
        ("generic", b'{"text": "hi"}', "id"),
        ("generic", b'{"id": "1"}', "text"),
        ("generic", b'{"id": "1", "text": "hi", "email": "not-an-email"}', "email"),
        ("generic", b'{"id": "1", "text": "hi", "url": "javascript:alert(1)"}', "url"),
        ("generic", b'{"id": "1", "text": "hi", "created_at": "yesterday"}', "created_at"),
        ("generic", b'["id", "text"]', "body"),
        ("generic", b'{"id": "1", "text": "hi"', "body"),
        ("generic", b"\xff\xfe{}", "body"),
        ("typeform", b'{"event_id": "x"}', "form_response"),
        ("typeform", b'{"form_response": {"answers": "nope"}}', "form_response.answers"),
        ("typeform", b'{"form_response": {"answers": []}}', "form_response.token"),
        ("tally", b'{"data": {"fields": [42]}}', "data.fields[0]"),
        ("tally", b'{"data": {"fields": []}}', "data.responseId"),
        ("google-forms", b'{"answers": []}', "event_id"),
        ("formspree", b'{"form": "x"}', "submission"),
        ("fillout", b'{"submission": {"questions": {}}}', "submission.questions"),
    ],
)
def test_malformed_bodies_name_the_field(provider: str, body: bytes, field: str) -> None:
    module = get_provider(provider)
    assert module is not None
    with pytest.raises(PayloadError) as caught:
        module.parse(body, "application/json")
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("content_type", "body", "field"),
    [
        ("multipart/form-data", b"--x\r\n\r\n--x--", "content-type"),
        ("multipart/form-data; boundary=x", b"no parts at all", "body"),
        ("multipart/form-data; boundary=x", b'--x\r\nContent-Disposition: form-data; name="a"\r\n--x--', "body"),
        (
            "multipart/form-data; boundary=x",
            b'--x\r\nContent-Disposition: form-data; name="rawRequest"\r\n\r\n{}\r\n--x--\r\n',
            "submissionID",
        ),
        (
            "multipart/form-data; boundary=x",
            b'--x\r\nContent-Disposition: form-data; name="rawRequest"\r\n\r\nnot json\r\n--x--\r\n',
            "rawRequest",
        ),
    ],
)
def test_jotform_malformed_multipart_names_the_field(content_type: str, body: bytes, field: str) -> None:
    module = get_provider("jotform")
    assert module is not None
    with pytest.raises(PayloadError) as caught:
        module.parse(body, content_type)
    assert caught.value.field == field


def test_typeforms_documented_example_payload_parses() -> None:
    # The official example (sources-and-webhooks.md B1), as Typeform's "Send test request" posts it
    body = json.dumps(
        {
            "event_id": "LtWXD3crgy",
            "event_type": "form_response",
            "form_response": {
                "form_id": "lT4Z3j",
                "token": "a3a12ec67a1365927098a606107fac15",
                "submitted_at": "2018-01-18T18:17:02Z",
                "landed_at": "2018-01-18T18:07:02Z",
                "calculated": {"score": 9},
                "variables": [{"key": "score", "type": "number", "number": 4}],
                "hidden": {"user_id": "abc123456"},
                "definition": {
                    "id": "lT4Z3j",
                    "title": "Webhooks example",
                    "fields": [
                        {
                            "id": "DlXFaesGBpoF",
                            "type": "long_text",
                            "ref": "readable_ref_long_text",
                            "title": "Thanks, {{answer_60906475}}! What's it like where you live? "
                            "Tell us in a few sentences.",
                        },
                        {"id": "SMEUb7VJz92Q", "type": "multiple_choice", "ref": "multi", "title": "Which ones?"},
                        {"id": "k6TP9oLGgHjl", "type": "yes_no", "ref": "yes_no", "title": "Would you come back?"},
                        {"id": "pay1", "type": "payment", "ref": "pay", "title": "Pay here"},
                    ],
                },
                "answers": [
                    {"type": "text", "text": "Sample answer", "field": {"id": "DlXFaesGBpoF", "type": "long_text"}},
                    {
                        "type": "choices",
                        "choices": {"labels": ["London", "Sydney"], "other": "Paris"},
                        "field": {"id": "SMEUb7VJz92Q", "type": "multiple_choice"},
                    },
                    {"type": "boolean", "boolean": True, "field": {"id": "k6TP9oLGgHjl", "type": "yes_no"}},
                    {
                        "type": "payment",
                        "payment": {"amount": "1.00", "last4": "4242", "name": "Jane Doe"},
                        "field": {"id": "pay1", "type": "payment"},
                    },
                ],
            },
        }
    ).encode()
    delivery = parse("typeform", body)
    assert delivery.response_id == "a3a12ec67a1365927098a606107fac15"
    assert delivery.form_name == "Webhooks example"
    assert delivery.body_text().splitlines() == [
        "Thanks, …! What's it like where you live? Tell us in a few sentences.: Sample answer",
        "Which ones?: London, Sydney, Paris",
        "Would you come back?: yes",
    ]
