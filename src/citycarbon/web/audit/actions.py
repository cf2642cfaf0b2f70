"""Writing audit events. Every ``do_*`` action of the platform calls ``record`` inside its own
transaction (``transaction.atomic``), once per write it makes."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.contrib.auth.models import User
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from citycarbon.web.audit.chain import hash_of, locked_head
from citycarbon.web.audit.hashing import as_stored, storable_text
from citycarbon.web.audit.models import AuditEvent
from citycarbon.web.bulk import insert_frame


@dataclass(frozen=True)
class Actor:
    """Who acts: a signed-in user, or one of the platform's own jobs (``system:demo``)."""

    label: str
    user: User | None = None

    @classmethod
    def system(cls, job: str) -> Actor:
        return cls(label=f"system:{job}")

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(label=user.get_username(), user=user)


def record(
    actor: Actor,
    action: str,
    object_type: str,
    object_id: object = "",
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event to the chain; must run inside the action's transaction, which
    holds the chain head until it ends."""
    if not transaction.get_connection().in_atomic_block:
        msg = f"audit event {action!r} written outside a transaction"
        raise RuntimeError(msg)
    head = locked_head()
    event = AuditEvent(
        sequence=head.sequence + 1,
        actor_id=actor.user.pk if actor.user is not None and actor.user.pk else None,
        actor_label=storable_text(actor.label)[:150],
        action=action,
        object_type=object_type,
        object_id=storable_text(str(object_id))[:64],
        before=as_stored(before),
        after=as_stored(after),
        prev_hash=head.hash,
    )
    event.hash = hash_of(event)
    event.save(force_insert=True)
    head.sequence, head.hash = event.sequence, event.hash
    head.save(update_fields=["sequence", "hash"])
    return event


def record_many(
    actor: Actor,
    action: str,
    object_type: str,
    changes: Iterable[tuple[object, dict[str, Any] | None, dict[str, Any] | None]],
) -> int:
    """Append one audit event per ``(object_id, before, after)`` of ``changes``, chained in
    order as that many ``record`` calls would chain them (one time for them all), with one
    lock of the chain head and one bulk insert: an import that updates 100,000 rows writes
    its 100,000 events in seconds, not minutes. Returns how many. Must run inside the
    action's transaction."""
    if not transaction.get_connection().in_atomic_block:
        msg = f"audit events {action!r} written outside a transaction"
        raise RuntimeError(msg)
    head = locked_head()
    sequence, prev_hash = head.sequence, head.hash
    at = timezone.now()
    actor_id = actor.user.pk if actor.user is not None and actor.user.pk else None
    label = storable_text(actor.label)[:150]
    rows: list[tuple[object, ...]] = []
    for object_id, before, after in changes:
        sequence += 1
        event = AuditEvent(
            sequence=sequence,
            at=at,
            actor_id=actor_id,
            actor_label=label,
            action=action,
            object_type=object_type,
            object_id=storable_text(str(object_id))[:64],
            before=as_stored(before),
            after=as_stored(after),
            prev_hash=prev_hash,
        )
        event.hash = hash_of(event)
        rows.append(
            (
                sequence,
                event.object_id,
                None if event.before is None else json.dumps(event.before),
                None if event.after is None else json.dumps(event.after),
                prev_hash,
                event.hash,
            )
        )
        prev_hash = event.hash
    if not rows:
        return 0
    frame = pl.DataFrame(
        rows,
        schema=["sequence", "object_id", "before", "after", "prev_hash", "hash"],
        orient="row",
    ).with_columns(
        pl.lit(str(connection.ops.adapt_datetimefield_value(at))).alias("at"),
        pl.lit(actor_id, pl.Int64).alias("actor_id"),
        pl.lit(label).alias("actor_label"),
        pl.lit(action).alias("action"),
        pl.lit(object_type).alias("object_type"),
    )
    insert_frame(AuditEvent, frame)
    head.sequence, head.hash = sequence, prev_hash
    head.save(update_fields=["sequence", "hash"])
    return len(rows)


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The fields of ``obj`` as JSON-ready values, for ``before`` and ``after``."""
    encoder = DjangoJSONEncoder()
    out: dict[str, Any] = {}
    for k, v in model_to_dict(obj).items():
        if isinstance(v, list):
            out[k] = [getattr(x, "pk", x) for x in v]
        elif isinstance(v, (str, int, float, bool, type(None))):
            out[k] = v
        else:
            out[k] = encoder.default(v)
    return out
