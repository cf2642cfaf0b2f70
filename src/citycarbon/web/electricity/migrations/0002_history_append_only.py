"""On PostgreSQL, replaced electricity readings can be added, never updated or deleted."""

from django.db import migrations

from citycarbon.web.audit.append_only import refuse_changes


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0005_append_only"),
        ("electricity", "0001_initial"),
    ]

    operations = [refuse_changes("electricity_electricityreadinghistory")]
