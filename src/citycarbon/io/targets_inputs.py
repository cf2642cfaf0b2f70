"""Inputs of ``citycarbon targets progress``: a targets CSV and a values CSV (changes per
year or span, or absolute values), checked cell by cell."""

from __future__ import annotations

from pathlib import Path
from typing import Final

import polars as pl

from citycarbon.core.targets import CHANGES, TARGETS, VALUES
from citycarbon.io.csvtable import read_whole
from citycarbon.io.errors import RowError, errors_from_frame
from citycarbon.io.grading_inputs import finish_checks, number, number_checks

TARGETS_REQUIRED: Final = (
    "target_id",
    "subject_id",
    "indicator",
    "base_year",
    "target_year",
    "target_change_pct",
)
TARGETS_OPTIONAL: Final = ("incentive_change_pct",)
VALUES_REQUIRED: Final = ("subject_id", "indicator", "year")
VALUES_OPTIONAL: Final = ("change_pct", "value")
YEAR: Final = r"^[12][0-9]{3}$"
YEAR_OR_SPAN: Final = r"^[12][0-9]{3}(-[12][0-9]{3})?$"


def _text(*names: str) -> list[pl.Expr]:
    return [pl.col(n).str.strip_chars().fill_null("") for n in names]


def _change_checks(col: str, *, required: bool) -> list[tuple[pl.Expr, str, str]]:
    value, given = number(col)
    checks = [
        *number_checks(col),
        (value.is_finite() & (value <= -100), col, "change_out_of_range"),
    ]
    if required:
        checks.append((~given, col, "empty_value"))
    return checks


def read_targets(path: Path, encoding: str | None = None) -> tuple[pl.DataFrame, list[RowError]]:
    """``core.targets.TARGETS`` plus ``row`` (the line of each target, for later reports)."""
    raw = read_whole(path, TARGETS_REQUIRED, TARGETS_OPTIONAL, encoding)
    raw = raw.with_columns(
        _text("target_id", "subject_id", "indicator", "base_year", "target_year")
    )
    base = pl.col("base_year").cast(pl.Int32, strict=False)
    target = pl.col("target_year").cast(pl.Int32, strict=False)
    checks = [
        *((pl.col(c) == "", c, "empty_value") for c in ("target_id", "subject_id", "indicator")),
        (~pl.col("base_year").str.contains(YEAR), "base_year", "bad_year"),
        (~pl.col("target_year").str.contains(YEAR), "target_year", "bad_year"),
        (
            pl.col("base_year").str.contains(YEAR)
            & pl.col("target_year").str.contains(YEAR)
            & (target <= base),
            "target_year",
            "bad_target_year",
        ),
        *_change_checks("target_change_pct", required=True),
    ]
    has_incentive = "incentive_change_pct" in raw.columns
    if has_incentive:
        checks += _change_checks("incentive_change_pct", required=False)
    valid, errors = finish_checks(raw, checks, ["target_id"])
    incentive = number("incentive_change_pct")[0] if has_incentive else pl.lit(None, pl.Float64)
    out = valid.select(
        "row",
        "target_id",
        "subject_id",
        "indicator",
        base.alias("base_year"),
        target.alias("target_year"),
        number("target_change_pct")[0].alias("target_change_pct"),
        incentive.alias("incentive_change_pct"),
    )
    return out.cast({k: v for k, v in TARGETS.items()}), errors_from_frame(str(path), errors)


def read_values(
    path: Path, encoding: str | None = None
) -> tuple[pl.DataFrame, pl.DataFrame, list[RowError]]:
    """The observed changes (``core.targets.CHANGES``), the absolute values
    (``core.targets.VALUES``) and the errors. ``year`` is ``YYYY`` or a span ``YYYY-YYYY``
    whose change is cumulative over the span; a row gives ``change_pct`` or ``value``."""
    raw = read_whole(path, VALUES_REQUIRED, VALUES_OPTIONAL, encoding)
    for col in VALUES_OPTIONAL:
        if col not in raw.columns:
            raw = raw.with_columns(pl.lit(None, pl.String).alias(col))
    raw = raw.with_columns(_text("subject_id", "indicator", "year"))
    first = pl.col("year").str.slice(0, 4).cast(pl.Int32, strict=False)
    last = pl.coalesce(pl.col("year").str.slice(5, 4).cast(pl.Int32, strict=False), first)
    _, has_change = number("change_pct")
    _, has_value = number("value")
    is_span = pl.col("year").str.contains("-")
    checks = [
        *((pl.col(c) == "", c, "empty_value") for c in ("subject_id", "indicator")),
        (
            ~pl.col("year").str.contains(YEAR_OR_SPAN)
            | (pl.col("year").str.contains(YEAR_OR_SPAN) & (last < first)),
            "year",
            "bad_year_or_span",
        ),
        (has_change == has_value, "change_pct", "change_or_value"),
        (has_value & is_span, "year", "value_needs_year"),
        *_change_checks("change_pct", required=False),
        *number_checks("value"),
    ]
    valid, errors = finish_checks(raw, checks, ["subject_id", "indicator", "year"])
    changes = valid.filter(has_change).select(
        "subject_id",
        "indicator",
        first.alias("year_from"),
        last.alias("year_to"),
        number("change_pct")[0].alias("change_pct"),
    )
    values = valid.filter(has_value).select(
        "subject_id", "indicator", first.alias("year"), number("value")[0].alias("value")
    )
    return changes.cast(CHANGES), values.cast(VALUES), errors_from_frame(str(path), errors)
