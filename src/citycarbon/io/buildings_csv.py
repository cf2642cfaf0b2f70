"""Public-building energy CSV: ``building_id, year, building_type, floor_area_m2,
electricity_kwh[, gas_m3][, green_electricity_kwh]``, checked cell by cell."""

from __future__ import annotations

from pathlib import Path
from typing import Final

import polars as pl

from citycarbon import data
from citycarbon.io.csvtable import read_whole
from citycarbon.io.errors import RowError, errors_from_frame
from citycarbon.io.grading_inputs import finish_checks, number

REQUIRED: Final = ("building_id", "year", "building_type", "floor_area_m2", "electricity_kwh")
OPTIONAL: Final = ("gas_m3", "green_electricity_kwh", "name")


def read_buildings(path: Path, encoding: str | None = None) -> tuple[pl.DataFrame, list[RowError]]:
    raw = read_whole(path, REQUIRED, OPTIONAL, encoding)
    for col in OPTIONAL[:2]:
        if col not in raw.columns:
            raw = raw.with_columns(pl.lit("0").alias(col))
    raw = raw.with_columns(
        pl.col("building_id", "year").str.strip_chars().fill_null(""),
        pl.col("building_type").str.strip_chars().str.to_lowercase().fill_null(""),
    )
    types = data.read_table("building_types")["building_type"].to_list()
    checks = [
        (pl.col("building_id") == "", "building_id", "empty_entity"),
        (~pl.col("year").str.contains(r"^[12][0-9]{3}$"), "year", "bad_year"),
        (~pl.col("building_type").is_in(types), "building_type", "unknown_building_type"),
    ]
    for col in ("floor_area_m2", "electricity_kwh", "gas_m3", "green_electricity_kwh"):
        value, given = number(col)
        bad = value.is_null() | ~value.is_finite()
        optional = col in OPTIONAL
        checks.append(((given | ~pl.lit(optional)) & bad, col, "not_number_value"))
        checks.append((value < 0, col, "negative_value"))
    area, _ = number("floor_area_m2")
    checks.append((area == 0, "floor_area_m2", "nonpositive_area"))
    valid, errors = finish_checks(raw, checks, ["building_id", "year"])
    out = valid.select(
        "building_id",
        pl.col("year").cast(pl.Int32),
        "building_type",
        *[
            number(c)[0].fill_null(0.0).alias(c)
            for c in ("floor_area_m2", "electricity_kwh", "gas_m3", "green_electricity_kwh")
        ],
    )
    return out, errors_from_frame(str(path), errors)
