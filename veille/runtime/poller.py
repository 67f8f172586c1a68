"""Feed a DynamoDB Local stream to the stream handler exactly as Lambda's event source mapping would.

Batches of up to ``batch_size`` records per shard, in order, filled across the stream's pages with what
passes the filter of the deployed mapping (INSERT of a mention item), the rest once the shard has nothing
more (each poll stands for the mapping's batching window); partial batch failures retried from the first
failed record up to ``max_retries`` times; records that still fail go to the failure queue (a JSONL file, as the SQS
on-failure destination does in AWS) and the shard moves on: a poison record never blocks it.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from veille.runtime.lambda_shim import LambdaContext

Handler = Callable[[dict[str, Any], Any], Any]


def insert_of_mention(record: dict[str, Any]) -> bool:
    """The event filter of the deployed mapping: INSERTs of mention items only."""
    keys = record.get("dynamodb", {}).get("Keys", {})
    return record.get("eventName") == "INSERT" and keys.get("sk", {}).get("S") == "MENTION"


def lambda_record(raw: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A Streams API record in the shape Lambda hands to the function."""
    record = json.loads(json.dumps(raw, default=_jsonable))
    record["eventSourceARN"] = stream_arn
    return record


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, bytes | bytearray):
        import base64

        return base64.b64encode(value).decode()
    raise TypeError(f"cannot serialise {type(value).__name__}")


@dataclass
class PollStats:
    delivered: int = 0
    succeeded: int = 0
    retried: int = 0
    failed: int = 0
    filtered_out: int = 0
    invocations: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)


def failure_metadata(function: str, record: dict[str, Any]) -> dict[str, Any]:
    """What the failure file keeps of a record: ids and position, as the AWS on-failure queue does; never
    the image (names, emails and text stay in the table, the one place that deletes them on expiry)."""
    ddb = record.get("dynamodb", {})
    return {
        "function": function,
        "event_id": record.get("eventID"),
        "event_name": record.get("eventName"),
        "keys": ddb.get("Keys"),
        "sequence_number": ddb.get("SequenceNumber"),
        "approximate_creation_time": ddb.get("ApproximateCreationDateTime"),
        "failed_at": datetime.now(UTC).isoformat(),
    }


class StreamPoller:
    """Reads every shard of a table's stream and invokes ``handler`` with Lambda-shaped batches."""

    def __init__(
        self,
        streams_client: Any,
        stream_arn: str,
        handler: Handler,
        *,
        function_name: str,
        batch_size: int = 100,
        max_retries: int = 3,
        failure_log: Path | None = None,
        say: Callable[[str], None] | None = None,
        window_s: float | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client = streams_client
        self.stream_arn = stream_arn
        self.handler = handler
        self.function_name = function_name
        self.batch_size = batch_size
        self.max_retries = max_retries
        self.failure_log = failure_log
        self.say = say
        self.stats = PollStats()
        self._iterators: dict[str, str | None] = {}
        self._finished: set[str] = set()
        self._lock = threading.Lock()
        # Tumbling windows (TumblingWindowInSeconds of the mapping): per shard, the open window and its state.
        self.window_s = window_s
        self.clock = clock
        self._windows: dict[str, dict[str, Any]] = {}

    def poll_once(self) -> int:
        """Read what is new on every shard and deliver it; return the number of records read."""
        with self._lock:
            shards = self._shards()
            read = 0
            for shard in shards:
                shard_id = shard["ShardId"]
                parent = shard.get("ParentShardId")
                if shard_id in self._finished or (
                    parent and parent in self._iterators and parent not in self._finished
                ):
                    continue
                read += self._drain_shard(shard_id)
                self._roll_window(shard_id)
            return read

    # -- tumbling windows ---------------------------------------------------------------------------
    def _window(self, shard_id: str) -> dict[str, Any]:
        """The shard's open window, opened now (aligned on multiples of window_s, as Lambda's are) if none."""
        assert self.window_s
        window = self._windows.get(shard_id)
        if window is None:
            start = self.clock() // self.window_s * self.window_s
            window = {"start": start, "end": start + self.window_s, "state": {}}
            self._windows[shard_id] = window
        return window

    def _window_fields(self, shard_id: str, final: bool) -> dict[str, Any]:
        window = self._window(shard_id)

        def iso(t: float) -> str:
            return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

        return {
            "window": {"start": iso(window["start"]), "end": iso(window["end"])},
            "state": window["state"],
            "shardId": shard_id,
            "eventSourceARN": self.stream_arn,
            "isFinalInvokeForWindow": final,
            "isWindowTerminatedEarly": False,
        }

    def _roll_window(self, shard_id: str) -> None:
        """End the shard's window if its time is up."""
        window = self._windows.get(shard_id)
        if window is not None and self.clock() >= window["end"]:
            self._end_window(shard_id)

    def _end_window(self, shard_id: str) -> None:
        """The window's last invocation (no records, ``isFinalInvokeForWindow``), retried as Lambda does before
        the shard goes on; then the next window starts with a fresh state."""
        window = self._windows.get(shard_id)
        if window is None:
            return
        if window["state"]:
            for attempt in range(self.max_retries + 1):
                event = {"Records": [], **self._window_fields(shard_id, final=True)}
                self.stats.invocations += 1
                try:
                    self.handler(event, LambdaContext(self.function_name))
                    break
                except Exception as exc:  # noqa: BLE001 - retried; locally the state is dropped at the end
                    if attempt == self.max_retries and self.say:
                        self.say(f"the end of a stream window failed {attempt + 1} times ({exc}); its state is dropped")
        del self._windows[shard_id]

    def end_windows(self) -> None:
        """End every open window now (the stream is drained, or the runtime stops): their tallies are written."""
        with self._lock:
            for shard_id in list(self._windows):
                self._end_window(shard_id)

    def _shards(self) -> list[dict[str, Any]]:
        shards: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"StreamArn": self.stream_arn}
        while True:
            answer = self.client.describe_stream(**kwargs)["StreamDescription"]
            shards += answer.get("Shards", [])
            last = answer.get("LastEvaluatedShardId")
            if not last:
                return shards
            kwargs["ExclusiveStartShardId"] = last

    def _drain_shard(self, shard_id: str) -> int:
        iterator = self._iterators.get(shard_id)
        if shard_id not in self._iterators:
            iterator = self.client.get_shard_iterator(
                StreamArn=self.stream_arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
        read = 0
        batch: list[dict[str, Any]] = []
        self._roll_window(shard_id)
        while iterator:
            answer = self.client.get_records(ShardIterator=iterator, Limit=self.batch_size)
            records = answer.get("Records", [])
            iterator = answer.get("NextShardIterator")
            self._iterators[shard_id] = iterator
            if not records:
                break
            read += len(records)
            for raw in records:
                record = lambda_record(raw, self.stream_arn)
                if not insert_of_mention(record):
                    self.stats.filtered_out += 1
                    continue
                batch.append(record)
                if len(batch) == self.batch_size:  # a full batch goes at once, as the mapping's does
                    self._deliver_batch(shard_id, batch)
                    batch = []
        if batch:  # what the shard had, short of a full batch (the batching window has passed)
            self._deliver_batch(shard_id, batch)
        if iterator is None:
            self._finished.add(shard_id)
        return read

    def _deliver_batch(self, shard_id: str, batch: list[dict[str, Any]]) -> None:
        self.stats.delivered += len(batch)
        self._deliver(shard_id, batch)

    def _invoke(self, shard_id: str, records: list[dict[str, Any]]) -> set[str]:
        """Invoke the handler; return the sequence numbers it reported failed (all, if it raised)."""
        self.stats.invocations += 1
        event: dict[str, Any] = {"Records": records}
        if self.window_s:
            event.update(self._window_fields(shard_id, final=False))
        try:
            answer = self.handler(event, LambdaContext(self.function_name))
        except Exception:  # noqa: BLE001 - a crashed invocation fails the whole batch, as in Lambda
            return {r["dynamodb"]["SequenceNumber"] for r in records}
        if self.window_s:
            if not isinstance(answer, dict) or "state" not in answer:
                return {r["dynamodb"]["SequenceNumber"] for r in records}  # Lambda: no state is a failed invocation
            self._windows[shard_id]["state"] = answer["state"] or {}
        failures = (answer or {}).get("batchItemFailures", []) if isinstance(answer, dict) else []
        return {f["itemIdentifier"] for f in failures}

    def _deliver(self, shard_id: str, records: list[dict[str, Any]]) -> None:
        pending = records
        for attempt in range(self.max_retries + 1):
            failed = self._invoke(shard_id, pending)
            if not failed:
                self.stats.succeeded += len(pending)
                return
            # As Lambda does with ReportBatchItemFailures: everything before the first failure is done.
            first = next(i for i, r in enumerate(pending) if r["dynamodb"]["SequenceNumber"] in failed)
            self.stats.succeeded += first
            pending = pending[first:]
            if attempt < self.max_retries:
                self.stats.retried += len(pending)
        # Retries exhausted: the failed records go to the failure queue; the rest are redelivered once more.
        poison = [r for r in pending if r["dynamodb"]["SequenceNumber"] in failed]
        rest = [r for r in pending if r["dynamodb"]["SequenceNumber"] not in failed]
        self._to_failure_queue(poison)
        if rest:
            self._deliver(shard_id, rest)

    def _to_failure_queue(self, records: list[dict[str, Any]]) -> None:
        self.stats.failed += len(records)
        self.stats.failures.extend(records)
        if self.say:
            where = f"; written to {self.failure_log}" if self.failure_log else ""
            self.say(f"{len(records)} stream record(s) failed {self.max_retries + 1} times and were set aside{where}")
        if self.failure_log:
            self.failure_log.parent.mkdir(parents=True, exist_ok=True)
            with self.failure_log.open("a", encoding="utf-8") as out:
                for record in records:
                    out.write(json.dumps(failure_metadata(self.function_name, record)) + "\n")
