"""Chain the events written before the chain existed, in the order they were written (id)."""

from typing import Any

from django.db import migrations

from citycarbon.web.audit.hashing import event_hash

BATCH = 2000


def chain(apps: Any, schema_editor: Any) -> None:
    event_model = apps.get_model("audit", "AuditEvent")
    head_model = apps.get_model("audit", "AuditChainHead")
    events = event_model.objects.using(schema_editor.connection.alias)
    sequence, prev_hash, last_id = 0, "", 0
    while batch := list(events.filter(id__gt=last_id).order_by("id")[:BATCH]):
        for e in batch:
            sequence += 1
            e.sequence, e.prev_hash = sequence, prev_hash
            e.hash = event_hash(
                sequence=sequence,
                at=e.at,
                actor_id=e.actor_id,
                actor_label=e.actor_label,
                action=e.action,
                object_type=e.object_type,
                object_id=e.object_id,
                before=e.before,
                after=e.after,
                prev_hash=prev_hash,
            )
            prev_hash, last_id = e.hash, e.id
        events.bulk_update(batch, ["sequence", "prev_hash", "hash"])
    head_model.objects.using(schema_editor.connection.alias).update_or_create(
        pk=1, defaults={"sequence": sequence, "hash": prev_hash}
    )


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_chain_fields")]

    operations = [migrations.RunPython(chain, migrations.RunPython.noop)]
