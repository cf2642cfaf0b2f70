"""The upload size cap (``CITYCARBON_MAX_UPLOAD_BYTES``): a request whose Content-Length is
over it gets HTTP 413 before its body is read (JSON under ``/api/``); a file that grows past
it while it streams in is stopped by ``CappedUploadHandler`` and the view answers 413 too
(``too_large``).

Also what every upload shares: before its background job reads it, the refusal of a missing
file or an unknown suffix (``refusal``) and keeping the file under the upload folder
(``keep_file``); in the job, who acts (``uploader``) and the row errors as the upload keeps
them (``kept_error``); in the API, the description of a file-upload operation
(``upload_operation``)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, HttpResponse

from citycarbon.io.errors import RowError
from citycarbon.web.api.errors import API_PREFIX, problem
from citycarbon.web.audit.actions import Actor
from citycarbon.web.audit.hashing import storable_text


def cap_bytes() -> int:
    return int(settings.CITYCARBON_MAX_UPLOAD_BYTES)


def too_large_message() -> str:
    mb = cap_bytes() / (1024 * 1024)
    return (
        f"文件过大：上传上限为 {mb:g} MB / the file is too large: uploads are limited to {mb:g} MB"
    )


def too_large_response() -> HttpResponse:
    message = too_large_message()
    body = (
        '<!doctype html><html lang="zh-hans"><meta charset="utf-8"><title>413</title>'
        f'<p role="alert">{message}</p></html>'
    )
    return HttpResponse(body, status=413, content_type="text/html; charset=utf-8")


class RequestSizeLimitMiddleware:
    """413 for a request that announces a body over the cap, unread."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > cap_bytes():
            if request.path.startswith(API_PREFIX):
                return problem(413, too_large_message(), "too_large")
            return too_large_response()
        return self.get_response(request)


class CappedUploadHandler(FileUploadHandler):
    """First of the upload handlers: counts a request's file bytes and stops the upload at
    the cap (the rest of the body is not read); marks the request ``too_large``."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > cap_bytes():
            if self.request is not None:
                self.request.too_large = True  # type: ignore[attr-defined]
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> Any:
        return None


def too_large(request: HttpRequest) -> bool:
    """Whether ``CappedUploadHandler`` stopped this request's upload."""
    return bool(getattr(request, "too_large", False))


def upload_dir() -> Path:
    return Path(settings.UPLOAD_DIR)


def refusal(file: object, suffixes: Iterable[str]) -> str | None:
    """Why an uploaded file is refused before it is kept: ``"missing"`` (no file, or one
    without a name) or ``"suffix"`` (not one of ``suffixes``); None when it may be kept.
    Pages and the API say it in their own words."""
    if not isinstance(file, UploadedFile) or not file.name:
        return "missing"
    if Path(file.name).suffix.lower() not in tuple(suffixes):
        return "suffix"
    return None


@dataclass(frozen=True)
class KeptFile:
    """An uploaded file written under the upload folder as ``stored`` (a random name)."""

    name: str
    suffix: str
    stored: str
    sha256: str

    @property
    def path(self) -> Path:
        return upload_dir() / self.stored


def keep_file(file: UploadedFile) -> KeptFile:  # type: ignore[type-arg]
    """Write ``file`` under the upload folder in chunks, hashing it on the way; the caller
    deletes ``path`` if what it records of the file fails."""
    name = Path(file.name or "upload").name
    suffix = Path(name).suffix.lower()
    folder = upload_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stored = f"{uuid.uuid4().hex}{suffix}"
    digest = hashlib.sha256()
    with (folder / stored).open("wb") as f:
        for part in file.chunks():
            digest.update(part)
            f.write(part)
    return KeptFile(name, suffix, stored, digest.hexdigest())


def uploader(user: Any, label: str) -> Actor:
    """Who acts in an upload's job: the user who uploaded, or the label kept for them."""
    return Actor.of(user) if user is not None else Actor(label=label)


def kept_error(e: RowError) -> dict[str, object]:
    """One row error as an upload keeps it (JSON, text every database can store)."""
    return {
        "row": e.row,
        "column": storable_text(e.column),
        "code": e.code,
        "value": storable_text(e.value),
        "reason_zh": e.reason_zh,
        "reason_en": e.reason_en,
    }


def upload_operation(body: dict[str, Any]) -> dict[str, Any]:
    """``openapi_extra`` of an operation that takes one file as ``multipart/form-data``
    (``body``: its JSON schema) and answers 202 with the ``Location`` to follow."""
    return {
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": body}},
        },
        "responses": {
            202: {
                "headers": {
                    "Location": {
                        "description": "The upload, to follow: GET it until it has ended.",
                        "schema": {"type": "string"},
                    }
                }
            }
        },
    }
