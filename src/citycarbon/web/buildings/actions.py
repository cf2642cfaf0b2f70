"""Writes: importing public buildings and grading them."""

from __future__ import annotations

import polars as pl
from django.db import transaction

from citycarbon.core.buildings import DEFAULT_SCHEME, grade_buildings
from citycarbon.core.factors import FactorSet
from citycarbon.web.audit.actions import Actor, record
from citycarbon.web.audit.models import DataImport
from citycarbon.web.buildings.models import Building, BuildingCode, BuildingYear
from citycarbon.web.buildings.selectors import building_years
from citycarbon.web.bulk import content_sha256, insert_frame, read_frame, table


@transaction.atomic
def do_import_buildings(frame: pl.DataFrame, *, actor: Actor, source: str) -> DataImport | None:
    """Create or update buildings and insert their yearly energy (``BUILDING_COLUMNS`` and
    optionally ``synthetic``). The same content again changes nothing and returns ``None``."""
    sha = content_sha256(frame)
    if DataImport.objects.filter(kind="buildings", sha256=sha).exists():
        return None
    Building.objects.bulk_create(
        [
            Building(
                building_id=r["building_id"],
                building_type=r["building_type"],
                floor_area_m2=r["floor_area_m2"],
                synthetic=bool(r.get("synthetic")),
            )
            for r in frame.unique("building_id", keep="last").iter_rows(named=True)
        ],
        update_conflicts=True,
        unique_fields=["building_id"],
        update_fields=["building_type", "floor_area_m2", "synthetic"],
    )
    batch = DataImport.objects.create(
        kind="buildings", source=source, sha256=sha, rows=frame.height, actor_label=actor.label
    )
    ids = dict(Building.objects.values_list("building_id", "pk"))
    insert_frame(
        BuildingYear,
        frame.select(
            pl.col("building_id").replace_strict(ids, return_dtype=pl.Int64).alias("building_id"),
            "year",
            "electricity_kwh",
            pl.col("gas_m3").fill_null(0.0),
            pl.col("green_electricity_kwh").fill_null(0.0),
            pl.lit(batch.pk, pl.Int64).alias("data_import_id"),
        ),
    )
    record(
        actor,
        "buildings.import",
        "DataImport",
        batch.pk,
        after={"source": source, "sha256": sha, "rows": frame.height},
    )
    return batch


@transaction.atomic
def do_grade_buildings(factors: FactorSet, *, actor: Actor, scheme: str = DEFAULT_SCHEME) -> int:
    """Grade every building-year; codes already there for the factor set and scheme are
    replaced only when they differ. Returns the number of codes written (0: nothing)."""
    graded = grade_buildings(building_years(), factors, scheme)
    ids = dict(Building.objects.values_list("building_id", "pk"))
    frame = graded.select(
        pl.col("building_id").replace_strict(ids, return_dtype=pl.Int64).alias("building_id"),
        "year",
        pl.lit(factors.label).alias("factor_set"),
        pl.lit(scheme).alias("scheme"),
        "tco2",
        "kgco2_per_m2",
        pl.col("grade").fill_null(""),
        "threshold_basis",
        pl.col("peer_count").cast(pl.Int64),
    )
    current = BuildingCode.objects.filter(factor_set=factors.label, scheme=scheme)
    old = read_frame(
        f"SELECT building_id, year, grade, kgco2_per_m2 FROM {table(BuildingCode)} "
        "WHERE factor_set = %s AND scheme = %s",
        [factors.label, scheme],
        {
            "building_id": pl.Int64(),
            "year": pl.Int32(),
            "grade": pl.String(),
            "kgco2_per_m2": pl.Float64(),
        },
    )
    new = frame.select("building_id", "year", "grade", "kgco2_per_m2")
    if old.height == new.height and old.sort("building_id", "year").equals(
        new.sort("building_id", "year")
    ):
        return 0
    current.delete()
    insert_frame(BuildingCode, frame)
    record(
        actor,
        "buildings.grade",
        "BuildingCode",
        after={
            "factor_set": factors.label,
            "scheme": scheme,
            "codes": frame.height,
            "replaced": old.height,
        },
    )
    return frame.height
