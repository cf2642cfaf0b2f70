"""``citycarbon run grading``: the accounting and grading run in the foreground, the same
pipeline the background job runs (``citycarbon.web.grading.runs``); ``citycarbon run
estimates`` and ``citycarbon run balance``: the derived runs over the published accounting
run, the same jobs the worker runs after a publish or an import."""

from __future__ import annotations

from typing import Annotated

import typer

from citycarbon.cli.console import err, fail, out, progress_bar
from citycarbon.core.factors import DEFAULT_FACTOR_SET


def run_grading(
    year: Annotated[int, typer.Option(min=1900, max=2999, help="The year whose data changed.")],
    factor_set: Annotated[str, typer.Option(help="Factor set id.")] = DEFAULT_FACTOR_SET,
    publish: Annotated[
        bool, typer.Option("--publish", help="Publish the run (else it waits for review).")
    ] = False,
) -> None:
    """Account every energy record and grade it, with a progress bar; the grading run waits
    for a regulator's review on the runs page (/runs/) unless --publish.

    Exit 2 for an unknown factor set or a year without energy records; exit 1 when the run
    failed (nothing written, the reason on stderr).
    """
    from citycarbon.web import bootstrap  # noqa: PLC0415  (Django is set up first)

    bootstrap.migrate()
    from citycarbon.web.audit.actions import Actor  # noqa: PLC0415
    from citycarbon.web.grading.actions import do_publish  # noqa: PLC0415
    from citycarbon.web.grading.runs import (  # noqa: PLC0415
        RunRefusedError,
        do_run_here,
        factors_of,
        grading_run_of,
    )
    from citycarbon.web.grading.selectors import compare, latest_published  # noqa: PLC0415
    from citycarbon.web.jobs.models import JobStatus  # noqa: PLC0415

    actor = Actor.system("cli")
    try:
        factors = factors_of({"factor_set": factor_set})
        with progress_bar() as bar:
            task = bar.add_task("accounting and grading / 核算与评价", total=2)
            job = do_run_here(
                year,
                factors,
                actor=actor,
                progress=lambda done, total, label: bar.update(
                    task, completed=done, total=total, description=label
                ),
            )
    except RunRefusedError as exc:
        raise fail(f"{exc.reason_zh} / {exc.reason_en}") from exc
    run = grading_run_of(job)
    if job.status != JobStatus.DONE or run is None:
        err.print(f"运行失败 / run failed: {job.reason_zh} / {job.reason_en}", markup=False)
        raise typer.Exit(1)
    changes = compare(run, latest_published())
    out.print(
        f"grading run #{run.pk} (job #{job.pk}): {run.graded} graded, {run.ungraded} not graded; "
        f"factor set {run.accounting_run.factor_set}, method {run.accounting_run.method_version}; "
        f"{changes.changed} codes change against the published run / 与已发布批次相比 "
        f"{changes.changed} 个碳效码变化",
        markup=False,
    )
    if publish:
        do_publish(run, actor=actor)
        out.print(f"published / 已发布: grading run #{run.pk}", markup=False)
    else:
        out.print("waiting for review on /runs/ / 待审核后发布", markup=False)


def _build_derived(kind: str, title: str) -> int:
    """Run the derived build ``kind`` with a progress bar; returns the job's id. Exit 2
    when no accounting run is published, 1 when the build failed."""
    from citycarbon.web import bootstrap  # noqa: PLC0415  (Django is set up first)

    bootstrap.migrate()
    from citycarbon.web.audit.actions import Actor  # noqa: PLC0415
    from citycarbon.web.grading.selectors import published_accounting_run  # noqa: PLC0415
    from citycarbon.web.jobs.derived import build_here  # noqa: PLC0415
    from citycarbon.web.jobs.models import JobStatus  # noqa: PLC0415

    if published_accounting_run() is None:
        raise fail(
            "没有已发布的核算批次，请先运行 citycarbon run grading --publish / "
            "no accounting run is published: run citycarbon run grading --publish first"
        )
    with progress_bar() as bar:
        task = bar.add_task(title, total=1)
        job = build_here(
            kind,
            actor=Actor.system("cli"),
            progress=lambda done, total, label: bar.update(
                task, completed=done, total=total, description=label
            ),
        )
    if job.status != JobStatus.DONE:
        err.print(f"运行失败 / run failed: {job.reason_zh} / {job.reason_en}", markup=False)
        raise typer.Exit(1)
    return job.pk


def run_estimates() -> None:
    """Build the rapid estimates (速算) over the published accounting run with its factor
    set, from the readings, records and enterprises in the database now; a build with the
    same inputs is reused. The pages and the API read what it stores.

    Exit 2 when no accounting run is published; exit 1 when the build failed (nothing
    written, the reason on stderr).
    """
    from citycarbon.web.estimates import runs  # noqa: PLC0415

    job_id = _build_derived(runs.KIND, "rapid estimates / 速算")
    from citycarbon.web.jobs.models import Job  # noqa: PLC0415

    run = runs.estimate_run_of(Job.objects.get(pk=job_id))
    if run is None:
        raise typer.Exit(1)
    out.print(
        f"estimate run #{run.pk} (job #{job_id}): accounting run #{run.accounting_run_id}, "
        f"factor set {run.factor_set}, method {run.method_version}, fit year "
        f"{run.fit_year or '-'}, {run.enterprises} enterprises, input "
        f"{run.input_fingerprint[:12]} / 速算批次 #{run.pk}",
        markup=False,
    )


def run_balance() -> None:
    """Build the energy balance (能源平衡表) of every year over the published accounting run
    with its factor set's coefficients, from the records and enterprises in the database
    now; a build with the same inputs is reused.

    Exit 2 when no accounting run is published; exit 1 when the build failed.
    """
    from citycarbon.web.balance import runs  # noqa: PLC0415

    job_id = _build_derived(runs.KIND, "energy balance / 能源平衡表")
    from citycarbon.web.jobs.models import Job  # noqa: PLC0415

    run = runs.balance_run_of(Job.objects.get(pk=job_id))
    if run is None:
        raise typer.Exit(1)
    years = sorted(run.years.values_list("year", flat=True))
    out.print(
        f"balance run #{run.pk} (job #{job_id}): accounting run #{run.accounting_run_id}, "
        f"factor set {run.factor_set}, method {run.method_version}, years "
        f"{', '.join(map(str, years)) or '-'}, input {run.input_fingerprint[:12]} / "
        f"能源平衡表批次 #{run.pk}",
        markup=False,
    )


def register(app: typer.Typer) -> None:
    runs = typer.Typer(help="Derived runs, in the foreground.", no_args_is_help=True)
    runs.command("grading")(run_grading)
    runs.command("estimates")(run_estimates)
    runs.command("balance")(run_balance)
    app.add_typer(runs, name="run")
