"""The API of what recurs: a watch's themes (list, rename, hide, merge) and its weekly or monthly report.

Routes only, behind the same bearer token and error mapping as ``chalicelib.api.rest``; the plain functions
take their store and config as parameters. Themes are stored by ``chalicelib.themes.job`` (one item per
theme of a watch); the report is built from the hourly counters by ``chalicelib.report.collect``.

A merge leaves the merged theme as a tombstone (its item with ``merged_into``) instead of deleting it: the
stream and the discovery job already skip such items, the mapping stays for the units and counters that
still carry the old id (this listing counts them under the target), and the API needs no DeleteItem.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint, Response

from chalicelib.api.models import ReportQuery, ThemePatch, ThemesQuery
from chalicelib.api.rest import ApiError, NotFoundError, api_view, query_params, resolve_watch
from chalicelib.models import utcnow

if TYPE_CHECKING:  # pragma: no cover
    from chalicelib.config import VeilleConfig
    from chalicelib.store.repo import Store

insights_bp = Blueprint(__name__)

KIND_ORDER = ("problem", "request", "question", "praise")
COUNT_DAYS = 30  # a theme's listed count: its units of the last 30 days
MAX_EXAMPLES = 10  # examples kept on a theme that others were merged into
# What the API shows of a stored theme (never its centroid, space or threshold).
THEME_FIELDS = ("id", "kind", "labels", "examples", "first_seen", "last_seen", "authors", "size")


# -- plain functions ---------------------------------------------------------------------------------------
def theme_json(data: dict[str, Any], language: str, count: int | None = None) -> dict[str, Any]:
    """A stored theme as the API shows it: ``label`` is the founder's own, else the generated one in the
    watch's language; ``generated_label`` is what a rename replaced; ``count`` its units of the last days."""
    from chalicelib.themes.job import generated_label, theme_label

    shown = {k: data.get(k) for k in THEME_FIELDS}
    shown["labels"] = data.get("labels") or {}
    shown["examples"] = data.get("examples") or []
    return {
        **shown,
        "label": theme_label(data, language),
        "generated_label": generated_label(data, language),
        "custom_label": data.get("custom_label") or None,
        "hidden": bool(data.get("hidden")),
        "count": count,
    }


def _language(config: VeilleConfig, watch: str) -> str:
    return config.watch(watch).language


def _stored(store: Store, watch: str) -> dict[str, dict[str, Any]]:
    return {d["id"]: d for d in store.themes(watch) if isinstance(d, dict) and d.get("id")}


def recent_counts(
    store: Store, watch: str, stored: dict[str, dict[str, Any]], days: int = COUNT_DAYS
) -> dict[str, int]:
    """Units per theme over the last ``days`` days, from the hourly counters (one paged Query); a merged
    theme's units count under the theme it was merged into."""
    from chalicelib.crisis import COUNTER

    end = utcnow().replace(minute=0, second=0, microsecond=0)
    counts: dict[str, int] = {}
    for fields in store.counter_items(watch, COUNTER, end - timedelta(days=days), end).values():
        for field, n in fields.items():
            if field.startswith("t|"):
                theme_id = _live_id(stored, field[2:])
                counts[theme_id] = counts.get(theme_id, 0) + int(n)
    return counts


def _live_id(stored: dict[str, dict[str, Any]], theme_id: str) -> str:
    """The theme a (possibly merged) id now stands for: its tombstones followed, at most a few steps."""
    for _ in range(8):
        target = (stored.get(theme_id) or {}).get("merged_into")
        if not target:
            break
        theme_id = str(target)
    return theme_id


def list_themes(store: Store, config: VeilleConfig, query: ThemesQuery) -> dict[str, Any]:
    """The watch's themes by kind (problems, requests, questions, praise), largest first; hidden ones too,
    marked; merged ones not (they live on in the theme they were merged into)."""
    watch = resolve_watch(config, query.watch)
    language = _language(config, watch)
    stored = _stored(store, watch)
    counts = recent_counts(store, watch, stored)
    live = [d for d in stored.values() if not d.get("merged_into")]
    merged: dict[str, list[str]] = {}
    for data in stored.values():
        if data.get("merged_into"):
            merged.setdefault(_live_id(stored, data["id"]), []).append(data["id"])
    themes = [{**theme_json(d, language, counts.get(d["id"], 0)), "merged": merged.get(d["id"], [])} for d in live]
    rank = {kind: n for n, kind in enumerate(KIND_ORDER)}
    themes.sort(key=lambda t: (rank.get(str(t["kind"]), len(rank)), -(t["count"] or 0), -(t["size"] or 0), t["label"]))
    return {"watch": watch, "language": language, "count_days": COUNT_DAYS, "themes": themes}


def _theme(stored: dict[str, dict[str, Any]], theme_id: str, watch: str) -> dict[str, Any]:
    data = stored.get(theme_id) if 0 < len(theme_id) <= 100 else None
    if data is None:
        raise NotFoundError(f"no theme {theme_id!r} in watch {watch!r}")
    if data.get("merged_into"):
        raise NotFoundError(f"theme {theme_id!r} was merged into {_live_id(stored, theme_id)!r}")
    return data


def patch_theme(
    store: Store, config: VeilleConfig, theme_id: str, query: ThemesQuery, patch: ThemePatch
) -> dict[str, Any]:
    """Rename, hide or show a theme, or merge it into another of its kind; returns the theme as it now is
    (for a merge, the theme it went into)."""
    sent = patch.model_fields_set
    if not sent:
        raise ApiError("(body): send at least one of label, hidden, merge_into")
    watch = resolve_watch(config, query.watch)
    stored = _stored(store, watch)
    current = _theme(stored, theme_id, watch)
    language = _language(config, watch)
    if "merge_into" in sent:
        if sent != {"merge_into"}:
            raise ApiError("merge_into: send it alone (the merged theme goes away; rename or hide the target)")
        if patch.merge_into is None:
            raise ApiError("merge_into: give the id of a theme of the same kind (splitting is not offered)")
        target = merge_theme(store, watch, stored, current, patch.merge_into)
        return theme_json(target, language, recent_counts(store, watch, _stored(store, watch)).get(target["id"], 0))
    updated = dict(current)
    if "label" in sent:
        if patch.label is None:
            updated.pop("custom_label", None)
        else:
            updated["custom_label"] = patch.label
    if "hidden" in sent:
        if patch.hidden is None:
            raise ApiError("hidden: must be true or false")
        updated["hidden"] = patch.hidden
    store.put_theme(watch, theme_id, updated)
    return theme_json(updated, language, recent_counts(store, watch, stored).get(theme_id, 0))


def merge_theme(
    store: Store, watch: str, stored: dict[str, dict[str, Any]], source: dict[str, Any], target_id: str
) -> dict[str, Any]:
    """Fold ``source`` into the theme ``target_id``: the target gains its examples, size and dates; the
    source becomes a tombstone (``merged_into``), as do the ones merged into it before."""
    if target_id == source["id"]:
        raise ApiError("merge_into: a theme cannot be merged into itself")
    target = stored.get(target_id)
    if target is None:
        raise ApiError(f"merge_into: no theme {target_id!r} in watch {watch!r}")
    if target.get("merged_into"):
        live = _live_id(stored, target_id)
        raise ApiError(f"merge_into: theme {target_id!r} was merged into {live!r}; merge into that one")
    if target.get("kind") != source.get("kind"):
        raise ApiError(
            f"merge_into: {target_id!r} is a {target.get('kind')} theme and {source['id']!r} a {source.get('kind')} "
            "theme; merge themes of the same kind"
        )
    examples = list(target.get("examples") or [])
    seen = {e.get("id") for e in examples if isinstance(e, dict)}
    for example in source.get("examples") or []:
        if isinstance(example, dict) and example.get("id") not in seen:
            examples.append(example)
            seen.add(example.get("id"))
    merged = {
        **target,
        "examples": examples[:MAX_EXAMPLES],
        "size": int(target.get("size") or 0) + int(source.get("size") or 0),
        # Distinct people across both are unknown here: at least as many as the larger one had.
        "authors": max(int(target.get("authors") or 0), int(source.get("authors") or 0)),
        "first_seen": _earliest(target.get("first_seen"), source.get("first_seen")),
        "last_seen": _latest(target.get("last_seen"), source.get("last_seen")),
    }
    # The target first: if the tombstone's write fails, nothing was lost (the source is still a theme).
    store.put_theme(watch, target_id, merged)
    for other in stored.values():
        if other.get("merged_into") == source["id"]:
            store.put_theme(watch, other["id"], {**other, "merged_into": target_id})
    store.put_theme(watch, source["id"], {**source, "merged_into": target_id, "merged_at": utcnow().isoformat()})
    return merged


def _earliest(a: Any, b: Any) -> Any:
    return min((x for x in (a, b) if x), default=None, key=str)


def _latest(a: Any, b: Any) -> Any:
    return max((x for x in (a, b) if x), default=None, key=str)


def report(store: Store, config: VeilleConfig, query: ReportQuery) -> dict[str, Any]:
    """The weekly or monthly report of a watch (chalicelib.report), from the hourly counters and themes."""
    from chalicelib.report.collect import collect_report
    from chalicelib.settings import get_settings

    watch = resolve_watch(config, query.watch)
    inbox = get_settings().public_url.rstrip("/") + "/app"
    return collect_report(store, config, watch, query.period, query.day, lang=query.lang, inbox_url=inbox)


# -- routes ------------------------------------------------------------------------------------------------
def _store() -> Store:
    from chalicelib.store import get_store

    return get_store()


def _config() -> VeilleConfig:
    from chalicelib.config import get_config

    return get_config()


@insights_bp.route("/report/{period}/{date}", methods=["GET"])
@api_view()
def report_route(period: str, date: str) -> Any:
    query = ReportQuery.model_validate({**query_params(), "period": period, "date": date})
    answer = report(_store(), _config(), query)
    if "text/html" not in (insights_bp.current_request.headers.get("accept") or ""):
        return answer
    from chalicelib.api.web import LINK_CSP, SECURITY_HEADERS
    from chalicelib.report import render_html

    # The digest's headers: no script, no sniffing, not cached.
    headers: dict[str, str | list[str]] = {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": LINK_CSP,
        **SECURITY_HEADERS,
    }
    return Response(render_html(answer), headers=headers)


@insights_bp.route("/themes", methods=["GET"])
@api_view()
def themes_route() -> dict[str, Any]:
    return list_themes(_store(), _config(), ThemesQuery.model_validate(query_params()))


@insights_bp.route("/themes/{theme_id}", methods=["PATCH"])
@api_view()
def patch_theme_route(theme_id: str) -> dict[str, Any]:
    query = ThemesQuery.model_validate(query_params())
    patch = ThemePatch.model_validate_json(insights_bp.current_request.raw_body or b"")
    return patch_theme(_store(), _config(), theme_id, query, patch)
