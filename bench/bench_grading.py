"""Grading at province scale: the full pipeline against a bare L / average / K query.

100,000 enterprises in 400 industry classes (4 digits; 80 groups, 40 divisions), one year.
Inputs made in memory: annual energy records (8 codes per enterprise, 800,000 rows; a
quarter of the enterprises buy some green electricity), the detailed emissions they account
to (energy by category and largest sources, as ``citycarbon emissions --detail`` writes
them; not timed, like any input), and the economics table. Timed in the same process:

- full: ``grade`` (class → group → division fallback, levels, grades, ungraded list),
  enterprise portraits (ranks and percentiles in industry and district, energy structure,
  trend, largest sources) and both benchmark lists with their reasons;
- bare: a hand-written Polars query that computes only L, the class averages and K, keyed
  like the real thing (entity and year in, year and class for the averages);
- confidence: the bootstrap, reported on its own line (not part of the target).

Target: full ≤ 2 × bare.

    .venv/bin/python -m bench.bench_grading [--enterprises N] [--runs R]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import polars as pl

from bench.common import CODES, best_of, machine, peak_rss_mb, today
from citycarbon.core.accounting import emissions_by_period
from citycarbon.core.factors import load_factor_set
from citycarbon.core.grading import grade, grade_confidence
from citycarbon.core.peer_lists import low_green, poor_efficiency
from citycarbon.core.portrait import enterprise_portraits
from citycarbon.core.schemas import ENERGY_RECORDS

RANK_KEYS = ("industry_code_used", "district_code")


def inputs(n: int, seed: int = 5) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    industries = np.array(
        [f"{10 + d:02d}{g}{c}" for d in range(40) for g in range(1, 3) for c in range(1, 6)]
    )  # 400 classes
    ids = [f"P{i:07d}" for i in range(n)]
    ind = industries[rng.integers(0, len(industries), n)]
    economics = pl.DataFrame(
        {
            "entity_id": ids,
            "year": [2024] * n,
            "industry_code": ind,
            "value_added_10k_yuan": rng.lognormal(8, 0.8, n),
            "district_code": rng.choice(["339901", "339902", "339903", "339904", "339905"], n),
        }
    )
    k = len(CODES)
    records = pl.DataFrame(
        {
            "entity_id": np.repeat(ids, k),
            "period": "2024",
            "energy_code": np.tile(CODES, n),
            "quantity": rng.gamma(1.5, 40.0, n * k) * (rng.random(n * k) < 0.7),
            "purpose": "fuel",
        }
    )
    buyers = rng.random(n) < 0.25
    green = pl.DataFrame(
        {
            "entity_id": np.array(ids)[buyers],
            "period": "2024",
            "energy_code": "33",
            "quantity": rng.gamma(1.0, 10.0, int(buyers.sum())),
            "purpose": "green_purchase",
        }
    )
    both = pl.concat([records, green]).cast(dict(ENERGY_RECORDS))  # type: ignore[arg-type]
    return both, economics


def bare(emissions: pl.DataFrame, economics: pl.DataFrame) -> pl.DataFrame:
    keys = ["year", "industry_code"]
    j = (
        economics.lazy()
        .join(
            emissions.lazy().select(
                "entity_id", pl.col("period").cast(pl.Int32).alias("year"), "total_tco2"
            ),
            on=["entity_id", "year"],
        )
        .with_columns((pl.col("total_tco2") / pl.col("value_added_10k_yuan")).alias("l"))
    )
    avg = j.group_by(keys).agg(
        (pl.col("total_tco2").sum() / pl.col("value_added_10k_yuan").sum()).alias("avg")
    )
    return j.join(avg, on=keys).with_columns((pl.col("l") / pl.col("avg")).alias("k")).collect()


def full(
    emissions: pl.DataFrame, economics: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    portraits = enterprise_portraits(grade(emissions, economics).graded, emissions)
    return portraits, poor_efficiency(portraits), low_green(portraits)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    fs = load_factor_set()
    records, economics = inputs(args.enterprises)
    emissions = emissions_by_period(records.lazy(), fs, "year", detail=True).collect()
    economics = economics.with_columns(pl.col("year").cast(pl.Int32))

    bare_s, _ = best_of(args.runs, lambda: bare(emissions, economics))
    full_s, out = best_of(args.runs, lambda: full(emissions, economics))
    portraits, poor, green = out  # type: ignore[misc]
    result = grade(emissions, economics)
    parts = {}
    for name, fn in (
        ("grade", lambda: grade(emissions, economics)),
        ("portraits", lambda: enterprise_portraits(result.graded, emissions)),
        ("poor_efficiency", lambda: poor_efficiency(portraits)),
        ("low_green", lambda: low_green(portraits)),
    ):
        parts[name], _ = best_of(args.runs, fn)
    lv = pl.col("intensity_tco2_per_10k_yuan")
    ranks_s, _ = best_of(
        args.runs,
        lambda: result.graded.with_columns(
            lv.rank("min").over("year", key).alias(f"r_{key}") for key in RANK_KEYS
        ),
    )
    t0 = time.perf_counter()
    grade_confidence(result)
    conf_s = time.perf_counter() - t0

    print(f"date: {today()}  machine: {machine()}")
    print(
        f"enterprises: {args.enterprises:,}  industry classes: "
        f"{economics['industry_code'].n_unique()}  records: {records.height:,}"
    )
    print(
        f"graded: {portraits.height:,}  poor-efficiency list: {poor.height:,}  "
        f"low-green list: {green.height:,}"
    )
    print(f"bare L / average / K query: {bare_s * 1000:.1f} ms (best of {args.runs})")
    print(f"full grading + portraits + lists: {full_s * 1000:.1f} ms (best of {args.runs})")
    print("  of which " + ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in parts.items()))
    print(f"ratio full/bare: {full_s / bare_s:.2f} (target <= 2.00)")
    print(
        f"the two rank windows alone (L in industry, in district): {ranks_s * 1000:.1f} ms "
        f"= {ranks_s / bare_s:.2f} x bare"
    )
    print(f"bootstrap confidence (200 samples, not in the target): {conf_s * 1000:.0f} ms")
    print(f"peak RSS: {peak_rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()
