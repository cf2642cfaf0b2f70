"""Path to the peak (达峰路径): a scenario projection per industry to 2030, the peak year, and
the current year's forecast from year-to-date months.

Projection (platform model ``peak/1``; the seeds name the levers, issue 13 and methods
reference §6.2, §8, but publish no model): from the latest accounted year y₀, for each
industry and each year t = y − y₀,

- activity A(t) = (1 + g)^t, g the annual activity growth;
- energy intensity I(t) = (1 − d)^t, d the annual intensity decline;
- fuel switched to electricity s(t) = min(1, f × t), f the share of the base year's fuel
  use switched each year; the switched fuel's emissions reappear as grid electricity at
  ``switch_ratio`` tCO2 of electricity per tCO2 of fuel replaced;
- green-power share p(t) moving linearly from the base share p₀ to the target share p* at
  ``end_year``; electricity emissions scale by (1 − p(t)) ÷ (1 − p₀) (green power is netted);
- scope 1: S1₀ × A × I × (1 − s); scope 2: (S2₀ × A × I + S1₀ × A × I × s × switch_ratio)
  × (1 − p(t)) ÷ (1 − p₀); total = scope 1 + scope 2.

The peak is the year of the largest city total (the first such year, totals compared after
rounding to ``PEAK_DECIMALS`` decimals of a tonne, so that floating-point noise of a flat
path does not move it); when it is y₀, the emissions have already peaked on this path.

Forecast of the current year from year-to-date months (D4, issue 13): ``ytd × 12 ÷ months``
by default, or with last year's monthly profile ``ytd × last year's total ÷ last year's
same months``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

import polars as pl

METHOD_VERSION: Final = "peak/1"
DEFAULT_END_YEAR: Final = 2030
PEAK_DECIMALS: Final = 6

BASE: Final = pl.Schema(
    {"industry_code": pl.String(), "scope1_tco2": pl.Float64(), "scope2_tco2": pl.Float64()}
)
"""Emissions of each industry in the latest accounted year."""

LEVERS: Final = pl.Schema(
    {
        "industry_code": pl.String(),
        "activity_growth_pct": pl.Float64(),
        "intensity_decline_pct": pl.Float64(),
        "fuel_switch_pct": pl.Float64(),
    }
)
"""Levers per industry, in percent a year; ``industry_code`` ``*`` applies to every industry
without a row of its own."""

PROJECTION: Final = pl.Schema(
    {
        "industry_code": pl.String(),
        "year": pl.Int32(),
        "scope1_tco2": pl.Float64(),
        "scope2_tco2": pl.Float64(),
        "total_tco2": pl.Float64(),
    }
)

ALL: Final = "*"

MAX_END_YEAR: Final = 2060
"""The last year a scenario may project to (the carbon-neutrality year, 2060)."""

LIMITS: Final[dict[str, tuple[float, float]]] = {
    "activity_growth_pct": (-20.0, 20.0),
    "intensity_decline_pct": (-10.0, 20.0),
    "fuel_switch_pct": (0.0, 20.0),
    "green_share_base_pct": (0.0, 99.0),
    "green_share_target_pct": (0.0, 100.0),
    "switch_ratio": (0.0, 3.0),
}
"""Platform limits of a scenario's inputs (``peak/1``; the seeds publish none), both ends
included: activity growth −20…+20 %/年 and energy-intensity decline −10…+20 %/年 (beyond
them a city's economy or energy use changes faster than any recorded year of a Chinese
city), fuel switched 0…20 % of the base year's fuel use a year, green-power shares 0…99 %
in the base year (the netting divides by 1 − p₀) and 0…100 % at the end, switch ratio 0…3
tCO2 of electricity per tCO2 of fuel replaced. The end year comes after the base year and
no later than ``MAX_END_YEAR``."""


def scenario_problems(levers: pl.DataFrame, scenario: Scenario) -> list[tuple[str, float]]:
    """The inputs outside ``LIMITS`` (each ``(name, value)``) and an end year not after the
    base year or after ``MAX_END_YEAR`` (``("end_year", year)``); empty when all are
    plausible."""
    out: list[tuple[str, float]] = []
    if not scenario.base_year < scenario.end_year <= MAX_END_YEAR:
        out.append(("end_year", float(scenario.end_year)))
    for name in ("green_share_base_pct", "green_share_target_pct", "switch_ratio"):
        low, high = LIMITS[name]
        value = float(getattr(scenario, name))
        if not low <= value <= high:
            out.append((name, value))
    levers = levers.select(LEVERS.names()).cast(LEVERS)
    for name in ("activity_growth_pct", "intensity_decline_pct", "fuel_switch_pct"):
        low, high = LIMITS[name]
        bad = levers.filter(~pl.col(name).is_between(low, high) | ~pl.col(name).is_finite())
        out += [(name, float(v)) for v in bad.get_column(name).to_list()]
    return out


@dataclass(frozen=True)
class Scenario:
    """A scenario's city-wide settings (per-industry levers are in a ``LEVERS`` frame)."""

    base_year: int
    end_year: int = DEFAULT_END_YEAR
    green_share_base_pct: float = 0.0
    green_share_target_pct: float = 0.0
    switch_ratio: float = 1.0


@dataclass(frozen=True)
class Peak:
    by_industry: pl.DataFrame
    """``PROJECTION`` per industry and year."""
    city: pl.DataFrame
    """``year, scope1_tco2, scope2_tco2, total_tco2``: the sums per year."""
    peak_year: int | None
    peak_tco2: float | None
    peaked: bool
    """The largest total is the base year's: on this path emissions only fall."""


def project(base: pl.DataFrame, levers: pl.DataFrame, scenario: Scenario) -> Peak:
    """The projection of ``base`` (``BASE``) under ``levers`` (``LEVERS``) from
    ``scenario.base_year`` to ``scenario.end_year``; see the module docstring."""
    base = base.select(BASE.names()).cast(BASE)
    levers = levers.select(LEVERS.names()).cast(LEVERS)
    own = base.join(levers, on="industry_code", how="left")
    default = levers.filter(pl.col("industry_code") == ALL).drop("industry_code")
    lever_names = [c for c in LEVERS.names() if c != "industry_code"]
    if default.height:
        fill = default.row(0, named=True)
        own = own.with_columns(pl.col(c).fill_null(fill[c]) for c in lever_names)
    own = own.with_columns(pl.col(c).fill_null(0.0) for c in lever_names)
    years = pl.DataFrame(
        {"year": list(range(scenario.base_year, max(scenario.end_year, scenario.base_year) + 1))},
        schema={"year": pl.Int32},
    )
    span = max(scenario.end_year - scenario.base_year, 0)
    p0 = scenario.green_share_base_pct / 100.0
    p_end = scenario.green_share_target_pct / 100.0
    t = (pl.col("year") - scenario.base_year).cast(pl.Float64)
    green = pl.lit(p0) + (pl.lit(p_end - p0) * t / span if span else pl.lit(0.0))
    green_scale = (1.0 - green) / (1.0 - p0) if p0 < 1.0 else pl.lit(1.0)
    activity = (1.0 + pl.col("activity_growth_pct") / 100.0).pow(t)
    intensity = (1.0 - pl.col("intensity_decline_pct") / 100.0).pow(t)
    switched = (pl.col("fuel_switch_pct") / 100.0 * t).clip(0.0, 1.0)
    demand = activity * intensity
    rows = own.join(years, how="cross").with_columns(
        (pl.col("scope1_tco2") * demand * (1.0 - switched)).alias("s1"),
        (
            (
                pl.col("scope2_tco2") * demand
                + pl.col("scope1_tco2") * demand * switched * scenario.switch_ratio
            )
            * green_scale
        ).alias("s2"),
    )
    by_industry = rows.select(
        "industry_code",
        "year",
        pl.col("s1").alias("scope1_tco2"),
        pl.col("s2").alias("scope2_tco2"),
        (pl.col("s1") + pl.col("s2")).alias("total_tco2"),
    ).sort("industry_code", "year")
    city = (
        by_industry.group_by("year")
        .agg(pl.col("scope1_tco2", "scope2_tco2", "total_tco2").sum())
        .sort("year")
    )
    if city.is_empty() or base.is_empty():
        return Peak(by_industry.cast(PROJECTION), city, None, None, False)
    ranked = city.with_columns(pl.col("total_tco2").round(PEAK_DECIMALS).alias("rank"))
    top = ranked.sort(["rank", "year"], descending=[True, False]).row(0, named=True)
    return Peak(
        by_industry=by_industry.cast(PROJECTION),
        city=city,
        peak_year=int(top["year"]),
        peak_tco2=float(top["total_tco2"]),
        peaked=int(top["year"]) == scenario.base_year,
    )


MONTHLY: Final = pl.Schema({"subject_id": pl.String(), "period": pl.String(), "tco2": pl.Float64()})
"""Monthly emissions, ``period`` ``YYYY-MM``."""

FORECAST: Final = pl.Schema(
    {
        "subject_id": pl.String(),
        "year": pl.Int32(),
        "months": pl.Int32(),
        "ytd_tco2": pl.Float64(),
        "forecast_tco2": pl.Float64(),
        "method": pl.String(),
    }
)

ForecastMethod = Literal["prorate", "profile"]


def forecast_year(
    monthly: pl.DataFrame, *, year: int, through_month: int, method: ForecastMethod = "prorate"
) -> pl.DataFrame:
    """The ``year``'s total per subject from its months 1…``through_month`` (``MONTHLY``):
    ``prorate`` = ytd × 12 ÷ months; ``profile`` = ytd × last year's total ÷ last year's
    months 1…``through_month`` (a subject without a full last-year profile falls back to
    ``prorate``, and its ``method`` says so)."""
    frame = (
        monthly.select(MONTHLY.names())
        .cast(MONTHLY)
        .with_columns(
            pl.col("period").str.slice(0, 4).cast(pl.Int32).alias("y"),
            pl.col("period").str.slice(5, 2).cast(pl.Int32).alias("m"),
        )
    )
    ytd = (
        frame.filter((pl.col("y") == year) & (pl.col("m") <= through_month))
        .group_by("subject_id")
        .agg(pl.col("tco2").sum().alias("ytd_tco2"))
    )
    last = (
        frame.filter(pl.col("y") == year - 1)
        .group_by("subject_id")
        .agg(
            pl.col("tco2").sum().alias("last_total"),
            pl.col("tco2").filter(pl.col("m") <= through_month).sum().alias("last_ytd"),
            pl.col("m").n_unique().alias("last_months"),
        )
    )
    prorated = pl.col("ytd_tco2") * 12.0 / through_month
    profiled = pl.col("ytd_tco2") * pl.col("last_total") / pl.col("last_ytd")
    usable = (pl.col("last_months") == 12) & (pl.col("last_ytd") > 0)
    if method == "profile":
        forecast = pl.when(usable).then(profiled).otherwise(prorated)
        used = pl.when(usable).then(pl.lit("profile")).otherwise(pl.lit("prorate"))
    else:
        forecast, used = prorated, pl.lit("prorate")
    out = ytd.join(last, on="subject_id", how="left").with_columns(
        pl.lit(year, pl.Int32).alias("year"),
        pl.lit(through_month, pl.Int32).alias("months"),
        forecast.alias("forecast_tco2"),
        used.alias("method"),
    )
    return out.select(FORECAST.names()).cast(FORECAST).sort("subject_id")
