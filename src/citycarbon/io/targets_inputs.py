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
TARGETS_OPTIONAL: Final = ("incentive_change_pct", "per_year")
TRUE_MARKS: Final = ("1", "true", "yes", "是")
FALSE_MARKS: Final = ("", "0", "false", "no", "否")
"""``per_year`` (the target values are rates per year, 年均): one of these, any case."""
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
    if "per_year" not in raw.columns:
        raw = raw.with_columns(pl.lit("", pl.String).alias("per_year"))
    rate = pl.col("per_year").str.strip_chars().fill_null("").str.to_lowercase()
    checks.append((~rate.is_in([*TRUE_MARKS, *FALSE_MARKS]), "per_year", "bad_choice"))
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
        rate.is_in(TRUE_MARKS).alias("per_year"),
    )
    return out.cast({k: v for k, v in TARGETS.items()}), errors_from_frame(str(path), errors)


def read_values(
    path: Path, encoding: str | None = None
) -> tuple[pl.DataFrame, pl.DataFrame, list[RowError]]:
    """The observed changes (``core.targets.CHANGES``), the absolute values
    (``core.targets.VALUES``), each with its ``row``, and the errors. ``year`` is ``YYYY``
    or a span ``YYYY-YYYY`` whose change is cumulative over the span; a row gives
    ``change_pct`` or ``value``."""
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
        (number("value")[0].is_finite() & (number("value")[0] <= 0), "value", "not_positive"),
    ]
    valid, errors = finish_checks(raw, checks, ["subject_id", "indicator", "year"])
    changes = valid.filter(has_change).select(
        "row",
        "subject_id",
        "indicator",
        first.alias("year_from"),
        last.alias("year_to"),
        number("change_pct")[0].alias("change_pct"),
    )
    values = valid.filter(has_value).select(
        "row", "subject_id", "indicator", first.alias("year"), number("value")[0].alias("value")
    )
    return changes.cast(CHANGES), values.cast(VALUES), errors_from_frame(str(path), errors)


KEYS: Final = ["subject_id", "indicator"]


def _observed_rows(changes: pl.DataFrame, values: pl.DataFrame) -> pl.DataFrame:
    """Every row of a values file as ``row, subject_id, indicator, year_from, year_to,
    absolute``."""
    return pl.concat(
        [
            changes.select("row", *KEYS, "year_from", "year_to", pl.lit(False).alias("absolute")),
            values.select(
                "row",
                *KEYS,
                pl.col("year").alias("year_from"),
                pl.col("year").alias("year_to"),
                pl.lit(True).alias("absolute"),
            ),
        ]
    )


def _year_text(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}-{last}"


def check_values_against_targets(
    targets: pl.DataFrame, changes: pl.DataFrame, values: pl.DataFrame, file: str
) -> tuple[list[RowError], list[tuple[str, str, int]]]:
    """Rows of the values file (``read_values``) outside the years of every target of their
    subject and indicator (``year_outside_target``: a change must fall in base_year+1 …
    target_year, an absolute value in base_year … target_year), and the (subject, indicator,
    rows) that no target has (to warn about: they are ignored)."""
    rows = _observed_rows(changes, values)
    windows = targets.select(*KEYS, "base_year", "target_year")
    known = rows.join(windows.select(KEYS).unique(), on=KEYS, how="semi")
    unknown = (
        rows.join(windows.select(KEYS).unique(), on=KEYS, how="anti")
        .group_by(KEYS)
        .agg(pl.len().alias("rows"))
        .sort(KEYS)
    )
    first = pl.col("base_year") + pl.when(pl.col("absolute")).then(0).otherwise(1)
    inside = (
        known.join(windows, on=KEYS)
        .filter((pl.col("year_from") >= first) & (pl.col("year_to") <= pl.col("target_year")))
        .select("row")
        .unique()
    )
    spans = (
        windows.group_by(KEYS)
        .agg(pl.col("base_year").min(), pl.col("target_year").max())
        .select(*KEYS, pl.format("{}–{}", "base_year", "target_year").alias("years"))
    )
    outside = known.join(inside, on="row", how="anti").join(spans, on=KEYS).sort("row")
    errors = [
        RowError(
            file=file,
            row=r["row"],
            column="year",
            code="year_outside_target",
            value=_year_text(r["year_from"], r["year_to"]),
            detail=r["years"],
        )
        for r in outside.iter_rows(named=True)
    ]
    return errors, [(s, i, n) for s, i, n in unknown.iter_rows()]


def problem_rows(
    problems: pl.DataFrame,
    targets: pl.DataFrame,
    changes: pl.DataFrame,
    values: pl.DataFrame,
    targets_file: str,
    values_file: str,
) -> list[RowError]:
    """``core.targets.PROBLEMS`` as row errors at the values rows that cause them: for a gap
    the rows either side of the missing years, for an overlap the rows covering the year
    twice; at the target's row of the targets file only when no values row borders it."""
    rows = _observed_rows(changes, values)
    by_target = {r["target_id"]: r for r in targets.iter_rows(named=True)}
    out: list[RowError] = []
    for target_id, code, year, detail in problems.iter_rows():
        t = by_target[target_id]
        mine = rows.filter(
            (pl.col("subject_id") == t["subject_id"]) & (pl.col("indicator") == t["indicator"])
        )
        if code == "gap":
            last = int(detail.rsplit("–", 1)[-1])
            cause = mine.filter((pl.col("year_to") == year - 1) | (pl.col("year_from") == last + 1))
        else:
            cause = mine.filter((pl.col("year_from") <= year) & (pl.col("year_to") >= year))
        found = [
            RowError(
                file=values_file,
                row=r["row"],
                column="year",
                value=_year_text(r["year_from"], r["year_to"]),
                code=f"target_{code}",
                detail=f"{target_id}: {detail}",
            )
            for r in cause.sort("row").iter_rows(named=True)
        ]
        out += found or [
            RowError(
                file=targets_file,
                row=t["row"],
                column="target_id",
                value=target_id,
                code=f"target_{code}",
                detail=detail,
            )
        ]
    return out


REGISTRY_REQUIRED: Final = (
    "target_id",
    "subject_type",
    "subject_name",
    "indicator",
    "indicator_zh",
    "unit",
    "target_year",
    "value",
    "comparison",
    "source_title",
    "quote",
)
REGISTRY_OPTIONAL: Final = (
    "city",
    "subject_key",
    "base_year",
    "basic_value",
    "incentive_value",
    "source_doc",
    "confidence",
)
SUBJECT_TYPES: Final = ("city", "district", "department", "park")
COMPARISONS: Final = ("le", "ge", "lt", "approx")
CONFIDENCE_MARKS: Final = ("C", "S", "I")


def read_registry(path: Path, encoding: str | None = None) -> tuple[pl.DataFrame, list[RowError]]:
    """A targets registry file (the columns of ``data/targets/seed_targets.csv``), typed as
    ``data.targets.seed_targets`` gives it, and the errors."""
    raw = read_whole(path, REGISTRY_REQUIRED, REGISTRY_OPTIONAL, encoding)
    for col in REGISTRY_OPTIONAL:
        if col not in raw.columns:
            raw = raw.with_columns(pl.lit(None, pl.String).alias(col))
    texts = [c for c in (*REGISTRY_REQUIRED, *REGISTRY_OPTIONAL) if c not in ("value",)]
    raw = raw.with_columns(_text(*texts))
    required_text = ("target_id", "subject_name", "indicator", "indicator_zh", "quote")
    base, target = (pl.col(c).cast(pl.Int32, strict=False) for c in ("base_year", "target_year"))
    checks = [
        *((pl.col(c) == "", c, "empty_value") for c in required_text),
        (~pl.col("subject_type").is_in(SUBJECT_TYPES), "subject_type", "bad_choice"),
        (~pl.col("comparison").is_in(COMPARISONS), "comparison", "bad_choice"),
        (
            (pl.col("confidence") != "") & ~pl.col("confidence").is_in(CONFIDENCE_MARKS),
            "confidence",
            "bad_choice",
        ),
        (~pl.col("target_year").str.contains(YEAR), "target_year", "bad_year"),
        (
            (pl.col("base_year") != "") & ~pl.col("base_year").str.contains(YEAR),
            "base_year",
            "bad_year",
        ),
        ((pl.col("base_year") != "") & (target <= base), "target_year", "bad_target_year"),
        *number_checks("value"),
        (~number("value")[1], "value", "empty_value"),
        *number_checks("basic_value"),
        *number_checks("incentive_value"),
    ]
    valid, errors = finish_checks(raw, checks, ["target_id"])
    empty = pl.lit(None, pl.String)
    out = valid.select(
        "target_id",
        pl.col("city"),
        "subject_type",
        "subject_name",
        pl.col("subject_key").replace("", None),
        "indicator_zh",
        "indicator",
        "unit",
        base.alias("base_year"),
        target.alias("target_year"),
        number("value")[0].alias("value"),
        "comparison",
        number("basic_value")[0].alias("basic_value"),
        number("incentive_value")[0].alias("incentive_value"),
        pl.col("source_doc"),
        "source_title",
        "quote",
        pl.when(pl.col("confidence") == "")
        .then(pl.lit("I"))
        .otherwise(pl.col("confidence"))
        .alias("confidence"),
    ).with_columns(pl.col("city").fill_null(empty))
    return out, errors_from_frame(str(path), errors)
