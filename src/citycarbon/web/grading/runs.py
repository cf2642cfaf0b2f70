"""The run pipeline: account every energy record, then grade, as one background job
(``grading.run``) that a regulator reviews and publishes (``do_publish``).

The job's ``Job`` row carries status, progress, timings and a failure's reason (zh, en); the
accounting and grading runs it makes link to it (``job``) and carry their provenance: records
fingerprint, economics fingerprint, method version, factor set and its hash, actor. Each step
is its own all-or-nothing action, so a failing grading leaves no codes, and a complete
accounting run (reused by the next run with the same inputs). The worker, ``citycarbon run
grading`` and ``citycarbon demo`` all run ``run_pipeline``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from django.db import transaction

from citycarbon.core.factors import DEFAULT_FACTOR_SET, FactorSet, FactorSetError, load_factor_set
from citycarbon.web.audit.actions import Actor, record
from citycarbon.web.energy.actions import do_account
from citycarbon.web.energy.models import AccountingRun, EnergyRecord
from citycarbon.web.grading.actions import do_grade
from citycarbon.web.grading.models import GradingRun
from citycarbon.web.jobs.models import Job, JobStatus
from citycarbon.web.jobs.registry import JobFailedError, job, on_inputs_changed
from citycarbon.web.jobs.runner import (
    ProgressListener,
    do_enqueue_job,
    report_progress,
    run_here,
)

KIND: Final = "grading.run"
STEPS: Final = 2


class RunRefusedError(Exception):
    """A run that cannot start (unknown factor set, a year without data), in zh and en."""

    def __init__(self, reason_zh: str, reason_en: str) -> None:
        super().__init__(f"{reason_zh} / {reason_en}")
        self.reason_zh = reason_zh
        self.reason_en = reason_en


def factor_params(factors: FactorSet) -> dict[str, Any]:
    """A factor set as JSON job parameters (``factors_of`` loads it back to the same label
    and hash): its id, and the grid or heat factor only where the set was overridden (the
    label says so)."""
    overrides = factors.label.split("+")[1:]
    return {
        "factor_set": factors.set_id,
        "grid_tco2_per_mwh": (
            factors.grid_tco2_per_mwh if any(o.startswith("grid=") for o in overrides) else None
        ),
        "heat_tco2_per_gj": (
            factors.heat_tco2_per_gj if any(o.startswith("heat=") for o in overrides) else None
        ),
        "electricity_method": factors.electricity_method,
    }


def factors_of(params: dict[str, Any]) -> FactorSet:
    set_id = str(params.get("factor_set") or DEFAULT_FACTOR_SET)
    try:
        return load_factor_set(
            set_id,
            grid_tco2_per_mwh=params.get("grid_tco2_per_mwh"),
            heat_tco2_per_gj=params.get("heat_tco2_per_gj"),
            electricity_method=params.get("electricity_method", "calorific"),
        )
    except FactorSetError as exc:
        raise RunRefusedError(
            f"未知或无法加载的排放因子集 {set_id!r}", f"unknown factor set {set_id!r}: {exc}"
        ) from exc


def check_year(year: int) -> None:
    """Refuse a year for which the database holds no energy records."""
    if not EnergyRecord.objects.filter(period__startswith=f"{year:04d}").exists():
        raise RunRefusedError(
            f"{year} 年没有能源数据，无法核算评价", f"there are no energy records for {year}"
        )


@dataclass(frozen=True)
class PipelineResult:
    accounting_run: AccountingRun
    grading_run: GradingRun
    new: bool
    """False when a run with the same inputs existed and was reused."""


def run_pipeline(job_row: Job) -> PipelineResult:
    """Account and grade with the job's factor set, reporting progress on the job."""
    params = job_row.params
    factors = factors_of(params)
    check_year(int(params["year"]))
    actor = Actor(label=job_row.actor_label)
    report_progress(job_row, 0, STEPS, "核算 accounting")
    accounting, _ = do_account(factors, actor=actor, job=job_row)
    report_progress(job_row, 1, STEPS, "评价 grading")
    grading, new = do_grade(accounting, actor=actor, job=job_row)
    Job.objects.filter(pk=job_row.pk).update(
        params={**params, "accounting_run": accounting.pk, "grading_run": grading.pk}
    )
    report_progress(job_row, STEPS, STEPS, "完成 done")
    return PipelineResult(accounting, grading, new)


@job(KIND)
def run_grading_job(job_row: Job) -> None:
    """The ``grading.run`` job kind: ``run_pipeline``, a refusal as the job's reason."""
    try:
        run_pipeline(job_row)
    except RunRefusedError as exc:
        raise JobFailedError(exc.reason_zh, exc.reason_en) from exc


def grading_run_of(job_row: Job) -> GradingRun | None:
    """The grading run a done job made (or found with the same inputs)."""
    run_id = job_row.params.get("grading_run")
    return GradingRun.objects.filter(pk=run_id).first() if run_id else None


def pending_run(year: int) -> Job | None:
    return Job.objects.filter(kind=KIND, status=JobStatus.PENDING, params__year=year).first()


def do_request_run(
    year: int, *, actor: Actor, factors: FactorSet | None = None, send: bool = True
) -> Job:
    """Mark ``year`` stale and queue a run for it; a run already waiting for the year is
    that run (one pending run per year)."""
    with transaction.atomic():
        waiting = pending_run(year)
        if waiting is not None:
            return waiting
        params = {"year": year, **factor_params(factors or default_factors())}
        record(actor, "grading.mark_stale", "Year", year, after={"year": year})
        return do_enqueue_job(KIND, params, actor=actor, send=send)


def do_run_here(
    year: int,
    factors: FactorSet,
    *,
    actor: Actor,
    progress: ProgressListener | None = None,
) -> Job:
    """Run the pipeline for ``year`` in this process (``citycarbon run grading``, the demo):
    a job of its own, never sent to a worker, run the way the worker runs it. Raises
    ``RunRefusedError`` for a year without energy records; returns the ended job."""
    check_year(year)
    job_row = do_enqueue_job(
        KIND, {"year": year, **factor_params(factors)}, actor=actor, send=False
    )
    return run_here(job_row, progress=progress)


def default_factors() -> FactorSet:
    """The factor set of the latest accounting run (so a rerun keeps the city's choice),
    else the default set."""
    latest = AccountingRun.objects.select_related("job").filter(job__isnull=False).first()
    if latest is not None and latest.job is not None:
        try:
            return factors_of(latest.job.params)
        except RunRefusedError:
            pass
    return load_factor_set(DEFAULT_FACTOR_SET)


@on_inputs_changed
def rerun_changed_years(years: set[int], actor: Actor) -> None:
    """After an import committed: queue a run for each year it changed."""
    for year in sorted(years):
        do_request_run(year, actor=actor)
