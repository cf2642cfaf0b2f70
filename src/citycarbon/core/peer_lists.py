"""The two benchmark lists of the carbon-efficiency platform.

- 二维能效对标较差企业清单 (poor energy efficiency): enterprises whose energy use per 万元
  value added, in total or for a 205-1 category, is above their industry's percentile
  (default 80th). Each row says which measure and by how much.
- 三维绿能低使用率企业清单 (low green-energy use): the large electricity users with little or
  no green energy, ranked by the MWh they could switch to green power: candidates for
  green-electricity purchase and rooftop PV offers (「挖掘"绿电+能效"潜在客户」).

The poor-efficiency thresholds come from ``data/benchmark_rules.csv`` (industries with fewer
than ``min_peers`` enterprises are skipped: a percentile of three firms says little); the
low-green rule and its version from ``data/list_rules.csv``.
"""

from __future__ import annotations

import polars as pl

from citycarbon import data
from citycarbon.core.factors import MWH_PER_10K_KWH
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


_KEYS = ["year", "industry_code_used"]


def _thresholds(frame: pl.LazyFrame, aggs: list[pl.Expr], min_peers: int) -> pl.LazyFrame:
    """``frame`` with per-industry thresholds joined on, industries with at least
    ``min_peers`` graded enterprises only."""
    table = (
        frame.group_by(_KEYS)
        .agg(*aggs, pl.len().alias("_peers"))
        .filter(pl.col("_peers") >= min_peers)
        .drop("_peers")
    )
    return frame.join(table, on=_KEYS, how="inner")


def _intensity(measure: str) -> pl.Expr:
    energy = pl.col("energy_tce")
    if measure != "energy":
        energy = pl.col(f"{measure}_share") * energy
    return energy / pl.col("value_added_10k_yuan")


def poor_efficiency(portraits: pl.DataFrame, percentile: float | None = None) -> pl.DataFrame:
    """One row per enterprise-year worse than its industry percentile on at least one measure
    (total energy or a 205-1 category per 万元): ``measures`` names every such measure (total
    first, then the categories in 205-1 order), ``{measure}_tce_per_10k_yuan`` and
    ``{measure}_threshold`` give the values, the worst first. ``poor_efficiency_reasons`` words it.

    A category an enterprise does not use is no benchmark for it, so each category's
    percentile is taken over its users only.
    """
    rules = data.benchmark_rules()
    q = percentile if percentile is not None else rules[("poor_efficiency", "industry_percentile")]
    min_peers = int(rules[("poor_efficiency", "min_peers")])
    value = {m: pl.col(f"{m}_tce_per_10k_yuan") for m in _MEASURES}
    threshold = {m: pl.col(f"{m}_threshold") for m in _MEASURES}
    frame = portraits.lazy().select(
        "entity_id",
        *_KEYS,
        "district_code",
        "grade",
        *(_intensity(m).alias(f"{m}_tce_per_10k_yuan") for m in _MEASURES),
    )
    aggs = [
        value[m].filter(value[m] > 0).quantile(q, "linear").alias(f"{m}_threshold")
        for m in _MEASURES
    ]
    ratio = {m: pl.when(value[m] > 0).then(value[m] / threshold[m]) for m in _MEASURES}
    over = {m: pl.col(f"_{m}_ratio") > 1 for m in _MEASURES}
    return (
        _thresholds(frame, aggs, min_peers)
        .with_columns(r.alias(f"_{m}_ratio") for m, r in ratio.items())
        .filter(pl.any_horizontal(over.values()))
        .select(
            "entity_id",
            *_KEYS,
            "district_code",
            "grade",
            pl.concat_str(
                [pl.when(over[m]).then(pl.lit(m)) for m in _MEASURES],
                separator=";",
                ignore_nulls=True,
            ).alias("measures"),
            pl.max_horizontal(pl.col(f"_{m}_ratio") for m in _MEASURES).alias(
                "worst_ratio_to_threshold"
            ),
            *value.values(),
            *threshold.values(),
            pl.lit(q).alias("industry_percentile"),
        )
        .sort("year", "worst_ratio_to_threshold", descending=[False, True])
        .collect()
    )


def poor_efficiency_reasons() -> list[pl.Expr]:
    """The reasons of a ``poor_efficiency`` row in words: ``reasons_zh`` in Chinese and
    ``reasons_en`` in English (a page shows the one of its language)."""
    pct = (pl.col("industry_percentile") * 100).round(0).cast(pl.Int32)
    zh, en = [], []
    for m in _MEASURES:
        value = pl.col(f"{m}_tce_per_10k_yuan").round(3)
        threshold = pl.col(f"{m}_threshold").round(3)
        listed = pl.col("measures").str.split(";").list.contains(m)
        zh.append(
            pl.when(listed).then(
                pl.format(
                    f"{_LABELS_ZH[m]}单位增加值能耗 {{}} 高于行业P{{}} {{}}", value, pct, threshold
                )
            )
        )
        en.append(
            pl.when(listed).then(
                pl.format(f"{m} {{}} tce per 万元 above industry P{{}} {{}}", value, pct, threshold)
            )
        )
    return [
        pl.concat_str(zh, separator="；", ignore_nulls=True).alias("reasons_zh"),
        pl.concat_str(en, separator="; ", ignore_nulls=True).alias("reasons_en"),
    ]


def low_green(portraits: pl.DataFrame) -> pl.DataFrame:
    """The candidates for green power of each year (rule ``low_green`` of
    ``data/list_rules.csv``): enterprises using at least ``min_electricity_mwh`` of
    electricity and heat whose green share is at or below ``max_green_share``, ranked by the
    MWh they could switch, ``electricity_heat_mwh × (target_share − green_share)``; the first
    ``top_n`` of each year. Rows carry the rule's version and thresholds;
    ``low_green_reason`` words them.

    Electricity and heat are counted in MWh at their calorific equivalent (1.229 tce per
    万千瓦时, which is also heat's 0.03412 kgce per MJ), the only electricity figure the
    portrait holds.
    """
    version, rule = data.list_rules("low_green")
    tce_per_mwh = (
        data.parameters().filter(pl.col("parameter") == "electricity_tce_per_10k_kwh_calorific")[
            "value"
        ][0]
        / MWH_PER_10K_KWH
    )
    mwh = pl.col("electricity_heat_mwh")
    share = pl.col("green_share")
    target = rule["target_share"]
    return (
        portraits.lazy()
        .select(
            "entity_id",
            *_KEYS,
            "district_code",
            "green_share",
            "energy_tce",
            (pl.col("electricity_heat_share") * pl.col("energy_tce") / tce_per_mwh).alias(
                "electricity_heat_mwh"
            ),
            "grade",
        )
        .filter(
            (mwh >= rule["min_electricity_mwh"])
            & (share <= rule["max_green_share"])
            & (share < target)
        )
        .with_columns((mwh * (target - share)).alias("switchable_mwh"))
        .sort(["year", "switchable_mwh", "entity_id"], descending=[False, True, False])
        .filter(pl.int_range(pl.len()).over("year") < int(rule["top_n"]))
        .with_columns(
            pl.lit(version).alias("rule_version"),
            pl.lit(rule["min_electricity_mwh"]).alias("min_electricity_mwh"),
            pl.lit(rule["max_green_share"]).alias("max_green_share"),
            pl.lit(target).alias("target_share"),
        )
        .collect()
    )


def low_green_reason() -> list[pl.Expr]:
    """The reason of a ``low_green`` row in words: ``reason_zh`` in Chinese and ``reason_en``
    in English (a page shows the one of its language)."""
    share = (pl.col("green_share") * 100).round(1)
    cap = (pl.col("max_green_share") * 100).round(1)
    mwh = pl.col("electricity_heat_mwh").round(0).cast(pl.Int64)
    switch = pl.col("switchable_mwh").round(0).cast(pl.Int64)
    target = (pl.col("target_share") * 100).round(0).cast(pl.Int64)
    return [
        pl.format(
            "用电用热 {} MWh,绿色能源占比 {}% 不高于 {}%;达到 {}% 可转换绿电 {} MWh",
            mwh,
            share,
            cap,
            target,
            switch,
        ).alias("reason_zh"),
        pl.format(
            "{} MWh of electricity and heat, green share {}% at or below {}%; "
            "{} MWh could switch to reach {}%",
            mwh,
            share,
            cap,
            switch,
            target,
        ).alias("reason_en"),
    ]
