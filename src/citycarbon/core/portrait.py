"""Carbon portrait (碳画像): an enterprise's position, energy structure, trend and sources.

Three dimensions, as the Huzhou platform describes them: emission intensity (the enterprise),
carbon efficiency against the industry (K and grade), and energy structure. Inputs are the
energy records (for structure and sources), the grading result (for L, K, grade) and the
economics table (for districts). District and industry portraits aggregate the same figures.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from citycarbon.core.accounting import account_records
from citycarbon.core.factors import FactorSet
from citycarbon.core.schemas import ENERGY_MIX_CATEGORIES

TOP_SOURCES: Final = 3


def energy_profile(records: pl.LazyFrame, factors: FactorSet) -> pl.DataFrame:
    """Per enterprise-year: energy by 205-1 category, green energy and CO2, in tce and tCO2.

    ``green_tce`` is purchased green plus self-generated renewable electricity plus renewable
    fuels (the ``renewable_tce`` of the accounting engine).
    """
    per = account_records(records, factors, detail=True).join(
        factors.energy.lazy().select("energy_code", "category"), on="energy_code", how="left"
    )
    cats = [
        pl.col("energy_tce").filter(pl.col("category") == c).sum().alias(f"{c}_tce")
        for c in ENERGY_MIX_CATEGORIES
    ]
    return (
        per.group_by("entity_id", pl.col("period").str.slice(0, 4).cast(pl.Int32).alias("year"))
        .agg(
            pl.col("energy_tce").sum(),
            pl.col("total_tco2").sum(),
            pl.col("renewable_tce").sum().alias("green_tce"),
            *cats,
        )
        .with_columns(
            (pl.col("green_tce") / pl.col("energy_tce")).fill_nan(0.0).alias("green_share")
        )
        .sort("year", "entity_id")
        .collect()
    )


def largest_sources(
    records: pl.LazyFrame, factors: FactorSet, n: int = TOP_SOURCES
) -> pl.DataFrame:
    """Per enterprise-year, the ``n`` energy codes with the most CO2, as ``code:tCO2`` text."""
    return (
        account_records(records, factors)
        .group_by(
            "entity_id",
            pl.col("period").str.slice(0, 4).cast(pl.Int32).alias("year"),
            "energy_code",
        )
        .agg(pl.col("total_tco2").sum())
        .filter(pl.col("total_tco2") > 0)
        .sort("total_tco2", descending=True)
        .group_by("entity_id", "year")
        .agg(
            pl.concat_str(
                pl.col("energy_code"), pl.lit(":"), pl.col("total_tco2").round(1).cast(pl.String)
            )
            .head(n)
            .str.join(";")
            .alias("largest_sources")
        )
        .collect()
    )


def _position(by: str, suffix: str) -> list[pl.Expr]:
    lv = pl.col("intensity_tco2_per_10k_yuan")
    over = ["year", by]
    return [
        lv.rank("min").over(over).cast(pl.Int32).alias(f"intensity_rank_in_{suffix}"),
        (lv.rank("max").over(over) / pl.len().over(over)).alias(
            f"intensity_percentile_in_{suffix}"
        ),
    ]


def enterprise_portraits(
    graded: pl.DataFrame, profile: pl.DataFrame, sources: pl.DataFrame
) -> pl.DataFrame:
    """One row per graded enterprise-year: rank and percentile of L in industry and district
    (rank 1 = lowest intensity; percentile = share of peers at or below), K, grade, energy
    structure shares, change against the previous year, and the largest sources."""
    base = graded.with_columns(
        *_position("industry_code_used", "industry"),
        *_position("district_code", "district"),
    )
    prev = graded.select(
        "entity_id",
        (pl.col("year") + 1).alias("year"),
        pl.col("intensity_tco2_per_10k_yuan").alias("previous_intensity"),
        pl.col("grade").alias("previous_grade"),
    )
    shares = profile.select(
        "entity_id",
        "year",
        "energy_tce",
        *[
            (pl.col(f"{c}_tce") / pl.col("energy_tce")).fill_nan(0.0).alias(f"{c}_share")
            for c in ENERGY_MIX_CATEGORIES
        ],
        "green_share",
    )
    return (
        base.join(shares, on=["entity_id", "year"], how="left")
        .join(prev, on=["entity_id", "year"], how="left")
        .join(sources, on=["entity_id", "year"], how="left")
        .with_columns(
            (pl.col("intensity_tco2_per_10k_yuan") / pl.col("previous_intensity") - 1).alias(
                "intensity_change"
            )
        )
        .sort("year", "entity_id")
    )


def group_portraits(portraits: pl.DataFrame, by: str) -> pl.DataFrame:
    """District or industry portrait per year: totals, intensity, grade counts, structure."""
    grades = [(pl.col("grade") == g).sum().alias(f"grade_{g}") for g in range(1, 6)]
    levels = [(pl.col("level") == lv).sum().alias(f"level_{lv}") for lv in ("低碳", "中碳", "高碳")]
    energy = [
        (pl.col(f"{c}_share") * pl.col("energy_tce")).sum().alias(f"{c}_tce")
        for c in (*ENERGY_MIX_CATEGORIES, "green")
    ]
    return (
        portraits.group_by("year", by)
        .agg(
            pl.len().alias("enterprises"),
            pl.col("total_tco2").sum(),
            pl.col("value_added_10k_yuan").sum(),
            pl.col("energy_tce").sum(),
            *grades,
            *levels,
            *energy,
        )
        .with_columns(
            (pl.col("total_tco2") / pl.col("value_added_10k_yuan")).alias(
                "intensity_tco2_per_10k_yuan"
            ),
            *[
                (pl.col(f"{c}_tce") / pl.col("energy_tce")).alias(f"{c}_share")
                for c in (*ENERGY_MIX_CATEGORIES, "green")
            ],
        )
        .sort("year", by)
    )
