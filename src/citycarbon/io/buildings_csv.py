"""Public-building energy CSV: ``building_id, year, building_type, floor_area_m2,
electricity_kwh[, gas_m3][, green_electricity_kwh]``, checked cell by cell.

Every number must be finite, not below ``MIN_NONZERO`` unless zero, and at most its bound:
``MAX_FLOOR_AREA_M2`` for the floor area; for the energies the per-record bound of their
205-1 code (``io.numbers.quantity_bounds``: electricity 33, natural gas 15), converted from
the code's 10⁴ kWh or 10⁴ m³ to kWh or m³.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import polars as pl

from citycarbon import data
from citycarbon.io.csvtable import read_whole
from citycarbon.io.errors import RowError, errors_from_frame
from citycarbon.io.grading_inputs import Check, finish_checks, number
from citycarbon.io.numbers import number_checks, quantity_bounds

REQUIRED: Final = ("building_id", "year", "building_type", "floor_area_m2", "electricity_kwh")
OPTIONAL: Final = ("gas_m3", "green_electricity_kwh", "name")
MAX_FLOOR_AREA_M2: Final = 1e7
"""Largest plausible floor area of one building: the largest buildings in the world (e.g.
成都新世纪环球中心, about 1.76 million m²) with headroom, rounded up to a power of ten."""
ENERGY_CODES: Final = {
    "electricity_kwh": ("33", "kWh"),
    "gas_m3": ("15", "m³"),
    "green_electricity_kwh": ("33", "kWh"),
}
"""Energy column → 205-1 code whose bound applies, and the column's unit."""
TEN_THOUSAND: Final = 1e4
"""The codes' standard units are 10⁴ kWh and 10⁴ m³."""


def column_bounds() -> dict[str, tuple[float, str]]:
    """Numeric column → (largest plausible value, unit), energies from the configured bounds."""
    per_code = dict(quantity_bounds().iter_rows())
    energies = {
        col: (per_code[code] * TEN_THOUSAND, unit) for col, (code, unit) in ENERGY_CODES.items()
    }
    return {"floor_area_m2": (MAX_FLOOR_AREA_M2, "m²")} | energies


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
    checks: list[Check] = [
        (pl.col("building_id") == "", "building_id", "empty_entity"),
        (~pl.col("year").str.contains(r"^[12][0-9]{3}$"), "year", "bad_year"),
        (~pl.col("building_type").is_in(types), "building_type", "unknown_building_type"),
    ]
    for col, (bound, unit) in column_bounds().items():
        value, given = number(col)
        bad = value.is_null() | ~value.is_finite()
        optional = col in OPTIONAL
        checks.append(((given | ~pl.lit(optional)) & bad, col, "not_number_value"))
        checks.append((value < 0, col, "negative_value"))
        text = pl.col(col).str.strip_chars()
        area_code = {"over_bound": "area_over_bound"} if col == "floor_area_m2" else {}
        checks += [
            (cond, column, area_code.get(code, code), detail)
            for cond, column, code, detail in number_checks(
                col, text, value, pl.lit(bound), pl.lit(unit)
            )
        ]
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
