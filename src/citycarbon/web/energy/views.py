"""Pages: uploading energy data (canonical CSV or 205-1 forms) and the uploads' quarantine."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from citycarbon.io.safecells import safe_row
from citycarbon.web.access.pages import current, page
from citycarbon.web.access.policy import DeniedError, Principal, allows
from citycarbon.web.audit.actions import Actor
from citycarbon.web.energy.actions import do_receive_upload, upload_refusal
from citycarbon.web.energy.forms import UploadOptions
from citycarbon.web.energy.models import FINISHED_STATUSES, EnergyUpload, UploadStatus
from citycarbon.web.energy.selectors import uploader_enterprise, visible_uploads
from citycarbon.web.forms import PageForm, invalid_filters
from citycarbon.web.uploads import too_large, too_large_response


@page("uploads")
@require_http_methods(["GET", "POST"])
def upload_page(request: HttpRequest) -> HttpResponse:
    """Upload one file: it is kept and read by a background job, whose page follows."""
    principal = current(request)
    listing = PageForm(request.GET)
    uploads = (
        listing.page_of(Paginator(visible_uploads(principal), 20)) if listing.is_valid() else None
    )
    if uploads is None:
        return invalid_filters(request, listing)
    options = UploadOptions(request.POST or None)
    context: dict[str, Any] = {
        "uploads": uploads,
        "partial": options.is_valid() and options.cleaned_data["partial"],
    }
    if request.method != "POST":
        return render(request, "energy/upload.html", context)
    if not allows(principal, "uploads", "submit"):
        raise PermissionDenied
    upload = request.FILES.get("file")
    if too_large(request):
        return too_large_response()
    refusal = upload_refusal(upload)
    if refusal is None:
        return _receive(request, principal, upload, context)  # type: ignore[arg-type]
    if refusal == "missing":
        context["problem"] = _("Choose a file to upload.")
    else:
        context["problem"] = _("Upload a .csv, .xlsx or .xls file.")
    return render(request, "energy/upload.html", context, status=422)


def _receive(
    request: HttpRequest,
    principal: Principal,
    upload: UploadedFile,  # type: ignore[type-arg]
    context: dict[str, Any],
) -> HttpResponse:
    """Keep the file and queue its import; the upload's page follows its job."""
    try:
        enterprise = uploader_enterprise(principal)
    except DeniedError as exc:
        raise PermissionDenied from exc
    received = do_receive_upload(
        upload,
        actor=Actor.of(request.user),  # type: ignore[arg-type]
        partial=context["partial"],
        enterprise=enterprise,
        uploaded_by=request.user,  # type: ignore[arg-type]
    )
    return redirect("energy-upload", upload_id=received.pk)


def _visible_upload(request: HttpRequest, upload_id: int) -> EnergyUpload:
    return get_object_or_404(visible_uploads(current(request)), pk=upload_id)


@page("uploads")
@require_GET
def upload_detail(request: HttpRequest, upload_id: int) -> HttpResponse:
    """An upload and what became of it. While its job runs, the page polls its status
    fragment (htmx) and reloads itself when the job has ended."""
    upload = _visible_upload(request, upload_id)
    finished = upload.status in FINISHED_STATUSES
    if request.htmx:  # type: ignore[attr-defined]
        if finished:
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return render(request, "energy/_upload_progress.html", {"upload": upload})
    listing = PageForm(request.GET)
    rows = listing.page_of(Paginator(upload.quarantine.all(), 100)) if listing.is_valid() else None
    if rows is None:
        return invalid_filters(request, listing)
    columns = list(rows[0].as_read) if rows else []
    # A file that imported nothing for what it holds answers 422, as a refused form does.
    unprocessable = upload.status in (UploadStatus.REJECTED, UploadStatus.FAILED)
    return render(
        request,
        "energy/upload_detail.html",
        {"upload": upload, "rows": rows, "columns": columns, "finished": finished},
        status=422 if unprocessable else 200,
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
    writer.writerow(safe_row([*columns, "source_row", "reason_zh", "reason_en"]))
    for r in rows:
        writer.writerow(
            safe_row([*(r.as_read.get(c) or "" for c in columns), r.row, r.reason_zh, r.reason_en])
        )
    response = HttpResponse("\ufeff" + text.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="quarantine-{upload.pk}.csv"'
    return response
