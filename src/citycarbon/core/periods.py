"""Reporting periods: ``YYYY``, ``YYYY-Qn``, ``YYYY-MM`` (and ``YYYY-MM-DD`` for days).

A period is kept as text in records; these expressions derive its grain and roll it up.
"""

from __future__ import annotations

import re
from typing import Final, Literal

import polars as pl

Grain = Literal["month", "quarter", "year"]

PERIOD_PATTERN: Final = r"^[12][0-9]{3}(-(0[1-9]|1[0-2])|-Q[1-4])?$"
"""Years 1000-2999 at year, quarter or month grain."""

_RANK: Final = {"month": 0, "quarter": 1, "year": 2}


def period_grain(period: str) -> Grain | None:
    """The grain of one period string, or ``None`` if it is malformed."""
    if not re.match(PERIOD_PATTERN, period):
        return None
    if len(period) == 4:
        return "year"
    return "quarter" if period[5] == "Q" else "month"


def grain_expr(col: str = "period") -> pl.Expr:
    """Expression giving ``month``/``quarter``/``year`` for well-formed periods, else null."""
    p = pl.col(col)
    ok = p.str.contains(PERIOD_PATTERN)
    return (
        pl.when(~ok)
        .then(None)
        .when(p.str.len_bytes() == 4)
        .then(pl.lit("year"))
        .when(p.str.slice(5, 1) == "Q")
        .then(pl.lit("quarter"))
        .otherwise(pl.lit("month"))
    )


def is_finer_or_equal(grain: str, target: Grain) -> bool:
    """True when a period of ``grain`` can be rolled up to ``target``."""
    return _RANK[grain] <= _RANK[target]


def rollup_expr(target: Grain, col: str = "period") -> pl.Expr:
    """Roll well-formed periods at ``target`` grain or finer up to ``target``.

    Periods coarser than ``target`` must have been rejected before (see ``grain_expr``).
    """
    p = pl.col(col)
    if target == "year":
        return p.str.slice(0, 4)
    if target == "month":
        return p
    month = p.str.slice(5, 2).cast(pl.Int32, strict=False)
    quarter_of_month = ((month - 1) // 3 + 1).cast(pl.String)
    return (
        pl.when(p.str.slice(5, 1) == "Q")
        .then(p)
        .otherwise(pl.concat_str(p.str.slice(0, 4), pl.lit("-Q"), quarter_of_month))
    )
