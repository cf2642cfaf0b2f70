"""Finite, exact and plausible quantities: the checks every number read from a file or a
request goes through before it reaches the accounting.

A quantity is refused when it is not finite (``nan``, ``inf``), when a non-zero literal
is below ``MIN_NONZERO`` (among them ``1e-400``, which parses to 0.0, and ``4e-320``, a
subnormal that has lost its digits), or
when it exceeds the plausible bound of its energy code (``data/quantity_bounds.csv``) or of
its reading grain (``data/reading_bounds.csv``). The bounds are engineering bounds, derived from
the largest plausible single site with headroom; a city may replace them with its own file
(``CITYCARBON_QUANTITY_BOUNDS``, ``CITYCARBON_READING_BOUNDS``). Configured bounds may not
exceed ``MAX_BOUND``: with every emission factor under 10³ tCO2 per standard unit, a product
stays below 10¹⁸ and a sum over any number of records that fits in memory stays finite.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

import polars as pl

from citycarbon import data
from citycarbon.io.csvtable import read_whole
from citycarbon.io.errors import InputFileError, RowError

MAX_BOUND: Final = 1e15
"""The largest bound a configuration may set, in the standard unit of a code (or kWh)."""
MIN_NONZERO: Final = 1e-6
"""The smallest plausible non-zero number (standard unit, kWh, 万元): a gram of coal, a
hundredth of a cubic metre of gas, a thousandth of a watt-hour. Anything smaller is a slip
or an attack, and ratios of such numbers to the bounds would leave the float range."""
QUANTITY_BOUNDS_ENV: Final = "CITYCARBON_QUANTITY_BOUNDS"
READING_BOUNDS_ENV: Final = "CITYCARBON_READING_BOUNDS"


def _override(env: str, key: str, value: str, known: list[str]) -> dict[str, float]:
    """``{key: bound}`` from the file named by ``env`` (none set: empty); raises on bad rows."""
    name = os.environ.get(env, "").strip()
    if not name:
        return {}
    frame = read_whole(Path(name), (key, value))
    errors: list[RowError] = []
    out: dict[str, float] = {}
    file = Path(name).name
    for row, raw_key, v in frame.select("row", key, value).iter_rows():
        k = (raw_key or "").strip()
        k = "0" + k if key == "energy_code" and len(k) == 1 else k
        try:
            bound = float(v)
        except (TypeError, ValueError):
            bound = float("nan")
        if k not in known:
            errors.append(RowError(file, row, key, "bad_bound_key", value=k))
        elif not 0 < bound <= MAX_BOUND:
            errors.append(
                RowError(file, row, value, "bad_bound", v or "", f"0 < x ≤ {MAX_BOUND:g}")
            )
        else:
            out[k] = bound
    if errors:
        raise InputFileError(errors)
    return out


def quantity_bounds() -> pl.DataFrame:
    """``energy_code``, ``_max_quantity`` (standard unit): shipped bounds, replaced code by
    code by the file named in ``CITYCARBON_QUANTITY_BOUNDS`` (columns ``energy_code``,
    ``max_quantity``)."""
    shipped = data.quantity_bounds()
    override = _override(
        QUANTITY_BOUNDS_ENV, "energy_code", "max_quantity", shipped["energy_code"].to_list()
    )
    bound = pl.col("max_quantity")
    if override:
        bound = pl.col("energy_code").replace_strict(
            override, default=bound, return_dtype=pl.Float64
        )
    return shipped.select("energy_code", bound.alias("_max_quantity"))


def reading_bounds() -> dict[str, float]:
    """Largest kWh of one reading per grain: shipped, replaced grain by grain by the file
    named in ``CITYCARBON_READING_BOUNDS`` (columns ``grain``, ``max_kwh``)."""
    shipped = dict(data.reading_bounds().select("grain", "max_kwh").iter_rows())
    return shipped | _override(READING_BOUNDS_ENV, "grain", "max_kwh", list(shipped))


def underflows(text: pl.Expr, value: pl.Expr) -> pl.Expr:
    """A literal with a non-zero digit in its mantissa whose value is below ``MIN_NONZERO``
    (which includes one that parsed to 0.0 or to a subnormal)."""
    mantissa = text.str.replace(r"[eE].*$", "")
    return value.is_finite() & (value.abs() < MIN_NONZERO) & mantissa.str.contains("[1-9]")


def number_checks(
    column: str, text: pl.Expr, value: pl.Expr, bound: pl.Expr, unit: pl.Expr
) -> list[tuple[pl.Expr, str, str, pl.Expr]]:
    """``(condition, column, code, detail)`` checks on a finite parsed number: underflow, over
    its bound. Text that is no number, or not a finite one, is the caller's ``not_number``."""
    finite = value.is_not_null() & value.is_finite()
    return [
        (finite & underflows(text, value), column, "underflow", pl.lit(None)),
        (
            finite & (value > bound),
            column,
            "over_bound",
            pl.format("> {} {}", bound.cast(pl.String), unit),
        ),
    ]
