"""Forming themes from units, and putting a new unit in the theme it belongs to.

Why not plain average-linkage clustering: cut at a safe height, it leaves one request as several small
clusters (often one per language), and each is too small to count. Themes are formed instead around
their densest units and then judged by their centre:

1. **seed**: the unit with the most close neighbours starts a theme of its unthemed neighbours; the
   theme's centre (mean vector) then takes every unthemed unit close enough to it; repeat while a
   unit has enough neighbours left; then again, with looser thresholds, among the units still left
   (loosely worded feedback about one thing, after the tight groups are formed);
2. **refine**: every unit goes to the nearest centre above the join threshold, centres move to their
   members' mean (a few rounds, like k-means, but a unit far from every centre stays unthemed);
3. **merge**: two themes whose centres are nearly the same become one, keeping the older theme's id;
4. **keep** a new theme only with at least 3 units from at least 2 authors.

A centre is far steadier than any pair of units, so an English request and its French rewording meet
in the same theme even when their own similarity is middling.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from chalicelib.themes.labels import make_labels
from chalicelib.themes.models import THEMED_KINDS, Assignment, FeedbackUnit, Theme
from chalicelib.themes.vectors import Space, default_space
from chalicelib.themes.words import guess_lang, terms

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class Thresholds:
    """Cosine thresholds of one vector space (tuned on the bench's dev sets, see bench/README.md)."""

    link: float = 0.40  # two units are neighbours (seeding)
    join: float = 0.35  # a unit joins a theme's centre
    merge: float = 0.80  # two centres are the same theme
    looser: tuple[tuple[float, float], ...] = ()  # then (link, join) for the units left, loosest last
    min_units: int = 3
    min_authors: int = 2
    rounds: int = 4
    # A new theme's units must share a word that most units of the pool do not have (in at least this share of
    # them): on a handful of varied complaints the loose level lumped them all into one "Problem: <brand>"
    # theme (the demo: 12 of 25 units) whose only common word was the brand, which tells a founder nothing.
    shared_word: float = 0.34
    common_word: float = 0.4  # a word in more than this share of the pool's units is not distinctive


# Tuned by `bench/bench_themes.py --tune` on the dev parts (CLINC150 val, 5 domains; EN/FR pairs, 6 topics):
# the strict level keeps close intents apart, the looser one then catches loosely worded feedback.
ENCODER_THRESHOLDS = Thresholds(link=0.40, join=0.35, merge=0.80, looser=((0.30, 0.20),))
WORDS_THRESHOLDS = Thresholds(link=0.35, join=0.25, merge=0.80, looser=((0.25, 0.10),))


def thresholds_for(space: Space) -> Thresholds:
    """The tuned thresholds of a vector space."""
    return WORDS_THRESHOLDS if space.encode is None else ENCODER_THRESHOLDS


@dataclass
class Discovery:
    """What the scheduled job gets back: every theme (kept, updated or new) and where each unit went."""

    themes: list[Theme]
    assignments: list[Assignment]
    merged: dict[str, str] = field(default_factory=dict)  # id of a theme merged away -> id it merged into


def theme_id(kind: str, first_unit_id: str) -> str:
    """A theme's id, from its kind and its first unit: the same units give the same id on every run."""
    return "th-" + hashlib.sha256(f"{kind}\x1f{first_unit_id}".encode()).hexdigest()[:12]


def _unit_norm(v: np.ndarray) -> np.ndarray:
    import numpy as np

    return v / max(float(np.linalg.norm(v)), 1e-9)  # type: ignore[no-any-return]


def _order_key(unit: FeedbackUnit) -> tuple[str, str]:
    return (unit.created_at.isoformat() if unit.created_at else "", unit.id)


def assign(
    unit_vector: Sequence[float] | np.ndarray,
    themes: Sequence[Theme],
    threshold: float | None = None,
    kind: str | None = None,
    space: Space | None = None,
) -> tuple[Theme, float] | None:
    """The nearest theme (of ``kind`` when given) whose centre is at least ``threshold`` close (by default
    the threshold the theme was formed with), with its cosine.

    For the stream: ``unit_vector`` comes from ``unit_vectors([unit])``. Themes of another vector space
    (say, formed with the encoder while this function runs without it) are never compared.
    """
    import numpy as np

    space = space or default_space()
    vec = np.asarray(unit_vector, dtype=np.float32)
    best: tuple[Theme, float] | None = None
    for theme in themes:
        if theme.space != space.name or not theme.centroid or (kind and theme.kind not in (kind, "any")):
            continue
        sim = float(vec @ np.asarray(theme.centroid, dtype=np.float32))
        needed = threshold if threshold is not None else (theme.threshold or thresholds_for(space).join)
        if sim >= needed and (best is None or sim > best[1]):
            best = (theme, sim)
    return best


def unit_vectors(units: Sequence[FeedbackUnit], space: Space | None = None) -> np.ndarray:
    """The vectors of units in ``space`` (the default space when None)."""
    return (space or default_space()).vectors([u.text for u in units])


def discover(
    units: Sequence[FeedbackUnit],
    existing_themes: Sequence[Theme] = (),
    *,
    space: Space | None = None,
    thresholds: Thresholds | None = None,
    lang: str = "en",
    vectors: np.ndarray | None = None,
) -> Discovery:
    """Group ``units`` into themes, per kind: existing themes take the units close to them first, new
    themes form from the rest, near-duplicate themes merge (keeping the older id).

    ``lang`` is the watch's language (the theme's main ``label``); labels are made in English and French.
    Returns every theme (existing ones updated, merged ones removed) and one assignment per unit, in order.
    """
    import numpy as np

    space = space or default_space()
    th = thresholds or thresholds_for(space)
    units = list(units)
    vecs = vectors if vectors is not None else unit_vectors(units, space)
    vecs = np.asarray(vecs, dtype=np.float32)
    langs = [u.lang or guess_lang(u.text) for u in units]
    doc_freq: Counter[str] = Counter(t for u in units for t in set(terms(u.text)))

    usable = [t for t in existing_themes if t.space == space.name and t.centroid]
    untouched = [t for t in existing_themes if t not in usable]
    result_themes: list[Theme] = list(untouched)
    merged: dict[str, str] = {}
    member_of: dict[int, str] = {}
    sims: dict[int, float] = {}

    kinds = [k for k in (*THEMED_KINDS, "any") if any(u.kind == k for u in units) or any(t.kind == k for t in usable)]
    for kind in kinds:
        idx = [i for i, u in enumerate(units) if u.kind == kind]
        old = [t for t in usable if t.kind == kind]
        groups, kept, gone = _group_kind(vecs[idx] if idx else np.zeros((0, vecs.shape[1])), old, th, units, idx)
        merged.update(gone)
        for theme_ref, local_members, join in groups:
            members = [idx[j] for j in local_members]
            theme = _finish(theme_ref, kind, members, units, vecs, langs, doc_freq, space, lang, join)
            result_themes.append(theme)
            for i in members:
                member_of[i] = theme.id
                sims[i] = float(vecs[i] @ np.asarray(theme.centroid, dtype=np.float32))
        result_themes.extend(kept)

    by_id = {t.id: t for t in result_themes}
    assignments = [
        Assignment(
            id=u.id,
            theme=member_of.get(i),
            label=by_id[member_of[i]].label if i in member_of else None,
            similarity=round(sims[i], 4) if i in sims else None,
        )
        for i, u in enumerate(units)
    ]
    return Discovery(themes=result_themes, assignments=assignments, merged=merged)


@dataclass
class _Draft:
    centre: np.ndarray
    theme: Theme | None  # the existing theme this draft continues, if any
    join: float  # the cosine a unit needs to join it: its level's
    weight: float = 0.0  # units behind the existing centre
    level: int = 0  # the grouping level that seeded it (0: the strict one)


def _nearest(x: np.ndarray, drafts: list[_Draft]) -> np.ndarray:
    """Each unit's nearest draft among those it is close enough to join, or -1."""
    import numpy as np

    n = len(x)
    if not drafts or not n:
        return np.full(n, -1)
    s = x @ np.stack([d.centre for d in drafts]).T
    s = np.where(s >= np.array([d.join for d in drafts])[None, :], s, -np.inf)
    best = s.argmax(axis=1)
    return np.where(np.isfinite(s[np.arange(n), best]), best, -1)


def _group_kind(
    x: np.ndarray, old: list[Theme], th: Thresholds, units: Sequence[FeedbackUnit], idx: list[int]
) -> tuple[list[tuple[Theme | None, list[int], float]], list[Theme], dict[str, str]]:
    """Themes of one kind: ([(existing theme or None, local member indices, join threshold)], existing themes
    that took no unit this time, {merged-away id: kept id})."""
    import numpy as np

    drafts = [
        _Draft(np.asarray(t.centroid, dtype=np.float32), t, t.threshold or th.join, float(max(t.size, len(t.members))))
        for t in old
    ]
    owner = _nearest(x, drafts)
    merged: dict[str, str] = {}
    levels = ((th.link, th.join), *th.looser)
    words = [set(terms(units[i].text)) for i in idx]
    pool_freq: Counter[str] = Counter(w for found in words for w in found)
    common = {w for w, n in pool_freq.items() if n > th.common_word * max(len(idx), 1)}

    def coherent(members: np.ndarray) -> bool:
        shared: Counter[str] = Counter(w for j in members for w in words[j] - common)
        return bool(shared) and max(shared.values()) >= max(2, th.shared_word * len(members))

    for level, (link, join) in enumerate(levels):
        drafts, owner = _seed(x, drafts, owner, link, join, th, units, idx, level)
        for _ in range(th.rounds):
            if not drafts:
                break
            drafts, owner, gone = _merge(drafts, owner, th)
            merged.update(gone)
            owner = _nearest(x, drafts)
            for k, d in enumerate(drafts):
                members = np.where(owner == k)[0]
                if len(members):
                    total = x[members].sum(axis=0) + (d.weight * np.asarray(d.theme.centroid) if d.theme else 0.0)
                    d.centre = _unit_norm(np.asarray(total, dtype=np.float32))
            # a new theme needs enough units and authors; its units go back to the pool
            keep = []
            for k, d in enumerate(drafts):
                members = np.where(owner == k)[0]
                authors = {units[idx[j]].author_key for j in members}
                keep.append(
                    d.theme is not None
                    or (
                        len(members) >= th.min_units
                        and len(authors) >= th.min_authors
                        and (d.level == 0 or coherent(members))
                    )
                )
            if not all(keep):
                drafts = [d for d, ok in zip(drafts, keep, strict=True) if ok]
                owner = _nearest(x, drafts)

    groups: list[tuple[Theme | None, list[int], float]] = []
    idle: list[Theme] = []
    for k, d in enumerate(drafts):
        local = [int(j) for j in np.where(owner == k)[0]]
        if d.theme is not None and not local:
            idle.append(d.theme)
        elif local:
            update = {"centroid": [float(v) for v in d.centre], "threshold": d.join}
            groups.append((d.theme.model_copy(update=update) if d.theme else None, local, d.join))
    return groups, idle, merged


def _seed(
    x: np.ndarray,
    drafts: list[_Draft],
    owner: np.ndarray,
    link: float,
    join: float,
    th: Thresholds,
    units: Sequence[FeedbackUnit],
    idx: list[int],
    level: int = 0,
) -> tuple[list[_Draft], np.ndarray]:
    """New drafts around the densest units no draft owns: a unit with at least ``min_units`` neighbours
    (cosine >= ``link``) starts one with them, then its centre takes the free units within ``join``."""
    import numpy as np

    free = np.where(owner < 0)[0]
    if len(free) < th.min_units:
        return drafts, owner
    owner = owner.copy()
    xf = x[free]
    near = (xf @ xf.T) >= link
    counts = near.sum(axis=1)
    order = sorted(range(len(free)), key=lambda j: (-int(counts[j]), _order_key(units[idx[free[j]]])))
    taken = np.zeros(len(free), dtype=bool)
    for j in order:
        if taken[j] or counts[j] < th.min_units:
            continue
        group = np.where(near[j] & ~taken)[0]
        if len(group) < th.min_units:
            continue
        centre = _unit_norm(xf[group].mean(axis=0))
        group = np.where(((xf @ centre) >= join) & ~taken)[0]
        if len(group) < th.min_units:
            continue
        taken[group] = True
        owner[free[group]] = len(drafts)
        drafts = [*drafts, _Draft(_unit_norm(xf[group].mean(axis=0)), None, join, level=level)]
    return drafts, owner


def _merge(drafts: list[_Draft], owner: np.ndarray, th: Thresholds) -> tuple[list[_Draft], np.ndarray, dict[str, str]]:
    """Merge drafts whose centres are at least ``th.merge`` close; an existing theme's id survives (the older)."""
    import numpy as np

    if len(drafts) < 2:
        return drafts, owner, {}
    c = np.stack([d.centre for d in drafts])
    s = c @ c.T
    parent = list(range(len(drafts)))

    def root(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for a, b in zip(*np.where(np.triu(s, 1) >= th.merge), strict=True):
        ra, rb = root(int(a)), root(int(b))
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    if all(root(k) == k for k in range(len(drafts))):
        return drafts, owner, {}
    clusters: dict[int, list[int]] = {}
    for k in range(len(drafts)):
        clusters.setdefault(root(k), []).append(k)
    new: list[_Draft] = []
    remap: dict[int, int] = {}
    gone: dict[str, str] = {}
    for ks in clusters.values():
        olds: list[Theme] = sorted(
            (t for t in (drafts[k].theme for k in ks) if t is not None),
            key=lambda t: (t.first_seen.isoformat() if t.first_seen else "", -t.size, t.id),
        )
        keeper = olds[0] if olds else None
        for t in olds[1:]:
            gone[t.id] = olds[0].id
        weights = [max(drafts[k].weight, 1.0) + float((owner == k).sum()) for k in ks]
        centre = _unit_norm(np.sum([w * drafts[k].centre for w, k in zip(weights, ks, strict=True)], axis=0))
        weight = sum(drafts[k].weight for k in ks)
        if keeper is not None and len(olds) > 1:
            members = [m for t in olds for m in t.members]
            keeper = keeper.model_copy(update={"members": members, "size": int(weight)})
        for k in ks:
            remap[k] = len(new)
        new.append(
            _Draft(centre, keeper, min(drafts[k].join for k in ks), weight, level=min(drafts[k].level for k in ks))
        )
    owner = np.array([remap[int(o)] if o >= 0 else -1 for o in owner], dtype=int)
    return new, owner, gone


def _finish(
    theme: Theme | None,
    kind: str,
    members: list[int],
    units: Sequence[FeedbackUnit],
    vecs: np.ndarray,
    langs: list[str],
    doc_freq: Counter[str],
    space: Space,
    lang: str,
    join: float,
) -> Theme:
    """The theme with this run's members: an existing theme updated, or a new one with its id and labels."""
    import numpy as np

    ordered = sorted(members, key=lambda i: _order_key(units[i]))
    centre = np.asarray(theme.centroid, dtype=np.float32) if theme else _unit_norm(vecs[ordered].mean(axis=0))
    central = sorted(ordered, key=lambda i: -float(vecs[i] @ centre))
    dates = [d for d in (units[i].created_at for i in ordered) if d is not None]
    ids = [units[i].id for i in ordered]
    authors = {units[i].author_key for i in ordered}
    if theme is None:
        labels = make_labels(kind, [(units[i].text, langs[i]) for i in central], doc_freq, len(units))
        return Theme(
            id=theme_id(kind, ids[0]),
            kind=kind,  # type: ignore[arg-type]
            label=labels.get(lang, labels["en"]),
            labels=labels,
            members=ids,
            authors=len(authors),
            size=len(ids),
            centroid=[round(float(v), 6) for v in centre],
            space=space.name,
            threshold=join,
            first_seen=min(dates) if dates else None,
            last_seen=max(dates) if dates else None,
        )
    known = set(theme.members)
    new_ids = [i for i in ids if i not in known]
    first = [d for d in (theme.first_seen, *dates) if d is not None]
    return theme.model_copy(
        update={
            "members": [*theme.members, *new_ids],
            "size": theme.size + len(new_ids),
            "authors": max(theme.authors, len(authors)),
            "first_seen": min(first) if first else None,
            "last_seen": max(first) if first else None,
        }
    )
