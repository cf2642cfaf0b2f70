"""Carbon-efficiency code (碳效码): intensity L, level, value K and grade per enterprise-year.

Method (规上工业企业碳效等级评价方法, methods reference §1.2):

- L (单位增加值碳排放量) = net CO2 ÷ value added, tCO2 per 万元; the CO2 is the accounting
  engine's ``total_tco2``, already net of green and self-generated electricity.
- Level (碳效水平), absolute: 低碳 L ≤ 0.6, 中碳 0.6 < L ≤ 2.0, 高碳 L > 2.0.
- K (碳效值) = L ÷ the industry's average L in the same year; grade (碳效等级) 1 K ≤ 0.6,
  2 ≤ 0.8, 3 ≤ 1.2, 4 ≤ 2.0, 5 above. The public code is the pair, e.g. 高碳3级.

The industry average is the ratio of industry totals ΣCO2 ÷ Σvalue added by default, or the
mean of enterprise ratios. Industries are GB/T 4754 classes (4 digits); when a class has fewer
than ``min_peers`` gradable enterprises, its group (3 digits) is used, then its division
(2 digits); with fewer peers still, the enterprise is not graded. Bounds come from
``data/carbon_efficiency_thresholds.csv`` and are compared after rounding to 9 decimals, so
that a value computed as 0.6000000000000001 counts as 0.6.

Worked example: an enterprise at 7.01 tCO2 per 万元 in an industry averaging 7.0 has
K = 1.001, so its code is 高碳3级.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import polars as pl

from citycarbon import data

DEFAULT_SCHEME: Final = "zj-2021"
DEFAULT_MIN_PEERS: Final = 5
COMPARE_DECIMALS: Final = 9
MIN_INDUSTRY_AVERAGE: Final = 1e-12
"""An industry average below this (a microgram of CO2 per 万元) counts as zero: K would be
a ratio of rounding noise (and subnormal floats may be flushed to zero mid-computation)."""

IndustryAverage = Literal["ratio", "mean"]

INDUSTRY_LEVELS: Final = (("class", 4), ("group", 3), ("division", 2))
"""GB/T 4754 levels tried in order, with the length of their code prefix."""

GRADE_COLUMNS: Final = (
    "entity_id",
    "year",
    "industry_code",
    "intensity_tco2_per_10k_yuan",
    "industry_avg_intensity",
    "k_value",
    "level",
    "grade",
    "peer_count",
    "industry_level_used",
)
"""Output contract of ``citycarbon grade``."""

UNGRADED_REASONS: Final[dict[str, tuple[str, str]]] = {
    "no_value_added": ("缺少增加值", "value added is missing"),
    "nonpositive_value_added": ("增加值为零或负数", "value added is zero or negative"),
    "no_energy_data": ("缺少能源消费数据", "no energy data for the year"),
    "no_industry": ("缺少行业代码", "industry code is missing"),
    "too_few_peers": ("同行业可比企业不足", "too few peers even at division level"),
    "zero_industry_average": ("行业平均强度为零", "industry average intensity is zero"),
}


@dataclass(frozen=True)
class Scheme:
    """Level and grade bounds of one published scheme (inclusive upper bounds)."""

    scheme_id: str
    level_bounds: tuple[float, ...]
    level_labels: tuple[str, ...]
    grade_bounds: tuple[float, ...]
    grade_labels: tuple[int, ...]


def load_scheme(scheme_id: str = DEFAULT_SCHEME) -> Scheme:
    """Read one scheme's bounds from the shipped thresholds table."""
    rows = data.carbon_efficiency_thresholds().filter(pl.col("scheme") == scheme_id)
    if rows.is_empty():
        msg = f"unknown carbon-efficiency scheme {scheme_id!r}"
        raise ValueError(msg)
    level = rows.filter(pl.col("kind") == "level").sort("upper_bound")
    grade = rows.filter(pl.col("kind") == "grade").sort("upper_bound")
    return Scheme(
        scheme_id=scheme_id,
        level_bounds=tuple(level["upper_bound"].to_list()[:-1]),
        level_labels=tuple(level["label"].to_list()),
        grade_bounds=tuple(grade["upper_bound"].to_list()[:-1]),
        grade_labels=tuple(int(g) for g in grade["label"].to_list()),
    )


def classify(values: pl.Expr, bounds: tuple[float, ...], labels: tuple[object, ...]) -> pl.Expr:
    """The label of the first bound that ``values`` (rounded) does not exceed."""
    v = values.round(COMPARE_DECIMALS)
    expr = pl.lit(labels[-1])
    for bound, label in reversed(list(zip(bounds, labels[:-1], strict=True))):
        expr = pl.when(v <= bound).then(pl.lit(label)).otherwise(expr)
    return pl.when(values.is_null()).then(None).otherwise(expr)


def with_code(frame: pl.LazyFrame, scheme: Scheme) -> pl.LazyFrame:
    """Add ``k_value``, ``level`` and ``grade`` from ``intensity_tco2_per_10k_yuan`` and
    ``industry_avg_intensity``."""
    intensity = pl.col("intensity_tco2_per_10k_yuan")
    return frame.with_columns(
        (intensity / pl.col("industry_avg_intensity")).alias("k_value")
    ).with_columns(
        classify(intensity, scheme.level_bounds, scheme.level_labels).alias("level"),
        classify(pl.col("k_value"), scheme.grade_bounds, scheme.grade_labels)
        .cast(pl.Int8)
        .alias("grade"),
    )


@dataclass(frozen=True)
class GradingResult:
    graded: pl.DataFrame
    """One row per graded enterprise-year: ``GRADE_COLUMNS`` plus detail columns."""
    ungraded: pl.DataFrame
    """``entity_id, year, industry_code, reason, reason_zh, reason_en``."""
    industries: pl.DataFrame
    """Industry averages used: ``year, industry_level_used, industry_code_used,
    industry_avg_intensity, peer_count`` (peers at that level) and ``graded_here``."""


def yearly_emissions(emissions: pl.DataFrame) -> pl.DataFrame:
    """Emissions at any grain as ``entity_id, year`` (year as integer), one row each.

    Yearly rows pass through with every column; finer rows are summed (numeric columns only:
    ``largest_sources`` of months cannot be combined into a year's and is dropped).
    """
    period = pl.col("period")
    if emissions.is_empty() or (emissions.select((period.str.len_bytes() == 4).all()).item()):
        return emissions.with_columns(period.cast(pl.Int32).alias("year")).drop("period")
    numeric = [
        c for c, t in emissions.schema.items() if t.is_numeric() and c not in ("period", "year")
    ]
    return emissions.group_by("entity_id", period.str.slice(0, 4).cast(pl.Int32).alias("year")).agg(
        pl.col(c).sum() for c in numeric
    )


def _industry_table(stats: pl.DataFrame, average: IndustryAverage, min_peers: int) -> pl.DataFrame:
    """Per year and industry code of the input: the finest GB/T 4754 level with at least
    ``min_peers`` gradable enterprises, its code, average intensity and peer count.

    ``stats`` has per year and code: ``co2, va, sum_l, n``. Coarser levels are sums of the
    finer ones, so the 100,000-row frame is aggregated once.
    """
    chosen: pl.LazyFrame | None = None
    lazy = stats.lazy()
    for name, digits in INDUSTRY_LEVELS:
        code = pl.col("industry_code").str.slice(0, digits)
        level = lazy.group_by("year", code.alias("industry_code_used")).agg(
            pl.col("co2", "va", "sum_l", "n").sum()
        )
        avg = pl.col("co2") / pl.col("va") if average == "ratio" else pl.col("sum_l") / pl.col("n")
        here = (
            lazy.select("year", "industry_code", code.alias("industry_code_used"))
            .join(level, on=["year", "industry_code_used"])
            .filter(pl.col("n") >= min_peers)
            .select(
                "year",
                "industry_code",
                pl.lit(name).alias("industry_level_used"),
                "industry_code_used",
                avg.alias("industry_avg_intensity"),
                pl.col("n").cast(pl.UInt32).alias("peer_count"),
            )
        )
        if chosen is None:
            chosen = here
        else:
            chosen = pl.concat(
                [chosen, here.join(chosen, on=["year", "industry_code"], how="anti")]
            )
    assert chosen is not None
    return chosen.collect()


def grade(
    emissions: pl.DataFrame,
    economics: pl.DataFrame,
    *,
    average: IndustryAverage = "ratio",
    min_peers: int = DEFAULT_MIN_PEERS,
    scheme: Scheme | None = None,
) -> GradingResult:
    """Grade every enterprise-year of ``economics`` against its industry.

    ``emissions`` has ``entity_id, period, total_tco2`` at any grain, at most one row per
    entity and period (summed to years); ``economics`` has
    ``entity_id, year, industry_code, value_added_10k_yuan`` and optionally
    ``district_code``, one row per entity and year. The result does not depend on row order.
    """
    if min_peers < 1:
        msg = "min_peers must be at least 1"
        raise ValueError(msg)
    scheme = scheme or load_scheme()
    yearly = yearly_emissions(emissions)
    econ = economics.with_columns(pl.col("year").cast(pl.Int32))
    if "district_code" not in econ.columns:
        econ = econ.with_columns(pl.lit(None, pl.String).alias("district_code"))
    try:
        base = econ.join(
            yearly.select("entity_id", "year", "total_tco2"),
            on=["entity_id", "year"],
            how="left",
            validate="m:1",
        )
    except pl.exceptions.ComputeError as exc:
        msg = "emissions: more than one row for an entity and period"
        raise ValueError(msg) from exc
    va = pl.col("value_added_10k_yuan")
    reason = (
        pl.when(pl.col("industry_code").is_null() | (pl.col("industry_code") == ""))
        .then(pl.lit("no_industry"))
        .when(va.is_null())
        .then(pl.lit("no_value_added"))
        .when(va <= 0)
        .then(pl.lit("nonpositive_value_added"))
        .when(pl.col("total_tco2").is_null())
        .then(pl.lit("no_energy_data"))
    )
    # Sorted once, so that sums are taken in the same order whatever the input order.
    base = base.sort("year", "entity_id").with_columns(
        reason.alias("reason"), (pl.col("total_tco2") / va).alias("intensity_tco2_per_10k_yuan")
    )
    gradable = base.filter(pl.col("reason").is_null()).drop("reason")
    stats = gradable.group_by("year", "industry_code").agg(
        pl.col("total_tco2").sum().alias("co2"),
        va.sum().alias("va"),
        pl.col("intensity_tco2_per_10k_yuan").sum().alias("sum_l"),
        pl.len().alias("n"),
    )
    table = _industry_table(stats, average, min_peers)
    joined = gradable.join(table, on=["year", "industry_code"], how="left", maintain_order="left")
    placed = pl.col("industry_level_used").is_not_null()
    positive = pl.col("industry_avg_intensity") >= MIN_INDUSTRY_AVERAGE
    graded = (
        with_code(joined.lazy().filter(placed & positive), scheme)
        .select(
            *GRADE_COLUMNS,
            pl.concat_str(pl.col("level"), pl.col("grade").cast(pl.String), pl.lit("级")).alias(
                "code_text"
            ),
            "district_code",
            "industry_code_used",
            "total_tco2",
            "value_added_10k_yuan",
            pl.lit(scheme.scheme_id).alias("scheme"),
            pl.lit(average).alias("industry_average"),
        )
        .collect()
    )

    not_placed = joined.filter(~placed | ~positive).select(
        "entity_id",
        "year",
        "industry_code",
        pl.when(placed)
        .then(pl.lit("zero_industry_average"))
        .otherwise(pl.lit("too_few_peers"))
        .alias("reason"),
    )
    zh = {k: v[0] for k, v in UNGRADED_REASONS.items()}
    en = {k: v[1] for k, v in UNGRADED_REASONS.items()}
    ungraded = (
        pl.concat(
            [
                base.filter(pl.col("reason").is_not_null()).select(
                    "entity_id", "year", "industry_code", "reason"
                ),
                not_placed,
            ]
        )
        .with_columns(
            pl.col("reason").replace_strict(zh, return_dtype=pl.String).alias("reason_zh"),
            pl.col("reason").replace_strict(en, return_dtype=pl.String).alias("reason_en"),
        )
        .sort("year", "entity_id")
    )
    industries = (
        table.join(stats.select("year", "industry_code", "n"), on=["year", "industry_code"])
        .group_by("year", "industry_level_used", "industry_code_used")
        .agg(
            pl.col("industry_avg_intensity").first(),
            pl.col("peer_count").first(),
            pl.col("n").sum().cast(pl.UInt32).alias("graded_here"),
        )
        .filter(pl.col("industry_avg_intensity") >= MIN_INDUSTRY_AVERAGE)
        .sort("year", "industry_code_used")
    )
    return GradingResult(graded=graded, ungraded=ungraded, industries=industries)


def grade_confidence(
    result: GradingResult,
    *,
    samples: int = 200,
    seed: int = 0,
    scheme: Scheme | None = None,
    average: IndustryAverage = "ratio",
) -> pl.DataFrame:
    """How sure each grade is: a bootstrap over the peer set (本平台首创的评级置信度).

    For each industry-year used, the peers are resampled with replacement ``samples`` times
    and the industry average recomputed; each enterprise's K and grade are recomputed
    against every resampled average. Returns ``entity_id, year, grade_confidence`` (the share
    of samples giving the published grade), ``grade_low`` and ``grade_high`` (the 5th and
    95th percentile grades) and ``grade_may_flip`` (confidence below 0.9).
    """
    scheme = scheme or load_scheme()
    rng = np.random.default_rng(seed)
    bounds = np.round(np.array(scheme.grade_bounds), COMPARE_DECIMALS)
    labels = np.array(scheme.grade_labels)
    out = []
    keys = ["year", "industry_level_used", "industry_code_used"]
    for _, peers in result.graded.sort("entity_id").group_by(keys, maintain_order=True):
        co2 = peers["total_tco2"].to_numpy()
        va = peers["value_added_10k_yuan"].to_numpy()
        intensity = peers["intensity_tco2_per_10k_yuan"].to_numpy()
        n = len(co2)
        idx = rng.integers(0, n, size=(samples, n))
        if average == "ratio":
            avg = co2[idx].sum(axis=1) / va[idx].sum(axis=1)
        else:
            avg = intensity[idx].mean(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            k = np.round(intensity[:, None] / avg[None, :], COMPARE_DECIMALS)
        grades = labels[np.searchsorted(bounds, k, side="left")]
        published = peers["grade"].to_numpy()[:, None]
        out.append(
            pl.DataFrame(
                {
                    "entity_id": peers["entity_id"],
                    "year": peers["year"],
                    "grade_confidence": (grades == published).mean(axis=1),
                    "grade_low": np.percentile(grades, 5, axis=1, method="lower").astype(np.int8),
                    "grade_high": np.percentile(grades, 95, axis=1, method="higher").astype(
                        np.int8
                    ),
                }
            )
        )
    if not out:
        return pl.DataFrame(
            schema={
                "entity_id": pl.String,
                "year": pl.Int32,
                "grade_confidence": pl.Float64,
                "grade_low": pl.Int8,
                "grade_high": pl.Int8,
                "grade_may_flip": pl.Boolean,
            }
        )
    return (
        pl.concat(out)
        .with_columns((pl.col("grade_confidence") < 0.9).alias("grade_may_flip"))
        .sort("year", "entity_id")
    )
