"""Rapid estimation of emissions from grid electricity (用电量速算碳排放).

Energy statistics (205-1 forms) arrive weeks after the month ends; grid electricity readings
arrive within days. The method:

1. Fit: in a complete statistics year, for every industry the ratio of totals
   ``Σ total_tco2 / Σ MWh`` over the enterprises that have both accounted emissions and
   electricity readings in that year (tCO2 per MWh of grid electricity; ratio of totals, as
   the industry average of ``core.grading``). Ratios are fitted per district × industry class,
   industry class, group, division and for the whole city; a ratio is used only when at least
   ``min_enterprises`` enterprises stand behind it.
2. Apply: every enterprise takes the first ratio that exists along
   district × class → class → group → division → city, and its estimate for a month (or a
   day) is that ratio × its MWh.
3. Reconcile: where an accounted figure exists for the enterprise and month (the forms have
   arrived), it replaces the estimate as the reported figure; both stay in the frame.

The back-test fits on year Y−1 and estimates every month of year Y from its electricity,
comparing the sums by city, district and industry division with the accounted monthly sums
of the same enterprise-months (``backtest``).

Frames passed in and out have the schemas declared here. Nothing is read from files or a
database; the web and CLI layers prepare the frames.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import polars as pl

from citycarbon.core.schemas import check_schema

KWH_PER_MWH: Final = 1000.0
DEFAULT_MIN_ENTERPRISES: Final = 5
MIN_YEAR_KWH: Final = 1.0
"""Least grid electricity in a year for an enterprise to enter a fit: below it the ratio
tCO2/MWh means nothing and could grow past every float (a ratio over 1e-300 MWh)."""
MIN_COMPARED_TCO2: Final = 1e-3
"""Least accounted sum (1 kg CO2) for a percentage error: below it the error means nothing
and the division could overflow."""
"""Fewest enterprises behind a ratio before falling back to a coarser industry level."""

METHOD_VERSION: Final = "rapid/1"

LEVELS: Final = ("district_class", "class", "group", "division", "city")
"""Ratio levels, finest first: the order of the fall-back."""

ENTERPRISES: Final = pl.Schema(
    {"entity_id": pl.String(), "district_code": pl.String(), "industry_code": pl.String()}
)
"""One row per enterprise: its district (GB/T 2260) and industry (GB/T 4754, 2-4 digits)."""

ELECTRICITY: Final = pl.Schema(
    {"entity_id": pl.String(), "period": pl.String(), "kwh": pl.Float64()}
)
"""Grid electricity per enterprise and period (``YYYY-MM`` or ``YYYY-MM-DD``), kWh."""

ACCOUNTED: Final = pl.Schema(
    {"entity_id": pl.String(), "period": pl.String(), "total_tco2": pl.Float64()}
)
"""Accounted emissions per enterprise and month (``YYYY-MM``), from ``emissions_by_period``."""

READINGS: Final = pl.Schema(
    {
        "entity_id": pl.String(),
        "account_no": pl.String(),
        "local_start": pl.Datetime("us"),
        "grain": pl.String(),
        "kwh": pl.Float64(),
    }
)
"""Meter readings of mapped accounts; ``local_start`` is the interval start in Asia/Shanghai
(naive), ``grain`` one of ``month``, ``day``, ``15min``."""

RATIOS: Final = pl.Schema(
    {
        "level": pl.String(),
        "district_code": pl.String(),
        "industry_key": pl.String(),
        "enterprises": pl.Int64(),
        "tco2": pl.Float64(),
        "mwh": pl.Float64(),
        "tco2_per_mwh": pl.Float64(),
    }
)
"""Fitted ratios; ``district_code`` is "" except at ``district_class`` level, ``industry_key``
is the code prefix of the level ("" for the city)."""

ESTIMATES: Final = pl.Schema(
    {
        "entity_id": pl.String(),
        "period": pl.String(),
        "district_code": pl.String(),
        "industry_code": pl.String(),
        "kwh": pl.Float64(),
        "tco2_per_mwh": pl.Float64(),
        "ratio_level": pl.String(),
        "estimated_tco2": pl.Float64(),
        "accounted_tco2": pl.Float64(),
        "reported_tco2": pl.Float64(),
        "reported_source": pl.String(),
    }
)
"""Per enterprise and period: the estimate, the accounted figure where one exists, and the
reported figure (accounted if present, else estimated) with its source."""

_GRAIN_RANK: Final = {"month": 0, "day": 1, "15min": 2}


def _industry_key(level: str) -> pl.Expr:
    code = pl.col("industry_code")
    if level in ("district_class", "class"):
        return pl.when(code.str.len_chars() == 4).then(code).otherwise(None)
    if level == "group":
        return pl.when(code.str.len_chars() >= 3).then(code.str.slice(0, 3)).otherwise(None)
    if level == "division":
        return code.str.slice(0, 2)
    return pl.lit("")


def _district_key(level: str) -> pl.Expr:
    return pl.col("district_code") if level == "district_class" else pl.lit("")


def _candidates(enterprises: pl.DataFrame) -> pl.DataFrame:
    """Every enterprise once per level, with the keys it would look up (null: none)."""
    return pl.concat(
        [
            enterprises.select(
                "entity_id",
                pl.lit(level).alias("level"),
                pl.lit(rank).alias("rank"),
                _district_key(level).alias("ratio_district"),
                _industry_key(level).alias("industry_key"),
            )
            for rank, level in enumerate(LEVELS)
        ]
    ).drop_nulls("industry_key")


def monthly_electricity(readings: pl.DataFrame) -> pl.DataFrame:
    """Readings → kWh per enterprise and month (``ELECTRICITY``).

    For each account and month the coarsest grain present is used: a monthly reading when
    there is one, else the sum of its daily readings, else the sum of its 15-minute readings,
    so that an account read at several grains is not counted twice. Accounts of one
    enterprise add up.
    """
    return _rollup(readings, "%Y-%m")


def daily_electricity(readings: pl.DataFrame) -> pl.DataFrame:
    """Daily and 15-minute readings → kWh per enterprise and day (``ELECTRICITY``), daily
    readings first, 15-minute sums where an account has no daily reading for that day."""
    return _rollup(readings.filter(pl.col("grain") != "month"), "%Y-%m-%d")


def _rollup(readings: pl.DataFrame, fmt: str) -> pl.DataFrame:
    check_schema(readings, READINGS, "readings")
    rank = pl.col("grain").replace_strict(_GRAIN_RANK, return_dtype=pl.Int8)
    per_grain = (
        readings.with_columns(pl.col("local_start").dt.strftime(fmt).alias("period"))
        .group_by("entity_id", "account_no", "period", "grain")
        .agg(pl.col("kwh").sum())
        .with_columns(rank.alias("_rank"))
    )
    kept = per_grain.filter(pl.col("_rank") == pl.col("_rank").min().over("account_no", "period"))
    return (
        kept.group_by("entity_id", "period")
        .agg(pl.col("kwh").sum())
        .select(ELECTRICITY.names())
        .sort("entity_id", "period")
    )


def year_pairs(accounted: pl.DataFrame, electricity: pl.DataFrame, year: int) -> pl.DataFrame:
    """``entity_id, tco2, kwh``: yearly sums of the enterprises that have both accounted
    emissions and electricity (at least ``MIN_YEAR_KWH``) in ``year``."""
    check_schema(accounted, ACCOUNTED, "accounted emissions")
    check_schema(electricity, ELECTRICITY, "electricity")
    prefix = f"{year}-"
    co2 = (
        accounted.filter(pl.col("period").str.starts_with(prefix))
        .group_by("entity_id")
        .agg(pl.col("total_tco2").sum().alias("tco2"))
    )
    kwh = (
        electricity.filter(
            pl.col("period").str.starts_with(prefix) & (pl.col("period").str.len_chars() == 7)
        )
        .group_by("entity_id")
        .agg(pl.col("kwh").sum())
    )
    return co2.join(kwh, on="entity_id", how="inner").filter(pl.col("kwh") >= MIN_YEAR_KWH)


def fit_ratios(
    pairs: pl.DataFrame,
    enterprises: pl.DataFrame,
    *,
    min_enterprises: int = DEFAULT_MIN_ENTERPRISES,
) -> pl.DataFrame:
    """Ratios of totals tCO2/MWh at every level from ``year_pairs`` (``RATIOS``).

    A level's group is kept when at least ``min_enterprises`` enterprises form it; the city
    ratio is kept whenever any enterprise has both figures.
    """
    check_schema(enterprises, ENTERPRISES, "enterprises")
    joined = pairs.join(enterprises, on="entity_id", how="inner")
    cands = _candidates(enterprises).join(joined.select("entity_id", "tco2", "kwh"), on="entity_id")
    ratios = (
        cands.group_by("level", "rank", "ratio_district", "industry_key")
        .agg(
            pl.col("entity_id").n_unique().cast(pl.Int64).alias("enterprises"),
            pl.col("tco2").sum(),
            (pl.col("kwh").sum() / KWH_PER_MWH).alias("mwh"),
        )
        .filter(
            (pl.col("enterprises") >= min_enterprises)
            | ((pl.col("level") == "city") & (pl.col("enterprises") > 0))
        )
        .filter(pl.col("mwh") > 0)
        .sort("rank", "ratio_district", "industry_key")
    )
    return ratios.select(
        "level",
        pl.col("ratio_district").alias("district_code"),
        "industry_key",
        "enterprises",
        "tco2",
        "mwh",
        (pl.col("tco2") / pl.col("mwh")).alias("tco2_per_mwh"),
    )


def assign_ratios(enterprises: pl.DataFrame, ratios: pl.DataFrame) -> pl.DataFrame:
    """``entity_id, tco2_per_mwh, ratio_level``: the finest ratio each enterprise has."""
    check_schema(ratios, RATIOS, "ratios")
    found = _candidates(enterprises).join(
        ratios.select(
            "level",
            pl.col("district_code").alias("ratio_district"),
            "industry_key",
            "tco2_per_mwh",
        ),
        on=["level", "ratio_district", "industry_key"],
        how="inner",
    )
    return (
        found.sort("entity_id", "rank")
        .group_by("entity_id", maintain_order=True)
        .first()
        .select("entity_id", "tco2_per_mwh", pl.col("level").alias("ratio_level"))
    )


def estimate(
    electricity: pl.DataFrame,
    enterprises: pl.DataFrame,
    ratios: pl.DataFrame,
    accounted: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Estimates per enterprise and period (``ESTIMATES``), reconciled with ``accounted``.

    Electricity of enterprises not in ``enterprises`` is left out. Where ``accounted`` has
    the enterprise and month, ``reported_tco2`` is the accounted figure and
    ``reported_source`` is ``accounted``; accounted months without electricity appear too
    (estimate empty). Daily periods are never accounted.
    """
    check_schema(electricity, ELECTRICITY, "electricity")
    check_schema(enterprises, ENTERPRISES, "enterprises")
    est = (
        electricity.join(enterprises.select(ENTERPRISES.names()), on="entity_id", how="inner")
        .join(assign_ratios(enterprises, ratios), on="entity_id", how="left")
        .with_columns(
            (pl.col("kwh") / KWH_PER_MWH * pl.col("tco2_per_mwh")).alias("estimated_tco2")
        )
    )
    if accounted is None:
        accounted = pl.DataFrame(schema=ACCOUNTED)
    check_schema(accounted, ACCOUNTED, "accounted emissions")
    acc = accounted.select(
        "entity_id", "period", pl.col("total_tco2").alias("accounted_tco2")
    ).join(enterprises.select(ENTERPRISES.names()), on="entity_id", how="inner")
    both = est.join(
        acc, on=["entity_id", "period"], how="full", coalesce=True, suffix="_acc"
    ).with_columns(
        pl.coalesce("district_code", "district_code_acc").alias("district_code"),
        pl.coalesce("industry_code", "industry_code_acc").alias("industry_code"),
    )
    reported = pl.coalesce("accounted_tco2", "estimated_tco2")
    source = (
        pl.when(pl.col("accounted_tco2").is_not_null())
        .then(pl.lit("accounted"))
        .when(pl.col("estimated_tco2").is_not_null())
        .then(pl.lit("estimated"))
        .otherwise(None)
    )
    return (
        both.with_columns(reported.alias("reported_tco2"), source.alias("reported_source"))
        .select(ESTIMATES.names())
        .cast(dict(ESTIMATES))  # type: ignore[arg-type]
        .sort("entity_id", "period")
    )


def aggregate(estimates: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Sums of an ``ESTIMATES`` frame by ``by`` (any of ``period``, ``district_code``,
    ``industry_code``, ``division``), with the number of enterprises estimated and accounted.
    A sum over no value is empty (null), not zero."""
    check_schema(estimates, ESTIMATES, "estimates")
    frame = estimates.with_columns(pl.col("industry_code").str.slice(0, 2).alias("division"))

    def total(col: str) -> pl.Expr:
        return (
            pl.when(pl.col(col).is_not_null().any()).then(pl.col(col).sum()).otherwise(None)
        ).alias(col)

    return (
        frame.group_by(by)
        .agg(
            pl.col("kwh").sum(),
            total("estimated_tco2"),
            total("accounted_tco2"),
            total("reported_tco2"),
            pl.col("entity_id")
            .filter(pl.col("estimated_tco2").is_not_null())
            .n_unique()
            .alias("estimated_enterprises"),
            pl.col("entity_id")
            .filter(pl.col("accounted_tco2").is_not_null())
            .n_unique()
            .alias("accounted_enterprises"),
        )
        .sort(by)
    )


def complete_years(accounted: pl.DataFrame) -> list[int]:
    """Years with accounted figures for all twelve months, ascending."""
    check_schema(accounted, ACCOUNTED, "accounted emissions")
    months = (
        accounted.filter(pl.col("period").str.len_chars() == 7)
        .select(
            pl.col("period").str.slice(0, 4).cast(pl.Int32).alias("year"),
            pl.col("period").str.slice(5, 2).alias("month"),
        )
        .group_by("year")
        .agg(pl.col("month").n_unique())
        .filter(pl.col("month") == 12)
    )
    return sorted(months.get_column("year").to_list())


def fit_year(accounted: pl.DataFrame, electricity: pl.DataFrame) -> int | None:
    """The latest complete statistics year in which some enterprise has both accounted
    emissions and electricity: the year the ratios are fitted on (None: no such year)."""
    for year in reversed(complete_years(accounted)):
        if not year_pairs(accounted, electricity, year).is_empty():
            return year
    return None


BACKTEST_SCOPES: Final = ("city", "district", "division", "enterprise")

BACKTEST_SUMMARY: Final = pl.Schema(
    {
        "scope": pl.String(),
        "key": pl.String(),
        "points": pl.Int64(),
        "mape_pct": pl.Float64(),
        "max_ape_pct": pl.Float64(),
        "bias_pct": pl.Float64(),
        "estimated_tco2": pl.Float64(),
        "accounted_tco2": pl.Float64(),
    }
)
"""One row per scope and key: ``points`` compared months (enterprise-months for the
``enterprise`` scope), mean and largest absolute percentage error, and the bias
``(Σ estimated − Σ accounted) / Σ accounted`` over the year, in percent."""


@dataclass(frozen=True)
class Backtest:
    """A back-test of one year's months against ratios fitted on the year before."""

    fit_year: int
    test_year: int
    ratios: pl.DataFrame
    monthly: pl.DataFrame
    """scope, key, period, estimated_tco2, accounted_tco2, ape_pct."""
    summary: pl.DataFrame
    """``BACKTEST_SUMMARY``."""
    enterprises_fitted: int
    enterprise_months: int


def backtest(
    accounted: pl.DataFrame,
    electricity: pl.DataFrame,
    enterprises: pl.DataFrame,
    *,
    test_year: int,
    min_enterprises: int = DEFAULT_MIN_ENTERPRISES,
) -> Backtest:
    """Fit on ``test_year − 1``, estimate each month of ``test_year`` and compare.

    Compared are the enterprise-months of ``test_year`` that have both electricity and an
    accounted figure; sums by city, district and division (first two digits of GB/T 4754)
    per month, and the enterprise-months themselves. Months whose accounted sum is under
    ``MIN_COMPARED_TCO2`` (zero, in practice) are left out of the percentage errors.
    """
    pairs = year_pairs(accounted, electricity, test_year - 1)
    ratios = fit_ratios(pairs, enterprises, min_enterprises=min_enterprises)
    prefix = f"{test_year}-"
    months_elec = electricity.filter(
        pl.col("period").str.starts_with(prefix) & (pl.col("period").str.len_chars() == 7)
    )
    months_acc = accounted.filter(pl.col("period").str.starts_with(prefix))
    est = estimate(months_elec, enterprises, ratios, months_acc).filter(
        pl.col("estimated_tco2").is_not_null() & pl.col("accounted_tco2").is_not_null()
    )
    frame = est.with_columns(
        pl.lit("").alias("city"),
        pl.col("industry_code").str.slice(0, 2).alias("division"),
        pl.col("entity_id").alias("enterprise"),
        pl.col("district_code").alias("district"),
    )
    parts = []
    for scope in BACKTEST_SCOPES:
        parts.append(
            frame.group_by(pl.col(scope).alias("key"), "period")
            .agg(pl.col("estimated_tco2").sum(), pl.col("accounted_tco2").sum())
            .select(pl.lit(scope).alias("scope"), pl.all())
        )
    monthly = (
        pl.concat(parts)
        .with_columns(
            pl.when(pl.col("accounted_tco2") >= MIN_COMPARED_TCO2)
            .then(
                (pl.col("estimated_tco2") - pl.col("accounted_tco2")).abs()
                / pl.col("accounted_tco2")
                * 100.0
            )
            .otherwise(None)
            .alias("ape_pct")
        )
        .sort("scope", "key", "period")
    )
    summary = _summary(monthly.filter(pl.col("scope") != "enterprise"), by_key=True)
    overall = _summary(monthly.filter(pl.col("scope") == "enterprise"), by_key=False)
    order = {s: i for i, s in enumerate(BACKTEST_SCOPES)}
    summary = (
        pl.concat([summary, overall])
        .with_columns(pl.col("scope").replace_strict(order, return_dtype=pl.Int8).alias("_o"))
        .sort("_o", "key")
        .drop("_o")
    )
    return Backtest(
        fit_year=test_year - 1,
        test_year=test_year,
        ratios=ratios,
        monthly=monthly,
        summary=summary,
        enterprises_fitted=pairs.height,
        enterprise_months=est.height,
    )


def _summary(monthly: pl.DataFrame, *, by_key: bool) -> pl.DataFrame:
    keys = ["scope", "key"] if by_key else ["scope"]
    agg = monthly.group_by(keys).agg(
        pl.col("ape_pct").is_not_null().sum().cast(pl.Int64).alias("points"),
        pl.col("ape_pct").mean().alias("mape_pct"),
        pl.col("ape_pct").max().alias("max_ape_pct"),
        pl.col("estimated_tco2").sum(),
        pl.col("accounted_tco2").sum(),
    )
    if not by_key:
        agg = agg.with_columns(pl.lit("").alias("key"))
    bias = (
        pl.when(pl.col("accounted_tco2") >= MIN_COMPARED_TCO2)
        .then(
            (pl.col("estimated_tco2") - pl.col("accounted_tco2")) / pl.col("accounted_tco2") * 100
        )
        .otherwise(None)
    )
    return agg.with_columns(bias.alias("bias_pct")).select(BACKTEST_SUMMARY.names())
