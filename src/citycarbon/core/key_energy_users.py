"""Key energy users (重点用能单位): enterprises whose yearly energy use reaches a threshold.

The city rule is 1,000 tce a year, as in 杭州市工业领域碳达峰实施方案 (2023):
「对年能耗1000吨标煤以上的重点用能管理单位进行数智监管」. The national list of the
《重点用能单位节能管理办法》 (2018) starts at 年综合能源消费量一万吨标准煤以上 (and 5,000 tce
for units a provincial department names); a city may keep its own lower line. 以上 includes
the number itself (民法典 第1259条), so 1,000 tce is key and 999.99 tce is not.

The yearly energy is the sum of the accounted ``energy_tce`` over the periods of a year (any
grain: ``2025``, ``2025-03``, ``2025-03-01``). A year with only some months accounted is
summed as it is, so a partial year may fall short of the line. The sum is compared at a
millionth of a tce, so twelve months adding up to 1,000 tce are not lost to float rounding.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from citycarbon.core.schemas import check_schema

KEY_ENERGY_USER_TCE: Final = 1000.0
"""The city line in tce a year (≥, 以上 includes the number)."""

RULE_VERSION: Final = "key-energy-user/1"
"""Bumped whenever the rule below changes, kept with every flag."""

RULE_CITATION: Final = (
    "杭州市工业领域碳达峰实施方案 (2023):「对年能耗1000吨标煤以上的重点用能管理单位进行数智监管」; "
    "national list: 重点用能单位节能管理办法 (2018), 年综合能源消费量一万吨标准煤以上"
)

INPUT: Final = pl.Schema(
    {"entity_id": pl.String(), "period": pl.String(), "energy_tce": pl.Float64()}
)

OUTPUT: Final = pl.Schema(
    {
        "entity_id": pl.String(),
        "year": pl.Int32(),
        "energy_tce": pl.Float64(),
        "key_energy_user": pl.Boolean(),
    }
)


def key_energy_users(
    emissions: pl.DataFrame, *, threshold_tce: float = KEY_ENERGY_USER_TCE
) -> pl.DataFrame:
    """One row per enterprise-year of ``emissions`` (``entity_id, period, energy_tce``, more
    columns ignored): the year's ``energy_tce`` and ``key_energy_user`` = energy ≥ threshold."""
    check_schema(emissions, INPUT, "emissions")
    return (
        emissions.group_by(
            "entity_id", pl.col("period").str.slice(0, 4).cast(pl.Int32).alias("year")
        )
        .agg(pl.col("energy_tce").fill_null(0.0).sum())
        .with_columns((pl.col("energy_tce").round(6) >= threshold_tce).alias("key_energy_user"))
        .sort("entity_id", "year")
        .select(OUTPUT.names())
    )
