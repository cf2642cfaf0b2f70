"""Onboarding files uploaded on the page or the API: districts, enterprises or economics,
kept (``do_receive_onboarding``) and read by the background job ``onboarding.upload``, which
runs the file's reader (``io.onboarding_csv``) and its import action, all rows or none."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

import polars as pl
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from citycarbon.io import onboarding_csv
from citycarbon.io.errors import InputFileError, RowError
from citycarbon.web.audit.actions import Actor, record
from citycarbon.web.audit.hashing import storable_text
from citycarbon.web.enterprises.actions import do_import_economics, do_onboard_enterprises
from citycarbon.web.enterprises.models import OnboardingKind, OnboardingStatus, OnboardingUpload
from citycarbon.web.jobs.models import Job
from citycarbon.web.jobs.registry import job as register_job
from citycarbon.web.jobs.runner import do_enqueue_job
from citycarbon.web.regions.actions import ImportCounts, do_import_regions
from citycarbon.web.uploads import keep_file, kept_error, refusal, upload_dir, uploader

JOB_KIND: Final = "onboarding.upload"
SUFFIXES: Final = (".csv",)
MAX_KEPT_ERRORS: Final = 200
"""Row errors kept on a rejected upload for its page and the API; the rest are counted."""
PROGRESS_EVERY: Final = 0.5
"""Seconds between two writes of how far the reader got."""
UNREADABLE: Final = ("文件无法读取", "the file cannot be read")

Reader = Callable[
    [Path, str | None, Callable[[int, int], None]], tuple[pl.DataFrame, list[RowError]]
]
READERS: Final[dict[str, Reader]] = {
    OnboardingKind.REGIONS: onboarding_csv.read_regions,
    OnboardingKind.ENTERPRISES: onboarding_csv.read_enterprises,
    OnboardingKind.ECONOMICS: onboarding_csv.read_economics_import,
}
ACTIONS: Final[dict[str, Callable[..., ImportCounts]]] = {
    OnboardingKind.REGIONS: do_import_regions,
    OnboardingKind.ENTERPRISES: do_onboard_enterprises,
    OnboardingKind.ECONOMICS: do_import_economics,
}


def onboarding_refusal(file: object) -> str | None:
    """``"missing"``, ``"suffix"`` (not .csv) or None (``uploads.refusal``)."""
    return refusal(file, SUFFIXES)


def do_receive_onboarding(
    kind: str,
    file: UploadedFile,  # type: ignore[type-arg]
    *,
    actor: Actor,
    uploaded_by: User | None,
) -> OnboardingUpload:
    """Keep an onboarding file of ``kind`` under the upload folder and queue its import: the
    upload is pending until the background job has read it."""
    if kind not in READERS:
        msg = f"no onboarding kind {kind!r}"
        raise KeyError(msg)
    kept = keep_file(file)
    try:
        with transaction.atomic():
            upload = OnboardingUpload.objects.create(
                kind=kind,
                source=kept.name[:300],
                sha256=kept.sha256,
                bytes_total=kept.path.stat().st_size,
                stored_name=kept.stored,
                uploaded_by=uploaded_by,
                actor_label=actor.label,
            )
            record(
                actor,
                "onboarding.upload",
                "OnboardingUpload",
                upload.pk,
                after={"kind": kind, "source": kept.name, "sha256": kept.sha256},
            )
            upload.job = do_enqueue_job(JOB_KIND, {"upload": upload.pk}, actor=actor)
            upload.save(update_fields=["job"])
    except BaseException:
        kept.path.unlink(missing_ok=True)
        raise
    return upload


def _actor(upload: OnboardingUpload) -> Actor:
    return uploader(upload.uploaded_by, upload.actor_label)


@transaction.atomic
def _finish_unimported(
    upload: OnboardingUpload,
    status: str,
    *,
    errors: list[RowError] | None = None,
    problem: str = "",
) -> None:
    """An upload that imported nothing: why, kept on its row and in an audit event."""
    found = errors or []
    upload.status = status
    upload.errors = [kept_error(e) for e in found[:MAX_KEPT_ERRORS]]
    upload.error_count = len(found)
    upload.problem = storable_text(problem)
    upload.save(update_fields=["status", "errors", "error_count", "problem"])
    record(
        _actor(upload),
        f"onboarding.upload.{status}",
        "OnboardingUpload",
        upload.pk,
        after={"kind": upload.kind, "errors": len(found), "problem": upload.problem},
    )


def _forget_file(upload: OnboardingUpload) -> None:
    if upload.stored_name:
        (upload_dir() / upload.stored_name).unlink(missing_ok=True)
        OnboardingUpload.objects.filter(pk=upload.pk).update(stored_name="")


def _failed(failed: Job) -> None:
    """The job failed (out of memory, a bug, a dead worker): nothing was imported."""
    upload = OnboardingUpload.objects.filter(pk=failed.params.get("upload")).first()
    if upload is None:
        return
    _finish_unimported(
        upload, OnboardingStatus.FAILED, problem=f"{failed.reason_zh} / {failed.reason_en}"
    )
    _forget_file(upload)


def _progress(upload: OnboardingUpload) -> Callable[[int, int], None]:
    """A reader's ``progress(bytes_done, size)`` that writes how far it got, at most every
    ``PROGRESS_EVERY`` seconds (outside the import's transaction, so the page sees it)."""
    last = [0.0]

    def show(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY:
            last[0] = now
            OnboardingUpload.objects.filter(pk=upload.pk).update(bytes_read=done, bytes_total=total)

    return show


@register_job(JOB_KIND, on_failure=_failed)
def read_onboarding(job: Job) -> None:
    """Read and import the upload ``job.params["upload"]``; its row says what came of it."""
    upload = OnboardingUpload.objects.select_related("uploaded_by").get(pk=job.params["upload"])
    OnboardingUpload.objects.filter(pk=upload.pk).update(status=OnboardingStatus.RUNNING)
    path = upload_dir() / upload.stored_name
    try:
        try:
            frame, errors = READERS[upload.kind](path, None, _progress(upload))
        except InputFileError as exc:  # unreadable: reported like bad rows
            frame, errors = pl.DataFrame(), exc.errors
        if errors:
            _finish_unimported(upload, OnboardingStatus.REJECTED, errors=errors)
            return
        with transaction.atomic():
            counts = ACTIONS[upload.kind](frame, actor=_actor(upload), file=upload.source)
            upload.rows_read = frame.height
            upload.bytes_read = upload.bytes_total
            upload.created, upload.updated = counts.created, counts.updated
            upload.unchanged = counts.unchanged
            written = counts.created + counts.updated
            upload.status = OnboardingStatus.IMPORTED if written else OnboardingStatus.UNCHANGED
            upload.save(
                update_fields=[
                    "rows_read",
                    "bytes_read",
                    "created",
                    "updated",
                    "unchanged",
                    "status",
                ]
            )
            record(
                _actor(upload),
                f"onboarding.upload.{upload.status}",
                "OnboardingUpload",
                upload.pk,
                after={
                    "kind": upload.kind,
                    "created": counts.created,
                    "updated": counts.updated,
                    "unchanged": counts.unchanged,
                },
            )
    except InputFileError as exc:  # RowsRejectedError: rows refer to what the platform lacks
        _finish_unimported(upload, OnboardingStatus.REJECTED, errors=exc.errors)
    except (pl.exceptions.PolarsError, UnicodeError, ValueError, OSError) as exc:
        zh, en = UNREADABLE
        problem = f"{zh} / {en}: {exc}"[:2000]
        _finish_unimported(upload, OnboardingStatus.REJECTED, problem=problem)
    finally:
        _forget_file(upload)
