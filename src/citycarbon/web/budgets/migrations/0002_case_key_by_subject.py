"""Warning cases keyed by year, measure, level and subject instead of budget id, so that a
new plan version with other budget ids attaches to the unresolved case of the same subject."""

from typing import Any

from django.db import migrations


def rekey(apps: Any, schema_editor: Any) -> None:
    WarningCase = apps.get_model("budgets", "WarningCase")
    taken: set[str] = set()
    cases = WarningCase.objects.select_related("line", "plan").order_by("-opened_at", "-id")
    for case in cases:
        key = f"{case.plan.year}:{case.plan.measure}:{case.line.level}:{case.line.subject_code}"
        if case.status != "closed":
            if key in taken:
                continue  # an older unresolved twin keeps its old key until it is closed
            taken.add(key)
        case.line_key = key
        case.save(update_fields=["line_key"])


class Migration(migrations.Migration):
    dependencies = [("budgets", "0001_initial")]

    operations = [migrations.RunPython(rekey, migrations.RunPython.noop)]
