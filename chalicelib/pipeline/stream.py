"""The stream handler's body: classify each newly inserted mention, once.

Only INSERTs of mention items (``sk == "MENTION"``) are processed (the event filter in infra says the same;
the labelled mention goes to another key, so the function never triggers itself). The labelled mention is
written once, with a conditional put, into the item the day listing reads: a redelivered record finds it there
and redoes no side effect. A record that
fails is reported as a batch item failure; the others of the batch still complete. Logs: one INFO line per
batch (its counts), a DEBUG line per mention (on for a sample of invocations in production,
``POWERTOOLS_LOGGER_SAMPLE_RATE``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from chalicelib.models import Mention
from chalicelib.observability import logger, metrics
from chalicelib.pipeline.reading import classification_text
from chalicelib.store import schema
from chalicelib.store.repo import Store, item_to_mention

# A reaction stores the labels through the callable it is given (True the first time) and returns what it
# returned; it may act before (urgent alerts) and after (crisis counts). See chalicelib.pipeline.react.
React = Callable[[Mention, dict[str, Any], Callable[[], bool]], bool]


class PoisonRecordError(ValueError):
    """A stream record that can never be processed (its image is not a valid mention)."""


def _no_reaction(mention: Mention, labels: dict[str, Any], store_labels: Callable[[], bool]) -> bool:
    return store_labels()


def mention_from_record(record: Any) -> Mention | None:
    """The mention carried by a Powertools DynamoDBRecord, or None if the record is not a mention INSERT."""
    from pydantic import ValidationError

    from chalicelib.store.repo import from_dynamo

    if record.event_name is None or record.event_name.name != "INSERT":
        return None
    image = record.dynamodb.new_image if record.dynamodb else None
    if not image or image.get(schema.SK) != schema.MENTION_SK:
        return None
    try:
        return item_to_mention(from_dynamo(dict(image)))
    except ValidationError as exc:
        raise PoisonRecordError(f"record {record.event_id} is not a valid mention: {exc.error_count()} errors") from exc


def classify_mentions(mentions: Sequence[Mention], classifier: Any) -> dict[str, dict[str, Any]]:
    """Labels for each mention id, classified as one batch."""
    from chalicelib.classify import ClassifyInput
    from chalicelib.classify.units import align

    inputs = [
        ClassifyInput(
            id=m.id,
            text=classification_text(m),
            lang=m.lang,
            followers=m.author.reach,
            engagement=m.engagement,
        )
        for m in mentions
    ]
    labels = classifier.classify(inputs) if inputs else []
    found: dict[str, dict[str, Any]] = {}
    for m, given, lab in zip(mentions, inputs, labels, strict=True):
        found[m.id] = lab.model_dump(mode="json")
        # Units are stored with offsets into the mention's own text (what the inbox highlights). A post's title
        # comes first in what was classified: a unit that runs from the title into the text keeps its text part.
        title = len(f"{m.title}. ") if m.title and not m.source.startswith("form:") else 0
        units = [u if u.start >= title else u.model_copy(update={"start": title}) for u in lab.units if u.end > title]
        found[m.id]["units"] = [u.model_dump() for u in align(units, given.text, m.text)]
    return found


def process_stream(
    event: dict[str, Any], context: Any, store: Store, classifier: Any, react: React = _no_reaction
) -> dict[str, Any]:
    """Classify the batch's mention INSERTs and return the partial batch failures for Lambda.

    In a tumbling window (the event has ``window``), the answer also carries the window's ``state`` (the
    reaction's tally of negative mentions), and the window's last invocation writes that tally; a failure to
    write it fails the invocation, which Lambda retries before the shard goes on.
    """
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
    from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

    from chalicelib.pipeline.learn import Learner

    windowed = "window" in event and hasattr(react, "open_window")
    if windowed:
        react.open_window(event.get("state"))  # type: ignore[attr-defined]
    if not event.get("Records"):  # a window's last invocation brings no records
        return _window_answer(event, react, {"batchItemFailures": []}) if windowed else {"batchItemFailures": []}

    # Classify the whole batch at once (fast path); a record whose batch step failed is redone alone.
    # Then each watch's corrections shift the labels of mentions like the ones a person corrected.
    learner = Learner(store, classifier)
    precomputed: dict[str, dict[str, Any]] = {}
    try:
        mentions = [m for m in (_safe_mention(DynamoDBRecord(r)) for r in event.get("Records", [])) if m]
        precomputed = classify_mentions(mentions, classifier)
        _adapt(learner, mentions, precomputed)
        _assign_themes(store, mentions, precomputed)
    except Exception as exc:  # noqa: BLE001 - fall back to one record at a time
        logger.warning(
            "batch classification failed; classifying records one by one", extra={"error": str(exc)}, exc_info=True
        )
        precomputed = {}

    counts = {"labelled": 0, "redelivered": 0}

    def handle(record: DynamoDBRecord) -> None:
        mention = mention_from_record(record)
        if mention is None:
            return
        labels = precomputed.get(mention.id)
        if labels is None:
            alone = classify_mentions([mention], classifier)
            _adapt(learner, [mention], alone)
            _assign_themes(store, [mention], alone)
            labels = alone[mention.id]
        first_time = react(mention, labels, lambda: store.set_labels(mention.id, labels, mention))
        if first_time:
            metrics.add_metric(name="MentionsClassified", unit="Count", value=1)
        counts["labelled" if first_time else "redelivered"] += 1
        logger.debug("mention labelled", extra={"id": mention.id, "watch": mention.watch, "first_time": first_time})

    processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
    answer = dict(process_partial_response(event=event, record_handler=handle, processor=processor, context=context))
    failures: Any = answer.get("batchItemFailures") or []
    failed = len(failures)
    flush = getattr(react, "flush", None)
    if flush is not None:
        flush(failed=bool(failed))  # per-batch work of the reaction (crisis counters); it logs its own failures
    logger.info("stream batch", extra={"records": len(event.get("Records", [])), **counts, "failed": failed})
    return _window_answer(event, react, answer) if windowed else answer


def _window_answer(event: dict[str, Any], react: Any, answer: dict[str, Any]) -> dict[str, Any]:
    """The answer with the window's state; at the window's end, after its tally is written (or raise)."""
    if event.get("isFinalInvokeForWindow") or event.get("isWindowTerminatedEarly"):
        react.close_window()
        logger.info("stream window closed", extra={"window": event.get("window"), "shard": event.get("shardId")})
    return {**answer, "state": react.window_state()}


def _adapt(learner: Any, mentions: Sequence[Mention], labels: dict[str, dict[str, Any]]) -> None:
    """Lay each watch's corrections over fresh labels; unreadable corrections leave the labels as they are."""
    from chalicelib.errors import StorageError

    try:
        learner.apply(mentions, labels, {m.id: classification_text(m) for m in mentions})
    except StorageError as exc:
        logger.warning("corrections unreadable; labels left unadapted", extra={"error": str(exc)})


def _assign_themes(store: Any, mentions: Sequence[Mention], labels: dict[str, dict[str, Any]]) -> None:
    """Give each unit its watch's nearest theme (chalicelib.themes.job). Never blocks the labels: units a
    failure leaves without a theme are taken by the next discovery run."""
    from chalicelib.themes.job import assign_units

    try:
        assign_units(store, mentions, labels)
    except Exception as exc:  # noqa: BLE001 - themes are a bonus; the labels must be stored
        logger.warning("themes not assigned; the discovery job will", extra={"error": str(exc)})
        metrics.add_metric(name="ThemeAssignmentsFailed", unit="Count", value=1)


def _safe_mention(record: Any) -> Mention | None:
    try:
        return mention_from_record(record)
    except PoisonRecordError:
        return None
