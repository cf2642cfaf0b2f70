"""A seeded synthetic pilot city (演示市) — every row of it is labelled synthetic.

The generator draws enterprises into districts and GB/T 4754 industry classes, gives each a
value added and a carbon intensity around its industry's calibration value
(``data/demo_industries.csv``), splits the implied CO2 over energy types by the industry's
mix, and turns it into 205-1 energy records month by month with the inverse of the
accounting factors. Accounting the records back therefore reproduces the calibrated
intensities (up to the noise drawn here), which is what a demo must show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

import numpy as np
import polars as pl

from citycarbon import data
from citycarbon.core.factors import FactorSet
from citycarbon.core.ids import make_uscc
from citycarbon.core.key_energy_users import KEY_ENERGY_USER_TCE
from citycarbon.core.schemas import ENERGY_RECORDS

SYNTHETIC_LABEL: Final = "合成演示数据 SYNTHETIC DEMO DATA — not a real city"
CITY_NAME: Final = "演示市 (synthetic demo city)"
CITY_CODE: Final = "339900"

MIX_CODES: Final = {"coal": "01", "gas": "15", "oil": "21", "electricity": "33", "heat": "32"}
"""205-1 code drawn for each mix column of ``demo_industries.csv``."""


@dataclass(frozen=True)
class DemoCity:
    """Frames of one synthetic city."""

    enterprises: pl.DataFrame
    """entity_id, uscc, name, district_code, industry_code, key_energy_user, synthetic"""
    economics: pl.DataFrame
    """entity_id, year, industry_code, value_added_10k_yuan, district_code"""
    energy: pl.DataFrame
    """entity_id, period, energy_code, quantity, unit, purpose (standard units)"""
    districts: pl.DataFrame
    industries: pl.DataFrame


def generate_city(
    factors: FactorSet,
    *,
    seed: int = 2024,
    enterprises: int = 4200,
    years: tuple[int, ...] = (2024, 2025),
) -> DemoCity:
    """Generate the city deterministically from ``seed`` with the given factor set."""
    rng = np.random.default_rng(seed)
    class_names = data.industries().select(
        pl.col("code").alias("industry_code"), "name_zh", "name_en"
    )
    ind = (
        data.read_table("demo_industries")
        .join(class_names, on="industry_code", how="left", maintain_order="left")
        .with_columns(
            pl.col(
                "intensity_tco2_per_10k_yuan",
                "enterprise_weight",
                "value_added_median_10k_yuan",
                *MIX_CODES,
            ).cast(pl.Float64),
            pl.col("gas_feedstock") == "1",
        )
    )
    dist = data.read_table("demo_districts").with_columns(
        pl.col("enterprise_weight").cast(pl.Float64)
    )
    n = enterprises
    iw = ind["enterprise_weight"].to_numpy()
    ind_idx = rng.choice(ind.height, size=n, p=iw / iw.sum())
    dw = dist["enterprise_weight"].to_numpy()
    dist_idx = rng.choice(dist.height, size=n, p=dw / dw.sum())

    ids = [f"DEMO{i:05d}" for i in range(1, n + 1)]
    district_codes = dist["district_code"].to_numpy()[dist_idx]
    industry_codes = ind["industry_code"].to_numpy()[ind_idx]
    usccs = [make_uscc(str(d), 100000 + i) for i, d in enumerate(district_codes)]
    names = [
        f"演示{ind['name_zh'][int(k)]}企业{i:05d}（合成）" for i, k in enumerate(ind_idx, start=1)
    ]

    base_l = ind["intensity_tco2_per_10k_yuan"].to_numpy()[ind_idx]
    va_median = ind["value_added_median_10k_yuan"].to_numpy()[ind_idx]
    firm_l = base_l * rng.lognormal(0.0, 0.45, n).clip(0.35, 3.0)
    va0 = va_median * rng.lognormal(0.0, 0.8, n)
    mix = ind.select(list(MIX_CODES)).to_numpy()[ind_idx] * rng.lognormal(0.0, 0.3, (n, 5))
    mix = np.where(ind.select(list(MIX_CODES)).to_numpy()[ind_idx] > 0, mix, 0.0)
    mix = mix / mix.sum(axis=1, keepdims=True)
    green_share = np.where(rng.random(n) < 0.12, rng.uniform(0.05, 0.3, n), 0.0)
    self_share = np.where(rng.random(n) < 0.18, rng.uniform(0.02, 0.15, n), 0.0)
    feedstock = ind["gas_feedstock"].to_numpy()[ind_idx]

    per_unit = dict(
        factors.energy.select(
            "energy_code", pl.col("scope1_tco2_per_unit") + pl.col("scope2_tco2_per_unit")
        ).iter_rows()
    )
    econ_rows: list[pl.DataFrame] = []
    energy_rows: list[pl.DataFrame] = []
    va = va0
    l_year = firm_l
    for y_i, year in enumerate(years):
        if y_i:
            va = va * rng.normal(1.05, 0.08, n).clip(0.7, 1.5)
            l_year = l_year * rng.normal(0.96, 0.05, n).clip(0.75, 1.2)
        econ_rows.append(
            pl.DataFrame(
                {
                    "entity_id": ids,
                    "year": [year] * n,
                    "industry_code": industry_codes,
                    "value_added_10k_yuan": np.round(va, 2),
                    "district_code": district_codes,
                }
            )
        )
        energy_rows += _year_records(
            rng, year, ids, l_year * va, mix, per_unit, green_share, self_share, feedstock
        )
    # A few enterprises have not reported value added for the latest year (待补报): the
    # platform lists them as not graded rather than guessing.
    late = pl.Series(ids).filter(pl.Series(rng.random(n) < 0.004)).implode()
    economics = pl.concat(econ_rows).with_columns(
        pl.when((pl.col("year") == years[-1]) & pl.col("entity_id").is_in(late))
        .then(None)
        .otherwise(pl.col("value_added_10k_yuan"))
        .alias("value_added_10k_yuan")
    )
    energy = (
        pl.concat(energy_rows)
        .filter(pl.col("quantity") > 0)
        .join(factors.energy.select("energy_code", "unit"), on="energy_code", how="left")
        .select("entity_id", "period", "energy_code", "quantity", "unit", "purpose")
        .sort("entity_id", "period", "energy_code", "purpose")
    )
    tce_year = (
        energy.join(factors.energy.select("energy_code", "tce_per_unit"), on="energy_code")
        .group_by("entity_id", pl.col("period").str.slice(0, 4).alias("year"))
        .agg((pl.col("quantity") * pl.col("tce_per_unit")).sum().alias("tce"))
        .group_by("entity_id")
        .agg(pl.col("tce").max())
    )
    ent = (
        pl.DataFrame(
            {
                "entity_id": ids,
                "uscc": usccs,
                "name": names,
                "district_code": district_codes,
                "industry_code": industry_codes,
            }
        )
        .join(tce_year, on="entity_id", how="left")
        .with_columns(
            (pl.col("tce").fill_null(0) >= KEY_ENERGY_USER_TCE).alias("key_energy_user"),
            pl.lit(True).alias("synthetic"),
        )
        .drop("tce")
    )
    return DemoCity(
        enterprises=ent,
        economics=economics,
        energy=energy,
        districts=dist.select("district_code", "name_zh", "name_en"),
        industries=ind.select(
            "industry_code", "name_zh", "name_en", "intensity_tco2_per_10k_yuan", "source"
        ),
    )


def _year_records(
    rng: np.random.Generator,
    year: int,
    ids: list[str],
    co2: np.ndarray,
    mix: np.ndarray,
    per_unit: dict[str, float],
    green_share: np.ndarray,
    self_share: np.ndarray,
    feedstock: np.ndarray,
) -> list[pl.DataFrame]:
    """Monthly energy records of one year that account back to ``co2`` per enterprise."""
    n = len(ids)
    season = 1.0 + 0.12 * np.sin(np.arange(12) / 12 * 2 * np.pi + 1.0)
    weights = season[None, :] * rng.lognormal(0.0, 0.08, (n, 12))
    weights = weights / weights.sum(axis=1, keepdims=True)
    months = [f"{year}-{m:02d}" for m in range(1, 13)]
    frames = []
    for j, (kind, code) in enumerate(MIX_CODES.items()):
        annual = co2 * mix[:, j] / per_unit[code]
        parts = [(annual, "fuel")]
        if kind == "electricity":
            parts += [
                (annual * green_share / (1 - green_share), "green_purchase"),
                (annual * self_share, "self_generated"),
            ]
        if kind == "gas":
            parts.append((np.where(feedstock, annual * 0.6, 0.0), "feedstock"))
        for qty, purpose in parts:
            has = qty > 0
            if not has.any():
                continue
            frames.append(
                pl.DataFrame(
                    {
                        "entity_id": np.repeat(np.array(ids)[has], 12),
                        "period": np.tile(months, int(has.sum())),
                        "energy_code": code,
                        "quantity": np.round((qty[:, None] * weights)[has].ravel(), 4),
                        "purpose": purpose,
                    }
                )
            )
    return frames


def energy_records(energy: pl.DataFrame) -> pl.LazyFrame:
    """The generated energy table in the ``ENERGY_RECORDS`` schema (already standard units)."""
    return energy.lazy().select(
        "entity_id",
        "period",
        "energy_code",
        pl.col("quantity").cast(pl.Float64),
        pl.col("purpose").cast(ENERGY_RECORDS["purpose"]),
    )


BUILDING_PROFILES: Final = {
    # type: (share of buildings, electricity kWh/m², gas m³/m²) — synthetic, plausible
    "office": (0.35, 95.0, 1.0),
    "commercial": (0.15, 190.0, 2.0),
    "school": (0.2, 40.0, 0.5),
    "hospital": (0.1, 150.0, 8.0),
    "hotel": (0.1, 140.0, 10.0),
    "other_public": (0.1, 70.0, 1.0),
}


def generate_buildings(*, seed: int = 2024, buildings: int = 320, year: int = 2025) -> pl.DataFrame:
    """Synthetic large public buildings with a year of electricity, gas and green power."""
    rng = np.random.default_rng(seed + 1)
    types = list(BUILDING_PROFILES)
    shares = np.array([BUILDING_PROFILES[t][0] for t in types])
    kind = rng.choice(len(types), size=buildings, p=shares / shares.sum())
    area = np.round(rng.lognormal(np.log(20_000), 0.6, buildings), 0)
    elec = np.array([BUILDING_PROFILES[types[k]][1] for k in kind]) * rng.lognormal(
        0, 0.35, buildings
    )
    gas = np.array([BUILDING_PROFILES[types[k]][2] for k in kind]) * rng.lognormal(
        0, 0.5, buildings
    )
    green = np.where(rng.random(buildings) < 0.15, rng.uniform(0.05, 0.4, buildings), 0.0)
    return pl.DataFrame(
        {
            "building_id": [f"DEMOB{i:04d}" for i in range(1, buildings + 1)],
            "year": [year] * buildings,
            "building_type": [types[k] for k in kind],
            "floor_area_m2": area,
            "electricity_kwh": np.round(elec * area, 0),
            "gas_m3": np.round(gas * area, 0),
            "green_electricity_kwh": np.round(elec * area * green, 0),
            "synthetic": [True] * buildings,
        }
    )


GRID_PURPOSES: Final = ("fuel", "green_purchase")
"""Code-33 purposes that pass the grid company's meter: electricity bought from the grid,
green power included (it is delivered over the grid); self-generated power is not metered."""
KWH_PER_10K_KWH: Final = 10_000.0
"""kWh per 万千瓦时, the unit of code 33."""
FORECAST_MONTHS: Final = 10
"""Months of the year after the statistics years with readings already (January–October)."""


@dataclass(frozen=True)
class DemoElectricity:
    """The grid company's view of the demo city."""

    accounts: pl.DataFrame
    """account_no, entity_id (null: an account of no known enterprise), account_name"""
    readings: pl.DataFrame
    """account_no, start (Asia/Shanghai), grain (month or day), kwh, account_name"""


def electricity_readings(
    city: DemoCity, *, seed: int = 2024, daily_share: float = 0.02, unknown_accounts: int = 6
) -> DemoElectricity:
    """Electricity accounts (户号) and grid readings consistent with the city's code-33
    records, deterministic from ``seed``.

    Each enterprise with grid electricity has one account, or two (a quarter of them, the
    second taking 10–40 %). A month of the statistics years reads the enterprise's code-33
    grid quantity (``GRID_PURPOSES``) × 10,000 kWh/万千瓦时 × a metering error within ±1 %,
    split over its accounts. The ``FORECAST_MONTHS`` months of the next year, before any
    statistics exist, continue the last year's same month with the enterprise's growth
    (normal around +3 %, σ 4 %) and the same ±1 % noise. For a ``daily_share`` sample of
    enterprises the last of those months is also read by day, the days summing to the month.
    ``unknown_accounts`` accounts belong to no enterprise of the city.
    """
    rng = np.random.default_rng(seed + 33)
    grid = (
        city.energy.filter(
            (pl.col("energy_code") == MIX_CODES["electricity"])
            & pl.col("purpose").is_in(list(GRID_PURPOSES))
        )
        .group_by("entity_id", "period")
        .agg(pl.col("quantity").sum())
        .sort("entity_id", "period")
    )
    entities = grid["entity_id"].unique(maintain_order=True)
    n = entities.len()
    two = rng.random(n) < 0.25
    second_share = np.where(two, rng.uniform(0.1, 0.4, n), 0.0)
    names = dict(city.enterprises.select("entity_id", "name").iter_rows())
    account_rows: dict[str, list[object]] = {"account_no": [], "entity_id": [], "share": []}
    for i, entity in enumerate(entities):
        shares = [1.0 - second_share[i], second_share[i]] if two[i] else [1.0]
        for j, share in enumerate(shares):
            account_rows["account_no"].append(f"33{i + 1:07d}{j}")
            account_rows["entity_id"].append(entity)
            account_rows["share"].append(float(share))
    accounts = pl.DataFrame(
        account_rows, schema={"account_no": pl.String, "entity_id": pl.String, "share": pl.Float64}
    )
    accounts = accounts.with_columns(
        pl.col("entity_id")
        .replace_strict(names, default="", return_dtype=pl.String)
        .alias("account_name")
    )
    last_year = int(grid["period"].str.slice(0, 4).cast(pl.Int32).max())  # type: ignore[arg-type]
    growth = pl.DataFrame(
        {"entity_id": entities, "growth": rng.normal(1.03, 0.04, n).clip(0.85, 1.25)}
    )
    ahead = (
        grid.filter(pl.col("period").str.starts_with(str(last_year)))
        .with_columns(
            pl.col("period").str.slice(5, 2).cast(pl.Int32).alias("_month"),
        )
        .filter(pl.col("_month") <= FORECAST_MONTHS)
        .join(growth, on="entity_id")
        .select(
            "entity_id",
            (pl.lit(f"{last_year + 1}-") + pl.col("_month").cast(pl.String).str.zfill(2)).alias(
                "period"
            ),
            pl.col("quantity") * pl.col("growth"),
        )
    )
    monthly_ent = pl.concat([grid, ahead]).sort("entity_id", "period")
    monthly = monthly_ent.join(
        accounts.select("entity_id", "account_no", "share"), on="entity_id"
    ).sort("account_no", "period")
    noise = rng.uniform(-0.01, 0.01, monthly.height)
    monthly = monthly.with_columns(
        (pl.col("quantity") * KWH_PER_10K_KWH * pl.col("share") * (1.0 + noise))
        .round(1)
        .alias("kwh"),
        (pl.col("period") + "-01").str.to_date("%Y-%m-%d").alias("_day"),
        pl.lit("month").alias("grain"),
    )
    # Unknown accounts: a grid customer the city has not matched to an enterprise yet.
    periods = monthly["period"].unique().sort()
    unknown = pl.DataFrame(
        {
            "account_no": np.repeat(
                [f"33999{k:05d}" for k in range(unknown_accounts)], periods.len()
            ),
            "period": np.tile(periods.to_numpy(), unknown_accounts),
            "kwh": np.round(
                np.repeat(rng.lognormal(np.log(40_000), 1.0, unknown_accounts), periods.len())
                * rng.uniform(0.9, 1.1, unknown_accounts * periods.len()),
                1,
            ),
        }
    ).with_columns(
        (pl.col("period") + "-01").str.to_date("%Y-%m-%d").alias("_day"),
        pl.lit("month").alias("grain"),
        pl.lit(None, pl.String).alias("entity_id"),
    )
    unknown_accounts_frame = (
        unknown.select("account_no", "entity_id")
        .unique(maintain_order=True)
        .with_columns(pl.lit("").alias("account_name"))
    )
    month_rows = pl.concat(
        [
            monthly.select("account_no", "_day", "grain", "kwh"),
            unknown.select("account_no", "_day", "grain", "kwh"),
        ]
    )
    daily = _daily(rng, monthly, entities, f"{last_year + 1}-{FORECAST_MONTHS:02d}", daily_share)
    all_names = pl.concat(
        [accounts.select("account_no", "entity_id", "account_name"), unknown_accounts_frame]
    )
    readings = (
        pl.concat([month_rows, daily])
        .join(all_names.select("account_no", "account_name"), on="account_no", how="left")
        .select(
            "account_no",
            pl.col("_day")
            .cast(pl.Datetime("us"))
            .dt.replace_time_zone("Asia/Shanghai")
            .alias("start"),
            "grain",
            "kwh",
            "account_name",
        )
        .sort("account_no", "grain", "start")
    )
    return DemoElectricity(accounts=all_names, readings=readings)


def _daily(
    rng: np.random.Generator,
    monthly: pl.DataFrame,
    entities: pl.Series,
    period: str,
    share: float,
) -> pl.DataFrame:
    """Day readings of ``period`` for a sample of enterprises' accounts, summing to the month
    (the last day takes what rounding leaves)."""
    sample = entities.filter(pl.Series(rng.random(entities.len()) < share))
    month = monthly.filter(
        (pl.col("period") == period) & pl.col("entity_id").is_in(sample.implode())
    )
    first = month["_day"][0] if month.height else None
    if first is None:
        return pl.DataFrame(
            schema={"account_no": pl.String, "_day": pl.Date, "grain": pl.String, "kwh": pl.Float64}
        )
    days = pl.date_range(
        first, first + _month_length(first), interval="1d", eager=True, closed="left"
    )
    nd = days.len()
    weights = rng.lognormal(0.0, 0.15, (month.height, nd))
    weights = weights / weights.sum(axis=1, keepdims=True)
    values = np.round(month["kwh"].to_numpy()[:, None] * weights, 1)
    values[:, -1] = np.round(month["kwh"].to_numpy() - values[:, :-1].sum(axis=1), 1)
    return pl.DataFrame(
        {
            "account_no": np.repeat(month["account_no"].to_numpy(), nd),
            "_day": np.tile(days.to_numpy(), month.height),
            "grain": "day",
            "kwh": values.ravel(),
        }
    ).with_columns(pl.col("_day").cast(pl.Date))


def _month_length(first: date) -> timedelta:
    """The length of the month that starts at ``first``."""
    return date(first.year + first.month // 12, first.month % 12 + 1, 1) - first
