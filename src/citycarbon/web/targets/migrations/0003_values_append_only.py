"""On PostgreSQL, target observations and scenario versions can be added, never updated or
deleted."""

from django.db import migrations

from citycarbon.web.audit.append_only import refuse_changes


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0005_append_only"),
        ("targets", "0002_seed_targets"),
    ]

    operations = [refuse_changes("targets_targetvalue", "targets_scenario")]
