"""DynamoDB access for every kind of item, behind domain methods.

The boto3 client is built on first use (never at import time) with standard retries; every
``ClientError`` leaves this module as a :class:`~chalicelib.errors.StorageError`.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from chalicelib.errors import ItemRejectedError, StorageError, ThrottledError
from chalicelib.models import Mention, SourceHealth, utcnow
from chalicelib.store import schema

if TYPE_CHECKING:  # pragma: no cover
    from botocore.client import BaseClient

    from chalicelib.alerts import PendingAlert
    from chalicelib.corrections import Correction

THROTTLE_CODES = {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}
SERVER_ERROR_CODES = {"InternalServerError", "ServiceUnavailable"}
# After the SDK's own retries (standard mode, 5 attempts in well under a second) a call is tried this many
# times in all, waiting STORE_BACKOFF_S, then 4x that: a burst over on-demand capacity outlasts the SDK's.
STORE_ATTEMPTS = 3
STORE_BACKOFF_S = 0.1
BATCH_WRITE_MAX = 25


class TransientStorageError(StorageError):
    """A throttle or server error that may pass: the call is worth trying again."""


class _TransientThrottle(TransientStorageError, ThrottledError):
    pass


class _TransientServerError(TransientStorageError):
    pass


def _to_dynamo(value: Any) -> Any:
    """JSON-ish values to what boto3's serializer accepts (floats become Decimal)."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        # Empty maps are left out: DynamoDB Local's stream renders them as bare {} (not {"M": {}}).
        return {k: _to_dynamo(v) for k, v in value.items() if v is not None and v != {}}
    if isinstance(value, list):
        return [_to_dynamo(v) for v in value]
    return value


def from_dynamo(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: from_dynamo(v) for k, v in value.items()}
    if isinstance(value, list | set | tuple):
        return [from_dynamo(v) for v in value]
    return value


@functools.cache
def _codec() -> tuple[Any, Any]:
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

    return TypeSerializer(), TypeDeserializer()


def serialize(item: dict[str, Any]) -> dict[str, Any]:
    """A plain dict to DynamoDB's AttributeValue form."""
    ser, _ = _codec()
    return {k: ser.serialize(v) for k, v in _to_dynamo(item).items()}


def deserialize(item: dict[str, Any]) -> dict[str, Any]:
    """DynamoDB's AttributeValue form (as in stream records) to a plain dict."""
    _, de = _codec()
    return {k: from_dynamo(de.deserialize(v)) for k, v in item.items()}


def mention_to_item(mention: Mention) -> dict[str, Any]:
    """The insert: the dedupe record keyed by id, with everything the classifier and the listed item need.

    Fields at their default (status "new", no history, ...) are left out of both items and come back when read:
    it keeps a labelled mention under 1 KB, one write unit, where the defaults would push a tenth of them past."""
    item = mention.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    item.update(schema.mention_key(mention.id))
    return _packed(item)


def listed_key_of(mention: Mention) -> dict[str, str]:
    return schema.listed_key(mention.watch, mention.day, mention.created_at.isoformat(), mention.id)


def listed_item(mention: Mention) -> dict[str, Any]:
    """The labelled mention under its watch and day: the item the listing reads and triage updates."""
    item = mention.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    item.update(listed_key_of(mention))
    return _packed(item)


# The text is stored deflated (zlib) in a binary ``text_z`` instead of ``text`` when it is longer than
# PACK_TEXT_BYTES, or when the item would pass PACK_ITEM_BYTES (a write unit is 1 KB: a labelled mention just
# past it costs two on each write, and a long post or review two or more, and as much again in storage).
# Short texts of small items stay readable as they are.
PACK_TEXT_BYTES = 600
PACK_ITEM_BYTES = 1000
PACKED_TEXT = "text_z"
PACKED_LABELS = "labels_z"
PACKED_LABEL_KEYS = (("scores", "why"), ("scores", "why", "units"))


def item_size_bytes(item: dict[str, Any]) -> int:
    """An item's size as DynamoDB bills it (AttributeValue form): names plus values, per the documented rules."""
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def _value_size(value: dict[str, Any]) -> int:
    ((kind, inner),) = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        digits = inner.lstrip("-").replace(".", "").lstrip("0") or "0"
        return (len(digits) + 1) // 2 + 1
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "M":
        return 3 + sum(len(k.encode()) + _value_size(v) + 1 for k, v in inner.items())
    if kind == "L":
        return 3 + sum(_value_size(v) + 1 for v in inner)
    if kind in ("SS", "NS", "BS"):
        return sum(_value_size({kind[0]: v}) for v in inner)
    raise ValueError(f"unknown attribute type {kind}")


def _packed(item: dict[str, Any]) -> dict[str, Any]:
    import zlib

    text = item.get("text")
    if isinstance(text, str):
        raw = text.encode("utf-8")
        if len(raw) > PACK_TEXT_BYTES or (len(raw) > 80 and item_size_bytes(serialize(item)) > PACK_ITEM_BYTES):
            deflated = zlib.compress(raw, 9)
            if len(deflated) < len(raw):
                item = {k: v for k, v in item.items() if k != "text"}
                item[PACKED_TEXT] = deflated
    labels = item.get("labels")
    if not isinstance(labels, dict):
        return item
    # Still past 1 KB with the text deflated (a long message read in many units): the labels' scores and cues,
    # which only the API shows, go deflated too, then if need be the units; kind, flags and urgency stay readable.
    for keys in PACKED_LABEL_KEYS:
        if item_size_bytes(serialize(item)) <= PACK_ITEM_BYTES:
            break
        extra = {k: labels[k] for k in keys if k in labels}
        if extra:
            packed = zlib.compress(json.dumps(extra, separators=(",", ":")).encode("utf-8"), 9)
            item = {**item, "labels": {k: v for k, v in labels.items() if k not in extra}, PACKED_LABELS: packed}
    return item


def _unpacked(item: dict[str, Any]) -> dict[str, Any]:
    """The item with its ``text`` back; a packed text comes as bytes, boto3's Binary, or base64 (a stream
    record as Lambda delivers it)."""
    import base64
    import zlib

    def raw(value: Any) -> bytes:
        data = getattr(value, "value", value)
        return base64.b64decode(data) if isinstance(data, str) else bytes(data)

    out = item
    packed = item.get(PACKED_TEXT)
    if packed is not None:
        out = {k: v for k, v in out.items() if k != PACKED_TEXT}
        out["text"] = zlib.decompress(raw(packed)).decode("utf-8")
    packed_labels = item.get(PACKED_LABELS)
    if packed_labels is not None:
        out = {k: v for k, v in out.items() if k != PACKED_LABELS}
        extra = json.loads(zlib.decompress(raw(packed_labels)).decode("utf-8"))
        if isinstance(out.get("labels"), dict):
            out["labels"] = {**out["labels"], **extra}
    return out


_KEY_ATTRIBUTES = (schema.PK, schema.SK, schema.LEGACY_GSI1_PK, schema.LEGACY_GSI1_SK)


def item_to_mention(item: dict[str, Any]) -> Mention:
    data = {k: v for k, v in _unpacked(item).items() if k not in _KEY_ATTRIBUTES}
    return Mention.model_validate(data)


class Store:
    """The table, in the words of the domain."""

    def __init__(
        self,
        table_name: str,
        client: BaseClient | None = None,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
    ) -> None:
        self.table_name = table_name
        self._client = client
        self._endpoint_url = endpoint_url
        self._region = region

    # -- plumbing -------------------------------------------------------------------------
    @property
    def client(self) -> BaseClient:
        if self._client is None:
            import boto3
            from botocore.config import Config

            kwargs: dict[str, Any] = {
                "region_name": self._region,
                "config": Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=10),
            }
            if self._endpoint_url:
                kwargs["endpoint_url"] = self._endpoint_url
            self._client = boto3.client("dynamodb", **kwargs)
        return self._client

    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        """One DynamoDB call; a throttle or 5xx that outlasts the SDK's own retries is tried again, later."""
        for attempt in range(STORE_ATTEMPTS):
            try:
                return self._call_once(operation, **kwargs)
            except TransientStorageError:
                if attempt == STORE_ATTEMPTS - 1:
                    raise
                time.sleep(STORE_BACKOFF_S * 4**attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def _call_once(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            if operation.startswith("batch_"):  # multi-table calls name the table in RequestItems
                return getattr(self.client, operation)(**kwargs)  # type: ignore[no-any-return]
            return getattr(self.client, operation)(TableName=self.table_name, **kwargs)  # type: ignore[no-any-return]
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code == "ConditionalCheckFailedException":
                raise
            message = f"DynamoDB {operation} on table {self.table_name!r} failed: {code}"
            if code == "ResourceNotFoundException":
                message += "; create the table (veille serve creates it locally, make deploy in AWS)"
            if code in THROTTLE_CODES:
                raise _TransientThrottle(message) from exc
            if code in SERVER_ERROR_CODES:
                raise _TransientServerError(message) from exc
            if code == "ValidationException" and operation == "put_item":
                # The item itself is refused (over 400 KB, an invalid attribute): say why, never retry it.
                reason = exc.response.get("Error", {}).get("Message", "")
                raise ItemRejectedError(f"{message}: {reason[:200]}") from exc
            raise StorageError(message) from exc
        except BotoCoreError as exc:
            raise StorageError(f"DynamoDB {operation} on table {self.table_name!r} failed: {exc}") from exc

    def _put_if_absent(self, item: dict[str, Any]) -> bool:
        from botocore.exceptions import ClientError

        try:
            self._call("put_item", Item=serialize(item), ConditionExpression="attribute_not_exists(pk)")
        except ClientError:
            return False
        return True

    def ensure_table(self) -> bool:
        """Create the table (and turn on TTL) if it is missing; return True if it was created."""
        from botocore.exceptions import ClientError

        try:
            self.client.describe_table(TableName=self.table_name)
            return False
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                raise StorageError(f"cannot describe table {self.table_name!r}: {exc}") from exc
        self.client.create_table(**schema.create_table_request(self.table_name))
        self.client.get_waiter("table_exists").wait(TableName=self.table_name)
        self.client.update_time_to_live(
            TableName=self.table_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": schema.TTL_ATTRIBUTE},
        )
        return True

    def table_status(self) -> str:
        try:
            return str(self._call("describe_table")["Table"]["TableStatus"])
        except StorageError as exc:
            return f"unavailable: {exc}"

    def stream_arn(self) -> str:
        return str(self._call("describe_table")["Table"]["LatestStreamArn"])

    def batch_write(self, items: Sequence[dict[str, Any]], max_rounds: int = 8) -> None:
        """Write items 25 at a time, retrying unprocessed items with backoff; raise if some never land."""
        for start in range(0, len(items), BATCH_WRITE_MAX):
            requests = [{"PutRequest": {"Item": serialize(i)}} for i in items[start : start + BATCH_WRITE_MAX]]
            for round_ in range(max_rounds):
                answer = self.client.batch_write_item(RequestItems={self.table_name: requests})
                requests = answer.get("UnprocessedItems", {}).get(self.table_name, [])
                if not requests:
                    break
                time.sleep(min(0.05 * 2**round_, 2.0))
            if requests:
                raise ThrottledError(f"{len(requests)} items still unprocessed after {max_rounds} rounds")

    # -- mentions ---------------------------------------------------------------------------
    def put_mention(self, mention: Mention) -> bool:
        """Store a mention unless it is already there; return True if it is new."""
        return self._put_if_absent(mention_to_item(mention))

    def put_mentions(self, mentions: Iterable[Mention]) -> list[Mention]:
        """Store each mention once; return those that were new."""
        return [m for m in mentions if self.put_mention(m)]

    def put_listed(self, mentions: Iterable[Mention]) -> list[Mention]:
        """Store each new mention as intake and the stream together leave it: the insert, then the listed item
        with the mention's own labels, status and note (seeding a demo or a test inbox); return the new ones."""
        new = []
        for mention in mentions:
            if self.put_mention(mention):
                self._put_if_absent(listed_item(mention))
                new.append(mention)
        return new

    def _inserted(self, mention_id: str) -> Mention | None:
        """The insert (dedupe record) of an id: what the stream classified, and where its listed item is."""
        answer = self._call("get_item", Key=serialize(schema.mention_key(mention_id)))
        item = answer.get("Item")
        return item_to_mention(deserialize(item)) if item else None

    def _listed(self, mention: Mention) -> Mention | None:
        answer = self._call("get_item", Key=serialize(listed_key_of(mention)))
        item = answer.get("Item")
        return item_to_mention(deserialize(item)) if item else None

    def get_mention(self, mention_id: str) -> Mention | None:
        """The mention as listed (labelled, triaged); before the stream has labelled it, as inserted.

        Two GetItems: the insert, keyed by id, says which watch and day list it.
        """
        inserted = self._inserted(mention_id)
        if inserted is None:
            return None
        return self._listed(inserted) or inserted

    def set_labels(self, mention_id: str, labels: dict[str, Any], mention: Mention | None = None) -> bool:
        """Write the labelled mention once, into the item the day listing reads; a redelivered record changes
        nothing (returns False). ``mention`` is the insert as the stream record carries it (without it, it is
        read by id). One conditional PutItem; only when triage reached the mention before its labels (the
        listed item exists, unlabelled) are the labels set into it instead."""
        from botocore.exceptions import ClientError

        if mention is None:
            mention = self._inserted(mention_id)
            if mention is None:
                return False
        if self._put_if_absent(listed_item(mention.model_copy(update={"labels": labels}))):
            return True
        try:
            self._call(
                "update_item",
                Key=serialize(listed_key_of(mention)),
                UpdateExpression="SET labels = :l",
                ConditionExpression="attribute_exists(pk) AND attribute_not_exists(labels)",
                ExpressionAttributeValues=serialize({":l": labels}),
            )
        except ClientError:
            return False  # labelled already: a redelivery
        return True

    def is_labelled(self, mention: Mention) -> bool:
        """Whether the stream has already stored this mention's labels (a consistent read of its listed item):
        what decides, before an urgent alert goes out, that a redelivered record already had it."""
        return self.is_labelled_key(listed_key_of(mention))

    def update_mention(
        self,
        mention_id: str,
        *,
        status: str | None = None,
        note: str | None = None,
        corrections: dict[str, Any] | None = None,
        clear_corrections: bool = False,
        current: Mention | None = None,
    ) -> Mention | None:
        """Triage: change status, note or label corrections (``clear_corrections`` removes them all) of the listed
        mention; None if the mention does not exist. The insert is read for the listed item's key and never
        written; ``current`` (the mention as ``get_mention`` just read it) saves that read."""
        from botocore.exceptions import ClientError

        inserted = current if current is not None else self._inserted(mention_id)
        if inserted is None:
            return None
        sets: list[str] = []
        values: dict[str, Any] = {}
        now = utcnow()
        if status is not None:
            sets += [
                "#status = :status",
                "status_changed_at = :now",
                "history = list_append(if_not_exists(history, :no_history), :change)",
            ]
            values[":status"] = status
            values[":now"] = now.isoformat()
            values[":no_history"] = []
            values[":change"] = [{"status": status, "at": now.isoformat()}]
        if note is not None:
            sets.append("note = :note")
            values[":note"] = note
        if corrections is not None:
            sets.append("corrections = :corrections")
            values[":corrections"] = corrections
        if not sets and not clear_corrections:
            return self._listed(inserted) or inserted
        expression = ("SET " + ", ".join(sets) if sets else "") + (" REMOVE corrections" if clear_corrections else "")
        kwargs: dict[str, Any] = {
            "Key": serialize(listed_key_of(inserted)),
            "UpdateExpression": expression.strip(),
            "ConditionExpression": "attribute_exists(pk)",
            "ReturnValues": "ALL_NEW",
        }
        if values:
            kwargs["ExpressionAttributeValues"] = serialize(values)
        if status is not None:
            kwargs["ExpressionAttributeNames"] = {"#status": "status"}
        for _ in range(2):
            try:
                answer = self._call("update_item", **kwargs)
                return item_to_mention(deserialize(answer["Attributes"]))
            except ClientError:
                pass
            # Triage before the stream labelled it: the listed item starts from the insert, unlabelled (the
            # stream then sets only the labels); a race with the stream's put sends us back to the update.
            changed: dict[str, Any] = {}
            if status is not None:
                changed.update(
                    status=status,
                    status_changed_at=now,
                    history=[*inserted.history, {"status": status, "at": now}],
                )
            if note is not None:
                changed["note"] = note
            if corrections is not None or clear_corrections:
                changed["corrections"] = corrections
            first = Mention.model_validate({**inserted.model_dump(), "labels": None, **changed})
            if self._put_if_absent(listed_item(first)):
                return first
        return None

    def mentions_of_day(
        self,
        watch: str,
        day: str,
        *,
        limit: int | None = None,
        start_key: dict[str, Any] | None = None,
        newest_first: bool = True,
    ) -> tuple[list[Mention], dict[str, Any] | None]:
        """One page of a watch's labelled mentions created on a UTC day: one Query of the day's partition (no
        index, no Scan); ``start_key`` is the table key of the last mention of the previous page."""
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": serialize({":pk": schema.watch_day_key(watch, day)}),
            "ScanIndexForward": not newest_first,
        }
        if limit:
            kwargs["Limit"] = limit
        if start_key:
            kwargs["ExclusiveStartKey"] = serialize(start_key)
        answer = self._call("query", **kwargs)
        mentions = [item_to_mention(deserialize(i)) for i in answer.get("Items", [])]
        last = answer.get("LastEvaluatedKey")
        return mentions, (deserialize(last) if last else None)

    def iter_mentions(self, watch: str, days: Iterable[str]) -> Iterator[Mention]:
        """Every mention of a watch on the given UTC days, newest day first as given."""
        for day in days:
            start: dict[str, Any] | None = None
            while True:
                page, start = self.mentions_of_day(watch, day, start_key=start)
                yield from page
                if not start:
                    break

    # -- corrections: what the stream's per-watch adaptation reads (chalicelib.classify.adapt) ---------------
    def put_correction(self, watch: str, correction: Correction) -> None:
        """Store (or replace) the correction of one mention in its watch's set, and mark the set changed."""
        item: dict[str, Any] = {
            **schema.correction_key(watch, correction.mention_id),
            "mention_id": correction.mention_id,
            "text": correction.text,
            "labels": dict(correction.labels),
            "at": correction.at.isoformat(),
            "lang": correction.lang,
        }
        self._call("put_item", Item=serialize(item))
        self._mark_corrections_changed(watch)

    def remove_correction(self, watch: str, mention_id: str) -> None:
        """Take a mention's correction out of its watch's set (a tombstone that expires: the API role has no
        DeleteItem), and mark the set changed so the stream stops applying it at its next batch."""
        item = {
            **schema.correction_key(watch, mention_id),
            "mention_id": mention_id,
            "removed_at": utcnow().isoformat(),
            schema.TTL_ATTRIBUTE: int(time.time()) + 7 * 86400,
        }
        self._call("put_item", Item=serialize(item))
        self._mark_corrections_changed(watch)

    def _mark_corrections_changed(self, watch: str) -> None:
        import uuid

        item = {**schema.corrections_version_key(watch), "version": uuid.uuid4().hex, "at": utcnow().isoformat()}
        self._call("put_item", Item=serialize(item))

    def corrections_version(self, watch: str) -> str | None:
        """The token that changes whenever the watch's corrections change (one GetItem, 0.5 read unit)."""
        answer = self._call("get_item", Key=serialize(schema.corrections_version_key(watch)))
        item = answer.get("Item")
        return str(deserialize(item)["version"]) if item else None

    def watch_corrections(self, watch: str) -> tuple[str | None, list[Correction]]:
        """The watch's version token and its corrections, removed ones left out (one Query, paged)."""
        from chalicelib.corrections import Correction

        version: str | None = None
        found: list[Correction] = []
        start: dict[str, Any] | None = None
        while True:
            kwargs: dict[str, Any] = {
                "KeyConditionExpression": "pk = :pk",
                "ExpressionAttributeValues": serialize({":pk": schema.corrections_pk(watch)}),
            }
            if start:
                kwargs["ExclusiveStartKey"] = start
            answer = self._call("query", **kwargs)
            for raw in answer.get("Items", []):
                item = deserialize(raw)
                if item[schema.SK] == schema.CORRECTIONS_VERSION_SK:
                    version = str(item["version"])
                elif "text" in item and item.get("labels"):
                    found.append(
                        Correction(
                            mention_id=item["mention_id"],
                            text=item["text"],
                            labels=item["labels"],
                            at=datetime.fromisoformat(item["at"]),
                            vector=item.get("vector"),
                            vector_version=item.get("vector_version"),
                            lang=item.get("lang"),
                        )
                    )
            start = answer.get("LastEvaluatedKey")
            if not start:
                return version, found

    def set_correction_vectors(self, watch: str, vectors: dict[str, str], version: str) -> None:
        """Keep the vectors the stream computed (mention id -> base64 float16), unless the correction went."""
        from botocore.exceptions import ClientError

        for mention_id, vector in vectors.items():
            try:
                self._call(
                    "update_item",
                    Key=serialize(schema.correction_key(watch, mention_id)),
                    UpdateExpression="SET vector = :v, vector_version = :ver",
                    ConditionExpression="attribute_exists(#text)",
                    ExpressionAttributeNames={"#text": "text"},
                    ExpressionAttributeValues=serialize({":v": vector, ":ver": version}),
                )
            except ClientError:
                continue  # removed or replaced meanwhile: its new text gets a vector next time

    def drop_corrections(self, watch: str, mention_ids: Iterable[str]) -> None:
        """Delete corrections for good (the oldest, past the per-watch bound); the stream function does it."""
        for mention_id in mention_ids:
            self._call("delete_item", Key=serialize(schema.correction_key(watch, mention_id)))

    # -- cursors and source health ------------------------------------------------------------
    def get_cursor(self, watch: str, source_key: str) -> dict[str, Any]:
        answer = self._call("get_item", Key=serialize({schema.PK: f"CURSOR#{watch}#{source_key}", schema.SK: "CURSOR"}))
        item = answer.get("Item")
        return json.loads(deserialize(item)["cursor"]) if item else {}

    def put_cursor(self, watch: str, source_key: str, cursor: dict[str, Any]) -> None:
        self._call(
            "put_item",
            Item=serialize(
                {
                    schema.PK: f"CURSOR#{watch}#{source_key}",
                    schema.SK: "CURSOR",
                    "cursor": json.dumps(cursor, default=str),
                    "updated_at": utcnow().isoformat(),
                }
            ),
        )

    def get_health(self, watch: str, source_key: str) -> SourceHealth | None:
        answer = self._call("get_item", Key=serialize({schema.PK: "HEALTH", schema.SK: f"{watch}#{source_key}"}))
        item = answer.get("Item")
        return SourceHealth.model_validate(_strip_keys(deserialize(item))) if item else None

    def put_health(self, health: SourceHealth) -> None:
        item = health.model_dump(mode="json", exclude_none=True)
        item.update({schema.PK: "HEALTH", schema.SK: f"{health.watch}#{health.source_key}"})
        self._call("put_item", Item=serialize(item))

    def list_health(self) -> list[SourceHealth]:
        answer = self._call(
            "query", KeyConditionExpression="pk = :pk", ExpressionAttributeValues=serialize({":pk": "HEALTH"})
        )
        return [SourceHealth.model_validate(_strip_keys(deserialize(i))) for i in answer.get("Items", [])]

    # -- pending alerts: written only when an alert channel failed ----------------------------------
    def get_pending_alert(self, watch: str, mention_id: str) -> PendingAlert | None:
        """The pending alert of a mention (a consistent read: the stream's retry must see what it wrote)."""
        from chalicelib.alerts import PendingAlert

        answer = self._call("get_item", Key=serialize(schema.pending_alert_key(watch, mention_id)), ConsistentRead=True)
        item = answer.get("Item")
        return PendingAlert.model_validate_json(deserialize(item)["data"]) if item else None

    def put_pending_alert(self, pending: PendingAlert) -> None:
        """Write (or replace) a pending alert; DynamoDB deletes it a week after its last write, by when it was
        delivered or given up and shown for a day."""
        from chalicelib.alerts import RETRY_FOR

        item = {
            **schema.pending_alert_key(pending.watch, pending.mention_id),
            "data": pending.model_dump_json(),
            schema.TTL_ATTRIBUTE: int(time.time() + (RETRY_FOR + timedelta(days=7)).total_seconds()),
        }
        self._call("put_item", Item=serialize(item))

    def delete_pending_alert(self, watch: str, mention_id: str) -> None:
        self._call("delete_item", Key=serialize(schema.pending_alert_key(watch, mention_id)))

    def pending_alerts(self, watch: str | None = None) -> list[PendingAlert]:
        """Every pending or undelivered alert (of one watch if given): one Query of their partition, paged."""
        from chalicelib.alerts import PendingAlert

        values: dict[str, Any] = {":pk": schema.PENDING_ALERTS_PK}
        condition = "pk = :pk"
        if watch is not None:
            condition += " AND begins_with(sk, :w)"
            values[":w"] = f"{watch}#"
        found: list[PendingAlert] = []
        start: dict[str, Any] | None = None
        while True:
            kwargs: dict[str, Any] = {
                "KeyConditionExpression": condition,
                "ExpressionAttributeValues": serialize(values),
            }
            if start:
                kwargs["ExclusiveStartKey"] = start
            answer = self._call("query", **kwargs)
            found += [PendingAlert.model_validate_json(deserialize(i)["data"]) for i in answer.get("Items", [])]
            start = answer.get("LastEvaluatedKey")
            if not start:
                return found

    def is_labelled_key(self, key: dict[str, str]) -> bool:
        """:meth:`is_labelled` from a listed item's key alone (a pending alert's retry has no Mention)."""
        answer = self._call(
            "get_item",
            Key=serialize(key),
            ConsistentRead=True,
            ProjectionExpression="#l",
            ExpressionAttributeNames={"#l": "labels"},
        )
        return "labels" in (answer.get("Item") or {})

    # -- exactly-once marks and counters --------------------------------------------------------
    def put_once(
        self, kind: str, key: str, attributes: dict[str, Any] | None = None, ttl_days: int | None = 30
    ) -> bool:
        """Record that something happened; False if it had already been recorded (do not redo it)."""
        item: dict[str, Any] = {schema.PK: f"ONCE#{kind}#{key}", schema.SK: "ONCE", "at": utcnow().isoformat()}
        if ttl_days:
            item[schema.TTL_ATTRIBUTE] = int(time.time()) + ttl_days * 86400
        item.update(attributes or {})
        return self._put_if_absent(item)

    def get_once(self, kind: str, key: str) -> dict[str, Any] | None:
        answer = self._call("get_item", Key=serialize({schema.PK: f"ONCE#{kind}#{key}", schema.SK: "ONCE"}))
        item = answer.get("Item")
        return _strip_keys(deserialize(item)) if item else None

    def forget_once(self, kind: str, key: str) -> None:
        """Undo a mark whose action failed, so that a retry may do it."""
        self._call("delete_item", Key=serialize({schema.PK: f"ONCE#{kind}#{key}", schema.SK: "ONCE"}))

    def add_to_counter(
        self,
        watch: str,
        name: str,
        hour: datetime,
        amount: int = 1,
        once: str | None = None,
        extra: dict[str, int] | None = None,
    ) -> int | None:
        """Add to an hourly counter; return its new value. With ``once`` (the id of what is being added, a
        stream window's tally), an addition already made under that id is not made again (returns None).

        ``extra`` adds to other numbers of the same item in the same write (the hour's KPI and theme counts,
        ``field -> amount``; read back by :meth:`counter_items`). Items with extras are kept 400 days (a month
        report compares with the month before); plain ones 30."""
        from botocore.exceptions import ClientError

        adds = ["#n :a"]
        names = {"#n": "n"}
        days = 400 if extra else 30
        values: dict[str, Any] = {":a": amount, ":ttl": int(hour.timestamp()) + days * 86400}
        for index, (field, value) in enumerate(sorted((extra or {}).items())):
            adds.append(f"#x{index} :x{index}")
            names[f"#x{index}"] = field
            values[f":x{index}"] = value
        update = f"ADD {', '.join(adds)} SET expires_at = if_not_exists(expires_at, :ttl)"
        condition: dict[str, Any] = {}
        if once is not None:
            update = f"ADD {', '.join(adds)}, #w :w SET expires_at = if_not_exists(expires_at, :ttl)"
            names["#w"] = "applied"
            values[":w"] = {once}
            values[":once"] = once
            condition = {"ConditionExpression": "NOT contains(#w, :once)"}
        try:
            answer = self._call(
                "update_item",
                Key=serialize({schema.PK: f"COUNT#{watch}#{name}", schema.SK: hour.strftime("%Y-%m-%dT%H")}),
                UpdateExpression=update,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=serialize(values),
                ReturnValues="UPDATED_NEW",
                **condition,
            )
        except ClientError as exc:
            if once is not None and exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return None  # added already (a retried window end)
            raise
        return int(deserialize(answer["Attributes"])["n"])

    def counter_items(self, watch: str, name: str, start: datetime, end: datetime) -> dict[str, dict[str, int]]:
        """Every number of the hourly counter items between two hours (inclusive), keyed ``YYYY-MM-DDTHH``:
        ``n`` and the extras (one Query, paged; a month is 744 small items)."""
        found: dict[str, dict[str, int]] = {}
        start_key: dict[str, Any] | None = None
        while True:
            kwargs: dict[str, Any] = {
                "KeyConditionExpression": "pk = :pk AND sk BETWEEN :a AND :b",
                "ExpressionAttributeValues": serialize(
                    {
                        ":pk": f"COUNT#{watch}#{name}",
                        ":a": start.strftime("%Y-%m-%dT%H"),
                        ":b": end.strftime("%Y-%m-%dT%H"),
                    }
                ),
            }
            if start_key:
                kwargs["ExclusiveStartKey"] = start_key
            answer = self._call("query", **kwargs)
            for raw in answer.get("Items", []):
                item = deserialize(raw)
                found[item["sk"]] = {
                    k: int(v)
                    for k, v in item.items()
                    if isinstance(v, int | float | Decimal) and k != schema.TTL_ATTRIBUTE
                }
            start_key = answer.get("LastEvaluatedKey")
            if not start_key:
                return found

    # -- themes (chalicelib.themes): one item per theme of a watch --------------------------------------
    def themes(self, watch: str) -> list[dict[str, Any]]:
        """The stored themes of a watch, as their JSON (one Query, paged)."""
        found: list[dict[str, Any]] = []
        start: dict[str, Any] | None = None
        while True:
            kwargs: dict[str, Any] = {
                "KeyConditionExpression": "pk = :pk",
                "ExpressionAttributeValues": serialize({":pk": schema.themes_pk(watch)}),
            }
            if start:
                kwargs["ExclusiveStartKey"] = start
            answer = self._call("query", **kwargs)
            found += [json.loads(deserialize(i)["data"]) for i in answer.get("Items", [])]
            start = answer.get("LastEvaluatedKey")
            if not start:
                return found

    def put_theme(self, watch: str, theme_id: str, data: dict[str, Any]) -> None:
        """Write (or replace) one theme of a watch."""
        item = {**schema.theme_key(watch, theme_id), "data": json.dumps(data, separators=(",", ":"), default=str)}
        self._call("put_item", Item=serialize(item))

    def delete_theme(self, watch: str, theme_id: str) -> None:
        self._call("delete_item", Key=serialize(schema.theme_key(watch, theme_id)))

    def set_unit_themes(self, mention: Mention, units: list[Any]) -> None:
        """Store the listed mention (as just read) again with its units carrying the themes the discovery job
        gave them: one PutItem of the whole item, which keeps it packed under 1 KB like the first write."""
        labels = {**(mention.labels or {}), "units": units}
        self._call(
            "put_item",
            Item=serialize(listed_item(mention.model_copy(update={"labels": labels}))),
            ConditionExpression="attribute_exists(labels)",
        )

    def counters(self, watch: str, name: str, start: datetime, end: datetime) -> dict[str, int]:
        """Hourly counts between two hours (inclusive), keyed ``YYYY-MM-DDTHH``; missing hours are absent."""
        answer = self._call(
            "query",
            KeyConditionExpression="pk = :pk AND sk BETWEEN :a AND :b",
            ExpressionAttributeValues=serialize(
                {
                    ":pk": f"COUNT#{watch}#{name}",
                    ":a": start.strftime("%Y-%m-%dT%H"),
                    ":b": end.strftime("%Y-%m-%dT%H"),
                }
            ),
        )
        return {deserialize(i)["sk"]: int(deserialize(i)["n"]) for i in answer.get("Items", [])}


def _strip_keys(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in (schema.PK, schema.SK, schema.TTL_ATTRIBUTE)}


@functools.cache
def get_store() -> Store:
    """The production store, from settings, built on first use."""
    from chalicelib.settings import get_settings

    settings = get_settings()
    return Store(settings.table_name, endpoint_url=settings.dynamodb_endpoint, region=settings.region)
