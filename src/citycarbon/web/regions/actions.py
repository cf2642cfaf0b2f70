"""Writes to districts and industries."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from django.db import transaction

from citycarbon.io.errors import InputFileError, RowError
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


@dataclass(frozen=True)
class ImportCounts:
    """What an onboarding import did, row by row of its file."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


class RowsRejectedError(InputFileError):
    """Rows that refer to what the platform does not hold; nothing was written."""


def row_errors(file: str, rows: pl.DataFrame, column: str, code: str) -> list[RowError]:
    """One ``code`` error per row of ``rows`` (which have ``row`` and ``column``)."""
    return [
        RowError(file, row, column, code, value=str(value or ""))
        for row, value in rows.select("row", column).iter_rows()
    ]


def refuse(errors: list[RowError]) -> None:
    """Raise ``RowsRejectedError`` with ``errors`` in file order, if there are any."""
    if errors:
        raise RowsRejectedError(sorted(errors, key=lambda e: (e.row, e.column)))


@transaction.atomic
def do_import_regions(frame: pl.DataFrame, *, actor: Actor, file: str) -> ImportCounts:
    """Create or update districts from ``district_code, name, name_en, parent_code`` (as
    ``io.onboarding_csv.read_regions`` returns them). A new district is listed in one
    ``regions.import`` event; each changed one has its own ``regions.update`` event with
    the fields before and after. The same file again writes nothing."""
    existing = {d.code: d for d in District.objects.all()}
    created: list[District] = []
    changed: list[tuple[District, dict[str, str], dict[str, str]]] = []
    for row in frame.iter_rows(named=True):
        wanted = {
            "name_zh": row["name"],
            "name_en": row["name_en"] or "",
            "parent_code": row["parent_code"] or "",
        }
        district = existing.get(row["district_code"])
        if district is None:
            created.append(District(code=row["district_code"], **wanted))
            continue
        before = {k: getattr(district, k) for k in wanted if getattr(district, k) != wanted[k]}
        if before:
            for k in before:
                setattr(district, k, wanted[k])
            changed.append((district, before, {k: wanted[k] for k in before}))
    District.objects.bulk_create(created, batch_size=2000)
    District.objects.bulk_update(
        [d for d, _, _ in changed], ["name_zh", "name_en", "parent_code"], batch_size=2000
    )
    for district, before, after in changed:
        record(actor, "regions.update", "District", district.code, before=before, after=after)
    counts = ImportCounts(len(created), len(changed), frame.height - len(created) - len(changed))
    if created or changed:
        record(
            actor,
            "regions.import",
            "District",
            after={
                "source": file,
                "created": [d.code for d in created],
                "updated": counts.updated,
                "unchanged": counts.unchanged,
            },
        )
    return counts
