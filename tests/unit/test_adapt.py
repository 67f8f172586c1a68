"""Per-watch adaptation (chalicelib.classify.adapt): what a correction changes, where, for how long, at what cost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from chalicelib.classify.adapt import (
    MAX_CORRECTIONS,
    Correction,
    Example,
    WatchCorrections,
    WatchHead,
    adapt_batch,
    decode_vector,
    describe,
    encode_vector,
)

DAY = datetime(2024, 12, 3, 9, tzinfo=UTC)
FUNDING = "Kanbo raised a 12 million series A round led by Index Ventures to grow the team"
COMPLAINT = {
    "complaint": True,
    "kind": "complaint",
    "sentiment": "negative",
    "sentiment_score": -0.6,
    "why": {"complaint": ["raised"], "negative": ["raised"]},
    "backend": "builtin",
}


def not_a_complaint(text: str = FUNDING, at: datetime = DAY, mention_id: str = "m1", **vec: str) -> Correction:
    return Correction(mention_id, text, {"complaint": False, "kind": "other"}, at, **vec)


def test_a_similar_mention_of_the_same_watch_takes_the_correction_and_says_why() -> None:
    corrections = WatchCorrections("kanbo", [not_a_complaint()])
    similar = "Kanbo raised a 12 million series A round, led by Index Ventures, to grow its team"
    [labels] = adapt_batch([("kanbo", COMPLAINT, similar)], corrections)
    assert labels["complaint"] is False and labels["kind"] == "other"
    assert labels["why"]["complaint"] == ["like the mention you marked not a complaint on 3 Dec"]
    assert labels["adapted"] == {"complaint": "m1", "kind": "m1"}
    assert labels["sentiment"] == "negative"  # not corrected: left as the classifier said


def test_an_unrelated_mention_is_left_alone() -> None:
    corrections = WatchCorrections("kanbo", [not_a_complaint()])
    [labels] = adapt_batch([("kanbo", COMPLAINT, "Kanbo lost all my boards after the update, refund me")], corrections)
    assert labels == COMPLAINT


def test_another_watch_is_never_changed_by_these_corrections() -> None:
    corrections = WatchCorrections("kanbo", [not_a_complaint()])
    [labels] = adapt_batch([("taskly", COMPLAINT, FUNDING)], corrections)
    assert labels == COMPLAINT


def test_a_removed_correction_stops_acting() -> None:
    kept = Correction("m2", "Kanbo is hiring a designer in Paris", {"lead": False}, DAY)
    before = adapt_batch([("kanbo", COMPLAINT, FUNDING)], WatchCorrections("kanbo", [not_a_complaint(), kept]))
    after = adapt_batch([("kanbo", COMPLAINT, FUNDING)], WatchCorrections("kanbo", [kept]))
    assert before[0]["complaint"] is False
    assert after[0] == COMPLAINT


def test_only_the_newest_corrections_act_within_the_bound() -> None:
    old = not_a_complaint(at=DAY - timedelta(days=30), mention_id="old")
    newer = [
        Correction(f"n{i}", f"unrelated note number {i} about pricing", {"lead": True}, DAY + timedelta(minutes=i))
        for i in range(MAX_CORRECTIONS)
    ]
    corrections = WatchCorrections("kanbo", [old, *newer])
    assert len(corrections) == MAX_CORRECTIONS
    assert "old" not in {c.mention_id for c in corrections.corrections}
    [labels] = adapt_batch([("kanbo", COMPLAINT, FUNDING)], corrections)
    assert labels["complaint"] is True


def test_the_nearest_correction_wins_when_two_disagree() -> None:
    near = not_a_complaint(mention_id="near")
    far = Correction(
        "far", "Kanbo raised prices again for the team plan", {"complaint": True, "kind": "complaint"}, DAY
    )
    labels = dict(COMPLAINT, complaint=False, kind="other")
    [out] = adapt_batch([("kanbo", labels, FUNDING)], WatchCorrections("kanbo", [far, near]))
    assert out["complaint"] is False and "adapted" not in out  # the nearest agrees: nothing to change


def test_kind_and_complaint_stay_consistent_and_sentiment_score_follows() -> None:
    corrections = WatchCorrections(
        "kanbo", [Correction("m9", FUNDING, {"kind": "praise", "sentiment": "positive"}, DAY)]
    )
    [out] = adapt_batch([("kanbo", COMPLAINT, FUNDING)], corrections)
    assert (out["kind"], out["complaint"], out["sentiment"]) == ("praise", False, "positive")
    assert out["sentiment_score"] > 0
    assert "negative" not in out["why"] and out["why"]["sentiment"] == ["like the mention you marked positive on 3 Dec"]


def test_vectors_use_cosine_and_are_stored_as_float16_base64() -> None:
    rng = np.random.default_rng(1)
    base = rng.normal(size=512).astype(np.float32)
    base /= np.linalg.norm(base)
    noise = rng.normal(size=512).astype(np.float32) * 0.02
    close = (base + noise) / np.linalg.norm(base + noise)
    other = rng.normal(size=512).astype(np.float32)
    other /= np.linalg.norm(other)
    text = encode_vector(base)
    assert len(text) == 1368 and np.allclose(decode_vector(text), base, atol=1e-3)
    corrections = WatchCorrections("kanbo", [not_a_complaint(text="anything", vector=text)])
    out = adapt_batch([("kanbo", COMPLAINT, "a"), ("kanbo", COMPLAINT, "b")], corrections, np.vstack([close, other]))
    assert out[0]["complaint"] is False and out[1] == COMPLAINT


def test_describe_says_what_was_marked() -> None:
    assert describe("lead", True, DAY) == "like the mention you marked a lead on 3 Dec"
    assert describe("kind", "feature_request", DAY) == "like the mention you marked a feature request on 3 Dec"
    assert describe("spam", False, DAY) == "like the mention you marked not spam on 3 Dec"


def test_a_full_watch_of_600_corrections_adapts_a_batch_of_100() -> None:
    # Its cost per mention is a benchmark's (bench/bench_learning.py), never a timed unit test's.
    corrections = WatchCorrections(
        "kanbo",
        [
            Correction(f"c{i}", f"kanbo review {i} about sync and pricing plans", {"lead": True}, DAY)
            for i in range(600)
        ],
    )
    texts = [("kanbo", COMPLAINT, f"kanbo sync broke on my phone again, day {i}") for i in range(100)]
    adapted = adapt_batch(texts, corrections)
    assert len(adapted) == len(texts)


# -- the watch's head: a residual model fitted on the corrections, on top of the shipped model ----------------

OTHER = dict(COMPLAINT, complaint=False, kind="other", why={})


def unit(v: np.ndarray) -> np.ndarray:
    return (v / np.linalg.norm(v)).astype(np.float32)


def requests(n: int, start: int = 0) -> list[Correction]:
    """n founder corrections: what the shipped model called other is a feature request, in this watch."""
    return [
        Correction(f"r{i}", f"please add export number {i}", {"kind": "feature_request", "complaint": False}, DAY)
        for i in range(start, start + n)
    ]


def test_a_watch_head_learns_a_bias_its_corrections_show_and_says_why() -> None:
    made = requests(12)
    head = WatchHead.fit("kanbo", [Example(OTHER, dict(c.labels)) for c in made], use_vectors=False)
    corrections = WatchCorrections("kanbo", made)
    # not a near-repeat of any correction: the head, not an override, changes it
    [out] = adapt_batch([("kanbo", OTHER, "the calendar should sync with outlook")], corrections, head=head)
    assert (out["kind"], out["complaint"]) == ("feature_request", False)
    assert out["why"]["kind"][0].startswith("like the mention you marked a feature request on 3 Dec")
    assert out["adapted"]["kind"].startswith("r")
    # a label the corrections never disagreed on is left as the shipped model said
    assert out["sentiment"] == OTHER["sentiment"] and "sentiment" not in head.weights


def test_one_correction_shifts_only_what_it_shows() -> None:
    rng = np.random.default_rng(3)
    shown = unit(rng.normal(size=512))
    head = WatchHead.fit(
        "kanbo",
        [Example(COMPLAINT, {"kind": "feature_request", "complaint": False}, shown)],
        use_vectors=True,
    )
    others = np.vstack([unit(rng.normal(size=512)) for _ in range(50)])
    assert head.predict([COMPLAINT] * 50, others) == [{}] * 50  # one correction moves nothing else


def test_agreeing_examples_fit_nothing_and_change_nothing() -> None:
    head = WatchHead.fit("kanbo", [Example(OTHER, {"kind": "other", "complaint": False})] * 20, use_vectors=False)
    assert head.weights == {}
    assert head.predict([OTHER, COMPLAINT]) == [{}, {}]


def test_a_watch_head_never_acts_on_another_watch() -> None:
    made = requests(12)
    head = WatchHead.fit("kanbo", [Example(OTHER, dict(c.labels)) for c in made], use_vectors=False)
    [mine] = adapt_batch([("kanbo", OTHER, "a gantt view would help")], WatchCorrections("kanbo", made), head=head)
    [theirs] = adapt_batch([("taskly", OTHER, "a gantt view would help")], WatchCorrections("kanbo", made), head=head)
    assert mine["kind"] == "feature_request"
    assert theirs == OTHER
    # nor through another watch's corrections
    [alone] = adapt_batch([("taskly", OTHER, "a gantt view would help")], WatchCorrections("taskly", []), head=head)
    assert alone == OTHER


def test_removed_corrections_stop_acting_once_the_head_is_refitted() -> None:
    made = requests(12)
    head = WatchHead.fit("kanbo", [Example(OTHER, dict(c.labels)) for c in made], use_vectors=False)
    assert head.predict([OTHER]) == [{"kind": "feature_request"}]
    kept = made[:1]  # the founder withdrew eleven of them
    refitted = WatchHead.fit("kanbo", [Example(OTHER, dict(c.labels)) for c in kept], use_vectors=False)
    assert refitted.predict([OTHER]) == [{}]
    [out] = adapt_batch([("kanbo", OTHER, "a gantt view would help")], WatchCorrections("kanbo", kept), head=refitted)
    assert out == OTHER


def test_a_head_fitted_without_vectors_is_not_used_on_vectors() -> None:
    made = requests(12)
    head = WatchHead.fit("kanbo", [Example(OTHER, dict(c.labels)) for c in made], use_vectors=False)
    vecs = np.vstack([unit(np.ones(512))])
    [out] = adapt_batch([("kanbo", OTHER, "a gantt view would help")], WatchCorrections("kanbo", made), vecs, head)
    assert out == OTHER


def test_a_full_watch_head_fits_every_label_and_predicts_a_batch() -> None:
    # Its speed is a benchmark's (bench/bench_learning.py: fit_ms), never a timed unit test's.
    rng = np.random.default_rng(5)
    kinds = ("complaint", "feature_request", "question")
    examples = [
        Example(
            dict(OTHER, kind=kinds[i % 3]),
            {"kind": kinds[(i + 1) % 3], "sentiment": "neutral"},
            unit(rng.normal(size=512)),
        )
        for i in range(MAX_CORRECTIONS)
    ]
    head = WatchHead.fit("kanbo", examples, use_vectors=True)
    assert set(head.weights) == {"kind", "sentiment"} and head.weights["kind"].shape == (5, 513)
    assert head.fit_ms > 0
    predicted = head.predict([OTHER] * 100, np.vstack([unit(rng.normal(size=512)) for _ in range(100)]))
    assert len(predicted) == 100


def test_the_stream_reuses_the_classifiers_vectors_instead_of_encoding_again(monkeypatch):
    from types import SimpleNamespace

    import numpy as np

    from chalicelib.classify import encoder as encoder_module
    from chalicelib.pipeline.learn import Learner

    class Corrections:
        def missing_vectors(self, version):
            return []

    rows = np.eye(3, 512, dtype=np.float32)
    classifier = SimpleNamespace(classify_one=None, last_vectors=rows)
    learner = Learner(store=None, classifier=classifier)
    mentions = [SimpleNamespace(id=f"m{i}", watch="w") for i in range(3)]
    learner._batch_rows = {m.id: rows[i] for i, m in enumerate(mentions)}

    class NoEncoding:
        def vectors(self, texts):
            raise AssertionError("encoded a second time")

    monkeypatch.setattr(encoder_module, "bare_encoder", lambda: NoEncoding())
    labels = {m.id: {"backend": "builtin+encoder"} for m in mentions}
    got = learner._vectors("w", Corrections(), mentions[1:], labels, {m.id: "t" for m in mentions})
    np.testing.assert_array_equal(got, rows[1:])
