"""Count DynamoDB capacity units and calls with botocore event hooks on one client.

``ReturnConsumedCapacity='TOTAL'`` is injected into every request that accepts it, and the units
DynamoDB reports (DynamoDB Local reports them too) are summed by kind of operation. A failed
conditional write reports nothing but is still billed in AWS, so it is counted apart.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

WRITE_OPS = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
READ_OPS = {"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"}
CAPACITY_OPS = WRITE_OPS | READ_OPS


@dataclass
class CapacityMeter:
    """Sums of what one boto3 DynamoDB client consumed while attached (thread-safe)."""

    write_units: float = 0.0
    read_units: float = 0.0
    calls: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    unreported: Counter[str] = field(default_factory=Counter)
    units_by_op: dict[str, float] = field(default_factory=dict)
    calls_by_thread: Counter[str] = field(default_factory=Counter)
    # Write units by kind of item (the ``pk`` prefix: MENTION, ONCE, COUNT, CORRECTIONS...).
    write_units_by_kind: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _kind: threading.local = field(default_factory=threading.local, repr=False)

    def attach(self, client: Any) -> CapacityMeter:
        events = client.meta.events
        events.register("before-parameter-build.dynamodb.*", self._ask_for_capacity, unique_id="veille-bench-cap-ask")
        events.register("after-call.dynamodb.*", self._count, unique_id="veille-bench-cap-count")
        return self

    def detach(self, client: Any) -> None:
        events = client.meta.events
        events.unregister("before-parameter-build.dynamodb.*", unique_id="veille-bench-cap-ask")
        events.unregister("after-call.dynamodb.*", unique_id="veille-bench-cap-count")

    def reset(self) -> None:
        with self._lock:
            self.write_units = self.read_units = 0.0
            self.calls.clear()
            self.errors.clear()
            self.unreported.clear()
            self.units_by_op.clear()
            self.calls_by_thread.clear()
            self.write_units_by_kind.clear()

    @property
    def scans(self) -> int:
        return self.calls["Scan"]

    @property
    def failed_conditional_writes(self) -> int:
        return self.errors["ConditionalCheckFailedException"]

    def _ask_for_capacity(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name in CAPACITY_OPS and "ReturnConsumedCapacity" in model.input_shape.members:
            params.setdefault("ReturnConsumedCapacity", "TOTAL")
        if model.name in ("PutItem", "UpdateItem", "DeleteItem"):
            self._kind.name = _item_kind(params.get("Item") or params.get("Key") or {})

    def _count(self, http_response: Any, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        name = model.name
        kind = getattr(self._kind, "name", "other") if name in ("PutItem", "UpdateItem", "DeleteItem") else "batch"
        side = "stream" if threading.current_thread().name == "stream-poller" else "other"
        with self._lock:
            self.calls[name] += 1
            self.calls_by_thread[side] += 1
            code = parsed.get("Error", {}).get("Code") if isinstance(parsed, dict) else None
            if code:
                self.errors[code] += 1
                return
            consumed = parsed.get("ConsumedCapacity")
            if name not in CAPACITY_OPS:
                return
            if not consumed:
                self.unreported[name] += 1
                return
            units = (
                sum(float(c.get("CapacityUnits", 0)) for c in consumed)
                if isinstance(consumed, list)
                else float(consumed.get("CapacityUnits", 0))
            )
            self.units_by_op[name] = self.units_by_op.get(name, 0.0) + units
            if name in WRITE_OPS:
                self.write_units += units
                self.write_units_by_kind[kind] = self.write_units_by_kind.get(kind, 0.0) + units
            else:
                self.read_units += units

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            return {
                "write_units": round(self.write_units, 2),
                "read_units": round(self.read_units, 2),
                "calls": dict(sorted(self.calls.items())),
                "errors": dict(sorted(self.errors.items())),
                "unreported": dict(sorted(self.unreported.items())),
                "units_by_op": {k: round(v, 2) for k, v in sorted(self.units_by_op.items())},
                "calls_by_thread": dict(sorted(self.calls_by_thread.items())),
                "write_units_by_kind": {k: round(v, 2) for k, v in sorted(self.write_units_by_kind.items())},
                "scans": self.scans,
            }


def _item_kind(key: dict[str, Any]) -> str:
    """``MENTION#abc`` -> ``MENTION``; ``ONCE#alert#...`` -> ``ONCE#alert`` (the kind of mark)."""
    pk = str((key.get("pk") or {}).get("S", "")) if isinstance(key.get("pk"), dict) else str(key.get("pk", ""))
    parts = pk.split("#")
    return "#".join(parts[:2]) if parts[0] == "ONCE" else (parts[0] or "other")
