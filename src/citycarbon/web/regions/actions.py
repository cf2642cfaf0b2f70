"""Writes to districts and industries."""

from __future__ import annotations

import polars as pl
from django.db import transaction

from citycarbon.web.audit.actions import Actor, record
from citycarbon.web.regions.models import District, Industry


@transaction.atomic
def do_sync_regions(districts: pl.DataFrame, industries: pl.DataFrame, *, actor: Actor) -> int:
    """Create or rename districts (``district_code, name_zh, name_en``) and industries
    (``industry_code, name_zh, name_en``); returns how many rows changed (0: nothing)."""
    changed: list[dict[str, str]] = []
    for model, frame, key in (
        (District, districts, "district_code"),
        (Industry, industries, "industry_code"),
    ):
        existing = {o.code: o for o in model.objects.all()}
        for row in frame.select(key, "name_zh", "name_en").iter_rows(named=True):
            code, zh, en = row[key], row["name_zh"], row["name_en"] or ""
            obj = existing.get(code)
            if obj is None:
                model.objects.create(code=code, name_zh=zh, name_en=en)
            elif (obj.name_zh, obj.name_en) != (zh, en):
                obj.name_zh, obj.name_en = zh, en
                obj.save(update_fields=["name_zh", "name_en"])
            else:
                continue
            changed.append({"type": model.__name__, "code": code, "name_zh": zh})
    if changed:
        record(actor, "regions.sync", "regions", after={"changed": changed})
    return len(changed)
