"""Consents move here from the access app; their table ``access_consent`` stays."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0003_generic_bindings"),
        ("enterprises", "0004_onboarding_uploads"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Consent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "granted_at",
                            models.DateTimeField(auto_now_add=True, verbose_name="granted"),
                        ),
                        ("granted_by", models.CharField(max_length=150, verbose_name="granted by")),
                        (
                            "revoked_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="revoked"),
                        ),
                        (
                            "revoked_by",
                            models.CharField(blank=True, max_length=150, verbose_name="revoked by"),
                        ),
                        (
                            "bank",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="consents",
                                to="access.bank",
                            ),
                        ),
                        (
                            "enterprise",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="consents",
                                to="enterprises.enterprise",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "consent",
                        "verbose_name_plural": "consents",
                        "db_table": "access_consent",
                        "ordering": ("-granted_at", "-id"),
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("revoked_at__isnull", True)),
                                fields=("enterprise", "bank"),
                                name="consent_one_active",
                            )
                        ],
                    },
                ),
            ],
        ),
    ]
