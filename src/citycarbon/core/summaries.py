"""City summary tables: totals by district and industry, energy mix, top emitters.

Inputs are the emissions at year grain (``EMISSIONS`` schema), the economics table
(``entity_id, year, industry_code, value_added_10k_yuan, district_code``) and the enterprise
register (``entity_id, name, ...``). Intensities are ratios of totals.
"""

from __future__ import annotations

import polars as pl

from citycarbon.core.accounting import account_records
from citycarbon.core.factors import FactorSet


def _yearly(emissions: pl.DataFrame, economics: pl.DataFrame, year: int) -> pl.DataFrame:
    e = emissions.filter(pl.col("period") == str(year))
    return (
        economics.filter(pl.col("year") == year)
        .join(
            e.select("entity_id", "energy_tce", "scope1_tco2", "scope2_tco2", "total_tco2"),
            on="entity_id",
            how="left",
        )
        .with_columns(
            pl.col("energy_tce", "scope1_tco2", "scope2_tco2", "total_tco2").fill_null(0.0)
        )
    )


def _totals(frame: pl.DataFrame, by: str) -> pl.DataFrame:
    return (
        frame.group_by(by)
        .agg(
            pl.len().alias("enterprises"),
            pl.col("energy_tce").sum(),
            pl.col("scope1_tco2").sum(),
            pl.col("scope2_tco2").sum(),
            pl.col("total_tco2").sum(),
            pl.col("value_added_10k_yuan").sum(),
            # Intensity over the enterprises that reported value added only.
            (
                pl.col("total_tco2").filter(pl.col("value_added_10k_yuan").is_not_null()).sum()
                / pl.col("value_added_10k_yuan").sum()
            ).alias("intensity_tco2_per_10k_yuan"),
        )
        .with_columns(
            (pl.col("total_tco2") / pl.col("total_tco2").sum()).alias("share_of_city_co2"),
        )
        .sort("total_tco2", descending=True)
    )


def totals_by(emissions: pl.DataFrame, economics: pl.DataFrame, year: int, by: str) -> pl.DataFrame:
    """Enterprises, energy, CO2 by scope, value added and intensity per ``by`` column."""
    return _totals(_yearly(emissions, economics, year), by)


def city_totals(emissions: pl.DataFrame, economics: pl.DataFrame) -> pl.DataFrame:
    """One row per year: the city's energy, CO2 and intensity."""
    years = sorted(economics["year"].unique().to_list())
    rows = [
        _totals(_yearly(emissions, economics, y).with_columns(pl.lit(y).alias("year")), "year")
        for y in years
    ]
    return pl.concat(rows).drop("share_of_city_co2").sort("year")


def top_emitters(
    emissions: pl.DataFrame,
    economics: pl.DataFrame,
    enterprises: pl.DataFrame,
    year: int,
    n: int = 10,
) -> pl.DataFrame:
    """The ``n`` largest emitters of ``year`` with name, district, industry and intensity."""
    return (
        _yearly(emissions, economics, year)
        .with_columns(
            (pl.col("total_tco2") / pl.col("value_added_10k_yuan")).alias(
                "intensity_tco2_per_10k_yuan"
            )
        )
        .sort("total_tco2", descending=True)
        .head(n)
        .join(enterprises.select("entity_id", "name"), on="entity_id", how="left")
        .select(
            "entity_id",
            "name",
            "district_code",
            "industry_code",
            "energy_tce",
            "total_tco2",
            "intensity_tco2_per_10k_yuan",
        )
    )


def energy_mix_by_category(records: pl.LazyFrame, factors: FactorSet, year: int) -> pl.DataFrame:
    """Energy use in tce and CO2 by 205-1 category for one year, with shares."""
    return (
        account_records(records.filter(pl.col("period").str.starts_with(str(year))), factors)
        .join(factors.energy.lazy().select("energy_code", "category"), on="energy_code")
        .group_by("category")
        .agg(pl.col("energy_tce").sum(), pl.col("total_tco2").sum())
        .with_columns(
            (pl.col("energy_tce") / pl.col("energy_tce").sum()).alias("share_of_energy"),
        )
        .sort("energy_tce", descending=True)
        .collect()
    )
