"""What-if for one enterprise: the code it would get after changes, industry average fixed.

Changes are applied to the enterprise's energy records of the year, in this order:

1. replace ``coal_to_electricity_tce`` tce of coal by electricity and ``coal_to_gas_tce`` tce
   of coal by natural gas, at equal standard-coal content (calorific equivalence: 1 tce of
   coal becomes 1/1.229 万kWh or 1/12.143 万m³) divided by ``substitution_efficiency``
   (above 1 when the new carrier is used more efficiently); coal codes are reduced in
   proportion to their tce, never below zero;
2. turn ``green_electricity_mwh`` of grid electricity into purchased green electricity (at
   most the grid electricity the enterprise uses);
3. cut every energy record by ``energy_cut_pct`` per cent;
4. raise value added by ``value_added_increase_pct`` per cent.

The industry average stays what it was, so K moves only with the enterprise's own L.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from citycarbon.core.accounting import emissions_by_period
from citycarbon.core.factors import MWH_PER_10K_KWH, FactorSet
from citycarbon.core.grading import Scheme, load_scheme, with_code
from citycarbon.core.schemas import ENERGY_RECORDS

ELECTRICITY = "33"
NATURAL_GAS = "15"


@dataclass(frozen=True)
class Changes:
    coal_to_electricity_tce: float = 0.0
    coal_to_gas_tce: float = 0.0
    green_electricity_mwh: float = 0.0
    energy_cut_pct: float = 0.0
    value_added_increase_pct: float = 0.0
    substitution_efficiency: float = 1.0

    def problems(self) -> list[str]:
        """Why these changes cannot be applied (empty when they can)."""
        out = []
        for name in ("coal_to_electricity_tce", "coal_to_gas_tce", "green_electricity_mwh"):
            if getattr(self, name) < 0:
                out.append(f"{name} must not be negative")
        if not 0 <= self.energy_cut_pct <= 100:
            out.append("energy_cut_pct must be between 0 and 100")
        if self.value_added_increase_pct <= -100:
            out.append("value_added_increase_pct must be above -100")
        if self.substitution_efficiency <= 0:
            out.append("substitution_efficiency must be positive")
        return out


def apply_changes(records: pl.DataFrame, changes: Changes, factors: FactorSet) -> pl.DataFrame:
    """The enterprise's records (``ENERGY_RECORDS``, one entity and year) after the changes."""
    tce = dict(factors.energy.select("energy_code", "tce_per_unit").iter_rows())
    coal_codes = factors.energy.filter(pl.col("category") == "coal")["energy_code"].to_list()
    entity, period = records["entity_id"][0], records["period"][0][:4]
    frame = records.with_columns(
        (
            pl.col("quantity") * pl.col("energy_code").replace_strict(tce, return_dtype=pl.Float64)
        ).alias("_tce")
    )
    is_coal = pl.col("energy_code").is_in(coal_codes) & (pl.col("purpose") == "fuel")
    coal_tce = float(frame.filter(is_coal)["_tce"].sum())
    wanted = changes.coal_to_electricity_tce + changes.coal_to_gas_tce
    moved = min(wanted, coal_tce)
    keep = 1.0 - (moved / coal_tce if coal_tce else 0.0)
    frame = frame.with_columns(
        pl.when(is_coal).then(pl.col("quantity") * keep).otherwise(pl.col("quantity"))
    )
    share = moved / wanted if wanted else 0.0
    added = [
        (ELECTRICITY, changes.coal_to_electricity_tce * share / tce[ELECTRICITY]),
        (NATURAL_GAS, changes.coal_to_gas_tce * share / tce[NATURAL_GAS]),
    ]
    extra = pl.DataFrame(
        [
            (entity, period, code, q / changes.substitution_efficiency, "fuel")
            for code, q in added
            if q > 0
        ],
        schema=list(ENERGY_RECORDS.names()),
        orient="row",
    ).cast(dict(ENERGY_RECORDS))  # type: ignore[arg-type]
    frame = pl.concat([frame.select(ENERGY_RECORDS.names()), extra])

    grid = pl.col("energy_code") == ELECTRICITY
    grid_fuel = grid & (pl.col("purpose") == "fuel")
    grid_units = float(frame.filter(grid_fuel)["quantity"].sum())
    to_green = min(changes.green_electricity_mwh / MWH_PER_10K_KWH, grid_units)
    if to_green > 0:
        frame = pl.concat(
            [
                frame.with_columns(
                    pl.when(grid_fuel)
                    .then(pl.col("quantity") * (1 - to_green / grid_units))
                    .otherwise(pl.col("quantity"))
                ),
                pl.DataFrame(
                    [(entity, period, ELECTRICITY, to_green, "green_purchase")],
                    schema=list(ENERGY_RECORDS.names()),
                    orient="row",
                ).cast(dict(ENERGY_RECORDS)),  # type: ignore[arg-type]
            ]
        )
    return frame.with_columns(pl.col("quantity") * (1 - changes.energy_cut_pct / 100))


def what_if(
    records: pl.DataFrame,
    value_added_10k_yuan: float,
    industry_avg_intensity: float,
    changes: Changes,
    factors: FactorSet,
    scheme: Scheme | None = None,
) -> pl.DataFrame:
    """Two rows, ``before`` and ``after``: energy, CO2, L, K, level and grade."""
    scheme = scheme or load_scheme()
    after_records = apply_changes(records, changes, factors)
    va_after = value_added_10k_yuan * (1 + changes.value_added_increase_pct / 100)
    rows = []
    for label, recs, va in (
        ("before", records, value_added_10k_yuan),
        ("after", after_records, va_after),
    ):
        e = emissions_by_period(recs.lazy(), factors, "year").collect()
        rows.append(
            {
                "scenario": label,
                "energy_tce": float(e["energy_tce"].sum()),
                "total_tco2": float(e["total_tco2"].sum()),
                "value_added_10k_yuan": va,
            }
        )
    frame = pl.DataFrame(rows).with_columns(
        (pl.col("total_tco2") / pl.col("value_added_10k_yuan")).alias(
            "intensity_tco2_per_10k_yuan"
        ),
        pl.lit(industry_avg_intensity).alias("industry_avg_intensity"),
    )
    return with_code(frame.lazy(), scheme).collect()
