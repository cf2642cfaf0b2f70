"""The estimates build (``estimates.build``): a derived run (``jobs.derived``) over the
published accounting run.

It reads every reading of a mapped account, the monthly energy records and the enterprise
directory, accounts the records by month with the published run's factor set (checked
against its hash, ``FactorSet.from_label``), fits, estimates and back-tests with
``core.rapid``, and stores the rows, their sums by period × district × division, the ratios
and the back-test as one ``EstimateRun``. The worker runs it after a publish, an import of
records or enterprises and an ingest of readings (one rebuild, however many arrive);
``citycarbon run estimates`` and ``citycarbon demo`` run the same job in the foreground."""

from __future__ import annotations

from typing import Any, Final

import polars as pl

from citycarbon.core import rapid
from citycarbon.core.accounting import emissions_by_period
from citycarbon.core.factors import FactorSet
from citycarbon.web.audit.actions import Actor
from citycarbon.web.bulk import content_sha256, insert_frame
from citycarbon.web.electricity.models import ElectricityReading
from citycarbon.web.energy import selectors as energy
from citycarbon.web.energy.models import AccountingRun
from citycarbon.web.enterprises import selectors as enterprises
from citycarbon.web.estimates.models import (
    BacktestRow,
    Estimate,
    EstimateRatio,
    EstimateRun,
    EstimateSum,
)
from citycarbon.web.grading.selectors import published_accounting_run
from citycarbon.web.jobs.derived import build, do_request_build
from citycarbon.web.jobs.models import Job
from citycarbon.web.jobs.registry import (
    PUBLISHED,
    READINGS,
    job,
    on_change,
    on_inputs_changed,
)
from citycarbon.web.jobs.runner import report_progress

KIND: Final = "estimates.build"
STEPS: Final = 3
LOCAL_TIME_ZONE: Final = "Asia/Shanghai"
NOTHING_PUBLISHED: Final = "没有已发布的核算，未生成速算 / nothing published, no estimates built"


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


def accounted_monthly(records: pl.DataFrame, factors: FactorSet) -> pl.DataFrame:
    """Accounted emissions per enterprise and month (``core.rapid.ACCOUNTED``) of the
    monthly energy records, with ``factors``."""
    monthly = records.filter(pl.col("period").str.len_chars() == 7)
    return (
        emissions_by_period(monthly.lazy(), factors, "month")
        .select(rapid.ACCOUNTED.names())
        .collect()
    )


def _sums(monthly: pl.DataFrame, daily: pl.DataFrame) -> pl.DataFrame:
    """Sums by period, district and division at both grains; a month also counts the
    enterprises with daily readings in it."""
    cell = ["period", "district_code", "division"]
    days = (
        daily.with_columns(
            pl.col("period").str.slice(0, 7),
            pl.col("industry_code").str.slice(0, 2).alias("division"),
        )
        .group_by(cell)
        .agg(pl.col("entity_id").n_unique().alias("daily_enterprises"))
    )
    month = (
        rapid.aggregate(monthly, cell)
        .join(days, on=cell, how="left", nulls_equal=True)
        .with_columns(pl.col("daily_enterprises").fill_null(0), pl.lit("month").alias("grain"))
    )
    day = rapid.aggregate(daily, cell).with_columns(
        pl.lit(0, pl.UInt32).alias("daily_enterprises"), pl.lit("day").alias("grain")
    )
    columns = [
        "grain",
        *cell,
        "kwh",
        "estimated_tco2",
        "accounted_tco2",
        "reported_tco2",
        "estimated_enterprises",
        "accounted_enterprises",
        "daily_enterprises",
    ]
    return pl.concat(
        [month.select(columns), day.select(columns)], how="vertical_relaxed"
    ).with_columns(pl.col("district_code", "division").fill_null(""))


def _compute_and_write(
    run: EstimateRun,
    read: pl.DataFrame,
    records: pl.DataFrame,
    directory: pl.DataFrame,
    factors: FactorSet,
    job_row: Job | None,
) -> dict[str, Any]:
    """Fit, estimate and back-test (``core.rapid``), then insert the run's rows."""
    ent = directory.select(rapid.ENTERPRISES.names())
    monthly_kwh = rapid.monthly_electricity(read)
    daily_kwh = rapid.daily_electricity(read)
    accounted = accounted_monthly(records, factors)
    year = rapid.fit_year(accounted, monthly_kwh)
    if year is None:
        ratios = pl.DataFrame(schema=rapid.RATIOS)
    else:
        ratios = rapid.fit_ratios(rapid.year_pairs(accounted, monthly_kwh, year), ent)
    test = None
    complete = rapid.complete_years(accounted)
    for y in reversed([y for y in complete if y - 1 in complete]):
        if not rapid.year_pairs(accounted, monthly_kwh, y - 1).is_empty():
            test = rapid.backtest(accounted, monthly_kwh, ent, test_year=y)
            break
    monthly = rapid.estimate(monthly_kwh, ent, ratios, accounted)
    daily = rapid.estimate(daily_kwh, ent, ratios)
    if job_row is not None:
        report_progress(job_row, 2, STEPS, "写入 writing")
    ids = dict(directory.select("entity_id", "enterprise_pk").iter_rows())
    run_id = pl.lit(run.pk, pl.Int64).alias("run_id")
    rows = pl.concat(
        [
            monthly.with_columns(pl.lit("month").alias("grain")),
            daily.with_columns(pl.lit("day").alias("grain")),
        ]
    ).filter(pl.col("entity_id").is_in(list(ids)))
    estimates = rows.select(
        run_id,
        pl.col("entity_id").replace_strict(ids, return_dtype=pl.Int64).alias("enterprise_id"),
        "grain",
        "period",
        pl.col("district_code", "industry_code", "ratio_level", "reported_source").fill_null(""),
        "kwh",
        "tco2_per_mwh",
        "estimated_tco2",
        "accounted_tco2",
        "reported_tco2",
    )
    insert_frame(Estimate, estimates)
    sums = _sums(monthly, daily)
    insert_frame(EstimateSum, sums.select(run_id, *sums.columns))
    insert_frame(
        EstimateRatio,
        ratios.select(run_id, *rapid.RATIOS.names()).with_columns(
            pl.col("district_code", "industry_key").fill_null("")
        ),
    )
    if test is not None:
        summary = test.summary.select(run_id, *rapid.BACKTEST_SUMMARY.names())
        insert_frame(BacktestRow, summary.with_columns(pl.col("key").fill_null("")))
        run.backtest_fit_year, run.backtest_test_year = test.fit_year, test.test_year
    run.fit_year = year
    run.enterprises = rows.get_column("entity_id").n_unique()
    run.save(update_fields=["fit_year", "backtest_fit_year", "backtest_test_year", "enterprises"])
    return {"fit_year": year, "estimates": estimates.height, "sums": sums.height}


def build_estimates(
    accounting_run: AccountingRun, *, actor: Actor, job_row: Job | None = None
) -> tuple[EstimateRun, bool]:
    """Build (or find) the estimates over ``accounting_run`` for the readings, records and
    enterprises in the database now; returns the run and whether it is new."""
    factors = energy.factors_for_build(accounting_run)
    directory = enterprises.directory()
    read = readings()
    records = energy.energy_records()
    fingerprint = content_sha256(
        read, records.cast({"purpose": pl.String}), directory.select(rapid.ENTERPRISES.names())
    )
    key = {
        "accounting_run": accounting_run,
        "factor_set": factors.label,
        "factor_set_hash": factors.content_hash,
        "method_version": rapid.METHOD_VERSION,
        "input_fingerprint": fingerprint,
    }
    if job_row is not None:
        report_progress(job_row, 1, STEPS, "拟合 fitting")
    return build(
        EstimateRun,
        key,
        actor=actor,
        job=job_row,
        write=lambda run: _compute_and_write(run, read, records, directory, factors, job_row),
    )


@job(KIND)
def run_estimates_job(job_row: Job) -> None:
    """The ``estimates.build`` job: build over the published accounting run (nothing
    published: nothing to build)."""
    report_progress(job_row, 0, STEPS, "读取 reading")
    accounting_run = published_accounting_run()
    if accounting_run is None:
        report_progress(job_row, STEPS, STEPS, NOTHING_PUBLISHED)
        return
    run, _ = build_estimates(
        accounting_run, actor=Actor(label=job_row.actor_label), job_row=job_row
    )
    Job.objects.filter(pk=job_row.pk).update(params={**job_row.params, "estimate_run": run.pk})
    report_progress(job_row, STEPS, STEPS, "完成 done")


def estimate_run_of(job_row: Job) -> EstimateRun | None:
    """The run a done build made or found."""
    run_id = job_row.params.get("estimate_run")
    return EstimateRun.objects.filter(pk=run_id).first() if run_id else None


def request_rebuild(actor: Actor) -> None:
    do_request_build(KIND, actor=actor)


on_change(PUBLISHED)(request_rebuild)
on_change(READINGS)(request_rebuild)


@on_inputs_changed
def rebuild_after_import(years: set[int], actor: Actor) -> None:
    """Records or enterprises changed: the estimates are stale."""
    request_rebuild(actor)
