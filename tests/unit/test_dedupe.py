"""Near-duplicate fingerprints and grouping of cross-posted stories."""

from __future__ import annotations

import random

import pytest

from chalicelib.dedupe import distance, fingerprint, group_stories, near_duplicate

STORY = (
    "Acme launches an open-source social listening tool that tracks brand mentions across Hacker News, "
    "Reddit and RSS feeds, with near-duplicate detection and a small query language"
)
OTHER = "My cat refuses to eat anything but salmon, any advice from other cat owners on how to change this?"
ANOTHER = "Acme announces quarterly earnings that beat analyst expectations; shares rose five percent in early trading"


def test_fingerprint_is_16_hex_digits_and_stable() -> None:
    fp = fingerprint(STORY)
    assert len(fp) == 16
    int(fp, 16)
    assert fingerprint(STORY) == fp


def test_empty_and_link_only_texts_share_the_zero_fingerprint() -> None:
    assert fingerprint("") == "0000000000000000"
    assert fingerprint("https://example.com/x @someone") == "0000000000000000"


@pytest.mark.parametrize(
    "copy",
    [
        "Show HN: " + STORY,
        STORY + " https://acme.example.com/blog/launch via @acme_team",
        STORY.upper() + ".",
        STORY.replace("Acme", "Acmé"),
        "[OC] " + STORY.replace(",", " -"),
    ],
)
def test_cross_posts_are_near_duplicates(copy: str) -> None:
    assert near_duplicate(STORY, copy)
    assert distance(fingerprint(STORY), fingerprint(copy)) <= 3


@pytest.mark.parametrize("other", [OTHER, ANOTHER])
def test_different_stories_are_not(other: str) -> None:
    assert not near_duplicate(STORY, other)
    assert distance(fingerprint(STORY), fingerprint(other)) > 10


def test_near_duplicate_accepts_fingerprints_and_a_threshold() -> None:
    assert near_duplicate("00000000000000ff", "0000000000000007", max_distance=5)
    assert not near_duplicate("00000000000000ff", "0000000000000007", max_distance=4)


def test_group_stories_groups_cross_posts_in_input_order() -> None:
    items = [
        ("rss-1", fingerprint(STORY)),
        ("cat", fingerprint(OTHER)),
        ("hn-1", fingerprint("Show HN: " + STORY)),
        ("earnings", fingerprint(ANOTHER)),
        ("reddit-1", fingerprint(STORY + " https://acme.example.com/launch")),
        ("cat-again", fingerprint(OTHER.lower())),
    ]
    assert group_stories(items) == [["rss-1", "hn-1", "reddit-1"], ["cat", "cat-again"], ["earnings"]]


def test_group_stories_is_transitive_and_deterministic() -> None:
    # a~b (3 bits), b~c (3 bits), a and c 6 bits apart: one story through b.
    items = [("c", "000000000000003f"), ("a", "0000000000000000"), ("b", "0000000000000007"), ("z", "ffff0000ffff0000")]
    assert group_stories(items) == [["c", "a", "b"], ["z"]]
    assert group_stories(list(reversed(items))) == [["z"], ["b", "a", "c"]]


def test_group_stories_agrees_with_pairwise_comparison_on_many_items() -> None:
    rng = random.Random(7)
    bases = [rng.getrandbits(64) for _ in range(300)]
    items: list[tuple[str, str]] = []
    for n in range(3000):
        value = bases[n % len(bases)]
        for bit in rng.sample(range(64), rng.randint(0, 2)):
            value ^= 1 << bit
        items.append((f"id{n}", f"{value:016x}"))
    groups = group_stories(items)
    assert sorted(i for g in groups for i in g) == sorted(i for i, _ in items)
    group_of = {i: n for n, g in enumerate(groups) for i in g}
    fps = dict(items)
    # Every close pair lands together (checked on a sample: the full square is the slow path).
    for a, b in rng.sample([(a, b) for a in list(fps)[:200] for b in list(fps)[:200]], 5000):
        if distance(fps[a], fps[b]) <= 3:
            assert group_of[a] == group_of[b]


def test_bad_fingerprint_says_what_to_pass() -> None:
    with pytest.raises(ValueError, match="16 hex digits"):
        group_stories([("a", "not-a-fingerprint")])
