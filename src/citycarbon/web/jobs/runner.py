"""Running jobs: ``do_enqueue_job`` in the request (the task is sent after commit), ``run_job``
in the worker (``citycarbon worker``), ``recover_jobs`` when a worker starts.

django-tasks carries the job id to a worker (its database backend in production, the
immediate backend in tests); the ``Job`` row holds the state the pages show. A handler that
raises, runs out of memory (the worker's address space is bounded) or dies with its process
leaves its own transaction rolled back and the job failed with a reason in zh and en."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial
from typing import Any, Final

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from citycarbon.web.audit.actions import Actor, record
from citycarbon.web.jobs.models import Job, JobStatus
from citycarbon.web.jobs.registry import KINDS, JobFailedError

logger = logging.getLogger(__name__)

OUT_OF_MEMORY: Final = (
    "任务超出工作进程的内存上限（CITYCARBON_WORKER_MEMORY_MB），已中止，未写入任何数据",
    "the job went over the worker's memory bound (CITYCARBON_WORKER_MEMORY_MB) and was "
    "stopped; nothing was written",
)
WORKER_DIED: Final = (
    "执行任务的工作进程已退出（可能超出内存上限），未写入任何数据",
    "the worker running this job stopped (perhaps over its memory bound); nothing was written",
)


def _internal(exc: BaseException) -> tuple[str, str]:
    name = type(exc).__name__
    return (
        f"任务内部出错（{name}），未写入任何数据",
        f"the job failed with an internal error ({name}); nothing was written",
    )


def worker_label() -> str:
    """This process as a worker: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def do_enqueue_job(kind: str, params: dict[str, Any], *, actor: Actor, send: bool = True) -> Job:
    """Create a pending job of a registered ``kind``; the worker is told after commit
    (``send=False``: nobody is told, the caller runs it in the foreground, ``run_here``)."""
    if kind not in KINDS:
        msg = f"no job kind {kind!r} registered"
        raise KeyError(msg)
    with transaction.atomic():
        job = Job.objects.create(kind=kind, params=params, actor_label=actor.label)
        record(actor, "jobs.enqueue", "Job", job.pk, after={"kind": kind, "params": params})
        if send:
            transaction.on_commit(partial(_send, job.pk))
    return job


ProgressListener = Callable[[int, int, str], None]
_listener: ContextVar[ProgressListener | None] = ContextVar("job_progress", default=None)


def report_progress(job: Job, done: int, total: int, label: str) -> None:
    """Store how far ``job`` is (committed at once when called between its transactions, so
    pages see it) and tell a foreground listener (``run_here``)."""
    Job.objects.filter(pk=job.pk).update(
        progress_done=done, progress_total=total, progress_label=label[:120]
    )
    listener = _listener.get()
    if listener is not None:
        listener(done, total, label)


@contextmanager
def _listening(listener: ProgressListener | None) -> Iterator[None]:
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)


def run_here(job: Job, *, progress: ProgressListener | None = None) -> Job:
    """Run a pending job in this process (a command in the foreground), the same way the
    worker would; ``progress(done, total, label)`` hears its steps. Returns the ended job."""
    with _listening(progress):
        run_job.call(job.pk)
    job.refresh_from_db()
    return job


def _send(job_id: int) -> None:
    run_job.using(backend=settings.CITYCARBON_JOB_BACKEND).enqueue(job_id)


@task()
def run_job(job_id: int) -> str:
    """Run one job to its end: ``done`` or ``failed`` with its reason. Never raises for the
    job's own failures, so that the worker goes on with the next one."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status != JobStatus.PENDING:
            return "skipped"
        job.status = JobStatus.RUNNING
        job.worker = worker_label()
        job.started_at = timezone.now()
        job.save(update_fields=["status", "worker", "started_at"])
    kind = KINDS.get(job.kind)
    try:
        if kind is None:
            msg = f"no job kind {job.kind!r} registered in this worker"
            raise LookupError(msg)
        kind.run(job)
    except JobFailedError as exc:
        reason = (exc.reason_zh, exc.reason_en)
    except MemoryError:
        reason = OUT_OF_MEMORY
    except Exception as exc:  # any other bug in a handler fails its job, not the worker
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        reason = _internal(exc)
    except BaseException as exc:
        # A panic of a native library (pyo3's PanicException, for one a failed allocation
        # can cause) is no Exception; it fails its job too. Being told to stop is not.
        if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
            raise
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        reason = _internal(exc)
    else:
        _finish(job, JobStatus.DONE)
        return JobStatus.DONE
    _finish(job, JobStatus.FAILED, reason)
    return JobStatus.FAILED


def _finish(job: Job, status: str, reason: tuple[str, str] = ("", "")) -> None:
    with transaction.atomic():
        job.status = status
        job.reason_zh, job.reason_en = reason
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "reason_zh", "reason_en", "finished_at"])
        actor = Actor.system(f"worker {job.worker}")
        after = {"status": status, "reason_en": job.reason_en} if reason[0] else {"status": status}
        record(actor, f"jobs.{status}", "Job", job.pk, after=after)
        kind = KINDS.get(job.kind)
        if status == JobStatus.FAILED and kind is not None and kind.on_failure is not None:
            kind.on_failure(job)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover_jobs() -> int:
    """Fail the jobs left running by a dead worker process on this host (killed by the
    kernel, say, for its memory): returns how many."""
    host = socket.gethostname()
    failed = 0
    for job in Job.objects.filter(status=JobStatus.RUNNING, worker__startswith=f"{host}:"):
        pid = job.worker.rpartition(":")[2]
        if pid.isdigit() and not _alive(int(pid)):
            _finish(job, JobStatus.FAILED, WORKER_DIED)
            failed += 1
    return failed
