"""Reading the rapid estimates (速算): electricity readings of mapped accounts and the
accounted monthly emissions as frames, and what ``core.rapid`` makes of them.

The estimates depend on every energy record and every reading; they are computed once per
process for a fingerprint of both tables (row counts, largest ids and versions), so that the
pages and the API read memory until a new import or correction arrives.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

import polars as pl
from django.db.models import Count, Max, Sum

from citycarbon.core import rapid
from citycarbon.core.accounting import emissions_by_period
from citycarbon.core.factors import DEFAULT_FACTOR_SET, load_factor_set
from citycarbon.web.electricity.models import ElectricityReading
from citycarbon.web.energy import selectors as energy
from citycarbon.web.energy.models import EnergyRecord
from citycarbon.web.enterprises import selectors as enterprises

LOCAL_TIME_ZONE: Final = "Asia/Shanghai"


def readings() -> pl.DataFrame:
    """Every reading of an account mapped to an enterprise (``core.rapid.READINGS``), the
    interval start in Asia/Shanghai local time."""
    rows = (
        ElectricityReading.objects.filter(account__enterprise__isnull=False)
        .values_list(
            "account__enterprise__entity_id", "account__account_no", "start", "grain", "kwh"
        )
        .iterator(chunk_size=20_000)
    )
    frame = pl.DataFrame(
        list(rows),
        schema={
            "entity_id": pl.String(),
            "account_no": pl.String(),
            "local_start": pl.Datetime("us", "UTC"),
            "grain": pl.String(),
            "kwh": pl.Float64(),
        },
        orient="row",
    )
    return frame.with_columns(
        pl.col("local_start").dt.convert_time_zone(LOCAL_TIME_ZONE).dt.replace_time_zone(None)
    )


def accounted_monthly() -> pl.DataFrame:
    """Accounted emissions per enterprise and month (``core.rapid.ACCOUNTED``) from the
    monthly energy records, with the default factor set."""
    records = energy.energy_records().filter(pl.col("period").str.len_chars() == 7)
    factors = load_factor_set(DEFAULT_FACTOR_SET)
    return (
        emissions_by_period(records.lazy(), factors, "month")
        .select(rapid.ACCOUNTED.names())
        .collect()
    )


@dataclass(frozen=True)
class EstimatesView:
    """The estimates of the whole city, with enterprise names, district and industry."""

    fit_year: int | None
    ratios: pl.DataFrame
    monthly: pl.DataFrame
    """``core.rapid.ESTIMATES`` at month grain plus ``enterprise_pk, name, district_name``."""
    daily: pl.DataFrame
    """The same at day grain (estimates only)."""
    backtest: rapid.Backtest | None
    factor_set: str


def _fingerprint() -> tuple[object, ...]:
    e = EnergyRecord.objects.aggregate(n=Count("id"), top=Max("id"))
    r = ElectricityReading.objects.aggregate(n=Count("id"), top=Max("id"), v=Sum("version"))
    return (e["n"], e["top"], r["n"], r["top"], r["v"])


def estimates_view() -> EstimatesView:
    """The current estimates (computed once per state of the records and readings)."""
    return _view(_fingerprint())


def forget() -> None:
    _view.cache_clear()


@lru_cache(maxsize=2)
def _view(fingerprint: tuple[object, ...]) -> EstimatesView:
    directory = enterprises.directory()
    ent = directory.select(rapid.ENTERPRISES.names())
    read = readings()
    monthly_kwh = rapid.monthly_electricity(read)
    daily_kwh = rapid.daily_electricity(read)
    accounted = accounted_monthly()
    year = rapid.fit_year(accounted, monthly_kwh)
    if year is None:
        ratios = pl.DataFrame(schema=rapid.RATIOS)
    else:
        ratios = rapid.fit_ratios(rapid.year_pairs(accounted, monthly_kwh, year), ent)
    test = None
    complete = rapid.complete_years(accounted)
    later = [y for y in complete if y - 1 in complete]
    for y in reversed(later):
        if not rapid.year_pairs(accounted, monthly_kwh, y - 1).is_empty():
            test = rapid.backtest(accounted, monthly_kwh, ent, test_year=y)
            break
    names = directory.select("entity_id", "enterprise_pk", "name", "district_name")
    monthly = rapid.estimate(monthly_kwh, ent, ratios, accounted).join(
        names, on="entity_id", how="left"
    )
    daily = rapid.estimate(daily_kwh, ent, ratios).join(names, on="entity_id", how="left")
    return EstimatesView(
        fit_year=year,
        ratios=ratios,
        monthly=monthly,
        daily=daily,
        backtest=test,
        factor_set=DEFAULT_FACTOR_SET,
    )


def narrowed(
    frame: pl.DataFrame,
    *,
    ids: set[int] | None = None,
    period: str | None = None,
    district: str | None = None,
    industry: str | None = None,
) -> pl.DataFrame:
    """Rows for the enterprises in ``ids`` (None: all), periods starting with ``period``, a
    district, and an industry given by any GB/T 4754 code prefix."""
    if ids is not None:
        frame = frame.filter(pl.col("enterprise_pk").is_in(list(ids)))
    if period:
        frame = frame.filter(pl.col("period").str.starts_with(period))
    if district:
        frame = frame.filter(pl.col("district_code") == district)
    if industry:
        frame = frame.filter(pl.col("industry_code").str.starts_with(industry))
    return frame


def _round(values: list[float | None]) -> list[float | None]:
    return [None if v is None else round(v, 1) for v in values]


def month_chart(monthly: pl.DataFrame) -> dict[str, Any]:
    """Estimated, accounted and reported tCO2 by month, as the chart script takes series."""
    sums = rapid.aggregate(monthly, ["period"])
    return {
        "labels": sums.get_column("period").to_list(),
        "keys": sums.get_column("period").to_list(),
        "values": _round(sums.get_column("reported_tco2").to_list()),
        "series": [
            {"key": c, "values": _round(sums.get_column(c).to_list())}
            for c in ("estimated_tco2", "accounted_tco2")
        ],
    }


def day_chart(daily: pl.DataFrame) -> dict[str, Any]:
    sums = rapid.aggregate(daily, ["period"])
    return {
        "labels": sums.get_column("period").to_list(),
        "values": _round(sums.get_column("estimated_tco2").to_list()),
    }


def breakdown(monthly: pl.DataFrame, by: str) -> list[dict[str, object]]:
    """Sums of one month's rows by ``district_code`` or ``division``."""
    return rapid.aggregate(monthly, [by]).to_dicts()


def backtest_rows(test: rapid.Backtest, *, district: str | None) -> list[dict[str, object]]:
    """The back-test summary a reader may see: everything for the city, only its own
    district's row for a district."""
    s = test.summary
    if district is not None:
        s = s.filter((pl.col("scope") == "district") & (pl.col("key") == district))
    return s.to_dicts()
