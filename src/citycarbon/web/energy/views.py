"""Pages: uploading energy data (canonical CSV or 205-1 forms) and the uploads' quarantine."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from citycarbon.io.errors import InputFileError, RowError
from citycarbon.io.form205 import SUFFIXES
from citycarbon.web.access.models import Role
from citycarbon.web.access.pages import current, page
from citycarbon.web.access.policy import Principal, scoped
from citycarbon.web.audit.actions import Actor
from citycarbon.web.energy.ingest import EnergyImportRejectedError, import_uploaded_file
from citycarbon.web.energy.models import EnergyUpload
from citycarbon.web.enterprises.actions import ImportRejectedError
from citycarbon.web.enterprises.models import Enterprise

MAX_SHOWN_ERRORS = 200


def _uploads(principal: Principal) -> QuerySet[EnergyUpload]:
    """The uploads ``principal`` may read: all for the city roles, an enterprise's own."""
    return scoped(principal, "uploads", EnergyUpload.objects.select_related("enterprise"))


@page("uploads")
@require_http_methods(["GET", "POST"])
def upload_page(request: HttpRequest) -> HttpResponse:
    """Upload one file; the result page follows, or the errors when nothing was imported."""
    principal = current(request)
    context: dict[str, Any] = {
        "uploads": Paginator(_uploads(principal), 20).get_page(request.GET.get("page")),
        "partial": request.POST.get("partial") == "on",
    }
    if request.method != "POST":
        return render(request, "energy/upload.html", context)
    upload = request.FILES.get("file")
    if not isinstance(upload, UploadedFile) or not upload.name:
        context["problem"] = _("Choose a file to upload.")
    elif Path(upload.name).suffix.lower() not in SUFFIXES:
        context["problem"] = _("Upload a .csv, .xlsx or .xls file.")
    else:
        return _receive(request, principal, upload, context)
    return render(request, "energy/upload.html", context, status=422)


def _receive(
    request: HttpRequest,
    principal: Principal,
    upload: UploadedFile,  # type: ignore[type-arg]
    context: dict[str, Any],
) -> HttpResponse:
    name = Path(upload.name or "upload").name
    enterprise = (
        Enterprise.objects.filter(pk=principal.enterprise_id or 0).first()
        if principal.role == Role.ENTERPRISE
        else None
    )
    with tempfile.TemporaryDirectory(prefix="citycarbon-upload-") as tmp:
        path = Path(tmp) / f"upload{Path(name).suffix.lower()}"
        with path.open("wb") as f:
            for part in upload.chunks():
                f.write(part)
        try:
            outcome = import_uploaded_file(
                path,
                source=name,
                actor=Actor.of(request.user),  # type: ignore[arg-type]
                partial=context["partial"],
                enterprise=enterprise,
                uploaded_by=request.user,  # type: ignore[arg-type]
            )
        except (InputFileError, EnergyImportRejectedError) as exc:
            errors: list[RowError] = exc.errors
            total = getattr(exc, "error_count", len(errors))
            context.update(errors=errors[:MAX_SHOWN_ERRORS], error_count=total, file=name)
            return render(request, "energy/upload.html", context, status=422)
        except ImportRejectedError as exc:
            context["problem"] = str(exc)
            return render(request, "energy/upload.html", context, status=422)
    if outcome.upload is None:
        context["unchanged"] = name
        return render(request, "energy/upload.html", context)
    return redirect("energy-upload", upload_id=outcome.upload.pk)


def _visible_upload(request: HttpRequest, upload_id: int) -> EnergyUpload:
    return get_object_or_404(_uploads(current(request)), pk=upload_id)


@page("uploads")
@require_GET
def upload_detail(request: HttpRequest, upload_id: int) -> HttpResponse:
    upload = _visible_upload(request, upload_id)
    rows = Paginator(upload.quarantine.all(), 100).get_page(request.GET.get("page"))
    columns = list(rows[0].as_read) if rows else []
    return render(
        request,
        "energy/upload_detail.html",
        {"upload": upload, "rows": rows, "columns": columns},
    )


@page("uploads")
@require_GET
def quarantine_download(request: HttpRequest, upload_id: int) -> HttpResponse:
    """The quarantined rows as a CSV in the columns they were read with, plus the reasons:
    fix the values, then upload the file again (the extra columns are ignored)."""
    upload = _visible_upload(request, upload_id)
    rows = list(upload.quarantine.all())
    columns = list(rows[0].as_read) if rows else []
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow([*columns, "source_row", "reason_zh", "reason_en"])
    for r in rows:
        writer.writerow(
            [*(r.as_read.get(c) or "" for c in columns), r.row, r.reason_zh, r.reason_en]
        )
    response = HttpResponse("\ufeff" + text.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="quarantine-{upload.pk}.csv"'
    return response
