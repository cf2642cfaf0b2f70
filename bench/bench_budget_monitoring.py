"""Budget monitoring at city scale: ``core.budgets.monitor`` against a bare Polars query.

100,000 enterprise budget lines under 5 districts and 400 industries (city → district →
industry → enterprise: 1 + 5 + 2,000 + 100,000 lines, one year) and 1,200,000 monthly actuals
(every enterprise every month, with value added; the last three months are rapid estimates).
Timed in the same process, for each of the 12 as-of months of the year:

- monitor: ``monitor(budgets, actuals, as_of)`` — months elapsed, prorated budget, actual to
  date split by source, the roll-up of lines without actuals of their own over the depth
  levels, projection, overshoot, the total and intensity traffic lights;
- bare: a hand-written Polars query that computes only the same prorations, actuals to date
  and projections (knowing the tree's fixed shape: enterprise sums, then industry, district
  and city sums) — checked to agree with ``monitor`` on those figures for every line before
  timing.

Target: monitor ≤ 2 × bare.

    .venv/bin/python -m bench.bench_budget_monitoring [--enterprises N] [--runs R]
"""

from __future__ import annotations

import argparse

import numpy as np
import polars as pl

from bench.common import best_of, machine, peak_rss_mb, today
from citycarbon.core.budgets import monitor

TARGET = 2.0
YEAR = 2025
DISTRICTS = [f"33990{d}" for d in range(1, 6)]
INDUSTRIES = [f"{10 + d:02d}{g}{c}" for d in range(40) for g in range(1, 3) for c in range(1, 6)]


def inputs(n: int, seed: int = 7) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The budget tree and the monthly actuals of ``n`` enterprises."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"P{i:07d}" for i in range(n)])
    district = np.array(DISTRICTS)[rng.integers(0, len(DISTRICTS), n)]
    industry = np.array(INDUSTRIES)[rng.integers(0, len(INDUSTRIES), n)]
    industry_line = np.char.add(np.char.add("I", district), np.char.add("-", industry))
    annual = rng.lognormal(8, 0.8, n)
    va = rng.lognormal(7, 0.6, n)
    firms = pl.DataFrame(
        {
            "budget_id": np.char.add("E", ids),
            "level": "enterprise",
            "subject_id": ids,
            "parent_id": industry_line,
            "year": YEAR,
            "budget_tco2": annual * rng.uniform(0.9, 1.2, n),
            "budget_intensity_tco2_per_10k_yuan": annual / va * rng.uniform(0.9, 1.2, n),
        }
    )
    industries = firms.group_by("parent_id").agg(
        pl.col("budget_tco2").sum() * 1.02,
        pl.col("budget_id").first(),
    )
    industries = industries.select(
        pl.col("parent_id").alias("budget_id"),
        pl.lit("industry").alias("level"),
        pl.col("parent_id").str.slice(1).alias("subject_id"),
        pl.format("D{}", pl.col("parent_id").str.slice(1, 6)).alias("parent_id"),
        pl.lit(YEAR).alias("year"),
        "budget_tco2",
        pl.lit(None, pl.Float64).alias("budget_intensity_tco2_per_10k_yuan"),
    )
    districts = industries.group_by("parent_id").agg(pl.col("budget_tco2").sum() * 1.02)
    districts = districts.select(
        pl.col("parent_id").alias("budget_id"),
        pl.lit("district").alias("level"),
        pl.col("parent_id").str.slice(1).alias("subject_id"),
        pl.lit("C").alias("parent_id"),
        pl.lit(YEAR).alias("year"),
        "budget_tco2",
        pl.lit(None, pl.Float64).alias("budget_intensity_tco2_per_10k_yuan"),
    )
    city = pl.DataFrame(
        {
            "budget_id": ["C"],
            "level": ["city"],
            "subject_id": ["339900"],
            "parent_id": pl.Series([None], dtype=pl.String),
            "year": [YEAR],
            "budget_tco2": [districts["budget_tco2"].sum() * 1.02],
            "budget_intensity_tco2_per_10k_yuan": pl.Series([None], dtype=pl.Float64),
        }
    )
    budgets = pl.concat(
        [city, districts.sort("budget_id"), industries.sort("budget_id"), firms],
        how="vertical_relaxed",
    )
    months = np.tile(np.arange(1, 13), n)
    monthly = np.repeat(annual / 12, 12) * rng.uniform(0.7, 1.4, n * 12)
    actuals = pl.DataFrame(
        {
            "subject_id": np.repeat(ids, 12),
            "period": pl.Series(months).cast(pl.String).str.zfill(2).str.replace("^", f"{YEAR}-"),
            "tco2": monthly,
            "value_added_10k_yuan": np.repeat(va / 12, 12) * rng.uniform(0.8, 1.2, n * 12),
            "source": np.where(months >= 10, "estimated", "accounted"),
        }
    )
    return budgets, actuals


def bare(budgets: pl.DataFrame, actuals: pl.DataFrame, month: int) -> pl.DataFrame:
    """Prorated budget, actual to date and linear projection per line, by hand: enterprise
    sums of the months to date, then one group-by per level up the fixed tree."""
    factor = 12.0 / month
    to_date = (
        actuals.lazy()
        .filter(pl.col("period").str.slice(5, 2).cast(pl.Int32) <= month)
        .group_by("subject_id")
        .agg(pl.col("tco2").sum().alias("actual_to_date_tco2"))
    )
    lines = budgets.lazy().select("budget_id", "level", "subject_id", "parent_id", "budget_tco2")
    firms = lines.filter(pl.col("level") == "enterprise").join(to_date, on="subject_id", how="left")
    firms = firms.with_columns(pl.col("actual_to_date_tco2").fill_null(0.0))
    levels = [firms]
    child = firms
    for level in ("industry", "district", "city"):
        sums = child.group_by(pl.col("parent_id").alias("budget_id")).agg(
            pl.col("actual_to_date_tco2").sum()
        )
        child = lines.filter(pl.col("level") == level).join(sums, on="budget_id", how="left")
        levels.append(child)
    return (
        pl.concat(levels, how="diagonal")
        .select(
            "budget_id",
            (pl.col("budget_tco2") * (month / 12)).alias("prorated_budget_tco2"),
            "actual_to_date_tco2",
            (pl.col("actual_to_date_tco2") * factor).alias("projected_year_tco2"),
        )
        .collect()
    )


FIGURES = ("prorated_budget_tco2", "actual_to_date_tco2", "projected_year_tco2")


def check(budgets: pl.DataFrame, actuals: pl.DataFrame) -> str:
    """Both sides agree on every figure of every line for every as-of month (to 10⁻⁹)."""
    agreed = 0
    for month in range(1, 13):
        full = monitor(budgets, actuals, f"{YEAR}-{month:02d}").select("budget_id", *FIGURES)
        ref = bare(budgets, actuals, month)
        joined = full.join(ref, on="budget_id", how="full", suffix="_bare")
        assert joined.height == budgets.height == full.height == ref.height
        for col in FIGURES:
            a, b = joined[col], joined[f"{col}_bare"]
            worst = ((a - b).abs() / b.abs().clip(lower_bound=1.0)).max()
            assert worst is not None and float(worst) <= 1e-9, (month, col, worst)
        agreed += joined.height
    return f"agreed: {agreed:,} line-months (3 figures each)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    budgets, actuals = inputs(args.enterprises)
    checked = check(budgets, actuals)

    def run_monitor() -> object:
        return [monitor(budgets, actuals, f"{YEAR}-{m:02d}") for m in range(1, 13)]

    def run_bare() -> object:
        return [bare(budgets, actuals, m) for m in range(1, 13)]

    bare_s, _ = best_of(args.runs, run_bare)
    full_s, _ = best_of(args.runs, run_monitor)
    ratio = full_s / bare_s
    verdict = "PASS" if ratio <= TARGET else "FAIL"
    print(f"date: {today()}  machine: {machine()}")
    print(
        f"budget lines: {budgets.height:,} ({args.enterprises:,} enterprises), "
        f"actuals: {actuals.height:,} monthly rows, 12 as-of months"
    )
    print(checked)
    print(f"bare prorations and projections: {bare_s * 1000:.1f} ms (best of {args.runs})")
    print(f"monitor: {full_s * 1000:.1f} ms (best of {args.runs})")
    print(f"ratio monitor/bare: {ratio:.2f} (target <= {TARGET:.2f}) {verdict}")
    print(f"peak RSS: {peak_rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()
