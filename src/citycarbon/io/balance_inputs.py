"""Inputs of ``citycarbon balance``: the canonical energy CSV read whole, and an enterprises
CSV (``entity_id, industry_code[, district_code]``), checked cell by cell."""

from __future__ import annotations

from pathlib import Path
from typing import Final

import polars as pl

from citycarbon.core.schemas import ENERGY_RECORDS
from citycarbon.io.csvtable import read_whole
from citycarbon.io.energy_csv import KEY_COLUMNS
from citycarbon.io.energy_import import checked_chunks, open_energy_file
from citycarbon.io.errors import ERROR_SCHEMA, RowError, errors_from_frame
from citycarbon.io.grading_inputs import INDUSTRY_PATTERN, finish_checks

ENTERPRISES_REQUIRED: Final = ("entity_id", "industry_code")
ENTERPRISES_OPTIONAL: Final = ("district_code",)


def read_enterprises(
    path: Path, encoding: str | None = None
) -> tuple[pl.DataFrame, list[RowError]]:
    """``entity_id, district_code, industry_code`` (district empty when not given); the
    section letter of an industry code is dropped."""
    raw = read_whole(path, ENTERPRISES_REQUIRED, ENTERPRISES_OPTIONAL, encoding)
    raw = raw.with_columns(
        pl.col("entity_id").str.strip_chars().fill_null(""),
        pl.col("industry_code").str.strip_chars().str.to_uppercase().fill_null(""),
    )
    checks = [
        (pl.col("entity_id") == "", "entity_id", "empty_entity"),
        (~pl.col("industry_code").str.contains(INDUSTRY_PATTERN), "industry_code", "bad_industry"),
    ]
    valid, errors = finish_checks(raw, checks, ["entity_id"])
    district = (
        pl.col("district_code").str.strip_chars().replace("", None)
        if "district_code" in valid.columns
        else pl.lit(None, pl.String)
    )
    out = valid.select(
        "entity_id",
        district.alias("district_code"),
        pl.col("industry_code").str.replace(r"^[A-Z]", "").alias("industry_code"),
    )
    return out, errors_from_frame(str(path), errors)


def read_energy_whole(
    path: Path, encoding: str | None = None
) -> tuple[pl.DataFrame, list[RowError]]:
    """Every valid record of an energy CSV (``ENERGY_RECORDS``) and the errors, duplicate
    keys included; for files that fit in memory (the balance of a city's year)."""
    chunks = list(checked_chunks(open_energy_file(path, encoding=encoding)))
    valid = (
        pl.concat([c.records for c in chunks])
        if chunks
        else pl.DataFrame(schema={"row": pl.Int64, **dict(ENERGY_RECORDS)})
    )
    error_parts = [pl.DataFrame(schema=ERROR_SCHEMA), *(c.errors for c in chunks)]
    dup = valid.filter(pl.len().over(KEY_COLUMNS) > 1)
    error_parts.append(
        dup.select(
            "row",
            pl.lit("entity_id").alias("column"),
            pl.concat_str([pl.col(c).cast(pl.String) for c in KEY_COLUMNS], separator="|").alias(
                "value"
            ),
            pl.lit("duplicate_key").alias("code"),
            pl.lit(None, pl.String).alias("detail"),
        )
    )
    records = valid.filter(pl.len().over(KEY_COLUMNS) == 1).select(ENERGY_RECORDS.names())
    return records, errors_from_frame(str(path), pl.concat(error_parts))
