"""Mastodon: public hashtag timelines on each instance, and full-text search where a token is set.

Tag timelines need no account (unless the instance restricts them). Status full-text search
(``/api/v2/search``) needs a user token with ``read:search``; the token in ``VEILLE_MASTODON_TOKEN``
is sent only to the instance it belongs to (``token_instance``, default the first instance) —
never to the others.

Incremental: status ids are per-instance snowflakes, so the cursor keeps the newest id per
(instance, tag or term) and the next run asks for ``min_id=<it>``, which returns the statuses
immediately newer, oldest page first: a run stopped by ``max_pages`` resumes where it stopped.
A status seen on two instances has the same ``uri`` and so the same mention id.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar
from urllib.parse import urlsplit

from chalicelib.errors import SourceError
from chalicelib.models import Author, Mention
from chalicelib.sources.base import FetchContext, FetchRequest, FetchResult, SourceConfig
from chalicelib.sources.http import fetch_json
from chalicelib.sources.text import as_int, collect, parse_datetime, primary_lang, strip_html, total

DEFAULT_INSTANCE = "https://mastodon.social"
PAGE_MAX = 40  # the API's maximum for timelines and search


class MastodonSource:
    """Statuses with the watch's hashtags (and, with a token, its words) on chosen instances."""

    type: ClassVar[str] = "mastodon"
    needs_credentials: ClassVar[bool] = False
    settings: ClassVar[tuple[str, ...]] = ("VEILLE_MASTODON_TOKEN",)
    description: ClassVar[str] = "Mastodon hashtag timelines per instance; full-text search with an optional token"

    def fetch(self, config: SourceConfig, request: FetchRequest, ctx: FetchContext) -> FetchResult:
        """Fetch statuses newer than the cursor's last id for each (instance, tag) and (instance, term)."""
        instances = _instances(config)
        token = ctx.secret("VEILLE_MASTODON_TOKEN")
        token_host = urlsplit(_url(str(config.option("token_instance", instances[0])))).netloc
        tags = _list(config.option("tags")) or list(dict.fromkeys(filter(None, map(hashtag, request.terms))))
        limit = min(config.limit, request.limit, PAGE_MAX)
        max_pages = int(config.option("max_pages", 3))
        previous = request.cursor.get("last_ids")
        last_ids: dict[str, str] = dict(previous) if isinstance(previous, dict) else {}
        found: dict[str, Mention] = {}
        skipped, notes = 0, []
        for instance in instances:
            streams: list[tuple[str, str, dict[str, Any], dict[str, str]]] = [
                (f"{instance}#{tag}", f"{instance}/api/v1/timelines/tag/{tag}", {}, {}) for tag in tags
            ]
            if token and urlsplit(instance).netloc == token_host:
                auth = {"Authorization": f"Bearer {token}"}
                streams += [
                    (f"{instance}?{term}", f"{instance}/api/v2/search", {"q": term, "type": "statuses"}, auth)
                    for term in request.terms
                ]
            for key, url, params, headers in streams:
                statuses, bad, stopped = self._stream(
                    ctx, config, url, params, headers, last_ids.get(key), limit, max_pages
                )
                skipped += bad
                if stopped:
                    notes.append(f"stopped after {max_pages} pages of {key}; the next run continues")
                for mention in statuses:
                    found.setdefault(mention.external_id, mention)
                    status_id = mention.extra["status_id"]
                    if key not in last_ids or int(status_id) > int(last_ids[key]):
                        last_ids[key] = status_id
        cursor = {**request.cursor, "last_ids": last_ids} if last_ids else dict(request.cursor)
        return FetchResult(list(found.values()), cursor, skipped, notes)

    def _stream(
        self,
        ctx: FetchContext,
        config: SourceConfig,
        url: str,
        params: dict[str, Any],
        headers: dict[str, str],
        min_id: str | None,
        limit: int,
        max_pages: int,
    ) -> tuple[list[Mention], int, bool]:
        """Statuses of one timeline or search newer than ``min_id``, the skips, and whether it was cut short."""
        out: list[Mention] = []
        skipped = 0
        for _ in range(max_pages):
            query = {**params, "limit": limit, **({"min_id": min_id} if min_id else {})}
            body = fetch_json(ctx.http, self.type, "GET", url, params=query, headers=headers, timeout=config.timeout_s)
            statuses = _statuses(body)
            built, bad = collect(statuses, lambda s: _mention(s, ctx.retention_days))
            skipped += bad
            out += built
            ids = [int(s["id"]) for s in statuses if isinstance(s, dict) and str(s.get("id", "")).isdigit()]
            # Without a cursor, the first run only takes the newest page: that is where the watch starts.
            if min_id is None or len(statuses) < limit or not ids:
                return out, skipped, False
            min_id = str(max(ids))
        return out, skipped, True


def _url(value: str) -> str:
    value = value.strip().rstrip("/")
    return value if "://" in value else f"https://{value}"


def _list(value: Any) -> list[str]:
    if not value:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    return [str(i).strip().lstrip("#") for i in items if str(i).strip()]


def _instances(config: SourceConfig) -> list[str]:
    if config.base_url:
        return [_url(config.base_url)]
    return [_url(i) for i in _list(config.option("instances"))] or [DEFAULT_INSTANCE]


def hashtag(term: str) -> str:
    """The hashtag form of a search term: letters and digits only, lower case (``Veille App`` -> ``veilleapp``)."""
    return re.sub(r"[\W_]+", "", term).lower()


def _statuses(body: Any) -> list[Any]:
    if isinstance(body, dict):
        body = body.get("statuses")  # v2/search wraps statuses; tag timelines are a bare list
    if not isinstance(body, list):
        raise SourceError("mastodon", "unexpected answer: no list of statuses; check the instance URL")
    return body


def _mention(status: dict[str, Any], retention_days: int) -> Mention | None:
    if status.get("reblog"):
        return None  # a boost repeats a status that the original's own entry already covers
    account = status["account"]
    acct = str(account["acct"])
    if "@" not in acct:
        acct = f"{acct}@{urlsplit(str(account['url'])).netloc}"
    text = strip_html(status.get("content"))
    if status.get("spoiler_text"):
        text = f"{status['spoiler_text']}\n\n{text}"
    if not text:
        raise ValueError("status without text")
    return Mention(
        source="mastodon",
        external_id=str(status["uri"]),
        url=status.get("url") or str(status["uri"]),
        author=Author(
            handle=acct,
            name=account.get("display_name") or None,
            url=account.get("url"),
            reach=as_int(account.get("followers_count")),
        ),
        text=text,
        lang=primary_lang(status.get("language")),
        created_at=parse_datetime(status["created_at"]),
        engagement=total(
            *(status.get(k) for k in ("replies_count", "reblogs_count", "favourites_count", "quotes_count"))
        ),
        extra={"status_id": str(int(status["id"]))},
        retention_days=retention_days,
    )
