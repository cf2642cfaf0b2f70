"""Declared frame schemas that the domain modules pass to each other.

Units live in the column names (``_tce``, ``_tco2``, ``_mwh``); quantities of energy
records are in the standard unit of their 205-1 energy code.
"""

from __future__ import annotations

from typing import Final

import polars as pl

PURPOSES: Final = ("fuel", "feedstock", "green_purchase", "self_generated", "non_industrial")
"""What an energy record was used for. Records of different purposes are disjoint parts.
``fuel`` is industrial production use other than feedstock (205-1 工业生产消费 less 用作原材料);
``non_industrial`` is 205-1 非工业生产消费 (canteens, dormitories, offices): burnt or bought
like fuel and counted in energy and CO2 the same way, but kept apart so that it can be told
from production use."""

Purpose = pl.Enum(list(PURPOSES))

METHOD_VERSION: Final = "accounting/1"
"""Bumped whenever a change to the accounting engine can change a result."""

ENERGY_RECORDS: Final = pl.Schema(
    {
        "entity_id": pl.String(),
        "period": pl.String(),
        "energy_code": pl.String(),
        "quantity": pl.Float64(),
        "purpose": Purpose,
    }
)
"""Validated energy records, quantity in the standard unit of the energy code."""

ENERGY_MIX_CATEGORIES: Final = ("coal", "oil", "gas", "electricity_heat", "other")
"""205-1 energy categories of the energy-structure (能源结构) figures."""

TOP_SOURCES: Final = 3
"""How many of the largest sources (by CO2) the detailed output names."""

EMISSIONS: Final = pl.Schema(
    {
        "entity_id": pl.String,
        "period": pl.String,
        "energy_tce": pl.Float64,
        "scope1_tco2": pl.Float64,
        "scope2_tco2": pl.Float64,
        "total_tco2": pl.Float64,
        "factor_set": pl.String,
    }
)
"""Emissions by entity and period: the output contract of ``citycarbon emissions``."""

EMISSIONS_DETAIL: Final = pl.Schema(
    {
        "feedstock_tce": pl.Float64,
        "renewable_tce": pl.Float64,
        "green_purchase_mwh": pl.Float64,
        "self_generated_mwh": pl.Float64,
        "netted_tco2": pl.Float64,
        **{f"{c}_tce": pl.Float64 for c in ENERGY_MIX_CATEGORIES},
        "largest_sources": pl.String,
    }
)
"""Extra columns of the detailed output, reported beside the contract columns: energy by
205-1 category (all purposes) and the largest sources as ``code:tCO2;…`` text."""


def check_schema(frame: pl.DataFrame | pl.LazyFrame, schema: pl.Schema, what: str) -> None:
    """Raise ``ValueError`` when ``frame`` lacks a column of ``schema`` or has another dtype."""
    have = frame.collect_schema() if isinstance(frame, pl.LazyFrame) else frame.schema
    for name, dtype in schema.items():
        if name not in have:
            msg = f"{what}: missing column {name!r}"
            raise ValueError(msg)
        if have[name] != dtype:
            msg = f"{what}: column {name!r} is {have[name]}, expected {dtype}"
            raise ValueError(msg)
