"""The background job that reads an uploaded file and imports it (``energy.upload``),
registered with the kernel's job runner when the app is ready."""

from __future__ import annotations

from pathlib import Path
from typing import Final

import polars as pl
from django.db import transaction

from citycarbon.io.errors import InputFileError, RowError
from citycarbon.web.audit.actions import Actor, record
from citycarbon.web.audit.hashing import storable_text
from citycarbon.web.energy.ingest import EnergyImportRejectedError, import_uploaded_file
from citycarbon.web.energy.models import EnergyUpload, UploadStatus
from citycarbon.web.enterprises.actions import ImportRejectedError
from citycarbon.web.jobs.models import Job
from citycarbon.web.jobs.registry import job as register_job
from citycarbon.web.uploads import kept_error, upload_dir, uploader

KIND: Final = "energy.upload"
MAX_KEPT_ERRORS: Final = 200
"""Row errors kept on a rejected upload for its page; the rest are counted."""
UNREADABLE: Final = ("文件无法读取", "the file cannot be read")


def stored_path(upload: EnergyUpload) -> Path:
    return upload_dir() / upload.stored_name


def _actor(upload: EnergyUpload) -> Actor:
    return uploader(upload.uploaded_by, upload.actor_label)


@transaction.atomic
def _finish_unimported(
    upload: EnergyUpload,
    status: str,
    *,
    errors: list[RowError] | None = None,
    error_count: int = 0,
    problem: str = "",
) -> None:
    """An upload that imported nothing: why, kept on its row."""
    upload.status = status
    upload.errors = [kept_error(e) for e in (errors or [])[:MAX_KEPT_ERRORS]]
    upload.error_count = error_count
    upload.problem = storable_text(problem)
    upload.rows_imported = 0
    upload.save(update_fields=["status", "errors", "error_count", "problem", "rows_imported"])
    record(
        _actor(upload),
        f"energy.upload.{status}",
        "EnergyUpload",
        upload.pk,
        after={"errors": error_count, "problem": problem},
    )


def _forget_file(upload: EnergyUpload) -> None:
    if upload.stored_name:
        stored_path(upload).unlink(missing_ok=True)
        EnergyUpload.objects.filter(pk=upload.pk).update(stored_name="")


def _failed(failed: Job) -> None:
    """The job failed (out of memory, a bug, a dead worker): nothing was imported."""
    upload = EnergyUpload.objects.filter(pk=failed.params.get("upload")).first()
    if upload is None:
        return
    _finish_unimported(
        upload, UploadStatus.FAILED, problem=f"{failed.reason_zh} / {failed.reason_en}"
    )
    _forget_file(upload)


@register_job(KIND, on_failure=_failed)
def read_upload(job: Job) -> None:
    """Read and import the upload ``job.params["upload"]``; its row says what came of it."""
    upload = EnergyUpload.objects.select_related("enterprise", "uploaded_by").get(
        pk=job.params["upload"]
    )
    EnergyUpload.objects.filter(pk=upload.pk).update(status=UploadStatus.RUNNING)
    try:
        outcome = import_uploaded_file(
            stored_path(upload),
            source=upload.source,
            actor=_actor(upload),
            partial=upload.partial,
            enterprise=upload.enterprise,
            uploaded_by=upload.uploaded_by,
            upload=upload,
        )
    except (InputFileError, EnergyImportRejectedError) as exc:
        count = getattr(exc, "error_count", len(exc.errors))
        _finish_unimported(upload, UploadStatus.REJECTED, errors=exc.errors, error_count=count)
    except ImportRejectedError as exc:
        _finish_unimported(upload, UploadStatus.REJECTED, problem=str(exc))
    except (pl.exceptions.PolarsError, UnicodeError, ValueError, OSError) as exc:
        # A reader that gave up on the bytes without a row error of its own.
        zh, en = UNREADABLE
        _finish_unimported(upload, UploadStatus.REJECTED, problem=f"{zh} / {en}: {exc}"[:2000])
    else:
        if outcome.upload is None:
            _finish_unimported(upload, UploadStatus.UNCHANGED)
    finally:
        _forget_file(upload)
