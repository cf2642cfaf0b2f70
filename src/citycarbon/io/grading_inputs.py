"""Inputs of ``citycarbon grade``: an emissions CSV and an economics CSV, checked cell by cell."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final

import polars as pl

from citycarbon.core.periods import PERIOD_PATTERN
from citycarbon.io.csvtable import error_rows, read_whole
from citycarbon.io.errors import ERROR_SCHEMA, RowError, errors_from_frame
from citycarbon.io.numbers import MAX_BOUND, underflows

EMISSIONS_REQUIRED: Final = ("entity_id", "period", "total_tco2")
EMISSIONS_OPTIONAL: Final = ("energy_tce", "scope1_tco2", "scope2_tco2", "factor_set")
ECONOMICS_REQUIRED: Final = ("entity_id", "year", "industry_code", "value_added_10k_yuan")
ECONOMICS_OPTIONAL: Final = ("district_code",)
INDUSTRY_PATTERN: Final = r"^[A-Z]?[0-9]{2,4}$"
MIN_VALUE_ADDED_10K_YUAN: Final = 1e-4
"""Least positive value added (1 yuan): an intensity over less is no figure at all and, over
a subnormal value added, not even a finite one."""


def _duplicates(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    dup = frame.filter(pl.len().over(keys) > 1)
    return dup.select(
        "row",
        pl.lit(keys[0]).alias("column"),
        pl.concat_str(keys, separator="|").alias("value"),
        pl.lit("duplicate_row").alias("code"),
        pl.concat_str(
            pl.lit("rows "),
            pl.col("row").cast(pl.String).str.join(", ").over(keys),
        ).alias("detail"),
    )


Check = tuple[pl.Expr, str, str] | tuple[pl.Expr, str, str, pl.Expr]
"""``(condition, column, code[, detail])``: the rows where ``condition`` holds are refused."""


def finish_checks(
    frame: pl.DataFrame, checks: Sequence[Check], keys: list[str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    errors = pl.concat(
        [error_rows(frame, c[0], c[1], c[2], c[3] if len(c) == 4 else pl.lit(None)) for c in checks]
    ).cast(dict(ERROR_SCHEMA))  # type: ignore[arg-type]
    ok = frame.filter(~pl.col("row").is_in(errors["row"].implode()))
    dup = _duplicates(ok, keys).cast(dict(ERROR_SCHEMA))  # type: ignore[arg-type]
    errors = pl.concat([errors, dup])
    valid = ok.filter(~pl.col("row").is_in(dup["row"].implode()))
    return valid, errors


def number(col: str) -> tuple[pl.Expr, pl.Expr]:
    value = pl.col(col).str.strip_chars().cast(pl.Float64, strict=False)
    given = pl.col(col).str.strip_chars().fill_null("") != ""
    return value, given


def number_checks(col: str) -> list[tuple[pl.Expr, str, str]]:
    """A given cell that is not a finite number, underflows, or exceeds ``MAX_BOUND``."""
    value, given = number(col)
    return [
        (given & (value.is_null() | ~value.is_finite()), col, "not_number_value"),
        (value.is_finite() & underflows(pl.col(col).str.strip_chars(), value), col, "underflow"),
        (value.is_finite() & (value.abs() > MAX_BOUND), col, "over_bound"),
    ]


def read_emissions(path: Path, encoding: str | None = None) -> tuple[pl.DataFrame, list[RowError]]:
    """Emissions at any grain: ``entity_id, period, total_tco2`` (+ optional scope columns)."""
    raw = read_whole(path, EMISSIONS_REQUIRED, EMISSIONS_OPTIONAL, encoding)
    raw = raw.with_columns(
        pl.col("entity_id").str.strip_chars().fill_null(""),
        pl.col("period").str.strip_chars().fill_null(""),
    )
    total, given = number("total_tco2")
    checks = [
        (pl.col("entity_id") == "", "entity_id", "empty_entity"),
        (~pl.col("period").str.contains(PERIOD_PATTERN), "period", "bad_period"),
        *number_checks("total_tco2"),
        (~given, "total_tco2", "not_number_value"),
        (total < 0, "total_tco2", "negative_value"),
    ]
    present = [c for c in EMISSIONS_OPTIONAL[:3] if c in raw.columns]
    for col in present:
        checks += number_checks(col)
    valid, errors = finish_checks(raw, checks, ["entity_id", "period"])
    out = valid.select(
        "entity_id",
        "period",
        total.alias("total_tco2"),
        *[number(c)[0].alias(c) for c in present],
    )
    return out, errors_from_frame(str(path), errors)


def economics_rows(
    path: Path,
    encoding: str | None = None,
    optional: tuple[str, ...] = ECONOMICS_OPTIONAL,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Economics rows that pass the cell checks (text columns, trimmed, with ``row``; the
    industry code upper-cased) and the errors of the others (``ERROR_SCHEMA``). A given
    optional number column (not ``district_code``) is checked like value added."""
    raw = read_whole(path, ECONOMICS_REQUIRED, optional, encoding, progress)
    code = pl.col("industry_code").str.strip_chars().str.to_uppercase().fill_null("")
    raw = raw.with_columns(
        pl.col("entity_id").str.strip_chars().fill_null(""),
        pl.col("year").str.strip_chars().fill_null(""),
        code.alias("industry_code"),
    )
    va, _ = number("value_added_10k_yuan")
    checks = [
        (pl.col("entity_id") == "", "entity_id", "empty_entity"),
        (~pl.col("year").str.contains(r"^[12][0-9]{3}$"), "year", "bad_year"),
        (
            (pl.col("industry_code") != "")
            & ~pl.col("industry_code").str.contains(INDUSTRY_PATTERN),
            "industry_code",
            "bad_industry",
        ),
        *number_checks("value_added_10k_yuan"),
        (
            va.is_finite() & (va > 0) & (va < MIN_VALUE_ADDED_10K_YUAN),
            "value_added_10k_yuan",
            "value_added_too_small",
        ),
    ]
    for col in optional:
        if col != "district_code" and col in raw.columns:
            checks += number_checks(col)
    return finish_checks(raw, checks, ["entity_id", "year"])


def read_economics(path: Path, encoding: str | None = None) -> tuple[pl.DataFrame, list[RowError]]:
    """Economics per enterprise-year; an empty value added is kept (the enterprise is ungraded)."""
    valid, errors = economics_rows(path, encoding)
    va, _ = number("value_added_10k_yuan")
    district = (
        pl.col("district_code").str.strip_chars()
        if "district_code" in valid.columns
        else pl.lit(None, pl.String)
    )
    out = valid.select(
        "entity_id",
        pl.col("year").cast(pl.Int32),
        industry_digits().alias("industry_code"),
        va.alias("value_added_10k_yuan"),
        district.alias("district_code"),
    )
    return out, errors_from_frame(str(path), errors)


def industry_digits(col: str = "industry_code") -> pl.Expr:
    """A checked GB/T 4754 code as the platform stores it: digits only (the section letter
    dropped), ``None`` when empty."""
    return pl.col(col).str.replace(r"^[A-Z]", "").replace("", None)
