"""Reporting periods: ``YYYY``, ``YYYY-Qn``, ``YYYY-MM`` (and ``YYYY-MM-DD`` for days).

A period is kept as text in records; these expressions derive its grain and roll it up.
"""

from __future__ import annotations

from typing import Final, Literal

import polars as pl

Grain = Literal["month", "quarter", "year"]

PERIOD_PATTERN: Final = r"^[12][0-9]{3}(-(0[1-9]|1[0-2])|-Q[1-4])?$"
"""Years 1000-2999 at year, quarter or month grain."""

GRAIN_RANK: Final[dict[str, int]] = {"month": 0, "quarter": 1, "year": 2}
"""Finer grains rank lower; a period can be rolled up to a grain of equal or higher rank."""


def grain_rank_expr(col: str = "period") -> pl.Expr:
    """The ``GRAIN_RANK`` of well-formed periods (malformed ones must be checked apart)."""
    p = pl.col(col)
    return (
        pl.when(p.str.len_bytes() == 4)
        .then(GRAIN_RANK["year"])
        .when(p.str.slice(5, 1) == "Q")
        .then(GRAIN_RANK["quarter"])
        .otherwise(GRAIN_RANK["month"])
    )


def rollup_expr(target: Grain, col: str = "period") -> pl.Expr:
    """Roll well-formed periods at ``target`` grain or finer up to ``target``.

    Periods coarser than ``target`` must have been rejected before (see ``grain_rank_expr``).
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
