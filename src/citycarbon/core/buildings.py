"""Public-building carbon-efficiency code (公共建筑碳效码): grades A–E within building type.

Huzhou's scheme (methods reference §1.7) grades large public buildings by their actual
operating carbon intensity: A 优秀, B 较优秀, C 有减排潜力, D 减排潜力大, E 需减排改造.
Its numeric thresholds per type are not published. Intensity here is kgCO2 per m² per year
from grid electricity (net of green electricity) at the factor set's grid factor and natural
gas at its combustion factor. Bounds come from ``data/building_grades.csv``: a scheme may
give fixed kgCO2/m² bounds per type; the default scheme ``peer-percentile`` derives them from
the 20/40/60/80th percentiles of the same type and year, and every result says which basis
it used. With fewer than ``min_peers`` buildings of a type in a year (default 5) percentiles
say nothing: such buildings are not graded (``grade`` empty) unless fixed bounds exist.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from citycarbon import data
from citycarbon.core.factors import FactorSet

DEFAULT_SCHEME: Final = "peer-percentile"
DEFAULT_MIN_PEERS: Final = 5
GRADES: Final = ("A", "B", "C", "D", "E")
GRADE_NAMES_ZH: Final = {
    "A": "优秀",
    "B": "较优秀",
    "C": "有减排潜力",
    "D": "减排潜力大",
    "E": "需减排改造",
}
BUILDING_COLUMNS: Final = (
    "building_id",
    "year",
    "building_type",
    "floor_area_m2",
    "electricity_kwh",
    "gas_m3",
    "green_electricity_kwh",
)


def building_intensity(buildings: pl.DataFrame, factors: FactorSet) -> pl.DataFrame:
    """Add ``tco2`` and ``kgco2_per_m2`` (grid electricity net of green, plus gas)."""
    grid_kg_per_kwh = factors.grid_tco2_per_mwh  # t/MWh equals kg/kWh
    gas_t_per_10k_m3 = float(
        factors.energy.filter(pl.col("energy_code") == "15")["scope1_tco2_per_unit"][0]
    )
    grid_kwh = (pl.col("electricity_kwh") - pl.col("green_electricity_kwh")).clip(lower_bound=0)
    kg = grid_kwh * grid_kg_per_kwh + pl.col("gas_m3") * gas_t_per_10k_m3 / 10.0
    return buildings.with_columns(
        (kg / 1000).alias("tco2"),
        (kg / pl.col("floor_area_m2")).alias("kgco2_per_m2"),
    )


def grade_buildings(
    buildings: pl.DataFrame,
    factors: FactorSet,
    scheme: str = DEFAULT_SCHEME,
    *,
    min_peers: int = DEFAULT_MIN_PEERS,
) -> pl.DataFrame:
    """Grade each building-year within its type: A (best) to E, with the bounds used."""
    rules = data.building_grades().filter(pl.col("scheme") == scheme)
    if rules.is_empty():
        msg = f"unknown building grade scheme {scheme!r}"
        raise ValueError(msg)
    over = ["year", "building_type"]
    frame = building_intensity(buildings, factors).with_columns(
        pl.len().over(over).alias("peer_count")
    )
    enough = pl.col("peer_count") >= min_peers
    intensity = pl.col("kgco2_per_m2")
    bound_cols = []
    for g in GRADES[:-1]:
        fixed = rules.filter(pl.col("grade") == g)
        percentile = fixed.filter(pl.col("building_type") == "*")["upper_percentile"]
        per_type = dict(
            fixed.filter(pl.col("building_type") != "*")
            .select("building_type", "upper_bound_kgco2_per_m2")
            .iter_rows()
        )
        by_percentile = (
            pl.when(enough).then(intensity.quantile(float(percentile[0]), "linear").over(over))
            if percentile.len()
            else pl.lit(None, pl.Float64)
        )
        bound = (
            pl.col("building_type").replace_strict(per_type, default=None, return_dtype=pl.Float64)
            if per_type
            else pl.lit(None, pl.Float64)
        )
        bound_cols.append(pl.coalesce(bound, by_percentile).alias(f"bound_{g}"))
    frame = frame.with_columns(bound_cols)
    grade = pl.lit("E")
    for g in reversed(GRADES[:-1]):
        grade = pl.when(intensity <= pl.col(f"bound_{g}")).then(pl.lit(g)).otherwise(grade)
    fixed_types = set(rules.filter(pl.col("building_type") != "*")["building_type"].to_list())
    has_fixed = pl.col("building_type").is_in(list(fixed_types))
    return (
        frame.with_columns(
            pl.when(pl.col("bound_A").is_not_null()).then(grade).alias("grade"),
            pl.when(has_fixed)
            .then(pl.lit(f"{scheme}: fixed bounds"))
            .when(enough)
            .then(pl.lit(f"{scheme}: peer percentiles"))
            .otherwise(pl.lit(f"{scheme}: not graded, fewer than {min_peers} peers"))
            .alias("threshold_basis"),
        )
        .with_columns(
            pl.col("grade").replace_strict(GRADE_NAMES_ZH, return_dtype=pl.String).alias("grade_zh")
        )
        .sort("year", "building_id")
    )
