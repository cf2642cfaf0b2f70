"""Energy records → standard coal and CO2 by scope (能源消费量折标与碳排放核算).

Methods (see ``docs/methods.md``):

- Standard coal: quantity × the GB/T 2589 reference coefficient of its 205-1 code;
  electricity at its calorific equivalent 0.1229 kgce/kWh (当量值) by default, or the
  coal-equivalent value (等价值) of the factor set when asked.
- Scope 1, fuel combustion (GB/T 32150, NDRC guidelines): AD × NCV × CC × OF × 44/12;
  worked example: 1 万立方米 of natural gas × 389.31 GJ × 0.0153 tC/GJ × 0.99 × 44/12
  = 21.62 tCO2. Energy used as feedstock (用作原材料) counts in energy, not in CO2.
- Scope 2: purchased electricity MWh × grid factor, purchased heat GJ × 0.11 tCO2/GJ.
- Zero-carbon netting (碳效评价方法 §1.2 核减): purchased green electricity (绿电) and
  self-generated renewable electricity count in energy but carry no CO2; the CO2 they avoid
  at the grid factor is reported as ``netted_tco2``.

Records of one entity are independent of every other entity's, so the pipeline maps per
partition and combines by summation.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from citycarbon.core.factors import MWH_PER_10K_KWH, FactorSet
from citycarbon.core.periods import Grain, rollup_expr
from citycarbon.core.schemas import (
    EMISSIONS_DETAIL,
    ENERGY_MIX_CATEGORIES,
    ENERGY_RECORDS,
    TOP_SOURCES,
    check_schema,
)

_SUM_COLUMNS: Final = ("energy_tce", "scope1_tco2", "scope2_tco2")
_PROFILE_COLUMNS: Final = (*(f"{c}_tce" for c in ENERGY_MIX_CATEGORIES), "largest_sources")
_RECORD_DETAIL: Final = tuple(c for c in EMISSIONS_DETAIL.names() if c not in _PROFILE_COLUMNS)

__all__ = [
    "account_records",
    "emissions_by_period",
    "partial_emissions",
    "sum_emissions",
]


def _factor_frame(factors: FactorSet) -> pl.LazyFrame:
    return factors.energy.lazy().select(
        "energy_code",
        "tce_per_unit",
        "scope1_tco2_per_unit",
        "scope2_tco2_per_unit",
        "grid_tco2_per_unit",
        "renewable",
    )


def _record_terms(detail: bool) -> list[pl.Expr]:
    q = pl.col("quantity")
    purpose = pl.col("purpose")
    combusted = purpose.is_in(["fuel", "non_industrial"]).cast(pl.Float64)
    terms = [
        (q * pl.col("tce_per_unit")).alias("energy_tce"),
        (q * pl.col("scope1_tco2_per_unit") * combusted).alias("scope1_tco2"),
        (q * pl.col("scope2_tco2_per_unit") * combusted).alias("scope2_tco2"),
    ]
    if detail:
        zero_carbon = purpose.is_in(["green_purchase", "self_generated"])
        mwh = q * MWH_PER_10K_KWH
        terms += [
            pl.when(purpose == "feedstock")
            .then(q * pl.col("tce_per_unit"))
            .otherwise(0.0)
            .alias("feedstock_tce"),
            pl.when(pl.col("renewable") | zero_carbon)
            .then(q * pl.col("tce_per_unit"))
            .otherwise(0.0)
            .alias("renewable_tce"),
            pl.when(purpose == "green_purchase")
            .then(mwh)
            .otherwise(0.0)
            .alias("green_purchase_mwh"),
            pl.when(purpose == "self_generated")
            .then(mwh)
            .otherwise(0.0)
            .alias("self_generated_mwh"),
            pl.when(zero_carbon)
            .then(q * pl.col("grid_tco2_per_unit"))
            .otherwise(0.0)
            .alias("netted_tco2"),
        ]
    return terms


def _joined(records: pl.LazyFrame, factors: FactorSet) -> pl.LazyFrame:
    check_schema(records, ENERGY_RECORDS, "energy records")
    return records.join(_factor_frame(factors), on="energy_code", how="left", maintain_order="left")


def account_records(
    records: pl.LazyFrame, factors: FactorSet, *, detail: bool = False
) -> pl.LazyFrame:
    """Per-record results: the records with ``energy_tce``, ``scope1_tco2``, ``scope2_tco2``,
    ``total_tco2`` and ``factor_set`` (and the detail columns when asked).

    Records must have the ``ENERGY_RECORDS`` schema and codes known to the catalogue.
    """
    return (
        _joined(records, factors)
        .with_columns(_record_terms(detail))
        .with_columns(
            (pl.col("scope1_tco2") + pl.col("scope2_tco2")).alias("total_tco2"),
            pl.lit(factors.label).alias("factor_set"),
        )
        .drop(
            "tce_per_unit",
            "scope1_tco2_per_unit",
            "scope2_tco2_per_unit",
            "grid_tco2_per_unit",
            "renewable",
        )
    )


def partial_emissions(
    records: pl.LazyFrame,
    factors: FactorSet,
    grain: Grain = "year",
    *,
    detail: bool = False,
) -> pl.LazyFrame:
    """The map step: sums per entity and period at ``grain`` (and per energy code when
    ``detail``, so that categories and largest sources can be formed after combining).

    Results of disjoint record sets combine with ``sum_emissions``.
    """
    return (
        _joined(records, factors)
        .select(
            "entity_id",
            rollup_expr(grain).alias("period"),
            "energy_code",
            *_record_terms(detail),
        )
        .pipe(_sum, detail)
    )


def emissions_by_period(
    records: pl.LazyFrame,
    factors: FactorSet,
    grain: Grain = "year",
    *,
    detail: bool = False,
) -> pl.LazyFrame:
    """Energy and CO2 per entity and period at ``grain``, one row each, sorted.

    Every record's period must be at ``grain`` or finer. The result has the ``EMISSIONS``
    schema (plus ``EMISSIONS_DETAIL`` when ``detail``).
    """
    return _entities(partial_emissions(records, factors, grain, detail=detail), factors, detail)


def sum_emissions(
    partials: pl.LazyFrame, factors: FactorSet, *, detail: bool = False
) -> pl.LazyFrame:
    """The combine step after a map over partitions (file batches, districts, Spark
    partitions): results of ``partial_emissions`` on disjoint record sets sum to the result
    on their union.
    """
    return _entities(_sum(partials, detail), factors, detail)


def _columns(detail: bool) -> list[str]:
    return list(_SUM_COLUMNS) + (list(_RECORD_DETAIL) if detail else [])


def _sum(frame: pl.LazyFrame, detail: bool) -> pl.LazyFrame:
    """Sums per entity and period, and per energy code when ``detail``."""
    keys = ["entity_id", "period", *(["energy_code"] if detail else [])]
    return frame.group_by(keys).agg(pl.col(c).sum() for c in _columns(detail))


def _entities(sums: pl.LazyFrame, factors: FactorSet, detail: bool) -> pl.LazyFrame:
    """Summed partials → the result rows, one per entity and period."""
    return _by_entity(sums, factors) if detail else _finish(sums, factors.label, [])


def _by_entity(per_code: pl.LazyFrame, factors: FactorSet) -> pl.LazyFrame:
    """Per-code sums → one row per entity and period with energy by category and the largest
    sources (CO2 of a code over all its purposes, largest first, ties by code)."""
    co2 = pl.col("scope1_tco2") + pl.col("scope2_tco2")
    source = pl.concat_str(pl.col("energy_code"), pl.lit(":"), co2.round(1).cast(pl.String))
    categories = [
        pl.col("energy_tce").filter(pl.col("category") == c).sum().alias(f"{c}_tce")
        for c in ENERGY_MIX_CATEGORIES
    ]
    return (
        per_code.join(
            factors.energy.lazy().select("energy_code", "category"), on="energy_code", how="left"
        )
        .sort("energy_code")
        .group_by("entity_id", "period")
        .agg(
            *(pl.col(c).sum() for c in _columns(detail=True)),
            *categories,
            source.filter(co2 > 0)
            .sort_by(co2.filter(co2 > 0), descending=True, maintain_order=True)
            .head(TOP_SOURCES)
            .str.join(";")
            .alias("largest_sources"),
        )
        .pipe(_finish, factors.label, [*_RECORD_DETAIL, *_PROFILE_COLUMNS])
    )


def _finish(frame: pl.LazyFrame, factor_set: str, detail: list[str]) -> pl.LazyFrame:
    return frame.select(
        "entity_id",
        "period",
        "energy_tce",
        "scope1_tco2",
        "scope2_tco2",
        (pl.col("scope1_tco2") + pl.col("scope2_tco2")).alias("total_tco2"),
        pl.lit(factor_set).alias("factor_set"),
        *detail,
    ).sort("entity_id", "period")
