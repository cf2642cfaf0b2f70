"""Plan targets published in the seed documents (规划目标), one row per target and year.

``seed_targets.csv`` holds, per target: the city and subject (``subject_type`` city,
district, department or park), the indicator (Chinese name and a stable key), its unit, the
base year (empty for a level to reach rather than a change against a base year), the target
year, the value, how it compares (``le`` at most, ``ge`` at least, ``lt`` before, ``approx``
about: "左右"), the basic and incentive thresholds (the seeds give one value per target, so
the basic threshold is the value and no incentive threshold is published; D12 names the
two-target system without figures), the source document (seed id and title), the verbatim
Chinese quote the figure is read from, and the confidence mark (C: read in the document).
A change target's value is in percent against the base year, negative for a decrease.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import polars as pl

__all__ = ["SUBJECT_TYPES", "seed_targets"]

SUBJECT_TYPES = ("city", "district", "department", "park")


@cache
def _read() -> pl.DataFrame:
    ref = resources.files(__package__).joinpath("seed_targets.csv")
    return pl.read_csv(ref.read_bytes(), infer_schema=False)


def seed_targets() -> pl.DataFrame:
    """Every plan target of the seed documents, typed (years as integers, values as floats)."""
    return _read().with_columns(
        pl.col("base_year", "target_year").cast(pl.Int32),
        pl.col("value", "basic_value", "incentive_value").cast(pl.Float64),
    )
