"""API of the report service (``web.reports``): issue a report of a registered kind, read
what was issued, download its PDF. It lives with the API assembly, beside the shared
authentication and error answers, so that the report service itself imports no app that
knows roles; each kind's ``may_read`` decides with the access policy, as on the pages."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Query, Router, Status
from ninja.errors import HttpError

from citycarbon.web.api.common import NoQuery, OutSchema, principal
from citycarbon.web.api.errors import ERROR_RESPONSES
from citycarbon.web.audit.actions import Actor
from citycarbon.web.reports.actions import do_issue_report, normal_id, verify_url
from citycarbon.web.reports.models import IssuedReport
from citycarbon.web.reports.registry import ReportInputError, kind_of, parse
from citycarbon.web.reports.selectors import issued, may_read_issued

router = Router(tags=["reports"])

Kind = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{0,39}$")]
ReportId = Annotated[str, Field(max_length=40, pattern=r"^[0-9A-Za-z -]+$")]


class IssuedOut(OutSchema):
    id: str
    """The verification id printed on the report and encoded in its QR code."""
    kind: str
    """The report kind (``certificate``, ``monthly``)."""
    title: str
    """The report's title, in the language it was issued in."""
    subject: str
    """What it is about, as a key: an entity id, a district code or ``city``."""
    subject_label: str
    """What it is about, for a reader."""
    period: str
    """The period it covers: ``YYYY`` or ``YYYY-MM``."""
    sha256: str
    """SHA-256 of the PDF as issued."""
    bytes: int
    """Size of the PDF, in bytes."""
    created_at: datetime
    """When it was issued."""
    verify_url: str
    """The public verification page."""
    pdf_url: str
    """Where to download the PDF through the API."""


def _out(request: HttpRequest, report: IssuedReport) -> IssuedOut:
    base = request.build_absolute_uri("/")
    return IssuedOut(
        id=report.pk,
        kind=report.kind,
        title=report.title,
        subject=report.subject,
        subject_label=report.subject_label,
        period=report.period,
        sha256=report.sha256,
        bytes=len(bytes(report.pdf)),
        created_at=report.created_at,
        verify_url=verify_url(base, report.pk),
        pdf_url=base.rstrip("/") + f"/api/v1/reports/issued/{report.pk}/pdf",
    )


@router.post(
    "/reports/{kind}",
    response={201: IssuedOut, **ERROR_RESPONSES},
    summary="Issue a report",
    description=(
        "Issue a report of `kind` with its parameters in the query string: `certificate` "
        "(`entity`, `year`) — an enterprise's carbon-efficiency certificate; `monthly` "
        "(`month` as YYYY-MM, optional `district` code) — the city's or a district's monthly "
        "analysis. The report gets a verification id and its PDF is kept; 404 when the "
        "caller may not read it or there is nothing to report, 422 on bad parameters."
    ),
)
def issue(request: HttpRequest, kind: Kind) -> Status[IssuedOut]:
    report_kind = kind_of(kind)
    if report_kind is None:
        raise Http404
    try:
        params = parse(report_kind, request.GET)
    except ReportInputError as exc:
        raise HttpError(422, str(exc)) from exc
    who = principal(request)
    if not report_kind.may_read(who, params):
        raise Http404
    user = getattr(request, "user", None)
    signed_in = who.user_id is not None and user is not None and user.pk == who.user_id
    actor = Actor.of(user) if signed_in else Actor(label=who.label)  # type: ignore[arg-type]
    try:
        report = do_issue_report(
            report_kind, request.GET, actor=actor, base_url=request.build_absolute_uri("/")
        )
    except ReportInputError as exc:
        raise Http404(str(exc)) from exc
    return Status(201, _out(request, report))


def _readable(request: HttpRequest, report_id: str) -> IssuedReport:
    report = issued(normal_id(report_id))
    if report is None or not may_read_issued(principal(request), report):
        raise Http404
    return report


@router.get(
    "/reports/issued/{report_id}",
    response={200: IssuedOut, **ERROR_RESPONSES},
    summary="An issued report",
)
def issued_report(request: HttpRequest, report_id: ReportId, query: Query[NoQuery]) -> IssuedOut:
    return _out(request, _readable(request, report_id))


@router.get(
    "/reports/issued/{report_id}/pdf",
    response={200: None, **ERROR_RESPONSES},
    summary="The PDF of an issued report",
    description="The PDF as issued: its SHA-256 is the one `GET /reports/issued/{id}` gives.",
    openapi_extra={"responses": {200: {"description": "PDF", "content": {"application/pdf": {}}}}},
)
def issued_report_pdf(
    request: HttpRequest, report_id: ReportId, query: Query[NoQuery]
) -> HttpResponse:
    report = _readable(request, report_id)
    response = HttpResponse(bytes(report.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report.kind}-{report.pk}.pdf"'
    return response
