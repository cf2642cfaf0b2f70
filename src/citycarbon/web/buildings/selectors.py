"""Reading buildings as frames."""

from __future__ import annotations

import polars as pl

from citycarbon.core.buildings import BUILDING_COLUMNS
from citycarbon.web.buildings.models import Building, BuildingYear
from citycarbon.web.bulk import read_frame, table


def building_years() -> pl.DataFrame:
    """Every building-year in the database with ``BUILDING_COLUMNS``."""
    sql = (
        f"SELECT b.building_id, y.year, b.building_type, b.floor_area_m2, y.electricity_kwh, "
        f"y.gas_m3, y.green_electricity_kwh FROM {table(BuildingYear)} y "
        f"JOIN {table(Building)} b ON b.id = y.building_id"
    )
    schema: dict[str, pl.DataType] = {
        "building_id": pl.String(),
        "year": pl.Int32(),
        "building_type": pl.String(),
        "floor_area_m2": pl.Float64(),
        "electricity_kwh": pl.Float64(),
        "gas_m3": pl.Float64(),
        "green_electricity_kwh": pl.Float64(),
    }
    assert tuple(schema) == BUILDING_COLUMNS
    return read_frame(sql, [], schema)
