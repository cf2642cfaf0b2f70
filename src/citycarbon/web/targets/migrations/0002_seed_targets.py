"""Load the plan targets of the seed documents (``data/targets/seed_targets.csv``) into the
registry, so that a fresh install and the demo city start with them. Targets already there
(by code) are left as they are; a district target is linked to its district when the
platform has that district already."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def load(apps: Any, schema_editor: Any) -> None:
    from citycarbon.data.targets import seed_targets  # noqa: PLC0415

    target = apps.get_model("targets", "Target")
    district = apps.get_model("regions", "District")
    districts = {d.code: d for d in district.objects.all()}
    have = set(target.objects.values_list("code", flat=True))
    rows = []
    for r in seed_targets().iter_rows(named=True):
        if r["target_id"] in have:
            continue
        rows.append(
            target(
                code=r["target_id"],
                city=r["city"] or "",
                subject_type=r["subject_type"],
                subject_name=r["subject_name"],
                district=districts.get(r["subject_key"] or "")
                if r["subject_type"] == "district"
                else None,
                indicator=r["indicator"],
                indicator_name=r["indicator_zh"],
                unit=r["unit"] or "",
                base_year=r["base_year"],
                target_year=r["target_year"],
                value=r["value"],
                comparison=r["comparison"],
                basic_value=r["basic_value"],
                incentive_value=r["incentive_value"],
                source_doc=r["source_doc"],
                source_title=r["source_title"],
                quote=r["quote"],
                confidence=r["confidence"],
            )
        )
    target.objects.bulk_create(rows)


def unload(apps: Any, schema_editor: Any) -> None:
    from citycarbon.data.targets import seed_targets  # noqa: PLC0415

    codes = seed_targets().get_column("target_id").to_list()
    apps.get_model("targets", "Target").objects.filter(code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [("targets", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
