"""On PostgreSQL, audit events can be added, never updated or deleted; the chain head can be
moved on, never deleted."""

from django.db import migrations

from citycarbon.web.audit.append_only import refuse_changes


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_sequence_required")]

    operations = [
        refuse_changes("audit_auditevent"),
        refuse_changes("audit_auditchainhead", operations="DELETE"),
    ]
