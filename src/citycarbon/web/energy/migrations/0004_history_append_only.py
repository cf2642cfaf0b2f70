"""On PostgreSQL, replaced energy records can be added, never updated or deleted."""

from django.db import migrations

from citycarbon.web.audit.append_only import refuse_changes


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0005_append_only"),
        ("energy", "0003_uploads_quarantine_history"),
    ]

    operations = [refuse_changes("energy_energyrecordhistory")]
