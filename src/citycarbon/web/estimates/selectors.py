"""Reading the rapid estimates (速算) as the newest done ``EstimateRun`` of the published
accounting run left them (``runs`` builds them): its sums by period × district × division
for the page, its rows for the API. Nothing here reads readings or records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from citycarbon.web.bulk import read_frame, table
from citycarbon.web.energy.models import AccountingRun
from citycarbon.web.enterprises.models import Enterprise
from citycarbon.web.estimates.models import BacktestRow, Estimate, EstimateRun, EstimateSum
from citycarbon.web.estimates.runs import KIND
from citycarbon.web.grading.selectors import published_accounting_run
from citycarbon.web.jobs.derived import active_job
from citycarbon.web.jobs.models import DerivedRunStatus, Job

SUM_COLUMNS: Final = ("kwh", "estimated_tco2", "accounted_tco2", "reported_tco2")
COUNT_COLUMNS: Final = ("estimated_enterprises", "accounted_enterprises", "daily_enterprises")


@dataclass(frozen=True)
class Shown:
    """What the estimates pages show: the run (None: none built yet for the published
    accounting run), the accounting run it is over, and a rebuild waiting or running."""

    run: EstimateRun | None
    accounting_run: AccountingRun | None
    job: Job | None


def shown() -> Shown:
    accounting_run = published_accounting_run()
    run = None
    if accounting_run is not None:
        run = (
            EstimateRun.objects.filter(accounting_run=accounting_run, status=DerivedRunStatus.DONE)
            .select_related("accounting_run")
            .order_by("-id")
            .first()
        )
    return Shown(run=run, accounting_run=accounting_run, job=active_job(KIND))


def sums(
    run: EstimateRun,
    *,
    grain: str,
    district: str | None = None,
    division: str | None = None,
    period: str | None = None,
) -> pl.DataFrame:
    """The run's sums of one grain, narrowed to a district, a division (two digits) and
    periods starting with ``period``."""
    where = ["run_id = %s", "grain = %s"]
    params: list[str | int | float | None] = [run.pk, grain]
    for column, value in (("district_code", district), ("division", division)):
        if value:
            where.append(f"{column} = %s")
            params.append(value)
    if period:
        where.append("period LIKE %s")
        params.append(f"{period}%")
    columns = ("period", "district_code", "division", *SUM_COLUMNS, *COUNT_COLUMNS)
    schema: dict[str, pl.DataType] = {
        **{c: pl.String() for c in columns[:3]},
        **{c: pl.Float64() for c in SUM_COLUMNS},
        **{c: pl.Int64() for c in COUNT_COLUMNS},
    }
    sql = f"SELECT {', '.join(columns)} FROM {table(EstimateSum)} WHERE {' AND '.join(where)}"
    return read_frame(sql, params, schema)


def _total(column: str) -> pl.Expr:
    """A sum over no value is empty (null), not zero (as ``core.rapid.aggregate``)."""
    return pl.when(pl.col(column).is_not_null().any()).then(pl.col(column).sum()).alias(column)


def added_up(frame: pl.DataFrame, by: str) -> pl.DataFrame:
    """Sums of ``sums`` rows by ``period``, ``district_code`` or ``division``."""
    return (
        frame.group_by(by)
        .agg(*[_total(c) for c in SUM_COLUMNS], *[pl.col(c).sum() for c in COUNT_COLUMNS])
        .sort(by)
    )


def _round(values: list[float | None]) -> list[float | None]:
    return [None if v is None else round(v, 1) for v in values]


def month_chart(monthly: pl.DataFrame) -> dict[str, Any]:
    """Estimated, accounted and reported tCO2 by month, as the chart script takes series."""
    by_month = added_up(monthly, "period")
    return {
        "labels": by_month.get_column("period").to_list(),
        "keys": by_month.get_column("period").to_list(),
        "values": _round(by_month.get_column("reported_tco2").to_list()),
        "series": [
            {"key": c, "values": _round(by_month.get_column(c).to_list())}
            for c in ("estimated_tco2", "accounted_tco2")
        ],
    }


def day_chart(daily: pl.DataFrame) -> dict[str, Any]:
    by_day = added_up(daily, "period")
    return {
        "labels": by_day.get_column("period").to_list(),
        "values": _round(by_day.get_column("estimated_tco2").to_list()),
    }


def backtest_rows(run: EstimateRun, *, district: str | None) -> list[dict[str, Any]]:
    """The back-test summary a reader may see: everything for the city, only its own
    district's row for a district. Enterprise rows carry the enterprise's id (a link)."""
    rows = BacktestRow.objects.filter(run=run).order_by("id")
    if district is not None:
        rows = rows.filter(scope="district", key=district)
    found: list[dict[str, Any]] = [
        dict(r)
        for r in rows.values("scope", "key", "points", "mape_pct", "max_ape_pct", "bias_pct")
    ]
    entities = [r["key"] for r in found if r["scope"] == "enterprise"]
    pks = dict(Enterprise.objects.filter(entity_id__in=entities).values_list("entity_id", "pk"))
    for r in found:
        r["enterprise_pk"] = pks.get(r["key"]) if r["scope"] == "enterprise" else None
    return found


ROW_COLUMNS: Final = (
    "enterprise_pk",
    "entity_id",
    "name",
    "district_code",
    "industry_code",
    "period",
    "kwh",
    "tco2_per_mwh",
    "ratio_level",
    "estimated_tco2",
    "accounted_tco2",
    "reported_tco2",
    "reported_source",
)


def rows(
    run: EstimateRun,
    *,
    ids: set[int] | None,
    period: str | None = None,
    district: str | None = None,
    industry: str | None = None,
    offset: int = 0,
    limit: int = 100,
) -> tuple[int, list[dict[str, Any]]]:
    """One page of the run's rows (days when ``period`` is a date, else months) for the
    enterprises in ``ids`` (None: all), in a district and an industry given by any GB/T 4754
    prefix, by enterprise and period; and how many there are in all."""
    grain = "day" if period is not None and len(period) == 10 else "month"
    qs = Estimate.objects.filter(run=run, grain=grain)
    if ids is not None:
        qs = qs.filter(enterprise_id__in=ids)
    if period:
        qs = qs.filter(period__startswith=period)
    if district:
        qs = qs.filter(district_code=district)
    if industry:
        qs = qs.filter(industry_code__startswith=industry)
    count = qs.count()
    page = qs.order_by("enterprise__entity_id", "period").values(
        "enterprise_id",
        "enterprise__entity_id",
        "enterprise__name",
        *ROW_COLUMNS[3:],
    )[offset : offset + limit]
    items = []
    for r in page:
        item = {
            "enterprise_pk": r.pop("enterprise_id"),
            "entity_id": r.pop("enterprise__entity_id"),
            "name": r.pop("enterprise__name"),
            **r,
        }
        for c in ("district_code", "industry_code", "ratio_level", "reported_source"):
            item[c] = item[c] or None
        items.append(item)
    return count, items
