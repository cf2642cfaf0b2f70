"""The canonical form of an audit event and its SHA-256: sorted-key JSON without spaces,
ASCII (other characters escaped), of the event's sequence, time (UTC, ISO 8601), actor id
and label, action, object type and id, before, after and previous hash. It must never
change: every stored hash depends on it. Pure (no models), so migrations use it too."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any


def _number(value: float) -> float | int:
    """A float as PostgreSQL's jsonb gives it back: no negative zero, and a float of 17
    digits and more, which Python writes with an exponent, as the integer that text means."""
    if value == 0:
        return 0.0
    if abs(value) >= 1e16:  # where repr switches to an exponent
        return int(Decimal(repr(value)))
    return value


def _canonical_json(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, dict):
        return {str(k): _canonical_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical_json(v) for v in value]
    msg = f"not a JSON value: {type(value).__name__}"
    raise TypeError(msg)


def storable_text(text: str) -> str:
    """``text`` as every database keeps it: NUL (which PostgreSQL refuses in text and jsonb)
    as U+FFFD, a lone surrogate (no UTF-8 has one) as ``?``."""
    return text.replace("\x00", "\ufffd").encode("utf-8", "replace").decode("utf-8")


def _storable(value: Any) -> Any:
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, list):
        return [_storable(v) for v in value]
    if isinstance(value, dict):
        return {storable_text(k): _storable(v) for k, v in value.items()}
    return value


def as_stored(value: Any) -> Any:
    """``value`` as it reads back from a JSON column (tuples become lists, keys strings, text
    storable), so that an audit write never fails on what it records and hashes as kept."""
    return None if value is None else _storable(json.loads(json.dumps(value)))


def event_hash(
    *,
    sequence: int,
    at: datetime,
    actor_id: int | None,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str,
    before: Any,
    after: Any,
    prev_hash: str,
) -> str:
    """SHA-256 (hex) of one event's canonical form."""
    payload = {
        "sequence": sequence,
        "at": at.astimezone(UTC).isoformat(),
        "actor_id": actor_id,
        "actor_label": actor_label,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "before": _canonical_json(before),
        "after": _canonical_json(after),
        "prev_hash": prev_hash,
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
