"""Pages: onboarding a city's districts, enterprises and economics from files, with their
templates (and a blank 205-1 form) to download. A file is kept and read by a background
job (``onboarding.upload``); its page follows the job with htmx until it has ended."""

from __future__ import annotations

from typing import Any, Final

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from citycarbon.io.form205_blank import blank_form_xlsx
from citycarbon.io.onboarding_csv import TEMPLATES, template_csv
from citycarbon.web.access.pages import current, page
from citycarbon.web.access.policy import allows
from citycarbon.web.audit.actions import Actor
from citycarbon.web.enterprises.forms import OnboardingForm
from citycarbon.web.enterprises.models import OnboardingKind, OnboardingStatus, OnboardingUpload
from citycarbon.web.enterprises.onboarding import do_receive_onboarding, onboarding_refusal
from citycarbon.web.forms import PageForm, invalid_filters
from citycarbon.web.uploads import too_large, too_large_response

XLSX: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _forms() -> list[dict[str, Any]]:
    return [
        {"kind": kind.value, "label": kind.label, "columns": ", ".join(TEMPLATES[kind][0])}
        for kind in OnboardingKind
    ]


@page("onboarding")
@require_http_methods(["GET", "POST"])
def onboarding_page(request: HttpRequest) -> HttpResponse:
    """Three upload forms (districts, enterprises, economics) and the latest uploads."""
    listing = PageForm(request.GET)
    uploads = (
        listing.page_of(Paginator(OnboardingUpload.objects.all(), 20))
        if listing.is_valid()
        else None
    )
    if uploads is None:
        return invalid_filters(request, listing)
    context: dict[str, Any] = {"forms": _forms(), "uploads": uploads}
    if request.method != "POST":
        return render(request, "onboarding/page.html", context)
    if not allows(current(request), "onboarding", "submit"):
        raise PermissionDenied
    chosen = OnboardingForm(request.POST)
    kind = chosen.data.get("kind", "")
    file = request.FILES.get("file")
    if too_large(request):
        return too_large_response()
    refused = onboarding_refusal(file)
    if not chosen.is_valid():
        context["problem"] = chosen.errors["kind"][0]
    elif refused == "missing":
        context["problem"] = _("Choose a file to upload.")
    elif refused == "suffix":
        context["problem"] = _("Upload a .csv file.")
    else:
        upload = do_receive_onboarding(
            chosen.cleaned_data["kind"],
            file,  # type: ignore[arg-type]
            actor=Actor.of(request.user),  # type: ignore[arg-type]
            uploaded_by=request.user,  # type: ignore[arg-type]
        )
        return redirect("onboarding-upload", upload_id=upload.pk)
    context["problem_kind"] = kind
    return render(request, "onboarding/page.html", context, status=422)


@page("onboarding")
@require_GET
def onboarding_detail(request: HttpRequest, upload_id: int) -> HttpResponse:
    """An upload and what came of it: the counts or the row errors. While its job runs the
    page polls its progress fragment (htmx) and reloads itself once the job has ended."""
    upload = get_object_or_404(OnboardingUpload, pk=upload_id)
    if request.htmx:  # type: ignore[attr-defined]
        if upload.finished:
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return render(request, "onboarding/_progress.html", {"upload": upload})
    unprocessable = upload.status in (OnboardingStatus.REJECTED, OnboardingStatus.FAILED)
    return render(
        request, "onboarding/detail.html", {"upload": upload}, status=422 if unprocessable else 200
    )


@page("onboarding")
@require_GET
def onboarding_template(request: HttpRequest, kind: str) -> HttpResponse:
    """The CSV template of ``kind``: its header and an example row (UTF-8 with BOM)."""
    if kind not in OnboardingKind.values:
        raise Http404
    response = HttpResponse(template_csv(kind), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.csv"'
    return response


@page("onboarding")
@require_GET
def blank_form_205(request: HttpRequest) -> HttpResponse:
    """A blank statistical form 205-1 (.xlsx) to fill in and upload as energy data."""
    response = HttpResponse(blank_form_xlsx(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="205-1-blank.xlsx"'
    return response
