"""The two benchmark lists of the carbon-efficiency platform.

- 二维能效对标较差企业清单 (poor energy efficiency): enterprises whose energy use per 万元
  value added, in total or for a 205-1 category, is above their industry's percentile
  (default 80th). Each row says which measure and by how much.
- 三维绿能低使用率企业清单 (low green-energy use): enterprises whose share of green energy is
  below their industry's percentile (default 20th) and under an absolute share (default 5 %):
  candidates for green-electricity purchase and rooftop PV offers.

Thresholds come from ``data/benchmark_rules.csv``; industries with fewer than ``min_peers``
enterprises are skipped (a percentile of three firms says little).
"""

from __future__ import annotations

import polars as pl

from citycarbon import data
from citycarbon.core.schemas import ENERGY_MIX_CATEGORIES

_MEASURES = ("energy", *ENERGY_MIX_CATEGORIES)
_LABELS_ZH = {
    "energy": "综合",
    "coal": "煤",
    "oil": "油",
    "gas": "气",
    "electricity_heat": "电热",
    "other": "其他",
}


def _base(portraits: pl.DataFrame) -> pl.DataFrame:
    va = pl.col("value_added_10k_yuan")
    return portraits.with_columns(
        (pl.col("energy_tce") / va).alias("energy_tce_per_10k_yuan"),
        *[
            (pl.col(f"{c}_share") * pl.col("energy_tce") / va).alias(f"{c}_tce_per_10k_yuan")
            for c in ENERGY_MIX_CATEGORIES
        ],
        pl.len().over("year", "industry_code_used").alias("_peers"),
    )


def poor_efficiency(portraits: pl.DataFrame, percentile: float | None = None) -> pl.DataFrame:
    """One row per enterprise-year worse than its industry percentile on at least one measure
    (total energy or a 205-1 category per 万元), naming every such measure, worst first."""
    rules = data.benchmark_rules()
    q = percentile if percentile is not None else rules[("poor_efficiency", "industry_percentile")]
    min_peers = int(rules[("poor_efficiency", "min_peers")])
    base = _base(portraits).filter(pl.col("_peers") >= min_peers)
    over = ["year", "industry_code_used"]
    rows = []
    for m in _MEASURES:
        col = f"{m}_tce_per_10k_yuan"
        users = pl.col(col) > 0  # a category an enterprise does not use is no benchmark
        threshold = pl.col(col).filter(users).quantile(q, "linear").over(over)
        rows.append(
            base.with_columns(threshold.alias("industry_threshold"))
            .filter(users & (pl.col(col) > pl.col("industry_threshold")))
            .select(
                "entity_id",
                "year",
                "industry_code_used",
                "district_code",
                pl.lit(m).alias("measure"),
                pl.col(col).alias("value_tce_per_10k_yuan"),
                "industry_threshold",
                (pl.col(col) / pl.col("industry_threshold")).alias("ratio_to_threshold"),
                "grade",
            )
        )
    label_zh = pl.col("measure").replace_strict(_LABELS_ZH, return_dtype=pl.String)
    pct = pl.lit(int(q * 100))
    per_measure = pl.concat(rows).with_columns(
        pl.format(
            "{}单位增加值能耗 {} 高于行业P{} {} / {} tce per 万元 {} above industry P{} {}",
            label_zh,
            pl.col("value_tce_per_10k_yuan").round(3),
            pct,
            pl.col("industry_threshold").round(3),
            pl.col("measure"),
            pl.col("value_tce_per_10k_yuan").round(3),
            pct,
            pl.col("industry_threshold").round(3),
        ).alias("reason")
    )
    return (
        per_measure.sort("measure")
        .group_by("entity_id", "year", "industry_code_used", "district_code", "grade")
        .agg(
            pl.col("measure").str.join(";").alias("measures"),
            pl.col("ratio_to_threshold").max().alias("worst_ratio_to_threshold"),
            pl.col("reason").str.join("; ").alias("reasons"),
        )
        .sort("year", "worst_ratio_to_threshold", descending=[False, True])
    )


def low_green(
    portraits: pl.DataFrame, percentile: float | None = None, max_share: float | None = None
) -> pl.DataFrame:
    """Enterprise-years with a green share below the industry percentile and ``max_share``,
    largest electricity and heat users first (the best candidates for green power)."""
    rules = data.benchmark_rules()
    q = percentile if percentile is not None else rules[("low_green", "industry_percentile")]
    cap = max_share if max_share is not None else rules[("low_green", "max_share")]
    min_peers = int(rules[("low_green", "min_peers")])
    base = _base(portraits).filter(pl.col("_peers") >= min_peers)
    threshold = pl.col("green_share").quantile(q, "linear").over("year", "industry_code_used")
    return (
        base.with_columns(threshold.alias("industry_threshold"))
        .filter(
            (pl.col("green_share") <= pl.col("industry_threshold")) & (pl.col("green_share") < cap)
        )
        .select(
            "entity_id",
            "year",
            "industry_code_used",
            "district_code",
            "green_share",
            "industry_threshold",
            "energy_tce",
            (pl.col("electricity_heat_share") * pl.col("energy_tce")).alias("electricity_heat_tce"),
            "grade",
        )
        .with_columns(
            pl.format(
                "绿色能源占比 {}% 低于行业P{} ({}%) / green share {}% below the industry P{} ({}%)",
                (pl.col("green_share") * 100).round(1),
                pl.lit(int(q * 100)),
                (pl.col("industry_threshold") * 100).round(1),
                (pl.col("green_share") * 100).round(1),
                pl.lit(int(q * 100)),
                (pl.col("industry_threshold") * 100).round(1),
            ).alias("reason")
        )
        .sort("year", "electricity_heat_tce", descending=[False, True])
    )
