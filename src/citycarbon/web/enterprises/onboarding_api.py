"""API: onboarding files (districts, enterprises, economics) uploaded and followed.

``POST /onboarding/{kind}`` takes one CSV (multipart field ``file``) as the onboarding page
does, through the same action (``do_receive_onboarding``: kept, audited, read by the
background job) and the same checks (city role, size cap, suffix); an API key needs the
``onboarding`` scope. ``GET /onboarding/{id}`` follows it to its end."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Final, Literal

from django.core.exceptions import SuspiciousOperation
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Path, Query, Router, Status

from citycarbon.web.access.policy import Principal
from citycarbon.web.api.common import MAX_ID, NoQuery, OutSchema, PrincipalAuth, principal
from citycarbon.web.api.errors import ERROR_RESPONSES, ErrorOut, problem
from citycarbon.web.audit.actions import Actor
from citycarbon.web.enterprises.models import OnboardingUpload
from citycarbon.web.enterprises.onboarding import do_receive_onboarding, onboarding_refusal
from citycarbon.web.uploads import too_large, too_large_message, upload_operation

router = Router(tags=["onboarding"])
# One path for both operations, so that Django's URL resolver sends every method to one view:
# ``target`` is the kind to upload (POST) or the id of an upload to follow (GET).


# ``OnboardingKind`` and ``OnboardingStatus`` values, for the OpenAPI (a test keeps them in step)
KindName = Literal["regions", "enterprises", "economics"]
StatusName = Literal["pending", "running", "imported", "unchanged", "rejected", "failed"]
MAX_LISTED_ERRORS: Final = 200


class OnboardingAcceptedOut(OutSchema):
    id: int
    """The upload's id."""
    kind: KindName
    """What the file holds."""
    status: StatusName
    """``pending`` until the background job has read the file."""
    url: str
    """Where to follow it (``GET /onboarding/{id}``)."""


class OnboardingErrorOut(OutSchema):
    """One reason the file was refused: ``row`` is the file's line (the header is 1; 0 is
    the whole file)."""

    row: int
    """The file's line (the header is 1; 0: the whole file)."""
    column: str
    """The column."""
    code: str
    """The reason's code."""
    value: str
    """The value refused, as read (shortened past 100 characters)."""
    reason_zh: str
    """The reason, in Chinese."""
    reason_en: str
    """The reason, in English."""


class OnboardingOut(OutSchema):
    id: int
    """The upload's id."""
    kind: KindName
    """What the file holds: districts, enterprises or economics."""
    source: str
    """The file's name as uploaded."""
    status: StatusName
    """Where it stands: pending, running, then what came of it."""
    at: datetime
    """When it was received."""
    actor_label: str
    """Who uploaded it (user or API key)."""
    bytes_total: int
    """The file's size, bytes."""
    bytes_read: int
    """Bytes read so far."""
    rows_read: int
    """Rows read."""
    created: int
    """Rows that made a new district, enterprise or economic year."""
    updated: int
    """Rows that changed a stored one."""
    unchanged: int
    """Rows equal to what was stored."""
    error_count: int
    """Reasons found in all (``errors`` lists the first 200)."""
    problem: str
    """A reason for the whole file, when there is one."""
    errors: list[OnboardingErrorOut]
    """The first 200 reasons rows were refused."""
    url: str
    """This upload in the API."""
    page_url: str
    """This upload's page."""


def _url(upload_id: int) -> str:
    return reverse("api-v1:onboarding-upload", kwargs={"target": upload_id})


def _actor(request: HttpRequest, who: Principal) -> Actor:
    user = getattr(request, "user", None)
    if who.user_id is not None and user is not None and user.pk == who.user_id:
        return Actor.of(user)
    return Actor(label=who.label)


def _invalid(detail: str, code: str = "invalid") -> HttpResponse:
    return problem(
        422, detail, code, errors=[{"field": "file", "location": "form", "message": detail}]
    )


def _checked_file(request: HttpRequest) -> UploadedFile | HttpResponse:  # type: ignore[type-arg]
    """The form's file, checked as the onboarding page checks it (size cap first, then a
    .csv file), or the answer that refuses it."""
    try:
        file = request.FILES.get("file")
    except MultiPartParserError:
        return problem(400, "the body is not a readable multipart form", "bad_body")
    except SuspiciousOperation:
        return problem(400, "the form has too many fields or files", "bad_body")
    if too_large(request):
        return problem(413, too_large_message(), "too_large")
    refused = onboarding_refusal(file)
    if refused == "missing":
        return _invalid(
            "choose a file to upload (multipart field file) / 请选择要上传的文件（字段 file）"
        )
    if refused == "suffix":
        return _invalid("upload a .csv file / 请上传 .csv 文件", "unsupported_file")
    return file  # type: ignore[return-value]


UPLOAD_BODY: Final = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {
            "type": "string",
            "format": "binary",
            "description": "The CSV of the kind (see its template on the onboarding page).",
        },
    },
}


@router.get(
    "/onboarding/{target}",
    auth=PrincipalAuth("onboarding"),
    response={200: OnboardingOut, **ERROR_RESPONSES},
    url_name="onboarding-upload",
    summary="An onboarding upload: its status, counts and first 200 row errors",
)
def get_onboarding(
    request: HttpRequest,
    target: Annotated[
        int, Path(ge=1, le=MAX_ID, description="The upload's id (from the POST's answer).")
    ],
    query: Query[NoQuery],
) -> dict[str, Any]:
    """`pending` and `running` until the job has read the file (`bytes_read` of
    `bytes_total` so far); then `imported` (counts of rows `created`, `updated`,
    `unchanged`), `unchanged`, `rejected` (`errors`: each with row, column, code and the
    reason in Chinese and English; nothing written) or `failed` (`problem`)."""
    upload = get_object_or_404(OnboardingUpload, pk=target)
    return {
        "id": upload.pk,
        "kind": upload.kind,
        "source": upload.source,
        "status": upload.status,
        "at": upload.at,
        "actor_label": upload.actor_label,
        "bytes_total": upload.bytes_total,
        "bytes_read": upload.bytes_read,
        "rows_read": upload.rows_read,
        "created": upload.created,
        "updated": upload.updated,
        "unchanged": upload.unchanged,
        "error_count": upload.error_count,
        "problem": upload.problem,
        "errors": [
            {
                "row": int(e.get("row") or 0),
                "column": str(e.get("column") or ""),
                "code": str(e.get("code") or ""),
                "value": str(e.get("value") or ""),
                "reason_zh": str(e.get("reason_zh") or ""),
                "reason_en": str(e.get("reason_en") or ""),
            }
            for e in upload.errors[:MAX_LISTED_ERRORS]
        ],
        "url": _url(upload.pk),
        "page_url": reverse("onboarding-upload", kwargs={"upload_id": upload.pk}),
    }


@router.post(
    "/onboarding/{target}",
    auth=PrincipalAuth("onboarding", "submit"),
    response={202: OnboardingAcceptedOut, 400: ErrorOut, 413: ErrorOut, **ERROR_RESPONSES},
    openapi_extra=upload_operation(UPLOAD_BODY),
    summary="Upload a districts, enterprises or economics CSV; it is read in the background",
)
def post_onboarding(
    request: HttpRequest,
    response: HttpResponse,
    target: Annotated[KindName, Path(description="What the file holds.")],
    query: Query[NoQuery],
) -> Any:
    """One CSV, as on the onboarding page: kept, audited and read by a background job, all
    rows or none; the answer (202) names the upload to follow (`Location`). A signed-in
    user of a city role (admin, regulator), or an API key of such a role with the
    `onboarding` scope (`citycarbon apikey create --scope onboarding`). Over the size cap →
    413; not .csv → 422 `unsupported_file`."""
    kind = target
    who = principal(request)
    file = _checked_file(request)
    if isinstance(file, HttpResponse):
        return file
    user = getattr(request, "user", None)
    upload = do_receive_onboarding(
        kind,
        file,
        actor=_actor(request, who),
        uploaded_by=user if who.user_id is not None and user is not None else None,
    )
    url = _url(upload.pk)
    response["Location"] = url
    return Status(202, {"id": upload.pk, "kind": kind, "status": upload.status, "url": url})
