"""Province-scale accounting: the engine against a bare Polars query of the same arithmetic.

100,000 enterprises × 12 months × 8 energy records (9.6 M rows) are made in memory. The
engine (``emissions_by_period`` at year grain) is timed against a hand-written Polars query
that joins the same per-code factors and sums the same products, in the same process.
Target: ratio ≤ 1.5, peak memory < 4 GB.

    .venv/bin/python -m bench.bench_emissions [--enterprises N] [--runs R]
"""

from __future__ import annotations

import argparse

import polars as pl

from bench.common import best_of, machine, peak_rss_mb, province_records, today
from citycarbon.core.accounting import emissions_by_period
from citycarbon.core.factors import load_factor_set


def bare_query(records: pl.DataFrame, factors: pl.DataFrame) -> pl.DataFrame:
    """Only the arithmetic: join factors, multiply, mask feedstock, sum per entity-year."""
    fuel = (pl.col("purpose") == "fuel").cast(pl.Float64)
    return (
        records.lazy()
        .join(factors.lazy(), on="energy_code", how="left")
        .group_by("entity_id", pl.col("period").str.slice(0, 4))
        .agg(
            (pl.col("quantity") * pl.col("tce_per_unit")).sum().alias("energy_tce"),
            (pl.col("quantity") * pl.col("scope1_tco2_per_unit") * fuel).sum().alias("s1"),
            (pl.col("quantity") * pl.col("scope2_tco2_per_unit") * fuel).sum().alias("s2"),
        )
        .collect()
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    fs = load_factor_set()
    records = province_records(args.enterprises)
    factors = fs.energy.select(
        "energy_code", "tce_per_unit", "scope1_tco2_per_unit", "scope2_tco2_per_unit"
    )
    engine_s, engine = best_of(
        args.runs, lambda: emissions_by_period(records.lazy(), fs, "year").collect()
    )
    bare_s, bare = best_of(args.runs, lambda: bare_query(records, factors))
    assert isinstance(engine, pl.DataFrame) and isinstance(bare, pl.DataFrame)
    check = bare.sort("entity_id")
    assert engine.height == check.height
    total_engine = float(engine["total_tco2"].sum())
    total_bare = float((check["s1"] + check["s2"]).sum())
    assert abs(total_engine - total_bare) <= 1e-9 * total_bare, (total_engine, total_bare)

    ratio = engine_s / bare_s
    detail_s, _ = best_of(
        args.runs,
        lambda: emissions_by_period(records.lazy(), fs, "year", detail=True).collect(),
    )
    peak = peak_rss_mb()
    print(f"date: {today()}  machine: {machine()}")
    print(f"rows: {records.height:,}  entity-years: {engine.height:,}")
    print(f"engine emissions_by_period: {engine_s:.3f} s (best of {args.runs})")
    print(f"bare Polars query:          {bare_s:.3f} s (best of {args.runs})")
    print(f"ratio engine/bare: {ratio:.2f} (target <= 1.50)")
    print(
        f"with --detail (energy by category, largest sources; not in the target): {detail_s:.3f} s"
    )
    print(f"peak RSS: {peak:,.0f} MB (target < 4096 MB)")


if __name__ == "__main__":
    main()
