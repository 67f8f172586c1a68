"""The scheduled fetch: every watch's sources, matched, stored, then their cursors advanced.

A failing source is logged, counted in its health record and skipped; the others go on. A cursor
is saved only after the mentions it covers are stored, so a failure never loses anything.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from pydantic import BaseModel, Field

from chalicelib.alerts import Alert, Channel, deliver_once
from chalicelib.config import VeilleConfig, WatchConfig
from chalicelib.dedupe import fingerprint
from chalicelib.errors import ItemRejectedError, SourceError, StorageError
from chalicelib.models import Mention, SourceHealth, SourceRun, WatchMatch, utcnow
from chalicelib.observability import logger, metrics
from chalicelib.sources import get_source
from chalicelib.sources.base import FetchContext, FetchRequest, SourceConfig
from chalicelib.store.repo import Store


class FetchSummary(BaseModel):
    """What one scheduled run did, for the logs, the demo and the tests."""

    fetched: int = 0
    matched: int = 0
    stored: int = 0
    skipped: int = 0
    failed_sources: list[str] = Field(default_factory=list)
    runs: list[SourceRun] = Field(default_factory=list)


def match_mentions(watch: WatchConfig, mentions: Sequence[Mention]) -> list[Mention]:
    """Keep the mentions the watch's query matches, with their spans and fingerprint."""
    from chalicelib.query import compile_query

    query = compile_query(watch.query, aliases=watch.aliases, fuzzy=watch.fuzzy)
    matched: list[Mention] = []
    for mention in mentions:
        spans = query.match(
            mention.text,
            title=mention.title or "",
            lang=mention.lang,
            source=mention.source,
            url=mention.url,
            author=mention.author.handle or mention.author.name,
        )
        if spans is None:
            continue
        mention.watch = watch.name
        mention.matches = [WatchMatch(watch=watch.name, spans=spans)]
        mention.fingerprint = fingerprint(f"{mention.title or ''} {mention.text}")
        mention.settle_created_at(mention.fetched_at)
        matched.append(mention)
    return matched


def store_each(store: Store, mentions: Sequence[Mention]) -> tuple[list[Mention], int]:
    """Store each mention once; return the new ones and how many DynamoDB refused outright.

    A refused item (which no retry would mend) is logged and skipped, so one bad entry never freezes its
    source's cursor; a throttle or outage still raises and leaves the cursor where it was.
    """
    new: list[Mention] = []
    rejected = 0
    for mention in mentions:
        try:
            if store.put_mention(mention):
                new.append(mention)
        except ItemRejectedError as exc:
            rejected += 1
            logger.error("mention refused by the table; skipped", extra={"id": mention.id, "error": str(exc)})
    return new, rejected


def run_source(
    store: Store, watch: WatchConfig, source_config: SourceConfig, ctx: FetchContext, summary: FetchSummary
) -> SourceRun:
    """Fetch, match and store one source of one watch; the cursor moves only after the store succeeded.

    The connector builds its mentions with ``ctx.retention_days``, which sets their items' TTL.
    """
    from chalicelib.query import compile_query

    started = utcnow()
    clock = time.perf_counter()
    run = SourceRun(watch=watch.name, source_key=source_config.name, source=source_config.type, started_at=started)
    try:
        source = get_source(source_config.type)
        terms = compile_query(watch.query, aliases=watch.aliases, fuzzy=watch.fuzzy).search_terms()
        cursor = store.get_cursor(watch.name, source_config.name)
        result = source.fetch(source_config, FetchRequest(terms=terms, cursor=cursor, limit=source_config.limit), ctx)
        matched = match_mentions(watch, result.mentions)
        new, rejected = store_each(store, matched)
        store.put_cursor(watch.name, source_config.name, result.cursor)
        run.fetched, run.new, run.skipped = len(result.mentions), len(new), result.skipped + rejected
        summary.fetched += run.fetched
        summary.matched += len(matched)
        summary.stored += run.new
        summary.skipped += run.skipped
        if result.skipped:
            logger.warning(
                "malformed entries skipped",
                extra={"watch": watch.name, "source": source_config.name, "skipped": result.skipped},
            )
    except (SourceError, StorageError) as exc:
        run.error = str(exc)
        summary.failed_sources.append(f"{watch.name}/{source_config.name}")
        logger.error(
            "source failed; its cursor stays where it was",
            extra={"watch": watch.name, "source": source_config.name, "error": str(exc)},
        )
    run.duration_ms = int((time.perf_counter() - clock) * 1000)
    return run


def record_health(store: Store, run: SourceRun, silent_after: int, channels: Sequence[Channel]) -> SourceHealth:
    """Fold the run into the source's health; raise one "source silent" alert when it goes silent."""
    health = store.get_health(run.watch, run.source_key) or SourceHealth(
        watch=run.watch, source_key=run.source_key, source=run.source
    )
    went_silent = health.apply(run, silent_after=silent_after)
    store.put_health(health)
    if went_silent:
        reason = run.error or f"no items for {health.empty_streak} runs in a row, where it used to return some"
        alert = Alert(
            kind="source_silent",
            key=f"{run.watch}#{run.source_key}#{run.started_at:%Y%m%dT%H%M}",
            watch=run.watch,
            title=f"Source {run.source_key} of {run.watch} went silent",
            summary=reason,
        )
        try:
            deliver_once(store, alert, channels)
        except Exception as exc:  # noqa: BLE001 - a failed alert must not stop the fetch of other sources
            logger.error("source-silent alert failed", extra={"error": str(exc)})
    return health


def run_fetch(
    config: VeilleConfig,
    store: Store,
    make_context: Callable[[], FetchContext],
    channels_for: Callable[[WatchConfig], Sequence[Channel]] = lambda w: (),
) -> FetchSummary:
    """One scheduled run over every watch and source."""
    summary = FetchSummary()
    ctx = make_context()
    for watch in config.watches:
        channels = channels_for(watch)
        for source_config in watch.sources:
            kept = replace(ctx, retention_days=config.retention_for(source_config))
            run = run_source(store, watch, source_config, kept, summary)
            summary.runs.append(run)
            try:
                record_health(store, run, config.silent_after_runs, channels)
            except StorageError as exc:
                logger.error("cannot record source health", extra={"error": str(exc)})
    metrics.add_metric(name="MentionsFetched", unit="Count", value=summary.fetched)
    metrics.add_metric(name="MentionsStored", unit="Count", value=summary.stored)
    metrics.add_metric(name="SourcesFailed", unit="Count", value=len(summary.failed_sources))
    return summary


def default_context() -> FetchContext:
    """The production fetch context: one pooled httpx client and secrets from settings/SSM (run_fetch sets
    each source's retention)."""
    import httpx

    from chalicelib.secrets import get_secret

    return FetchContext(http=httpx.Client(timeout=15.0, follow_redirects=True), secret=get_secret)


def summary_dict(summary: FetchSummary) -> dict[str, Any]:
    return summary.model_dump(mode="json", exclude={"runs"})
