"""API: energy records; energy files uploaded and followed (the emissions of the published
run are served by the grading app).

``POST /energy/uploads`` takes one file (multipart) as the upload page does, through the
same action (``do_receive_upload``: kept, audited, read by the background job) and the same
checks (role, size cap, suffix); ``GET /energy/uploads/{id}`` follows it to its end."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, Literal

from django.core.exceptions import SuspiciousOperation
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Query, Router, Status

from citycarbon.web.access.policy import Principal, scoped
from citycarbon.web.api.common import (
    Id,
    NoQuery,
    OutSchema,
    Page,
    Paging,
    PrincipalAuth,
    Text,
    Year,
    page_of_queryset,
    principal,
)
from citycarbon.web.api.errors import ERROR_RESPONSES, ErrorOut, problem
from citycarbon.web.audit.actions import Actor
from citycarbon.web.energy.actions import do_receive_upload, upload_refusal
from citycarbon.web.energy.forms import PartialFlag
from citycarbon.web.energy.models import EnergyRecord, EnergyUpload
from citycarbon.web.energy.selectors import (
    filtered_records,
    standard_unit,
    uploader_enterprise,
    visible_uploads,
)
from citycarbon.web.uploads import too_large, too_large_message, upload_operation

router = Router(tags=["energy"])


class EnergyRecordOut(OutSchema):
    id: int
    """The record's id."""
    enterprise_id: int
    """The enterprise's internal id."""
    period: str
    """The period reported: ``YYYY``, ``YYYY-Qn`` or ``YYYY-MM``."""
    energy_code: str
    """The energy's code in statistical form 205-1."""
    purpose: str
    """What it was used for: fuel, feedstock, green_purchase, self_generated, non_industrial."""
    quantity: float
    """The quantity, in the standard unit of its 205-1 code."""
    unit: str
    """The standard unit of ``energy_code`` (``t``, ``10k_kwh``, ``10k_m3``, ``gj``, ``tce``)."""


class EnergyRecordsQuery(Paging):
    enterprise_id: Id | None = None
    """One enterprise, by its internal id."""
    year: Year | None = None
    """Records of periods in this year."""
    energy_code: Text | None = None
    """One 205-1 energy code."""


@router.get(
    "/energy-records",
    auth=PrincipalAuth("energy"),
    response={200: Page[EnergyRecordOut], **ERROR_RESPONSES},
    summary="Energy records (205-1 codes, standard units)",
)
def list_energy_records(request: HttpRequest, query: Query[EnergyRecordsQuery]) -> dict[str, Any]:
    qs = scoped(principal(request), "energy", EnergyRecord.objects.all())
    qs = filtered_records(
        qs, enterprise_id=query.enterprise_id, year=query.year, energy_code=query.energy_code
    )
    fields = ("id", "enterprise_id", "period", "energy_code", "purpose", "quantity")
    page = page_of_queryset(
        qs.order_by("enterprise_id", "period", "energy_code"), fields, query.page, query.page_size
    )
    for item in page["items"]:
        item["unit"] = standard_unit(item["energy_code"])
    return page


# --- uploads -------------------------------------------------------------------------------

MAX_LISTED_ERRORS: Final = 200
"""Errors (or quarantined rows) given with an upload; ``error_count`` counts them all."""
MAX_LISTED_WARNINGS: Final = 200

# ``UploadStatus``'s values, for the OpenAPI (a test keeps the two in step)
StatusName = Literal[
    "pending", "running", "imported", "partial", "quarantined", "unchanged", "rejected", "failed"
]


class UploadAcceptedOut(OutSchema):
    id: int
    """The upload's id."""
    status: StatusName
    """``pending`` until the background job has read the file."""
    url: str
    """Where to follow it (``GET /energy/uploads/{id}``)."""


class UploadErrorOut(OutSchema):
    """One reason an upload (or a row of it) was refused. ``row`` is the file's line (the
    header is 1; 0 is the whole file); ``column`` and ``code`` may name several, joined by
    "; ", for a quarantined row."""

    file: str
    """The file's name as uploaded."""
    row: int
    """The file's line (the header is 1; 0: the whole file)."""
    column: str
    """The column (several joined by "; ")."""
    code: str
    """The reason's code (several joined by "; ")."""
    value: str
    """The value refused, as read (shortened past 100 characters)."""
    reason_zh: str
    """The reason, in Chinese."""
    reason_en: str
    """The reason, in English."""


class UploadSummaryOut(OutSchema):
    id: int
    """The upload's id."""
    source: str
    """The file's name as uploaded."""
    file_format: str
    """The file's kind: csv, xlsx, xls, or form205 (a 205-1 form)."""
    status: StatusName
    """Where it stands: pending, running, then what came of it."""
    partial: bool
    """Good rows imported and the rest quarantined (else all or nothing)."""
    at: datetime
    """When it was received."""
    enterprise_id: int | None
    """The uploading enterprise, for an enterprise's upload."""
    actor_label: str
    """Who uploaded it (user or API key)."""
    rows_read: int
    """Rows read from the file."""
    rows_imported: int
    """Rows imported."""
    rows_quarantined: int
    """Rows quarantined (partial uploads)."""
    pairs_superseded: int
    """Enterprise-periods whose earlier records it replaced."""
    error_count: int
    """Reasons found in all (``errors`` lists the first 200)."""
    problem: str
    """A reason for the whole file, when there is one."""
    url: str
    """This upload in the API."""


class UploadOut(UploadSummaryOut):
    page_url: str
    """This upload's page."""
    warnings: list[str]
    """What was read but is worth a look (first 200)."""
    errors: list[UploadErrorOut]
    """The first 200 reasons rows were refused."""


class UploadsQuery(Paging):
    status: StatusName | None = None
    """Only uploads in this status."""


def _url(upload_id: int) -> str:
    return reverse("api-v1:energy-upload", kwargs={"upload_id": upload_id})


SUMMARY_FIELDS: Final = (
    "id",
    "source",
    "file_format",
    "status",
    "partial",
    "at",
    "enterprise_id",
    "actor_label",
    "rows_read",
    "rows_imported",
    "rows_quarantined",
    "pairs_superseded",
    "error_count",
    "problem",
)


def _summary(upload: EnergyUpload) -> dict[str, Any]:
    return {
        "id": upload.pk,
        "source": upload.source,
        "file_format": upload.file_format,
        "status": upload.status,
        "partial": upload.partial,
        "at": upload.at,
        "enterprise_id": upload.enterprise_id,
        "actor_label": upload.actor_label,
        "rows_read": upload.rows_read,
        "rows_imported": upload.rows_imported,
        "rows_quarantined": upload.rows_quarantined,
        "pairs_superseded": upload.pairs_superseded,
        # a quarantine without kept errors: its rows are the errors
        "error_count": upload.error_count or upload.rows_quarantined,
        "problem": upload.problem,
        "url": _url(upload.pk),
    }


def _errors(upload: EnergyUpload) -> list[dict[str, Any]]:
    """The first errors of an upload: those kept on a rejected one, else its quarantined
    rows' reasons."""
    if upload.errors:
        return [
            {
                "file": upload.source,
                "row": int(e.get("row") or 0),
                "column": str(e.get("column") or ""),
                "code": str(e.get("code") or ""),
                "value": str(e.get("value") or ""),
                "reason_zh": str(e.get("reason_zh") or ""),
                "reason_en": str(e.get("reason_en") or ""),
            }
            for e in upload.errors[:MAX_LISTED_ERRORS]
        ]
    rows = upload.quarantine.values_list(
        "row", "error_columns", "error_codes", "reason_zh", "reason_en"
    )[:MAX_LISTED_ERRORS]
    return [
        {
            "file": upload.source,
            "row": row,
            "column": columns,
            "code": codes,
            "value": "",
            "reason_zh": zh,
            "reason_en": en,
        }
        for row, columns, codes, zh, en in rows
    ]


def _actor(request: HttpRequest, who: Principal) -> Actor:
    user = getattr(request, "user", None)
    if who.user_id is not None and user is not None and user.pk == who.user_id:
        return Actor.of(user)
    return Actor(label=who.label)


def _invalid(detail: str, field: str, code: str = "invalid") -> HttpResponse:
    return problem(
        422, detail, code, errors=[{"field": field, "location": "form", "message": detail}]
    )


class RefusedUploadError(Exception):
    """An upload refused before its file is kept; ``response`` says why."""

    def __init__(self, response: HttpResponse) -> None:
        super().__init__(response.status_code)
        self.response = response


def _upload_form(request: HttpRequest) -> tuple[UploadedFile, bool]:  # type: ignore[type-arg]
    """The file and the ``partial`` flag of an upload's form, checked as the upload page
    checks them (size cap first, then a file with a suffix the readers know)."""
    try:
        file = request.FILES.get("file")
        flag = PartialFlag(request.POST)
        flag.is_valid()
    except MultiPartParserError as exc:
        raise RefusedUploadError(
            problem(400, "the body is not a readable multipart form", "bad_body")
        ) from exc
    except SuspiciousOperation as exc:
        raise RefusedUploadError(
            problem(400, "the form has too many fields or files", "bad_body")
        ) from exc
    if too_large(request):
        raise RefusedUploadError(problem(413, too_large_message(), "too_large"))
    if flag.errors:
        raise RefusedUploadError(_invalid(str(flag.errors["partial"][0]), "partial"))
    partial: bool = flag.cleaned_data["partial"]
    refusal = upload_refusal(file)
    if refusal == "missing":
        raise RefusedUploadError(
            _invalid(
                "choose a file to upload (multipart field file) / 请选择要上传的文件（字段 file）",
                "file",
            )
        )
    if refusal == "suffix":
        raise RefusedUploadError(
            _invalid(
                "upload a .csv, .xlsx or .xls file / 请上传 .csv、.xlsx 或 .xls 文件",
                "file",
                "unsupported_file",
            )
        )
    return file, partial  # type: ignore[return-value]


UPLOAD_BODY: Final = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {
            "type": "string",
            "format": "binary",
            "description": "A canonical energy CSV or a 205-1 form (.csv, .xlsx, .xls).",
        },
        "partial": {
            "type": "boolean",
            "default": False,
            "description": "Import the good rows and quarantine the rest (default: all or "
            "nothing).",
        },
    },
}


@router.post(
    "/energy/uploads",
    auth=PrincipalAuth("uploads", "submit"),
    response={202: UploadAcceptedOut, 400: ErrorOut, 413: ErrorOut, **ERROR_RESPONSES},
    openapi_extra=upload_operation(UPLOAD_BODY),
    summary="Upload an energy file (CSV or 205-1 form); it is read in the background",
)
def post_upload(request: HttpRequest, response: HttpResponse, query: Query[NoQuery]) -> Any:
    """One file, as on the upload page: kept, audited and read by a background job; the
    answer (202) names the upload to follow (`Location`). A signed-in user of a role that
    may upload, or an API key of such a role with the `uploads` scope (`citycarbon apikey
    create --scope uploads`); an enterprise uploads its own data only. Over the size cap →
    413; not .csv/.xlsx/.xls → 422 `unsupported_file`."""
    who = principal(request)
    try:
        file, partial = _upload_form(request)
    except RefusedUploadError as exc:
        return exc.response
    user = getattr(request, "user", None)
    upload = do_receive_upload(
        file,
        actor=_actor(request, who),
        partial=partial,
        enterprise=uploader_enterprise(who),
        uploaded_by=user if who.user_id is not None and user is not None else None,
    )
    url = _url(upload.pk)
    response["Location"] = url
    return Status(202, {"id": upload.pk, "status": upload.status, "url": url})


@router.get(
    "/energy/uploads",
    auth=PrincipalAuth("uploads"),
    response={200: Page[UploadSummaryOut], **ERROR_RESPONSES},
    summary="Energy uploads visible to the caller, newest first",
)
def list_uploads(request: HttpRequest, query: Query[UploadsQuery]) -> dict[str, Any]:
    qs = visible_uploads(principal(request))
    if query.status is not None:
        qs = qs.filter(status=query.status)
    page = page_of_queryset(qs, SUMMARY_FIELDS, query.page, query.page_size)
    for item in page["items"]:
        item["error_count"] = item["error_count"] or item["rows_quarantined"]
        item["url"] = _url(item["id"])
    return page


@router.get(
    "/energy/uploads/{upload_id}",
    auth=PrincipalAuth("uploads"),
    response={200: UploadOut, **ERROR_RESPONSES},
    url_name="energy-upload",
    summary="An energy upload: its status, counts and first 200 errors",
)
def get_upload(request: HttpRequest, upload_id: Id, query: Query[NoQuery]) -> dict[str, Any]:
    """`pending` and `running` until the job has read the file; then `imported`,
    `partial`, `quarantined`, `unchanged`, `rejected` or `failed`. `errors`: the first 200
    reasons (each with file, row, column, code and the reason in Chinese and English);
    `problem`: a reason for the whole file, when there is one."""
    upload = get_object_or_404(visible_uploads(principal(request)), pk=upload_id)
    return {
        **_summary(upload),
        "page_url": reverse("energy-upload", kwargs={"upload_id": upload.pk}),
        "warnings": [str(w) for w in upload.warnings[:MAX_LISTED_WARNINGS]],
        "errors": _errors(upload),
    }
