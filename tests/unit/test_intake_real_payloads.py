"""Intake on deliveries captured outside Veille (see tests/fixtures/ORIGINS.md), signed as each vendor does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chalicelib.intake import receive
from tests.unit.test_intake_service import MemoryStore, make_deps, signed_request

CAPTURES = Path(__file__).resolve().parents[1] / "fixtures" / "intake"
SAMPLE_FILLOUT = Path(__file__).resolve().parents[2] / "samples" / "forms" / "fillout.body.json"
JOTFORM_TYPE = "multipart/form-data; boundary=------------------------J1JNT4vbVO4FCC1qLG4HSv"


def _store(provider: str, body: bytes, content_type: str | None = None) -> tuple[int, MemoryStore, dict]:
    store = MemoryStore()
    reply = receive(signed_request(provider, body, content_type=content_type), make_deps(store))
    return reply.status, store, reply.body


def test_tally_checkbox_options_are_kept_once_and_names_email_phone_are_set_apart() -> None:
    status, store, _ = _store("tally", (CAPTURES / "tally_osoc22_application.json").read_bytes())
    assert status == 200
    mention = next(iter(store.mentions.values()))
    lines = mention.text.splitlines()
    assert "What do/did you study?: Backend development, Business management" in lines
    assert not any("(Design)" in line or line.endswith(": no") for line in lines)
    # "Birth name" + "Last name" make one name; email and phone recognised by their field type.
    assert mention.author.name == "Test Person Very Testy"
    assert mention.author.email == "test@tester.com" and mention.extra["phone"] == "00000000000"
    assert "Test Person" not in mention.text and "test@tester.com" not in mention.text
    assert "How many years does your degree take?: 5" in lines


def test_a_tally_event_that_is_not_a_form_response_is_acknowledged_and_not_stored() -> None:
    body = json.loads((CAPTURES / "tally_osoc22_application.json").read_bytes())
    body["eventType"] = "FORM_CREATED"
    status, store, answer = _store("tally", json.dumps(body).encode())
    assert status == 200 and answer["stored"] is False and "FORM_CREATED" in answer["ignored"]
    assert store.mentions == {}


def test_typeform_partial_response_is_not_stored_so_the_complete_one_is_not_a_duplicate() -> None:
    complete = json.loads(signed_request("typeform").body)
    partial = {**complete, "event_type": "form_response_partial"}
    store = MemoryStore()
    deps = make_deps(store)
    first = receive(signed_request("typeform", json.dumps(partial).encode()), deps)
    assert first.status == 200 and first.reason == "ignored" and store.mentions == {}
    second = receive(signed_request("typeform", json.dumps(complete).encode()), deps)
    assert second.status == 200 and second.reason == "stored"


def test_jotform_unanswered_widgets_are_left_out_and_answers_keep_their_labels() -> None:
    status, store, _ = _store("jotform", (CAPTURES / "jotform_zulip_tutor.multipart").read_bytes(), JOTFORM_TYPE)
    assert status == 200
    mention = next(iter(store.mentions.values()))
    assert mention.author.name == "Niloth P"
    assert mention.text.splitlines() == [
        "Type of Tutoring: Online Tutoring",
        "Subject for Tutoring: Math",
        "Grade: 12",
        "Prior Tutoring?: No",
    ]


def test_jotform_dates_times_and_signatures() -> None:
    raw = {
        "q4_date": {"month": "02", "day": "29", "year": "2024"},
        "q5_time": {"hourSelect": "14", "minuteSelect": "30"},
        "q6_signature": "data:image/png;base64," + "iVBORw0KGgo" * 600,
        "q7_comments": "Kanbo support was quick",
    }
    body = (
        '--b\r\nContent-Disposition: form-data; name="submissionID"\r\n\r\n42\r\n'
        f'--b\r\nContent-Disposition: form-data; name="rawRequest"\r\n\r\n{json.dumps(raw)}\r\n'
        '--b\r\nContent-Disposition: form-data; name="pretty"\r\n\r\n'
        "Visit date:2024-02-29, Time:14:30, Comments:Kanbo support was quick\r\n--b--\r\n"
    ).encode()
    status, store, _ = _store("jotform", body, "multipart/form-data; boundary=b")
    assert status == 200
    text = next(iter(store.mentions.values())).text
    assert "Visit date: 2024-02-29" in text and "Time: 14:30" in text
    assert "data:image" not in text and "Comments: Kanbo support was quick" in text


def test_a_contact_form_with_only_name_and_email_is_stored_as_a_lead_with_an_empty_text() -> None:
    # The shape of Fillout's test event for a form whose only question is "What's your name?" (+ email).
    body = {
        "formId": "vgg3iyCv3Nus",
        "formName": "Waitlist",
        "submission": {
            "submissionId": "b2e1e4f0-9c1d-4d7e-8c42-0f3f7a6f1a21",
            "submissionTime": "2026-08-03T10:00:00.000Z",
            "questions": [
                {"id": "5Y8c", "name": "What's your name?", "type": "ShortAnswer", "value": "Ada Lovelace"},
                {"id": "r2Kx", "name": "Email", "type": "EmailInput", "value": "ada@example.com"},
            ],
        },
    }
    status, store, _ = _store("fillout", json.dumps(body).encode())
    assert status == 200
    mention = next(iter(store.mentions.values()))
    assert mention.text == "" and mention.author.name == "Ada Lovelace" and mention.author.email == "ada@example.com"


def test_fillout_wrapped_submission_gives_form_name_respondent_and_url_parameter_email() -> None:
    # Fillout's webhook body as recorded by Pipedream's test event (tests/fixtures/ORIGINS.md): the only question is
    # the respondent's name, the email comes from the form URL's ?email=, scheduling and payment carry other people.
    status, store, answer = _store("fillout", (CAPTURES / "fillout_pipedream_test_event.json").read_bytes())
    assert status == 200 and answer["stored"] is True
    mention = store.mentions[answer["id"]]
    assert mention.title == "Form Name"
    assert (mention.author.name, mention.author.email) == ("Timmy", "example@example.com")
    assert mention.text == ""  # a name and an email only: a lead, as documented
    assert mention.extra["form_id"] == "m5q5df45apus"
    assert mention.extra["created_at_given"].startswith("2024-05-16T23:20:05")  # long before receipt: kept aside


@pytest.mark.parametrize("capture", ["fillout_pipedream_test_event.json", "sample"])
def test_fillout_flat_submission_reads_the_same_as_the_wrapped_one(capture: str) -> None:
    wrapped = json.loads(SAMPLE_FILLOUT.read_bytes() if capture == "sample" else (CAPTURES / capture).read_bytes())
    flat = {"formId": wrapped["formId"], "formName": wrapped["formName"], **wrapped["submission"]}
    store = MemoryStore()
    deps = make_deps(store)
    first = receive(signed_request("fillout", json.dumps(wrapped).encode()), deps)
    again = receive(signed_request("fillout", json.dumps(flat).encode()), deps)
    assert first.status == again.status == 200
    assert again.body == {"stored": False, "id": first.body["id"]}  # the same response, recognised
    only = receive(signed_request("fillout", json.dumps(flat).encode()), make_deps(MemoryStore()))
    assert only.mention is not None and first.mention is not None
    assert (only.mention.text, only.mention.title, only.mention.author) == (
        first.mention.text,
        first.mention.title,
        first.mention.author,
    )
    if capture == "sample":
        assert "Gravité: Bloquant" in only.mention.text.splitlines()


def test_formspree_first_and_last_name_keys_are_the_name_not_text() -> None:
    body = {
        "form": "xvgpqrzd",
        "submission": {"_date": "2026-08-03T10:00:00Z", "firstName": "Ada", "lastName": "Lovelace",
                       "email": "ada@example.com", "message": "Does Kanbo export to CSV?"},
    }  # fmt: skip
    status, store, _ = _store("formspree", json.dumps(body).encode())
    assert status == 200
    mention = next(iter(store.mentions.values()))
    assert mention.author.name == "Ada Lovelace" and mention.text == "Message: Does Kanbo export to CSV?"


def test_a_generic_text_over_the_length_cap_is_stored_truncated_not_refused() -> None:
    body = json.dumps({"id": "long-1", "text": "Kanbo feedback. " * 15_000}).encode()  # 240,000 characters
    status, store, _ = _store("generic", body)
    assert status == 200
    assert next(iter(store.mentions.values())).truncated


def test_jotform_labels_holding_commas_and_colons_are_kept_whole() -> None:
    # Zulip's capture: labels and values both hold ", " and ":", two questions share a label, a file upload.
    body = (CAPTURES / "jotform_zulip_colon_comma.multipart").read_bytes()
    status, store, _ = _store(
        "jotform", body, "multipart/form-data; boundary=------------------------BIoxRptelgempTlOi8T0XA"
    )
    assert status == 200
    assert next(iter(store.mentions.values())).text.splitlines() == [
        "Key1 with colon: and comma, end: Value1 with colon: and comma, end",
        "Same Key: Value 1",
        "Same Key: Value 2",
        "Same Key-Value: Same Key-Value",
        "Value 2: Value 3",
        "Multiple Choice Question, options: Option; 1, Option2",
    ]


@pytest.mark.parametrize("shown_date", ["02-29-2024", "29 Feb 2024"])
def test_jotform_an_answer_pretty_shows_differently_does_not_swallow_the_next_label(shown_date: str) -> None:
    # The date widget in one of its formats (or one Veille cannot match), and a file upload between two
    # questions (dropped on purpose): neither leaks into the next question's label.
    raw = {
        "q3_visitDate": {"month": "02", "day": "29", "year": "2024"},
        "q4_whatWent": "Export to CSV, then import: broken",
        "q5_yourRating": "4",
        "screenshot": ["https://www.jotform.com/uploads/u/1/2/bug%2C%20export.png"],
    }
    pretty = (
        f"Visit date:{shown_date}, What went wrong, exactly?:Export to CSV, then import: broken, "
        "Screenshot:bug, export.png, Your rating, 1-5:4"
    )
    body = (
        '--b\r\nContent-Disposition: form-data; name="submissionID"\r\n\r\n43\r\n'
        f'--b\r\nContent-Disposition: form-data; name="rawRequest"\r\n\r\n{json.dumps(raw)}\r\n'
        f'--b\r\nContent-Disposition: form-data; name="pretty"\r\n\r\n{pretty}\r\n--b--\r\n'
    ).encode()
    status, store, _ = _store("jotform", body, "multipart/form-data; boundary=b")
    assert status == 200
    lines = next(iter(store.mentions.values())).text.splitlines()
    assert lines[:2] == ["Visit date: 2024-02-29", "What went wrong, exactly?: Export to CSV, then import: broken"]
    assert lines[2:] == ["Your rating, 1-5: 4"]


def test_typeforms_documented_example_payload_every_answer_type() -> None:
    status, store, _ = _store("typeform", (CAPTURES / "typeform_docs_example.json").read_bytes())
    assert status == 200
    mention = next(iter(store.mentions.values()))
    # "What is your first name?" is the name, the email question the email: neither stays in the text.
    assert (mention.author.name, mention.author.email) == ("Laura", "laura@example.com")
    assert mention.title == "Webhooks example"
    lines = mention.text.splitlines()
    assert lines[0] == (
        "Thanks, …! What's it like where you live? Tell us in a few sentences.: It's cold right now! "
        "I live in an older medium-sized city with a university. Geographically, the area is hilly."
    )
    assert lines[1:] == [
        "When did you move to the place where you live?: 2005-10-15",  # date
        "Which pictures do you like? You can choose as many as you like.: London, Sydney",  # choices
        "On a scale of 1 to 5, what rating would you give the weather in Sydney? 1 is poor weather, "
        "5 is excellent weather: 5",  # number
        "By submitting this form, you understand and accept that we will share your answers with city "
        "management. Your answers will be anonymous will not be shared.: yes",  # boolean (legal)
        "Which of these cities is your favorite?: London",  # choice
        "Do you have a favorite city we haven't listed?: no",  # boolean (yes/no)
        "How important is the weather to your opinion about a city? 1 is not important, 5 is very important.: 2",
        "How would you rate the weather where you currently live? 1 is poor weather, 5 is excellent weather.: 3",
        "On a scale of 1 to 5, what rating would you give the general quality of life in Sydney? 1 is poor, "
        "5 is excellent: 4",
        "Book a time with me: https://calendly.com/scheduled_events/EVENT_TYPE/invitees/INVITEE",  # url
    ]
    assert "abc123456" not in mention.text and "typeform" not in mention.text  # hidden fields, variables


def test_typeform_matrix_rows_contact_info_phone_file_and_payment() -> None:
    # On Typeform's documented shapes: a matrix and a contact-info field list their rows / sub-questions in
    # properties.fields, and each row or sub-question is answered under its own field id.
    def field(id_: str, title: str, type_: str, **extra: object) -> dict:
        return {"id": id_, "title": title, "type": type_, "ref": id_, **extra}

    body = {
        "event_id": "01HZX", "event_type": "form_response",
        "form_response": {
            "form_id": "kB7t2Lq9", "token": "tok-matrix-1", "submitted_at": "2026-08-03T10:00:00Z",
            "definition": {"id": "kB7t2Lq9", "title": "Kanbo survey", "fields": [
                field("contact", "How can we reach you?", "contact_info", properties={"fields": [
                    field("cfirst", "First name", "short_text", subfield_key="first_name"),
                    field("clast", "Last name", "short_text", subfield_key="last_name"),
                    field("cphone", "Phone number", "phone_number", subfield_key="phone_number"),
                    field("cemail", "Email", "email", subfield_key="email"),
                    field("ccompany", "Company", "short_text", subfield_key="company"),
                ]}),
                field("matrix", "How would you rate Kanbo?", "matrix", properties={"fields": [
                    field("mrow1", "Speed", "multiple_choice"),
                    field("mrow2", "Email support", "multiple_choice"),
                    field("mrow3", "Price", "multiple_choice"),
                ]}),
                field("shot", "A screenshot of the bug", "file_upload"),
                field("pay", "Pre-order", "payment"),
                field("why", "What should we fix first?", "long_text"),
            ]},
            "answers": [
                {"type": "text", "text": "Ada", "field": {"id": "cfirst", "type": "short_text"}},
                {"type": "text", "text": "Lovelace", "field": {"id": "clast", "type": "short_text"}},
                {"type": "phone_number", "phone_number": "+33612345678",
                 "field": {"id": "cphone", "type": "phone_number"}},
                {"type": "email", "email": "ada@example.com", "field": {"id": "cemail", "type": "email"}},
                {"type": "text", "text": "Analytical Engines Ltd", "field": {"id": "ccompany", "type": "short_text"}},
                {"type": "choice", "choice": {"label": "Good"}, "field": {"id": "mrow1", "type": "multiple_choice"}},
                {"type": "choice", "choice": {"label": "Poor"}, "field": {"id": "mrow2", "type": "multiple_choice"}},
                {"type": "file_url", "file_url": "https://api.typeform.com/forms/kB7t2Lq9/responses/tok/fields/shot/files/x.png",
                 "field": {"id": "shot", "type": "file_upload"}},
                {"type": "payment",
                 "payment": {"amount": "9.00", "last4": "4242", "name": "Ada Lovelace", "success": True},
                 "field": {"id": "pay", "type": "payment"}},
                {"type": "text", "text": "The sync, it drops cards", "field": {"id": "why", "type": "long_text"}},
            ],
        },
    }  # fmt: skip
    status, store, _ = _store("typeform", json.dumps(body).encode())
    assert status == 200
    mention = next(iter(store.mentions.values()))
    assert (mention.author.name, mention.author.email) == ("Ada Lovelace", "ada@example.com")
    assert mention.extra["phone"] == "+33612345678"
    assert mention.text.splitlines() == [
        "Company: Analytical Engines Ltd",
        "How would you rate Kanbo? › Speed: Good",
        "How would you rate Kanbo? › Email support: Poor",  # a row named "Email" is not the respondent's email
        "A screenshot of the bug: x.png",  # the uploaded file's name; the payment is left out
        "What should we fix first?: The sync, it drops cards",
    ]


def test_typeform_upload_keeps_the_file_name_in_its_answer() -> None:
    # A real delivery answering every field type once, file upload included (tests/fixtures/ORIGINS.md).
    status, store, _ = _store("typeform", (CAPTURES / "typeform_exolever_all_types.json").read_bytes())
    assert status == 200
    mention = next(iter(store.mentions.values()))
    lines = mention.text.splitlines()
    assert lines[-3:] == [
        "Fileupload type: blank.pdf",
        "Website type: https://www.domain.com",
        "Dropdown type: option c",
    ]
    assert not any("api.typeform.com" in line for line in lines)
    assert mention.author.email == "mail@domain.com" and "mail@domain.com" not in mention.text


def test_tally_matrix_rows_keep_their_labels() -> None:
    # Tally's MATRIX field: value maps row ids to the chosen column ids; rows and columns carry their text.
    body = json.loads((CAPTURES / "tally_osoc22_application.json").read_bytes())
    body["data"]["fields"].append(
        {
            "key": "question_mx", "label": "How do you rate Kanbo?", "type": "MATRIX",
            "value": {"row-0": ["col-0"], "row-2": ["col-2", "col-1"]},
            "rows": [{"id": "row-0", "text": "Speed"}, {"id": "row-1", "text": "Price"},
                     {"id": "row-2", "text": "Support"}],
            "columns": [{"id": "col-0", "text": "Good"}, {"id": "col-1", "text": "Fair"},
                        {"id": "col-2", "text": "Poor"}],
        }
    )  # fmt: skip
    status, store, _ = _store("tally", json.dumps(body).encode())
    assert status == 200
    lines = next(iter(store.mentions.values())).text.splitlines()
    assert lines[-2:] == ["How do you rate Kanbo? › Speed: Good", "How do you rate Kanbo? › Support: Poor, Fair"]


def test_fillout_matrix_rows_keep_their_labels() -> None:
    body = {
        "formId": "vgg3iyCv3Nus", "formName": "Kanbo survey",
        "submission": {
            "submissionId": "c1d2", "submissionTime": "2026-08-03T10:00:00.000Z",
            "questions": [
                {"id": "m1", "name": "Rate Kanbo", "type": "Matrix", "value": {"Speed": "Poor", "Support": "Good"}},
                {"id": "t1", "name": "Anything else?", "type": "LongAnswer", "value": "Faster sync please"},
            ],
        },
    }  # fmt: skip
    status, store, _ = _store("fillout", json.dumps(body).encode())
    assert status == 200
    assert next(iter(store.mentions.values())).text.splitlines() == [
        "Rate Kanbo › Speed: Poor",
        "Rate Kanbo › Support: Good",
        "Anything else?: Faster sync please",
    ]


def test_google_forms_file_upload_ids_are_dropped_like_every_upload() -> None:
    # What the Apps Script posts for a FILE_UPLOAD item: getResponse() is the uploaded files' Drive ids.
    body = {
        "event_id": "2_ABaOnufX", "form_id": "1FAIpQLSe", "form_title": "Bug report",
        "submitted_at": "2026-08-03T10:00:00Z",
        "answers": [
            {"id": 1, "title": "What broke?", "type": "PARAGRAPH_TEXT", "response": "Export hangs at 99%"},
            {"id": 2, "title": "Screenshot", "type": "FILE_UPLOAD", "response": ["1AbCdEfGhIjKlMnOpQrStUvWxYz012345"]},
        ],
    }  # fmt: skip
    status, store, _ = _store("google-forms", json.dumps(body).encode())
    assert status == 200
    assert next(iter(store.mentions.values())).text == "What broke?: Export hangs at 99%"


@pytest.mark.parametrize(
    ("grid", "lines"),
    [
        # the current script: each answer beside its row
        (
            {"response": [{"row": "Speed", "answer": "Good"}, {"row": "Price", "answer": None},
                          {"row": "Support", "answer": ["Poor", "Fair"]}]},
            ["Rate Kanbo › Speed: Good", "Rate Kanbo › Support: Poor, Fair"],
        ),
        # the previous script: one answer per row, the labels beside
        (
            {"response": ["Good", None, ["Poor", "Fair"]], "rows": ["Speed", "Price", "Support"]},
            ["Rate Kanbo › Speed: Good", "Rate Kanbo › Support: Poor, Fair"],
        ),
        # the first script: the answers alone
        ({"response": ["Good", ["Poor", "Fair"]]}, ["Rate Kanbo: Good, Poor, Fair"]),
    ],
    ids=["row-answer-pairs", "rows-beside", "flat"],
)  # fmt: skip
def test_google_forms_grids_from_each_version_of_the_script_are_read(grid: dict, lines: list[str]) -> None:
    body = {
        "event_id": "2_ABaOnufY", "form_id": "1FAIpQLSe", "form_title": "Kanbo survey",
        "answers": [{"id": 7, "title": "Rate Kanbo", "type": "CHECKBOX_GRID", **grid}],
    }  # fmt: skip
    status, store, _ = _store("google-forms", json.dumps(body).encode())
    assert status == 200
    assert next(iter(store.mentions.values())).text.splitlines() == lines


def test_google_forms_a_malformed_row_answer_is_a_400_naming_it() -> None:
    grid = {"title": "Rate Kanbo", "type": "GRID", "response": [{"row": "Speed", "answer": "Good"}, "Poor"]}
    body = {"event_id": "2_ABaOnufZ", "answers": [grid]}
    status, _, answer = _store("google-forms", json.dumps(body).encode())
    assert status == 400 and answer["field"] == "answers[0].response[1]"
