"""Versioned data of the construction-project carbon assessment (碳评, docs/assessment.md).

``replacement_ratios.csv``: the energy-use replacement ratio (用能减量替代) per GB/T 4754
industry prefix (``*`` any) and project type (``*`` any), on the project's energy (``energy``)
or on its coal (``coal``), each row with the verbatim quote, source and confidence mark
(C read in the seed document; I a configurable platform default).

``thresholds.csv``: the verdict rules: a metric whose value is strictly above ``above`` gives
the reason ``code`` and at least the verdict ``effect``; each rule names its source or is
marked I (configurable, none published).
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import polars as pl

__all__ = ["replacement_ratios", "thresholds"]


@cache
def _read(name: str) -> pl.DataFrame:
    ref = resources.files(__package__).joinpath(f"{name}.csv")
    return pl.read_csv(ref.read_bytes(), infer_schema=False)


def replacement_ratios() -> pl.DataFrame:
    """Replacement ratios by industry prefix and project type, ``ratio`` as a float."""
    return _read("replacement_ratios").with_columns(pl.col("ratio").cast(pl.Float64))


def thresholds() -> pl.DataFrame:
    """Verdict rules, ``above`` as a float."""
    return _read("thresholds").with_columns(pl.col("above").cast(pl.Float64))
