"""Withdrawals of observations recorded in error; on PostgreSQL added, never changed."""

import django.db.models.deletion
from django.db import migrations, models

from citycarbon.web.audit.append_only import refuse_changes


class Migration(migrations.Migration):
    dependencies = [
        ("targets", "0003_values_append_only"),
    ]

    operations = [
        migrations.CreateModel(
            name="ValueWithdrawal",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("reason", models.CharField(max_length=200, verbose_name="reason")),
                ("at", models.DateTimeField(auto_now_add=True, verbose_name="time")),
                ("actor_label", models.CharField(max_length=150, verbose_name="actor label")),
                (
                    "value",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="withdrawal",
                        to="targets.targetvalue",
                        verbose_name="value",
                    ),
                ),
            ],
            options={
                "verbose_name": "withdrawn observation",
                "verbose_name_plural": "withdrawn observations",
            },
        ),
        refuse_changes("targets_valuewithdrawal"),
    ]
