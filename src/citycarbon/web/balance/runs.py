"""The energy balance build (``balance.build``): a derived run (``jobs.derived``) over the
published accounting run.

It reads every energy record and the enterprise directory, computes the balance of every
year with records (``core.balance``) with the coefficients of the published run's factor set
(checked against its hash) and each year's reporting coverage, and stores them as one
``BalanceRun``. The worker runs it after a publish and an import of records or enterprises
(one rebuild, however many arrive); ``citycarbon run balance`` and ``citycarbon demo`` run
the same job in the foreground."""

from __future__ import annotations

from typing import Any, Final

import polars as pl

from citycarbon.core import balance as core_balance
from citycarbon.core.factors import FactorSet
from citycarbon.core.rapid import ACCOUNTED, complete_years
from citycarbon.web.audit.actions import Actor
from citycarbon.web.balance.models import BalanceRow, BalanceRun, BalanceYear
from citycarbon.web.bulk import content_sha256, insert_frame
from citycarbon.web.energy import selectors as energy
from citycarbon.web.energy.models import AccountingRun
from citycarbon.web.enterprises import selectors as enterprises
from citycarbon.web.grading.selectors import published_accounting_run
from citycarbon.web.jobs.derived import build, do_request_build
from citycarbon.web.jobs.models import Job
from citycarbon.web.jobs.registry import (
    PUBLISHED,
    job,
    on_change,
    on_inputs_changed,
)
from citycarbon.web.jobs.runner import report_progress

KIND: Final = "balance.build"
STEPS: Final = 2
NOTHING_PUBLISHED: Final = (
    "没有已发布的核算，未生成能源平衡表 / nothing published, no balance built"
)


def coverage(records: pl.DataFrame, known: int) -> pl.DataFrame:
    """The reporting coverage of every year with records: its months with records, whether
    all twelve have some (the estimates' test of a complete statistics year), the
    enterprises with any record in it, those with records for all twelve months, and the
    ``known`` enterprises."""
    months = records.select(
        "entity_id",
        pl.col("period").str.slice(0, 4).cast(pl.Int32).alias("year"),
        pl.col("period").str.slice(5, 2).alias("month"),
    ).unique()
    firms = months.group_by("year", "entity_id").agg(pl.col("month").n_unique().alias("n"))
    per_year = firms.group_by("year").agg(
        pl.len().alias("reporting"), (pl.col("n") == 12).sum().alias("full_year")
    )
    in_year = months.group_by("year").agg(pl.col("month").n_unique().alias("months"))
    twelve = complete_years(
        records.select("entity_id", "period", pl.lit(0.0).alias("total_tco2")).cast(ACCOUNTED)
    )
    return (
        per_year.join(in_year, on="year")
        .with_columns(
            pl.col("year").is_in(twelve).alias("all_months"),
            pl.lit(known, pl.Int64).alias("enterprises"),
        )
        .select("year", "months", "all_months", "reporting", "full_year", "enterprises")
        .sort("year")
    )


def _compute_and_write(
    run: BalanceRun, records: pl.DataFrame, firms: pl.DataFrame, factors: FactorSet
) -> dict[str, Any]:
    covered = coverage(records, firms.height)
    years = covered.get_column("year").to_list()
    run_id = pl.lit(run.pk, pl.Int64).alias("run_id")
    tables = [
        core_balance.energy_balance(records, firms, factors, year).with_columns(
            pl.lit(year, pl.Int32).alias("year")
        )
        for year in years
    ]
    rows = (
        pl.concat(tables)
        if tables
        else pl.DataFrame(schema={**core_balance.BALANCE, "year": pl.Int32()})
    )
    insert_frame(BalanceYear, covered.select(run_id, *covered.columns))
    strings = ["category", "name_zh", "name_en", "unit", "unit_zh"]
    insert_frame(
        BalanceRow,
        rows.select(run_id, "year", *core_balance.BALANCE.names()).with_columns(
            pl.col(strings).fill_null("")
        ),
    )
    return {"years": years, "rows": rows.height}


def build_balance(
    accounting_run: AccountingRun, *, actor: Actor, job_row: Job | None = None
) -> tuple[BalanceRun, bool]:
    """Build (or find) the balances over ``accounting_run`` for the records and enterprises
    in the database now; returns the run and whether it is new."""
    factors = energy.factors_for_build(accounting_run)
    records = energy.energy_records()
    firms = enterprises.directory().select(core_balance.ENTERPRISES.names())
    key = {
        "accounting_run": accounting_run,
        "factor_set": factors.label,
        "factor_set_hash": factors.content_hash,
        "method_version": core_balance.METHOD_VERSION,
        "input_fingerprint": content_sha256(records.cast({"purpose": pl.String}), firms),
    }
    if job_row is not None:
        report_progress(job_row, 1, STEPS, "编制 balancing")
    return build(
        BalanceRun,
        key,
        actor=actor,
        job=job_row,
        write=lambda run: _compute_and_write(run, records, firms, factors),
    )


@job(KIND)
def run_balance_job(job_row: Job) -> None:
    """The ``balance.build`` job: build over the published accounting run (nothing
    published: nothing to build)."""
    report_progress(job_row, 0, STEPS, "读取 reading")
    accounting_run = published_accounting_run()
    if accounting_run is None:
        report_progress(job_row, STEPS, STEPS, NOTHING_PUBLISHED)
        return
    run, _ = build_balance(accounting_run, actor=Actor(label=job_row.actor_label), job_row=job_row)
    Job.objects.filter(pk=job_row.pk).update(params={**job_row.params, "balance_run": run.pk})
    report_progress(job_row, STEPS, STEPS, "完成 done")


def balance_run_of(job_row: Job) -> BalanceRun | None:
    """The run a done build made or found."""
    run_id = job_row.params.get("balance_run")
    return BalanceRun.objects.filter(pk=run_id).first() if run_id else None


@on_change(PUBLISHED)
def request_rebuild(actor: Actor) -> None:
    do_request_build(KIND, actor=actor)


@on_inputs_changed
def rebuild_after_import(years: set[int], actor: Actor) -> None:
    """Records or enterprises changed: the balance is stale."""
    request_rebuild(actor)
