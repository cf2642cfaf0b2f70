"""Bindings become (role, subject type, subject id); consents move to the enterprises app
(their table stays)."""

from typing import Any

from django.db import migrations, models
from django.db.models import F

SUBJECTS = ("district", "enterprise", "bank")


def to_subjects(apps: Any, schema_editor: Any) -> None:
    for name in ("Profile", "ApiKey"):
        model = apps.get_model("access", name)
        for subject in SUBJECTS:
            model.objects.filter(**{f"{subject}__isnull": False}).update(
                subject_type=subject, subject_id=F(f"{subject}_id")
            )


def to_columns(apps: Any, schema_editor: Any) -> None:
    for name in ("Profile", "ApiKey"):
        model = apps.get_model("access", name)
        for subject in SUBJECTS:
            model.objects.filter(subject_type=subject).update(**{f"{subject}_id": F("subject_id")})


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0002_login_throttle_and_key_expiry"),
    ]

    operations = [
        *(
            op
            for model in ("profile", "apikey")
            for op in (
                migrations.AddField(
                    model_name=model,
                    name="subject_type",
                    field=models.CharField(
                        blank=True, default="", max_length=32, verbose_name="subject type"
                    ),
                    preserve_default=False,
                ),
                migrations.AddField(
                    model_name=model,
                    name="subject_id",
                    field=models.BigIntegerField(
                        blank=True, null=True, verbose_name="bound subject"
                    ),
                ),
            )
        ),
        migrations.RunPython(to_subjects, to_columns),
        migrations.RemoveConstraint(model_name="profile", name="profile_binding_present"),
        migrations.RemoveConstraint(model_name="apikey", name="apikey_binding_present"),
        *(
            migrations.RemoveField(model_name=model, name=subject)
            for model in ("profile", "apikey")
            for subject in SUBJECTS
        ),
        *(
            op
            for model in ("profile", "apikey")
            for op in (
                migrations.AlterField(
                    model_name=model,
                    name="role",
                    field=models.CharField(max_length=32, verbose_name="role"),
                ),
                migrations.AddConstraint(
                    model_name=model,
                    constraint=models.CheckConstraint(
                        condition=models.Q(subject_type="", subject_id__isnull=True)
                        | (~models.Q(subject_type="") & models.Q(subject_id__isnull=False)),
                        name=f"{model}_subject_whole",
                    ),
                ),
                migrations.AddIndex(
                    model_name=model,
                    index=models.Index(
                        fields=["subject_type", "subject_id"], name=f"{model}_subject"
                    ),
                ),
            )
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Consent")],
        ),
    ]
