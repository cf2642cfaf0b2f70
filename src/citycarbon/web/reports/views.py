"""Pages: a report's preview with the form that chooses it, issuing it, the issued report
(HTML that prints on A4, and its PDF), and the public verification page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from citycarbon.web.access.selectors import principal_of_user
from citycarbon.web.audit.actions import Actor
from citycarbon.web.reports import render as rendering
from citycarbon.web.reports.actions import do_issue_report, normal_id, verify_url
from citycarbon.web.reports.registry import Document, ReportInputError, ReportKind, kind_of, parse
from citycarbon.web.reports.selectors import issued, may_read_issued


def _kind(name: str) -> ReportKind:
    kind = kind_of(name)
    if kind is None:
        raise Http404
    return kind


def _signed_in(request: HttpRequest) -> Any:
    principal = principal_of_user(request.user)
    if principal is None:
        raise PermissionDenied
    return principal


@require_GET
def preview(request: HttpRequest, kind: str) -> HttpResponse:
    """The form that chooses the report and, once it is filled in, the report as it would
    be issued now, with the button that issues it."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    report_kind = _kind(kind)
    principal = _signed_in(request)
    form = report_kind.form(report_kind.filled(principal, request.GET) if request.GET else None)
    context: dict[str, Any] = {"kind": report_kind, "form": form, "document": None}
    if form.is_bound and form.is_valid():
        if not report_kind.may_read(principal, form.cleaned_data):
            raise Http404
        try:
            context["document"] = report_kind.build(form.cleaned_data)
        except ReportInputError as exc:
            context["problem"] = str(exc)
    return render(request, "reports/preview.html", context)


@require_POST
def issue(request: HttpRequest, kind: str) -> HttpResponse:
    """Issue the report (``do_issue_report``, audited) and show it."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    report_kind = _kind(kind)
    principal = _signed_in(request)
    data = report_kind.filled(principal, request.POST)
    try:
        params = parse(report_kind, data)
    except ReportInputError as exc:
        return render(
            request,
            "reports/preview.html",
            {"kind": report_kind, "form": report_kind.form(request.POST), "problem": str(exc)},
            status=400,
        )
    if not report_kind.may_read(principal, params):
        raise Http404
    try:
        report = do_issue_report(
            report_kind,
            data,
            actor=Actor.of(request.user),
            base_url=request.build_absolute_uri("/"),
        )
    except ReportInputError as exc:
        return render(
            request,
            "reports/preview.html",
            {"kind": report_kind, "form": report_kind.form(request.POST), "problem": str(exc)},
            status=404,
        )
    return redirect("report", report_id=report.pk)


def _readable(request: HttpRequest, report_id: str) -> Any:
    report = issued(normal_id(report_id))
    if report is None or not may_read_issued(_signed_in(request), report):
        raise Http404
    return report


@require_GET
def issued_page(request: HttpRequest, report_id: str) -> HttpResponse:
    """An issued report as it was issued, with its verification id and QR code."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    report = _readable(request, report_id)
    url = verify_url(request.build_absolute_uri("/"), report.pk)
    return render(
        request,
        "reports/issued.html",
        {
            "report": report,
            "kind": kind_of(report.kind),
            "document": Document.from_json(report.document),
            "verify_url": url,
            "qr_svg": rendering.qr_svg(url),
            "issuer": settings.CITYCARBON_ISSUER,
        },
    )


@require_GET
def issued_pdf(request: HttpRequest, report_id: str) -> HttpResponse:
    """The PDF of an issued report, the very bytes whose hash the verification page shows."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    report = _readable(request, report_id)
    response = HttpResponse(bytes(report.pdf), content_type="application/pdf")
    filename = f"{report.kind}-{report.subject}-{report.period}-{report.pk}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def verify_lookup(request: HttpRequest) -> HttpResponse:
    """Public: the form that finds an issued report by the id printed on it."""
    typed = request.GET.get("id", "")
    found = normal_id(typed) if typed else ""
    if found:
        return redirect("report-verify", report_id=found)
    return render(
        request,
        "reports/verify_lookup.html",
        {"typed": typed[:40], "bad": bool(typed)},
        status=400 if typed else 200,
    )


@require_GET
def verify(request: HttpRequest, report_id: str) -> HttpResponse:
    """Public: what was issued under this id, when, by whom, and the SHA-256 of its PDF;
    nothing else of the report."""
    report = issued(normal_id(report_id))
    if report is None:
        return render(request, "reports/verify.html", {"report": None}, status=404)
    return render(
        request,
        "reports/verify.html",
        {
            "report": report,
            "kind": kind_of(report.kind),
            "size": len(bytes(report.pdf)),
            "issuer": settings.CITYCARBON_ISSUER,
        },
    )
