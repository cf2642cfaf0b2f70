"""Inputs of ``citycarbon budget check``: a budgets CSV and an actuals CSV, checked cell by cell,
then as a tree and as periods (``core.budgets.tree_problems``, ``actuals_problems``)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from citycarbon.core.budgets import (
    ACTUAL_COLUMNS,
    ACTUAL_OPTIONAL,
    BUDGET_COLUMNS,
    BUDGET_LEVELS,
    BUDGET_OPTIONAL,
    actuals_problems,
    tree_problems,
)
from citycarbon.core.periods import PERIOD_PATTERN
from citycarbon.io.csvtable import read_whole
from citycarbon.io.errors import RowError, errors_from_frame
from citycarbon.io.grading_inputs import Check, finish_checks, number, number_checks


def _text(col: str) -> pl.Expr:
    return pl.col(col).str.strip_chars().fill_null("")


def _required_number(col: str, positive: bool = False) -> list[Check]:
    value, given = number(col)
    low = (value <= 0, col, "not_positive") if positive else (value < 0, col, "negative_value")
    return [*number_checks(col), (~given, col, "empty_value"), low]


def _optional_number(col: str, positive: bool = False) -> list[Check]:
    value, given = number(col)
    low = (value <= 0, col, "not_positive") if positive else (value < 0, col, "negative_value")
    return [*number_checks(col), (given & low[0], col, low[2])]


def _problem_errors(file: str, problems: pl.DataFrame) -> list[RowError]:
    return [
        RowError(file, row, column, code, value=value or "", detail=detail or "")
        for row, column, code, value, detail in problems.select(
            "row", "column", "code", "value", "detail"
        ).iter_rows()
    ]


def read_budgets(path: Path, encoding: str | None = None) -> tuple[pl.DataFrame, list[RowError]]:
    """Budget lines (``BUDGET_COLUMNS`` + given ``BUDGET_OPTIONAL``, with ``row``); an empty
    ``parent_id`` is a root. Cell errors first; a file whose cells pass is checked as a tree."""
    raw = read_whole(path, BUDGET_COLUMNS, BUDGET_OPTIONAL, encoding)
    raw = raw.with_columns(
        _text(c) for c in ("budget_id", "level", "subject_id", "parent_id", "year")
    )
    present = [c for c in BUDGET_OPTIONAL if c in raw.columns]
    checks: list[Check] = [
        (pl.col("budget_id") == "", "budget_id", "empty_value"),
        (pl.col("subject_id") == "", "subject_id", "empty_value"),
        (~pl.col("level").is_in(BUDGET_LEVELS), "level", "unknown_level"),
        (~pl.col("year").str.contains(r"^[12][0-9]{3}$"), "year", "bad_year"),
        *_required_number("budget_tco2"),
    ]
    for col in present:
        checks += _optional_number(col, positive=col == "budget_intensity_tco2_per_10k_yuan")
    valid, errors = finish_checks(raw, checks, ["budget_id"])
    file = str(path)
    found = errors_from_frame(file, errors)
    lines = valid.select(
        "row",
        "budget_id",
        "level",
        "subject_id",
        pl.col("parent_id").replace("", None),
        pl.col("year").cast(pl.Int32),
        number("budget_tco2")[0].alias("budget_tco2"),
        *[number(c)[0].alias(c) for c in present],
    )
    if not found:
        found = _problem_errors(file, tree_problems(lines))
    return lines, found


def read_actuals(
    path: Path, as_of: str, encoding: str | None = None
) -> tuple[pl.DataFrame, list[RowError]]:
    """Actuals (``ACTUAL_COLUMNS`` + given ``ACTUAL_OPTIONAL``, with ``row``) for monitoring at
    ``as_of``: periods as ``citycarbon emissions`` writes them; an empty source is accounted."""
    raw = read_whole(path, ACTUAL_COLUMNS, ACTUAL_OPTIONAL, encoding)
    raw = raw.with_columns(_text("subject_id"), _text("period"))
    if "source" in raw.columns:
        raw = raw.with_columns(_text("source").replace("", None))
    present = [c for c in ACTUAL_OPTIONAL[:2] if c in raw.columns]
    checks: list[Check] = [
        (pl.col("subject_id") == "", "subject_id", "empty_value"),
        (~pl.col("period").str.contains(PERIOD_PATTERN), "period", "bad_period"),
        *_required_number("tco2"),
    ]
    for col in present:
        checks += _optional_number(col)
    valid, errors = finish_checks(raw, checks, ["subject_id", "period"])
    file = str(path)
    found = errors_from_frame(file, errors)
    rows = valid.select(
        "row",
        "subject_id",
        "period",
        number("tco2")[0].alias("tco2"),
        *[number(c)[0].alias(c) for c in present],
        *(["source"] if "source" in valid.columns else []),
    )
    problems = actuals_problems(rows, as_of)
    return rows, sorted(found + _problem_errors(file, problems), key=lambda e: e.row)
