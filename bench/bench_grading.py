"""Grading at province scale: the published figures, by the platform and by a bare query.

100,000 enterprises in 400 industry classes (4 digits; 80 groups, 40 divisions), one year.
Inputs made in memory: annual energy records (8 codes per enterprise, 800,000 rows; a
quarter of the enterprises buy some green electricity, 3 % use 40 times as much energy),
the detailed emissions they account to (energy by category and largest sources, as
``citycarbon emissions --detail`` writes them; not timed, like any input), and the
economics table. Timed in the same process:

- full: what the grading run publishes, with the core functions the platform uses:
  ``grade`` (class → group → division fallback, levels, grades, ungraded list), enterprise
  portraits (ranks and percentiles in industry and district, energy structure, trend,
  largest sources) and both benchmark lists;
- bare: a hand-written Polars query that computes the same published figures — L, the
  industry average with the same fallback, K, level, grade, both ranks and percentiles, the
  energy shares, the poor-efficiency list with its per-industry thresholds and the
  low-green list — checked to agree with the full pipeline on every figure before timing;
- confidence: the bootstrap, reported on its own line (not part of the target).

Target: full ≤ 1.5 × bare.

    .venv/bin/python -m bench.bench_grading [--enterprises N] [--runs R]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import polars as pl

from bench.common import CODES, best_of, machine, peak_rss_mb, today
from citycarbon import data
from citycarbon.core.accounting import emissions_by_period
from citycarbon.core.factors import MWH_PER_10K_KWH, load_factor_set
from citycarbon.core.grading import DEFAULT_MIN_PEERS, grade, grade_confidence, load_scheme
from citycarbon.core.peer_lists import low_green, poor_efficiency
from citycarbon.core.portrait import enterprise_portraits
from citycarbon.core.schemas import ENERGY_MIX_CATEGORIES, ENERGY_RECORDS

TARGET = 1.5
CATEGORIES = ENERGY_MIX_CATEGORIES
MIN_PEERS = DEFAULT_MIN_PEERS
SCHEME = load_scheme()
RULES = data.benchmark_rules()
GREEN_RULE = data.list_rules("low_green")
TCE_PER_MWH = (
    data.parameters()
    .filter(pl.col("parameter") == "electricity_tce_per_10k_kwh_calorific")["value"]
    .cast(pl.Float64)[0]
    / MWH_PER_10K_KWH
)
"""The rules and parameters are inputs of both sides (read once, not timed)."""


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
    scale = np.where(rng.random(n) < 0.03, 40.0, 1.0)  # large users, for the low-green list
    records = pl.DataFrame(
        {
            "entity_id": np.repeat(ids, k),
            "period": "2024",
            "energy_code": np.tile(CODES, n),
            "quantity": rng.gamma(1.5, 40.0, n * k)
            * (rng.random(n * k) < 0.7)
            * np.repeat(scale, k),
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


def bare(
    emissions: pl.DataFrame, economics: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The published figures by hand, in one lazy query each: per enterprise-year L, the
    industry average (class, else group, else division with at least ``MIN_PEERS``), K,
    level, grade, rank and percentile of L in industry and in district; the poor-efficiency
    list with its per-industry thresholds; the low-green list."""
    q = RULES[("poor_efficiency", "industry_percentile")]
    list_peers = int(RULES[("poor_efficiency", "min_peers")])
    va, co2 = pl.col("value_added_10k_yuan"), pl.col("total_tco2")
    gradable = (
        economics.lazy()
        .join(
            emissions.lazy().select(
                "entity_id",
                pl.col("period").cast(pl.Int32).alias("year"),
                "total_tco2",
                "energy_tce",
                *(f"{c}_tce" for c in CATEGORIES),
                "renewable_tce",
            ),
            on=["entity_id", "year"],
        )
        .filter((va > 0) & pl.col("industry_code").is_not_null())
        .with_columns((co2 / va).alias("l"))
    )
    stats = gradable.group_by("year", "industry_code").agg(
        co2.sum().alias("co2"), va.sum().alias("va"), pl.len().alias("n")
    )
    used: list[pl.Expr] = []
    levels = stats
    for digits in (4, 3, 2):
        code = pl.col("industry_code").str.slice(0, digits)
        level = stats.group_by("year", code.alias(f"c{digits}")).agg(
            (pl.col("co2").sum() / pl.col("va").sum()).alias(f"avg{digits}"),
            pl.col("n").sum().alias(f"n{digits}"),
        )
        levels = levels.with_columns(code.alias(f"c{digits}")).join(
            level, on=["year", f"c{digits}"]
        )
        used.append(pl.col(f"n{digits}") >= MIN_PEERS)

    def pick(prefix: str) -> pl.Expr:
        return (
            pl.when(used[0])
            .then(pl.col(f"{prefix}4"))
            .when(used[1])
            .then(pl.col(f"{prefix}3"))
            .when(used[2])
            .then(pl.col(f"{prefix}2"))
        )

    table = levels.select(
        "year", "industry_code", pick("c").alias("industry_code_used"), pick("avg").alias("avg")
    ).filter(pl.col("avg") >= 1e-12)
    k = pl.col("l") / pl.col("avg")

    def by_bounds(value: pl.Expr, bounds: tuple[float, ...], labels: tuple[object, ...]) -> pl.Expr:
        expr = pl.when(value.round(9) <= bounds[0]).then(pl.lit(labels[0]))
        for bound, label in zip(bounds[1:], labels[1:-1], strict=True):
            expr = expr.when(value.round(9) <= bound).then(pl.lit(label))
        return expr.otherwise(pl.lit(labels[-1]))

    rank_i = pl.col("l").rank("min").over("year", "industry_code_used")
    rank_d = pl.col("l").rank("min").over("year", "district_code")
    energy = pl.col("energy_tce")
    shares = {c: (pl.col(f"{c}_tce") / energy).fill_nan(0.0) for c in CATEGORIES}
    figures = (
        gradable.join(table, on=["year", "industry_code"])
        .select(
            "entity_id",
            "year",
            "industry_code_used",
            "district_code",
            "value_added_10k_yuan",
            "energy_tce",
            "l",
            "avg",
            k.alias("k"),
            by_bounds(pl.col("l"), SCHEME.level_bounds, SCHEME.level_labels).alias("level"),
            by_bounds(k, SCHEME.grade_bounds, SCHEME.grade_labels).cast(pl.Int8).alias("grade"),
            rank_i.alias("rank_industry"),
            (rank_i / pl.len().over("year", "industry_code_used")).alias("pct_industry"),
            rank_d.alias("rank_district"),
            (rank_d / pl.len().over("year", "district_code")).alias("pct_district"),
            *(s.alias(f"{c}_share") for c, s in shares.items()),
            (pl.col("renewable_tce") / energy).fill_nan(0.0).alias("green_share"),
        )
        .collect()
    )
    per_va = {
        "energy": energy / va,
        **{c: pl.col(f"{c}_share") * energy / va for c in CATEGORIES},
    }
    measures = figures.lazy().select(
        "entity_id", "year", "industry_code_used", *(e.alias(m) for m, e in per_va.items())
    )
    thresholds = (
        measures.group_by("year", "industry_code_used")
        .agg(
            *(
                pl.col(m).filter(pl.col(m) > 0).quantile(q, "linear").alias(f"t_{m}")
                for m in per_va
            ),
            pl.len().alias("n"),
        )
        .filter(pl.col("n") >= list_peers)
    )
    over = [(pl.col(m) > 0) & (pl.col(m) / pl.col(f"t_{m}") > 1) for m in per_va]
    poor = (
        measures.join(thresholds, on=["year", "industry_code_used"])
        .filter(pl.any_horizontal(over))
        .select("entity_id", "year", *(f"t_{m}" for m in per_va))
        .collect()
    )
    _version, rule = GREEN_RULE
    mwh = pl.col("electricity_heat_share") * energy / TCE_PER_MWH
    share, target = pl.col("green_share"), rule["target_share"]
    green = (
        figures.lazy()
        .filter((mwh >= rule["min_electricity_mwh"]) & (share <= rule["max_green_share"]))
        .filter(share < target)
        .select("entity_id", "year", (mwh * (target - share)).alias("switchable_mwh"))
        .sort(["year", "switchable_mwh", "entity_id"], descending=[False, True, False])
        .group_by("year", maintain_order=True)
        .head(int(rule["top_n"]))
        .collect()
    )
    return figures, poor, green


def agree(
    full_out: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame],
    bare_out: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame],
) -> str:
    """Check that both compute the same published figures; a line saying what agreed."""
    portraits, poor, green = full_out
    figures, bare_poor, bare_green = bare_out
    pairs = {
        "intensity_tco2_per_10k_yuan": "l",
        "industry_avg_intensity": "avg",
        "k_value": "k",
        "intensity_percentile_in_industry": "pct_industry",
        "intensity_percentile_in_district": "pct_district",
        **{f"{c}_share": f"{c}_share" for c in (*CATEGORIES, "green")},
    }
    exact = {
        "level": "level",
        "grade": "grade",
        "intensity_rank_in_industry": "rank_industry",
        "intensity_rank_in_district": "rank_district",
        "industry_code_used": "industry_code_used",
    }
    keys = ["entity_id", "year"]
    both = portraits.join(figures, on=keys, how="full", coalesce=True)
    assert both.height == portraits.height == figures.height, "graded enterprise-years differ"
    for mine, theirs in exact.items():
        differ = both.filter(pl.col(mine).cast(pl.String) != pl.col(theirs).cast(pl.String))
        assert differ.is_empty(), f"{mine} differs in {differ.height} rows"
    for mine, theirs in pairs.items():
        close = ((pl.col(mine) - pl.col(theirs)).abs() <= 1e-9 * pl.col(theirs).abs()).all()
        assert both.select(close).item(), f"{mine} differs"
    lists = poor.join(bare_poor, on=keys, how="full", coalesce=True)
    assert lists.height == poor.height == bare_poor.height, "poor-efficiency lists differ"
    for m in ("energy", *CATEGORIES):
        a, b = pl.col(f"{m}_threshold"), pl.col(f"t_{m}")
        close = ((a - b).abs() <= 1e-9 * b.abs()) | (a.is_null() & b.is_null())
        assert lists.select(close.all()).item(), f"{m} threshold differs"
    assert green.select(keys).equals(bare_green.select(keys)), "low-green lists differ"
    return (
        f"agreed: {figures.height:,} enterprise-years (L, average, K, level, grade, both ranks "
        f"and percentiles, shares), {poor.height:,} on the poor-efficiency list (6 thresholds "
        f"each), {green.height:,} on the low-green list (in order)"
    )


def full(
    emissions: pl.DataFrame, economics: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    portraits = enterprise_portraits(grade(emissions, economics).graded, emissions)
    return portraits, poor_efficiency(portraits), low_green(portraits)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    fs = load_factor_set()
    records, economics = inputs(args.enterprises)
    emissions = emissions_by_period(records.lazy(), fs, "year", detail=True).collect()
    economics = economics.with_columns(pl.col("year").cast(pl.Int32))

    checked = agree(full(emissions, economics), bare(emissions, economics))
    bare_s, _ = best_of(args.runs, lambda: bare(emissions, economics))
    full_s, out = best_of(args.runs, lambda: full(emissions, economics))
    portraits = out[0]  # type: ignore[index]
    result = grade(emissions, economics)
    parts = {}
    for name, fn in (
        ("grade", lambda: grade(emissions, economics)),
        ("portraits", lambda: enterprise_portraits(result.graded, emissions)),
        ("poor_efficiency", lambda: poor_efficiency(portraits)),
        ("low_green", lambda: low_green(portraits)),
    ):
        parts[name], _ = best_of(args.runs, fn)
    t0 = time.perf_counter()
    grade_confidence(result)
    conf_s = time.perf_counter() - t0

    print(f"date: {today()}  machine: {machine()}")
    print(
        f"enterprises: {args.enterprises:,}  industry classes: "
        f"{economics['industry_code'].n_unique()}  records: {records.height:,}"
    )
    print(checked)
    print(f"bare query of the published figures: {bare_s * 1000:.1f} ms (best of {args.runs})")
    print(f"full grading + portraits + lists: {full_s * 1000:.1f} ms (best of {args.runs})")
    print("  of which " + ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in parts.items()))
    ratio = full_s / bare_s
    verdict = "PASS" if ratio <= TARGET else "FAIL"
    print(f"ratio full/bare: {ratio:.2f} (target <= {TARGET:.2f}) {verdict}")
    print(f"bootstrap confidence (200 samples, not in the target): {conf_s * 1000:.0f} ms")
    print(f"peak RSS: {peak_rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()
