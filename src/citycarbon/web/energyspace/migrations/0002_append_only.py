"""On PostgreSQL, energy-use space entries and targets can be added, never updated or
deleted: a correction is a reversing entry, a new target a new row."""

from django.db import migrations

from citycarbon.web.audit.append_only import refuse_changes


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0005_append_only"),
        ("energyspace", "0001_initial"),
    ]

    operations = [refuse_changes("energyspace_spaceentry", "energyspace_spacetarget")]
