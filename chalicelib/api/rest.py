"""The JSON API: the inbox's mentions, triage, daily stats and the digest, behind a bearer token.

Routes are thin: authenticate, validate the request with pydantic, call one plain function, answer.
The plain functions take their store and config as parameters, so unit tests pass in-memory fakes.
Every error an input can cause leaves through :func:`error_response` (one mapping, no surprise 500).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hmac
import json
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chalicelib.api.models import (
    EARLIEST_DAY,
    MAX_WINDOW_DAYS,
    DigestQuery,
    LabelCorrections,
    MentionPatch,
    MentionQuery,
    StatsQuery,
)
from chalicelib.errors import ConfigError, StorageError, ThrottledError, VeilleError
from chalicelib.models import Mention, utcnow

if TYPE_CHECKING:  # pragma: no cover
    from chalicelib.config import VeilleConfig
    from chalicelib.digest.priority import Priority
    from chalicelib.store.repo import Store

rest_bp = Blueprint(__name__)

API_TOKEN_NAME = "VEILLE_API_TOKEN"  # noqa: S105 - the name of the secret, not its value
DEFAULT_WINDOW_DAYS = 7
QUERY_PAGE = 100
# A filter that matches little must not read a whole quarter in one request: after this many mentions
# examined, the answer returns what it has and a cursor to go on from there.
SCAN_BUDGET = 1000
# Lambda answers at most 6 MB (API Gateway 10 MB): a page of long mentions stops here, with a cursor.
MAX_PAGE_BYTES = 2_000_000
# order=priority sorts the whole window: it reads at most this many mentions of it (a week of a busy startup).
PRIORITY_SCAN = 5000


# -- errors -----------------------------------------------------------------------------------------
class ApiError(VeilleError):
    """An answer other than 200 that the API gives on purpose, with its status and message."""

    status = 400

    def __init__(self, message: str, *, status: int | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status or self.status
        self.headers: dict[str, str | list[str]] = {**(headers or {})}


class NotFoundError(ApiError):
    status = 404


def _field_name(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc if part != "__root__") or "(body)"


def error_response(exc: Exception) -> Response:
    """The one mapping from what can go wrong to an HTTP answer."""
    if isinstance(exc, ValidationError):
        fields = [{"field": _field_name(e["loc"]), "message": e["msg"]} for e in exc.errors()]
        message = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
        return Response({"error": "invalid request", "message": message, "fields": fields}, status_code=400)
    if isinstance(exc, ApiError):
        return Response({"error": str(exc)}, status_code=exc.status, headers=exc.headers)
    if isinstance(exc, ThrottledError):
        return Response(
            {"error": "the database is busy; retry in a few seconds"}, status_code=503, headers={"Retry-After": "5"}
        )
    if isinstance(exc, StorageError | ConfigError):
        from chalicelib.observability import logger

        logger.exception("api request failed")
        return Response({"error": f"service unavailable: {exc}"}, status_code=503)
    raise exc


# -- authentication -----------------------------------------------------------------------------------
def configured_token() -> str | None:
    """The API token (VEILLE_API_TOKEN: environment locally, SSM SecureString in AWS), or None."""
    from chalicelib.secrets import get_secret

    return get_secret(API_TOKEN_NAME)


def check_bearer(authorization: str | None, token: str | None) -> None:
    """Accept a request whose ``Authorization: Bearer`` matches the token, compared in constant time.

    Without a configured token the API is closed (503), never open.
    """
    if not token:
        raise ApiError(f"the API is closed: set {API_TOKEN_NAME} (a long random string) and restart", status=503)
    challenge = {"WWW-Authenticate": 'Bearer realm="veille"'}
    scheme, _, given = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise ApiError(
            "missing bearer token: send 'Authorization: Bearer <VEILLE_API_TOKEN>'", status=401, headers=challenge
        )
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise ApiError(
            "invalid bearer token",
            status=401,
            headers={**challenge, "WWW-Authenticate": 'Bearer realm="veille", error="invalid_token"'},
        )


def json_response(body: dict[str, Any], status: int = 200) -> Response:
    """JSON written as UTF-8, not escaped: an emoji is 4 bytes, not a 12-byte surrogate-pair escape."""
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=str)
    return Response(text, status_code=status, headers={"Content-Type": "application/json; charset=utf-8"})


def api_view(*, auth: bool = True) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Wrap a route: check the token, then turn every expected error into its answer."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapped(**kwargs: Any) -> Any:
            try:
                if auth:
                    request = rest_bp.current_request
                    check_bearer(request.headers.get("authorization"), configured_token())
                answer = view(**kwargs)
                return json_response(answer) if isinstance(answer, dict) else answer
            except (ValidationError, VeilleError) as exc:
                return error_response(exc)

        return wrapped

    return decorate


def query_params() -> dict[str, str]:
    """The request's query string, without empty values (an empty filter means no filter)."""
    params: Mapping[str, str] = rest_bp.current_request.query_params or {}
    return {k: params[k] for k in params if params[k] != ""}


# -- request and answer models ------------------------------------------------------------------------
def days_before(day: date, count: int) -> date:
    """``day`` minus ``count`` days, stopping at the first date there is (every date the store can hold works)."""
    return day - timedelta(days=min(count, (day - date.min).days))


class Cursor(BaseModel):
    """Where a page of ``GET /mentions`` stopped: the day, and the index key of the last mention read."""

    model_config = ConfigDict(extra="forbid")

    d: date
    k: str = Field(max_length=200, pattern=r"^[0-9T:.+\-Z]{10,40}#[A-Za-z0-9_:\-]{1,100}$")


class PriorityCursor(BaseModel):
    """Where a page of ``GET /mentions?order=priority`` stopped: how many of the sorted window came before."""

    model_config = ConfigDict(extra="forbid")

    o: int = Field(ge=0, le=PRIORITY_SCAN)


def encode_cursor(cursor: Cursor | PriorityCursor) -> str:
    raw = json.dumps(cursor.model_dump(mode="json"), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str, model: type[Cursor] | type[PriorityCursor] = Cursor) -> Any:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        return model.model_validate_json(raw)
    except (binascii.Error, ValueError) as exc:
        raise ApiError("cursor: not a cursor this API gave; pass the 'next' value of the previous page") from exc


# -- plain functions ---------------------------------------------------------------------------------------
def mention_json(
    mention: Mention,
    config: VeilleConfig | None = None,
    now: datetime | None = None,
    alert: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A mention as the API shows it: every field, its UTC day, its labels after corrections, (given the
    config) its priority against its watch's reply target, and ``alert``: null, or the urgent alert a channel
    has not taken (``status`` pending or undelivered, and per channel its error and since when)."""
    data = mention.model_dump(mode="json")
    data["day"] = mention.day
    data["effective_labels"] = mention.effective_labels()
    data["alert"] = alert
    if config is not None:
        data["priority"] = priority_of(mention, config, now or utcnow()).as_json()
    return data


def priority_of(mention: Mention, config: VeilleConfig, now: datetime) -> Priority:
    """The one priority (chalicelib.digest.priority) of a mention, against its watch's reply target."""
    from chalicelib.digest.priority import priority

    target = next((w.reply_target_hours for w in config.watches if w.name == mention.watch), 24)
    return priority(mention, now=now, reply_target_hours=target)


def fold(text: str) -> str:
    """Lower case without accents, for case- and accent-insensitive search."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def has_label(mention: Mention, label: str) -> bool:
    labels = mention.effective_labels()
    if label == "needs_you":
        from chalicelib.digest.priority import needs_you

        return needs_you(mention, labels)
    if label in ("negative", "positive", "neutral"):
        return labels.get("sentiment") == label
    return bool(labels.get(label))


def mention_filter(query: MentionQuery) -> Callable[[Mention], bool]:
    """The predicate a mention must pass to be listed."""
    from chalicelib.digest.priority import OPEN_STATUSES, kind_of

    needle = fold(query.text) if query.text else None

    def keep(mention: Mention) -> bool:
        if query.status == "open":
            if mention.status not in OPEN_STATUSES:
                return False
        elif query.status and mention.status != query.status:
            return False
        if query.kind and kind_of(mention.effective_labels()) != query.kind:
            return False
        if (
            query.source
            and query.source not in (mention.source, mention.source_key)
            and not mention.source.startswith(query.source + ":")
        ):
            return False
        if query.label and not has_label(mention, query.label):
            return False
        if needle:
            haystack = " ".join(
                x for x in (mention.title, mention.text, mention.author.handle, mention.author.name) if x
            )
            if needle not in fold(haystack):
                return False
        return True

    return keep


def resolve_watch(config: VeilleConfig, name: str | None) -> str:
    """The watch named, or the config's default; an unknown name is a 400 listing the known ones."""
    if not name:
        return config.default_watch.name
    if name not in {w.name for w in config.watches}:
        known = ", ".join(w.name for w in config.watches)
        raise ApiError(f"watch: unknown watch {name!r}; known watches: {known}")
    return name


def _index_key(mention: Mention) -> str:
    return f"{mention.created_at.isoformat()}#{mention.id}"


def _start_key(watch: str, day: date, index_key: str) -> dict[str, Any]:
    from chalicelib.store import schema

    return {schema.PK: schema.watch_day_key(watch, day.isoformat()), schema.SK: index_key}


def _window(since: date | None, until: date | None, today: date) -> list[date]:
    until = until or today
    # The window echoed back (since, until) must be one the caller may send again.
    since = since or max(EARLIEST_DAY, days_before(until, DEFAULT_WINDOW_DAYS - 1))
    if since > until:
        raise ApiError("since: must not be after until")
    span = (until - since).days + 1
    if span > MAX_WINDOW_DAYS:
        raise ApiError(f"since: the window is {span} days; ask for at most {MAX_WINDOW_DAYS} at a time")
    return [until - timedelta(days=i) for i in range(span)]


def list_mentions(
    store: Store,
    config: VeilleConfig,
    query: MentionQuery,
    *,
    today: date | None = None,
    budget: int = SCAN_BUDGET,
    max_bytes: int = MAX_PAGE_BYTES,
) -> dict[str, Any]:
    """One page of a watch's mentions, newest first (or most pressing first with ``order=priority``),
    filtered; ``next`` is the cursor of the following page.

    Reads the watch-by-day index one day at a time (never a Scan) and stops after ``budget`` mentions
    examined, so a rare filter answers a short page with a cursor instead of running long; a page is also
    cut at ``MAX_PAGE_BYTES`` of JSON (the next page starts with the mention that did not fit).
    """
    watch = resolve_watch(config, query.watch)
    days = _window(query.since, query.until, today or utcnow().date())
    if query.order == "priority":
        return _list_by_priority(store, config, query, watch, days, max_bytes=max_bytes)
    now = utcnow()
    keep = mention_filter(query)
    alerts = pending_alerts_of(store, watch)
    start_index, start_key = 0, None
    if query.cursor:
        cursor = decode_cursor(query.cursor)
        if cursor.d not in days:
            raise ApiError("cursor: it belongs to another window; repeat the same filters as the previous page")
        start_index, start_key = days.index(cursor.d), _start_key(watch, cursor.d, cursor.k)
    items: list[dict[str, Any]] = []
    size = 0
    next_cursor: str | None = None
    previous: tuple[date, Mention] | None = None
    for examined, (day, mention, more) in enumerate(_walk(store, watch, days[start_index:], start_key), 1):
        if keep(mention):
            item = mention_json(mention, config, now, alerts.get(mention.id))
            item_size = len(json.dumps(item, ensure_ascii=False, default=str).encode())
            if items and previous and size + item_size > max_bytes:
                next_cursor = encode_cursor(Cursor(d=previous[0], k=_index_key(previous[1])))
                break
            items.append(item)
            size += item_size
        previous = (day, mention)
        if len(items) >= query.limit or examined >= budget:
            if more:
                next_cursor = encode_cursor(Cursor(d=day, k=_index_key(mention)))
            break
    return {
        "watch": watch,
        "since": days[-1].isoformat(),
        "until": days[0].isoformat(),
        "items": items,
        "next": next_cursor,
    }


def _list_by_priority(
    store: Store,
    config: VeilleConfig,
    query: MentionQuery,
    watch: str,
    days: list[date],
    *,
    max_bytes: int,
) -> dict[str, Any]:
    """The window's mentions that pass the filters, most pressing first (the inbox's "Needs you")."""
    from chalicelib.digest.priority import pressing_first

    offset = decode_cursor(query.cursor, PriorityCursor).o if query.cursor else 0
    keep = mention_filter(query)
    now = utcnow()
    ranked: list[tuple[Any, Mention]] = []
    examined = 0
    for _day, mention, _more in _walk(store, watch, days, None):
        examined += 1
        if keep(mention):
            ranked.append((pressing_first(mention, priority_of(mention, config, now)), mention))
        if examined >= PRIORITY_SCAN:
            break
    ranked.sort(key=lambda pair: pair[0])
    items: list[dict[str, Any]] = []
    size = 0
    alerts = pending_alerts_of(store, watch)
    for _key, mention in ranked[offset : offset + query.limit]:
        item = mention_json(mention, config, now, alerts.get(mention.id))
        item_size = len(json.dumps(item, ensure_ascii=False, default=str).encode())
        if items and size + item_size > max_bytes:
            break
        items.append(item)
        size += item_size
    end = offset + len(items)
    return {
        "watch": watch,
        "since": days[-1].isoformat(),
        "until": days[0].isoformat(),
        "items": items,
        "next": encode_cursor(PriorityCursor(o=end)) if end < len(ranked) else None,
        "order": "priority",
        "total": len(ranked),
        "complete": examined < PRIORITY_SCAN,
    }


def _walk(
    store: Store,
    watch: str,
    days: list[date],
    start_key: dict[str, Any] | None,
) -> Iterator[tuple[date, Mention, bool]]:
    """(day, mention, whether anything may follow) for each mention of the days, newest first."""
    for position, day in enumerate(days):
        key = start_key if position == 0 else None
        while True:
            page, key = store.mentions_of_day(watch, day.isoformat(), limit=QUERY_PAGE, start_key=key)
            for index, mention in enumerate(page):
                more = index < len(page) - 1 or key is not None or position < len(days) - 1
                yield day, mention, more
            if not key:
                break


def list_watches(config: VeilleConfig) -> dict[str, Any]:
    """The configured watches, for the page's watch picker."""
    return {
        "default": config.default_watch.name,
        "watches": [
            {"name": w.name, "competitor": w.competitor, "language": w.language, "timezone": w.timezone}
            for w in config.watches
        ],
    }


def get_mention(store: Store, mention_id: str, config: VeilleConfig | None = None) -> dict[str, Any]:
    mention = store.get_mention(mention_id) if 0 < len(mention_id) <= 100 else None
    if mention is None:
        raise NotFoundError(f"no mention {mention_id!r}")
    pending = store.get_pending_alert(mention.watch, mention.id)
    return mention_json(mention, config, alert=pending.summary() if pending else None)


def pending_alerts_of(store: Store, watch: str) -> dict[str, dict[str, Any]]:
    """The watch's alerts a channel has not taken, by mention id (one Query; nearly always empty)."""
    return {p.mention_id: p.summary() for p in store.pending_alerts(watch) if p.failed}


def _consistent(current: Mention, given: dict[str, Any]) -> dict[str, Any]:
    """Keep kind and complaint telling the same story: a kind corrected to complaint (or away from it) sets
    the complaint flag, and a complaint flag corrected alone sets the kind."""
    from chalicelib.digest.priority import kind_of

    if "kind" in given and "complaint" not in given:
        given["complaint"] = given["kind"] == "complaint"
    elif "complaint" in given and "kind" not in given:
        kind = kind_of(current.effective_labels())
        if given["complaint"]:
            given["kind"] = "complaint"
        elif kind == "complaint":
            given["kind"] = "other"
    return given


def patch_mention(
    store: Store, mention_id: str, patch: MentionPatch, config: VeilleConfig | None = None
) -> dict[str, Any]:
    """Apply a triage change; corrections are merged into earlier ones (a label sent as null removes its
    correction, ``"labels": null`` all of them), and then act on the next similar mentions of the watch."""
    labels_sent = "labels" in patch.model_fields_set
    if patch.status is None and not labels_sent and patch.note is None:
        raise ApiError("(body): send at least one of status, labels, note")
    current = store.get_mention(mention_id) if 0 < len(mention_id) <= 100 else None
    if current is None:
        raise NotFoundError(f"no mention {mention_id!r}")
    corrections = None
    clear = False
    if labels_sent:
        sent = patch.labels.model_dump(exclude_unset=True) if patch.labels is not None else None
        removed = set(LabelCorrections.model_fields) if sent is None else {k for k, v in sent.items() if v is None}
        if removed & {"kind", "complaint"}:
            removed |= {"kind", "complaint"}  # set together, removed together
        # An empty object corrects nothing (the status and note still change).
        given = _consistent(current, {k: v for k, v in (sent or {}).items() if v is not None})
        merged = {k: v for k, v in {**(current.corrections or {}), **given}.items() if k not in removed}
        corrections = merged or None
        clear = not merged and bool(current.corrections)
    updated = store.update_mention(
        mention_id,
        status=patch.status,
        note=patch.note,
        corrections=corrections,
        clear_corrections=clear,
        current=current,
    )
    if updated is None:
        raise NotFoundError(f"no mention {mention_id!r}")
    if labels_sent and (updated.corrections or None) != (current.corrections or None):
        from chalicelib.pipeline.learn import remember_corrections

        remember_corrections(store, updated)
    if patch.status is not None:
        from chalicelib.pipeline.tally import count_first_reply

        count_first_reply(store, current, updated)
    pending = store.get_pending_alert(updated.watch, updated.id)
    return mention_json(updated, config, alert=pending.summary() if pending else None)


def daily_stats(
    store: Store,
    config: VeilleConfig,
    query: StatsQuery,
    *,
    today: date | None = None,
) -> dict[str, Any]:
    """Per-day counts for the charts, oldest day first; what the digest hides counts only as ``hidden``."""
    watch = resolve_watch(config, query.watch)
    until = query.until or (today or utcnow().date())
    days = sorted({days_before(until, i) for i in range(query.days)})
    series = []
    for day in days:
        row = dict.fromkeys(
            ("total", "positive", "neutral", "negative", "complaints", "leads", "needs_reply", "replied", "hidden"), 0
        )
        for mention in store.iter_mentions(watch, [day.isoformat()]):
            labels = mention.effective_labels()
            if mention.is_hidden():  # the digest's rule: spam, offensive, hidden by hand, with its exceptions
                row["hidden"] += 1
                continue
            row["total"] += 1
            sentiment = labels.get("sentiment")
            if sentiment in ("positive", "neutral", "negative"):
                row[sentiment] += 1
            row["complaints"] += int(bool(labels.get("complaint")))
            row["leads"] += int(bool(labels.get("lead")))
            row["needs_reply"] += int(bool(labels.get("needs_reply")) and mention.status in ("new", "to_reply"))
            row["replied"] += int(mention.status == "replied")
        series.append({"date": day.isoformat(), **row})
    return {"watch": watch, "days": series}


def digest(store: Store, config: VeilleConfig, query: DigestQuery, *, html: bool) -> dict[str, Any] | str:
    """The digest of a watch for a day, as data or as the e-mail's HTML."""
    from chalicelib.digest import build_digest, render_html
    from chalicelib.digest.send import production_links

    watch = resolve_watch(config, query.watch)
    # Signed triage links in the data itself: the HTML, and any reader of the JSON, get the same actions.
    built = build_digest(store, config, watch, query.day, links=production_links(utcnow()))
    return render_html(built) if html else built


# -- routes ------------------------------------------------------------------------------------------------
def _store() -> Store:
    from chalicelib.store import get_store

    return get_store()


def _config() -> VeilleConfig:
    from chalicelib.config import get_config

    return get_config()


@rest_bp.route("/watches", methods=["GET"])
@api_view()
def watches_route() -> dict[str, Any]:
    return list_watches(_config())


@rest_bp.route("/mentions", methods=["GET"])
@api_view()
def list_mentions_route() -> dict[str, Any]:
    return list_mentions(_store(), _config(), MentionQuery.model_validate(query_params()))


@rest_bp.route("/mentions/{mention_id}", methods=["GET"])
@api_view()
def get_mention_route(mention_id: str) -> dict[str, Any]:
    return get_mention(_store(), mention_id, _config())


@rest_bp.route("/mentions/{mention_id}", methods=["PATCH"])
@api_view()
def patch_mention_route(mention_id: str) -> dict[str, Any]:
    patch = MentionPatch.model_validate_json(rest_bp.current_request.raw_body or b"")
    return patch_mention(_store(), mention_id, patch, _config())


@rest_bp.route("/stats", methods=["GET"])
@api_view()
def stats_route() -> dict[str, Any]:
    return daily_stats(_store(), _config(), StatsQuery.model_validate(query_params()))


@rest_bp.route("/digest/{date}", methods=["GET"])
@api_view()
def digest_route(date: str) -> Any:
    query = DigestQuery.model_validate({**query_params(), "date": date})
    html = "text/html" in (rest_bp.current_request.headers.get("accept") or "")
    answer = digest(_store(), _config(), query, html=html)
    if isinstance(answer, str):
        from chalicelib.api.web import LINK_CSP, SECURITY_HEADERS

        # The same headers as the inbox and the triage pages: no script, no sniffing, not cached.
        headers: dict[str, str | list[str]] = {
            "Content-Type": "text/html; charset=utf-8",
            "Content-Security-Policy": LINK_CSP,
            **SECURITY_HEADERS,
        }
        return Response(answer, headers=headers)
    return answer


@rest_bp.route("/openapi.json", methods=["GET"])
@api_view(auth=False)
def openapi_route() -> dict[str, Any]:
    from chalicelib.api.openapi import openapi_document

    return openapi_document()
