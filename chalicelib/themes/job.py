"""Themes in the running system: stored per watch, units assigned as the stream classifies them, new themes
found by a scheduled job from the units no theme took.

- :func:`stored_theme` / :func:`theme_data`: a :class:`~chalicelib.themes.models.Theme` as the store keeps it
  (``THEMES#<watch>`` / ``T#<id>``): its centroid as base64 float16 (3 KB for the encoder's space), up to
  three examples, and the founder's choices (a label of their own, hidden).
- :func:`assign_units`: the stream's step, before the labels are stored: each unit of a watch with themes
  goes to the nearest theme of its kind above that theme's threshold; the theme id rides on the unit (no
  extra write) and the window's tally counts it.
- :func:`discover_themes`: the daily job, per watch: the last days' units no theme took (a bounded sample,
  newest first), grouped with the existing themes (``chalicelib.themes.grouping.discover``); new and
  updated themes are stored, merged ones removed, and each mention whose units a theme took now is stored
  again with those ids, its units counted in the hour it was created (once per mention).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.models import Mention
from chalicelib.observability import logger, metrics
from chalicelib.themes.models import KIND_ALIASES, FeedbackUnit, Theme

if TYPE_CHECKING:  # pragma: no cover
    from chalicelib.config import VeilleConfig, WatchConfig

DISCOVERY_DAYS = 7
MAX_MENTIONS = 3000  # the bounded sample one run reads (newest first): well within one invocation at 1M a day
EXAMPLES = 3


# -- storage form ---------------------------------------------------------------------------------------
def theme_data(theme: Theme, *, examples: Sequence[dict[str, Any]] = (), extra: dict[str, Any] | None = None) -> dict:
    """A theme as stored: its model without the member list and with a packed centroid."""
    import numpy as np

    data = theme.model_dump(mode="json", exclude={"centroid", "members"})
    data["centroid_f16"] = base64.b64encode(np.asarray(theme.centroid, dtype=np.float16).tobytes()).decode()
    data["examples"] = list(examples)[:EXAMPLES]
    data.update(extra or {})
    return data


def stored_theme(data: dict[str, Any]) -> Theme:
    """The :class:`Theme` of a stored item (label: the founder's own when they gave one)."""
    import numpy as np

    raw = base64.b64decode(data.get("centroid_f16") or "")
    centroid = np.frombuffer(raw, dtype=np.float16).astype(np.float32).tolist() if raw else []
    fields = {k: v for k, v in data.items() if k in Theme.model_fields and k not in ("centroid", "members")}
    theme = Theme.model_validate({**fields, "centroid": centroid})
    if data.get("custom_label"):
        theme.label = str(data["custom_label"])
        theme.labels = dict.fromkeys(theme.labels or {"en": ""}, theme.label)
    return theme


def generated_label(data: dict[str, Any], lang: str) -> str:
    """A stored theme's label in ``lang`` as discovery made it (its main label, else its id)."""
    return str((data.get("labels") or {}).get(lang) or data.get("label") or data["id"])


def theme_label(data: dict[str, Any], lang: str) -> str:
    """The label a founder sees: their own when they gave one, else the generated one in ``lang``."""
    return str(data.get("custom_label") or generated_label(data, lang))


def report_theme(data: dict[str, Any], lang: str) -> dict[str, Any]:
    """A stored theme as the report reads it (chalicelib.report ThemeInfo)."""
    return {
        "id": data["id"],
        "kind": data["kind"] if data.get("kind") in ("problem", "request", "question", "praise") else "problem",
        "label": theme_label(data, lang),
        "examples": data.get("examples") or [],
        "first_seen": str(data["first_seen"])[:10] if data.get("first_seen") else None,
        "last_seen": str(data["last_seen"])[:10] if data.get("last_seen") else None,
        "hidden": bool(data.get("hidden")),
    }


# -- units of stored mentions ---------------------------------------------------------------------------
def unit_text(mention: Mention, unit: Sequence[Any]) -> str:
    return mention.text[int(unit[0]) : int(unit[1])].strip()


def feedback_units(mention: Mention, *, untaken_only: bool = True) -> list[tuple[int, FeedbackUnit]]:
    """(index in the stored units, unit) for each unit of a labelled mention that can have a theme."""
    labels = mention.labels or {}
    found = []
    for index, unit in enumerate(labels.get("units") or []):
        if not isinstance(unit, list | tuple) or len(unit) < 4:
            continue
        if untaken_only and len(unit) > 4 and unit[4]:
            continue
        if KIND_ALIASES.get(str(unit[2])) is None:
            continue
        text = unit_text(mention, unit)
        if len(text) < 3:
            continue
        lang = labels.get("lang") if labels.get("lang") in ("en", "fr") else None
        found.append(
            (
                index,
                FeedbackUnit(
                    id=f"{mention.id}#{index}",
                    text=text,
                    lang=lang,
                    kind=str(unit[2]),
                    author=mention.author.handle or mention.author.name or mention.author.email,
                    created_at=mention.created_at,
                ),
            )
        )
    return found


# -- the stream's step ----------------------------------------------------------------------------------
def assign_units(store: Any, mentions: Sequence[Mention], labels: dict[str, dict[str, Any]]) -> int:
    """Give each unit of the batch the nearest theme of its watch (in place, on the labels about to be
    stored); returns how many units a theme took. One Query per watch of the batch; nothing encoded for a
    watch without themes."""
    from chalicelib.themes.grouping import assign, unit_vectors

    taken = 0
    by_watch: dict[str, list[Mention]] = {}
    for mention in mentions:
        by_watch.setdefault(mention.watch, []).append(mention)
    for watch, group in by_watch.items():
        stored = store.themes(watch)
        # A merged theme's tombstone keeps its centre: units like it join the theme it was merged into.
        themes = [
            stored_theme(d).model_copy(update={"id": str(d["merged_into"])})
            if d.get("merged_into")
            else stored_theme(d)
            for d in stored
        ]
        if not themes:
            continue
        todo: list[tuple[Mention, int, FeedbackUnit]] = []
        for mention in group:
            found = labels.get(mention.id)
            if not found:
                continue
            view = mention.model_copy(update={"labels": found})
            todo += [(mention, index, unit) for index, unit in feedback_units(view)]
        if not todo:
            continue
        vectors = unit_vectors([unit for _, _, unit in todo])
        for (mention, index, unit), vector in zip(todo, vectors, strict=True):
            best = assign(vector, themes, kind=unit.kind)
            if best is None:
                continue
            stored = list(labels[mention.id]["units"][index])
            labels[mention.id]["units"][index] = [*stored[:4], best[0].id]
            taken += 1
    return taken


# -- the scheduled job ----------------------------------------------------------------------------------
def discover_themes(store: Any, config: VeilleConfig, now: datetime) -> dict[str, Any]:
    """One run for every brand watch: returns per watch the themes found, updated and merged."""
    summary: dict[str, Any] = {}
    for watch in config.watches:
        try:
            summary[watch.name] = discover_watch(store, watch, now)
        except Exception as exc:  # noqa: BLE001 - one watch's failure must not stop the others
            logger.error("theme discovery failed", extra={"watch": watch.name, "error": str(exc)})
            metrics.add_metric(name="ThemeDiscoveryFailed", unit="Count", value=1)
            summary[watch.name] = {"error": str(exc)[:200]}
    return summary


def discover_watch(
    store: Any, watch: WatchConfig, now: datetime, *, days: int = DISCOVERY_DAYS, max_mentions: int = MAX_MENTIONS
) -> dict[str, Any]:
    """Discovery for one watch (see the module's docstring)."""
    from chalicelib.themes.grouping import discover

    today = now.date()
    day_list = [(today - timedelta(days=n)).isoformat() for n in range(days)]
    mentions = list(_newest(store.iter_mentions(watch.name, day_list), max_mentions))
    stored = {d["id"]: d for d in store.themes(watch.name)}
    existing = [stored_theme(d) for d in stored.values() if not d.get("merged_into")]
    todo = [(m, index, unit) for m in mentions for index, unit in feedback_units(m)]
    if not todo:
        return {"units": 0, "themes": len(existing), "new": 0, "merged": 0}
    found = discover([unit for _, _, unit in todo], existing, lang=watch.language)
    by_unit = {a.id: a.theme for a in found.assignments}
    themes = {t.id: t for t in found.themes}

    # Store new and updated themes (keeping the founder's choices), and remove the merged ones.
    similarity = {a.id: a.similarity or 0.0 for a in found.assignments}
    examples = _examples(todo, by_unit, similarity)
    new = 0
    for theme in found.themes:
        before = stored.get(theme.id, {})
        kept = {k: before[k] for k in ("custom_label", "hidden") if k in before}
        new += theme.id not in stored
        store.put_theme(
            watch.name,
            theme.id,
            theme_data(theme, examples=examples.get(theme.id) or before.get("examples") or [], extra=kept),
        )
    for gone in found.merged:
        if gone in stored:
            store.delete_theme(watch.name, gone)

    # The mentions whose units a theme took now: stored again with the ids, counted once each.
    from chalicelib import crisis
    from chalicelib.pipeline.tally import theme_fields

    changed: dict[str, tuple[Mention, list[Any], list[Any]]] = {}
    for mention, index, unit in todo:
        theme_id = by_unit.get(unit.id)
        if not theme_id or theme_id not in themes:
            continue
        stored_units = [list(u) for u in (mention.labels or {}).get("units") or []]
        _, units, placed = changed.setdefault(mention.id, (mention, stored_units, []))
        units[index] = [*units[index][:4], theme_id]
        placed.append(units[index])
    for mention, units, placed in changed.values():
        # Only the units placed now are counted: the ones the stream placed were counted by its tally.
        added = theme_fields(placed, one_star=mention.extra.get("rating") == "1")
        crisis.record_counts(store, watch.name, mention.created_at, added, once=f"theme:{mention.id}")
        labels = {**(mention.labels or {}), "units": units}
        store.set_unit_themes(mention.model_copy(update={"labels": labels}), units)
    logger.info(
        "themes discovered",
        extra={"watch": watch.name, "units": len(todo), "themes": len(found.themes), "new": new, "taken": len(changed)},
    )
    return {
        "units": len(todo),
        "themes": len(found.themes),
        "new": new,
        "merged": len(found.merged),
        "mentions": len(changed),
    }


def _newest(mentions: Iterable[Mention], limit: int) -> Iterable[Mention]:
    for n, mention in enumerate(mentions):
        if n >= limit:
            return
        yield mention


def _examples(
    todo: Sequence[tuple[Mention, int, FeedbackUnit]], by_unit: dict[str, str | None], similarity: dict[str, float]
) -> dict[str, list]:
    """Up to three examples per theme: the units closest to its centre (the most typical), from different
    mentions, linked."""
    found: dict[str, list[dict[str, Any]]] = {}
    for mention, _index, unit in sorted(todo, key=lambda t: (-similarity.get(t[2].id, 0.0), t[0].created_at)):
        theme_id = by_unit.get(unit.id)
        if not theme_id:
            continue
        listed = found.setdefault(theme_id, [])
        if len(listed) < EXAMPLES and all(e["id"] != mention.id for e in listed):
            listed.append({"id": mention.id, "quote": unit.text[:200], "url": mention.url})
    return found
