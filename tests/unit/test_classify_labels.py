"""Labels of the builtin backend on clear English and French examples."""

import pytest

from chalicelib.classify import ClassifyInput, Labels, get_classifier
from chalicelib.classify.cues import urgency

FLAGS = ("complaint", "spam", "offensive", "lead", "needs_reply")


def label(text: str, **kw) -> Labels:
    return get_classifier().classify([ClassifyInput(id="t", text=text, **kw)])[0]


def test_french_refund_complaint_is_negative_with_why():
    lab = label("@SNCF mon train est encore annulé, je veux être remboursé. Inadmissible !")
    assert lab.lang == "fr"
    assert lab.complaint and lab.sentiment == "negative"
    assert lab.why["complaint"] and lab.why["negative"]
    assert lab.needs_reply


def test_english_complaint_with_cues():
    lab = label("@united my flight was cancelled, nobody answers and I want a refund. Calling my lawyer.")
    assert lab.lang == "en" and lab.complaint and lab.sentiment == "negative"
    # why names the words a triager would point at, not internal cue names
    assert "refund" in lab.why["complaint"] and "lawyer" in lab.why["complaint"]
    # urgency's reasons too: what was said, never label or cue names ("legal threat", "complaint")
    assert set(lab.why["urgent"]) >= {"refund", "lawyer"}
    assert not {"legal threat", "negative", "complaint"} & set(lab.why["urgent"])


@pytest.mark.parametrize(
    "text,lang",
    [
        ("I love this new phone, the camera is amazing :)", "en"),
        ("Franchement le nouveau service est génial, bravo à toute l'équipe !", "fr"),
    ],
)
def test_clear_positive(text, lang):
    lab = label(text)
    assert lab.lang == lang and lab.sentiment == "positive" and lab.sentiment_score > 0
    assert not lab.complaint


@pytest.mark.parametrize(
    "text",
    [
        "any good alternative to Hootsuite? looking for a social listening tool for our startup",
        "on cherche une solution pour gérer les avis clients, vous conseillez quel outil ?",
    ],
)
def test_leads(text):
    lab = label(text)
    assert lab.lead and lab.why["lead"]


@pytest.mark.parametrize(
    "text",
    ["@acme how do I export my data to csv?", "@acme bonjour, je n'arrive pas à me connecter, vous pouvez m'aider ?"],
)
def test_needs_reply(text):
    lab = label(text)
    assert lab.needs_reply and "@brand" in lab.why["needs_reply"]


def test_spam_and_offensive():
    assert label("WINNER!! You have won a free iPhone, text WIN to 80082 now to claim").spam
    assert label("you are a fucking idiot and a disgrace").offensive


def test_given_lang_wins_and_other_languages_are_other():
    assert label("hello there", lang="fr-FR").lang == "fr"
    assert label("Hola amigos, gracias por todo, el servicio es muy bueno").lang == "other"
    assert label("Спасибо большое за помощь").lang == "other"


def test_why_for_every_raised_flag_and_scores_for_each():
    texts = [
        "@acme your app is down again and I was charged twice, refund me now or I sue",
        "FREE entry! win cash now, click http://spam.example",
        "shut up you stupid moron",
        "looking for a CRM for our team of 5, any recommendations?",
        "Quel bonheur ce matin",
    ]
    for lab in get_classifier().classify(
        [ClassifyInput(id=str(i), text=t, followers=50_000) for i, t in enumerate(texts)]
    ):
        for flag in FLAGS:
            assert flag in lab.scores and 0.0 <= lab.scores[flag] <= 1.0
            if getattr(lab, flag):
                assert lab.why.get(flag), (flag, lab)
        if lab.sentiment == "negative":
            assert lab.why.get("negative")
        if lab.urgency >= 50:
            assert lab.why.get("urgent")
        assert -1.0 <= lab.sentiment_score <= 1.0 and 0 <= lab.urgency <= 100


def test_urgency_monotonic_in_followers():
    text = "@acme the app is broken again, this is ridiculous"
    levels = [label(text, followers=f).urgency for f in (None, 10, 1_000, 100_000, 10_000_000)]
    assert levels == sorted(levels) and levels[-1] > levels[0]


def test_urgency_monotonic_in_cues():
    plain = label("@acme I am not happy with my order")
    outage = label("@acme I am not happy with my order, your site is down")
    outage_legal = label("@acme I am not happy with my order, your site is down, my lawyer will call")
    assert plain.urgency < outage.urgency < outage_legal.urgency
    assert "lawyer" in outage_legal.why["urgent"]


def test_urgency_formula_is_monotonic_and_bounded():
    base = {
        "p_negative": 0.5,
        "p_complaint": 0.5,
        "cues": [],
        "followers": 100,
        "engagement": 3,
        "needs_reply": False,
        "spam": False,
    }
    assert urgency(**base) <= urgency(**{**base, "followers": 10_000}) <= urgency(**{**base, "cues": ["security"]}) + 20
    assert (
        urgency(
            **{
                **base,
                "cues": ["security", "legal threat", "outage", "refund", "churn"],
                "followers": 10**9,
                "engagement": 10**9,
                "p_negative": 1,
                "p_complaint": 1,
            }
        )
        == 100
    )
    assert urgency(**{**base, "spam": True}) < urgency(**base)


def test_batch_and_single_agree_and_keep_order():
    texts = [f"text number {i} is great" if i % 2 else f"@acme order {i} never arrived" for i in range(30)]
    items = [ClassifyInput(id=str(i), text=t) for i, t in enumerate(texts)]
    batch = get_classifier().classify(items)
    assert [b.model_dump() for b in batch] == [get_classifier().classify([it])[0].model_dump() for it in items]
