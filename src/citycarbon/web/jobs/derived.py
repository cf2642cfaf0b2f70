"""Derived runs (``models.DerivedRun``): results computed by a job from the published
accounting run and other inputs, persisted with their provenance and read by the pages.

The shape every derived app follows (estimates, the energy balance):

1. a job kind (``registry.job``) whose handler reads the inputs, fingerprints them and calls
   ``build``; a run with the same key (accounting run, factor set hash, method version,
   input fingerprint) that is done already is the answer, nothing is written;
2. ``build`` creates the run (running), then writes its result rows and ends it done in one
   transaction; a failure leaves the run failed with its reason and no rows;
3. the actions that change the inputs say so (``registry.inputs_changed``,
   ``registry.changed``) and the app queues one rebuild after commit (``do_request_build``:
   a rebuild already waiting is that rebuild);
4. the pages read the newest done run of the published accounting run, never the inputs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db import models, transaction
from django.utils import timezone

from citycarbon.web.audit.actions import Actor, record
from citycarbon.web.jobs.models import DerivedRun, DerivedRunStatus, Job, JobStatus
from citycarbon.web.jobs.registry import JobFailedError
from citycarbon.web.jobs.runner import ProgressListener, do_enqueue_job, run_here

Run = TypeVar("Run", bound=DerivedRun)


def do_request_build(kind: str, *, actor: Actor) -> Job:
    """Queue a rebuild of ``kind``; a job of that kind that waits already is that job (so a
    burst of imports makes one rebuild)."""
    with transaction.atomic():
        waiting = Job.objects.filter(kind=kind, status=JobStatus.PENDING).first()
        if waiting is not None:
            return waiting
        return do_enqueue_job(kind, {}, actor=actor)


def build_here(kind: str, *, actor: Actor, progress: ProgressListener | None = None) -> Job:
    """Run a rebuild of ``kind`` in this process (a command, the demo): a job of its own,
    run the way the worker runs it; returns the ended job."""
    job_row = do_enqueue_job(kind, {}, actor=actor, send=False)
    return run_here(job_row, progress=progress)


def active_job(kind: str) -> Job | None:
    """The rebuild of ``kind`` waiting or running now, if any (the pages say so)."""
    return (
        Job.objects.filter(kind=kind, status__in=(JobStatus.PENDING, JobStatus.RUNNING))
        .order_by("-id")
        .first()
    )


def _json(value: Any) -> Any:
    return value.pk if isinstance(value, models.Model) else value


def build(
    model: type[Run],
    key: dict[str, Any],
    *,
    actor: Actor,
    job: Job | None,
    write: Callable[[Run], dict[str, Any]],
) -> tuple[Run, bool]:
    """The newest done run of ``model`` if it has ``key``, else a new one whose rows ``write(run)``
    inserts (returning a summary for the audit event); returns the run and whether it is
    new. A failing ``write`` leaves the run failed, with its reason and no rows, and
    raises on."""
    objects = model._default_manager
    # Only the newest done run is reused: an older one with the same key (inputs that came
    # back) is built again, so that the newest done run is always the current one.
    latest = objects.filter(status=DerivedRunStatus.DONE).order_by("-id").first()
    if latest is not None and objects.filter(pk=latest.pk, **key).exists():
        return latest, False
    run = objects.create(**key, actor_label=actor.label, job=job)
    action = f"{model._meta.app_label}.build"
    try:
        with transaction.atomic():
            summary = write(run)
            run.status = DerivedRunStatus.DONE
            run.finished_at = timezone.now()
            run.save(update_fields=["status", "finished_at"])
            after = {k: _json(v) for k, v in key.items()}
            record(actor, action, model.__name__, run.pk, after={**after, **summary})
    except Exception as exc:
        if isinstance(exc, JobFailedError):
            reason = (exc.reason_zh, exc.reason_en)
        else:
            name = type(exc).__name__
            reason = (
                f"内部错误（{name}），未写入任何结果",
                f"internal error ({name}); no rows written",
            )
        objects.filter(pk=run.pk).update(
            status=DerivedRunStatus.FAILED,
            finished_at=timezone.now(),
            reason_zh=reason[0],
            reason_en=reason[1],
        )
        raise
    return run, True
