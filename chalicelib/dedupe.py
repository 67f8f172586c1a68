"""Near-duplicate detection: the same story posted on HN, Reddit and an RSS feed is one story.

A fingerprint is a 64-bit SimHash over word shingles of the normalised text (URLs and @handles
removed, since cross-posts differ mostly there). Near-duplicates have fingerprints a few bits
apart; ``group_stories`` finds them without comparing every pair.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Sequence

from chalicelib.query.normalise import normalise

BITS = 64
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<!\w)@\w+")
_WORDS = re.compile(r"\w+")
_HEX = re.compile(r"[0-9a-fA-F]{16}")
# Cross-posting adds these in front of the same title: "Show HN: X" and "X" are one story.
_PLATFORM_PREFIX = re.compile(r"^\W*(?:(?:show|ask|tell|launch)\s+hn|\[oc\]|rt)\b\W*")
# ... and "via @someone" after it, whose handle is already gone.
_TRAILING_VIA = re.compile(r"\bvia\W*$")
# Single words, not longer shingles: on 20-50 word posts a one-word edit changes 2 features of
# bag-of-words but 2-3 times more of word pairs or triples, which pushes edited copies past the
# 3-bit threshold (measured on synthetic posts: ~55% of one-word edits stay within 3 bits with
# single words, ~25% with pairs; unrelated posts stayed 9+ bits apart either way).
SHINGLE = 1


def _features(text: str) -> list[str]:
    norm = normalise(_HANDLE.sub(" ", _URL.sub(" ", text)))
    words = _WORDS.findall(_TRAILING_VIA.sub("", _PLATFORM_PREFIX.sub("", norm)))
    if SHINGLE == 1 or len(words) < SHINGLE:
        return words
    return [" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)]


def fingerprint(text: str) -> str:
    """The 64-bit SimHash of ``text`` as 16 lower-case hex digits.

    Texts with no words (empty, only links or handles) all get "0000000000000000".
    """
    features = _features(text)
    # One 64-character bit string per feature; counting "1"s column by column stays in C.
    rows = [f"{int.from_bytes(hashlib.blake2b(f.encode(), digest_size=8).digest(), 'big'):064b}" for f in features]
    half = len(rows) / 2
    result = 0
    for column in zip(*rows, strict=True):
        result = result << 1 | (column.count("1") > half)
    return f"{result:016x}"


def _as_int(fp: str) -> int:
    if not _HEX.fullmatch(fp):
        raise ValueError(f"{fp!r} is not a fingerprint; pass the 16 hex digits that fingerprint() returns")
    return int(fp, 16)


def distance(a: str, b: str) -> int:
    """The number of bits two fingerprints differ by (Hamming distance)."""
    return (_as_int(a) ^ _as_int(b)).bit_count()


def near_duplicate(a: str, b: str, max_distance: int = 3) -> bool:
    """True when ``a`` and ``b`` are near-duplicates.

    Each argument is either a fingerprint (16 hex digits, as ``fingerprint`` returns, e.g. the one
    stored on a Mention) or a text, which is fingerprinted first.
    """
    fa = a if _HEX.fullmatch(a) else fingerprint(a)
    fb = b if _HEX.fullmatch(b) else fingerprint(b)
    return distance(fa, fb) <= max_distance


def group_stories(items: Sequence[tuple[str, str]], max_distance: int = 3) -> list[list[str]]:
    """Partition ``(id, fingerprint)`` pairs into stories of near-duplicates.

    Every id lands in exactly one group (singletons included). Grouping is transitive: if A is
    near B and B near C, all three are one story. Ids keep their input order within a group, and
    groups are ordered by their first id's position, so the output is deterministic.

    Pigeonhole banding keeps this far from O(n^2): two fingerprints at most ``max_distance`` bits
    apart agree exactly on at least one of ``max_distance + 1`` bands, so only fingerprints
    sharing a band value are compared.
    """
    if max_distance < 0:
        raise ValueError(f"max_distance must be 0 or more, got {max_distance}")
    by_fp: dict[int, list[int]] = defaultdict(list)  # identical fingerprints are one node
    for index, (_, fp) in enumerate(items):
        by_fp[_as_int(fp)].append(index)
    nodes = list(by_fp)
    parent = list(range(len(nodes)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    bands = min(max_distance + 1, BITS)
    width = -(-BITS // bands)
    mask = (1 << width) - 1
    for band in range(bands):
        buckets: dict[int, list[int]] = defaultdict(list)
        for node, value in enumerate(nodes):
            buckets[value >> (band * width) & mask].append(node)
        for members in buckets.values():
            for i, a in enumerate(members):
                for b in members[i + 1 :]:
                    if (nodes[a] ^ nodes[b]).bit_count() <= max_distance:
                        root_a, root_b = find(a), find(b)
                        if root_a != root_b:
                            parent[max(root_a, root_b)] = min(root_a, root_b)

    groups: dict[int, list[int]] = defaultdict(list)
    node_of = {value: node for node, value in enumerate(nodes)}
    for index, (_, fp) in enumerate(items):
        groups[find(node_of[int(fp, 16)])].append(index)
    ordered = sorted(groups.values(), key=lambda indexes: indexes[0])
    return [[items[i][0] for i in indexes] for indexes in ordered]
