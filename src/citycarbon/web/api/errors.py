"""Every error under ``/api/`` as JSON ``{"detail": …, "code": …}`` (and ``errors`` for the
field-level reasons): ninja's exception handlers for what the API raises, and the Django
error views (404, 500, 400, 403, CSRF failure) for what happens before or outside it.
Pages elsewhere get the project's HTML error pages (``templates/``)."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any, Final

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.views import defaults
from ninja import Field, NinjaAPI, Schema
from ninja.errors import (
    AuthenticationError,
    AuthorizationError,
    HttpError,
    Throttled,
    ValidationError,
)

from citycarbon.web.access.policy import DeniedError

log = logging.getLogger(__name__)

API_PREFIX: Final = "/api/"
CODES: Final = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    422: "invalid",
    429: "throttled",
    500: "server_error",
}
UNKNOWN_PARAMETER: Final = "unknown_parameter"
"""The ``code`` of a 422 for a query parameter the endpoint does not take."""


IN_CHINESE: Final = {
    "bad_request": "请求无效",
    "bad_body": "请求体无效",
    "unauthenticated": "需要 API 密钥（X-API-Key）或登录",
    "forbidden": "当前角色无权访问",
    "csrf_failed": "CSRF 校验失败",
    "not_found": "不存在，或当前角色不可见",
    "method_not_allowed": "不支持该请求方法",
    "too_large": "请求过大",
    "invalid": "参数无效",
    UNKNOWN_PARAMETER: "未知的查询参数",
    "throttled": "请求过于频繁，请稍后再试",
    "invalid_readings": "读数有误，未写入任何数据",
    "server_error": "服务器内部错误，详情见服务器日志",
}
"""The Chinese half of each code's message: ``detail`` is "English / 中文"."""


class CsrfRefusedError(Exception):
    """A session's writing request without a valid CSRF token."""


class FieldErrorOut(Schema):
    """Why one parameter, field or reading was refused: parameters and form fields have
    ``location`` and ``message``; rejected readings have ``index``, ``value``, ``code`` and
    the reason in both languages."""

    field: str = Field(description="The parameter or field (several joined by ', ').")
    location: str | None = Field(None, description="Where it was sent: query, path, form.")
    message: str | None = Field(None, description="The reason, in English.")
    index: int | None = Field(None, description="A rejected reading's index in the array.")
    value: str | None = Field(None, description="The value refused, as sent.")
    code: str | None = Field(None, description="The reason's code.")
    reason_zh: str | None = Field(None, description="The reason, in Chinese.")
    reason_en: str | None = Field(None, description="The reason, in English.")


class ErrorOut(Schema):
    """Every error answer."""

    detail: str = Field(description="For people: English / 中文.")
    code: str = Field(
        description="For programs: e.g. invalid, unknown_parameter, throttled, not_found."
    )
    errors: list[FieldErrorOut] | None = Field(
        None, description="The parameters or fields refused (422 only)."
    )


def problem(status: int, detail: str, code: str | None = None, **extra: Any) -> JsonResponse:
    """The JSON error answer: ``detail`` for people (English / Chinese), ``code`` for
    programs."""
    code = code or CODES.get(status, "error")
    zh = IN_CHINESE.get(code)
    if zh and zh not in detail:
        detail = f"{detail} / {zh}"
    return JsonResponse(
        {"detail": detail, "code": code, **extra},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


ERROR_RESPONSES: Final[dict[int, type[Schema]]] = {
    400: ErrorOut,  # e.g. a NUL character in a parameter (web/nul_bytes.py)
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,  # over the API rate (api/throttling.py), with Retry-After
}


def _field_errors(exc: ValidationError) -> list[dict[str, str]]:
    out = []
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", ())]
        unknown = error.get("type") == UNKNOWN_PARAMETER
        out.append(
            {
                "field": error["ctx"]["names"] if unknown else (loc[-1] if loc else ""),
                "location": loc[0] if loc else "",
                "message": str(error.get("msg", "")),
            }
        )
    return out


def install(api: NinjaAPI) -> None:
    """The JSON error handlers on ``api`` (replacing ninja's defaults)."""

    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = _field_errors(exc)
        fields = ", ".join(sorted({e["field"] for e in errors}))
        if any(e.get("type") == UNKNOWN_PARAMETER for e in exc.errors):
            # a misspelt or unsupported filter: no silent "every row" answer
            return problem(
                422,
                f"unknown query parameter: {fields} / 未知的查询参数：{fields}",
                UNKNOWN_PARAMETER,
                errors=errors,
            )
        return problem(422, f"invalid parameters: {fields}", errors=errors)

    @api.exception_handler(Throttled)
    def throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        wait = max(1, math.ceil(exc.wait)) if exc.wait is not None else 1
        response = problem(
            429,
            f"too many requests: retry after {wait} s / 请求过于频繁，请稍后再试（{wait} 秒后）",
            "throttled",
        )
        response["Retry-After"] = str(wait)
        return response

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return problem(401, "an API key in X-API-Key (or a signed-in session) is needed")

    @api.exception_handler(AuthorizationError)
    def unauthorized(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
        return problem(403, str(exc.message) or "forbidden")

    @api.exception_handler(DeniedError)
    def denied(request: HttpRequest, exc: DeniedError) -> HttpResponse:
        return problem(403, exc.reason)

    @api.exception_handler(CsrfRefusedError)
    def csrf_refused(request: HttpRequest, exc: CsrfRefusedError) -> HttpResponse:
        return problem(
            403, "CSRF check failed: send the page's token in X-CSRFToken", "csrf_failed"
        )

    @api.exception_handler(MultiPartParserError)
    def unreadable_form(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
        return problem(400, "the body is not a readable multipart form", "bad_body")

    @api.exception_handler(SuspiciousOperation)
    def suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
        # Django's own refusals of a body (too many fields or files, too big) reached
        # inside the API: 400 (413 for the size) as outside it, not a server error.
        if isinstance(exc, RequestDataTooBig):
            return problem(413, "request body too large")
        return problem(400, "bad request")

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return problem(404, "not found, or not visible to your role")

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return problem(exc.status_code, str(exc.message))

    @api.exception_handler(Exception)
    def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        log.exception("API error on %s", request.path)
        return problem(500, "internal error; the operators have the details in the log")


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return problem(404, "no such API path")
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return problem(500, "internal error; the operators have the details in the log")
    return defaults.server_error(request)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        # Django answers 400 for an oversized body (RequestDataTooBig), too many fields, a
        # bad host and other suspicious requests.
        too_big = type(exception).__name__ == "RequestDataTooBig"
        if too_big:
            return problem(413, "request body too large")
        if isinstance(exception, MultiPartParserError):
            # read before the view (a middleware looked at the fields), as the view would say
            return problem(400, "the body is not a readable multipart form", "bad_body")
        return problem(400, "bad request")
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return problem(403, "forbidden")
    return defaults.permission_denied(request, exception)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if _is_api(request):
        return problem(403, f"CSRF check failed: {reason}", code="csrf_failed")
    # Django's own page is English, styled inline (which the CSP blocks) and talks of DEBUG.
    log.info("CSRF failure on %s: %s", request.path, reason)
    return render(request, "403_csrf.html", status=403)


class JsonErrorsMiddleware:
    """Turns what still answers an ``/api/`` request with a non-JSON error (ninja's 405,
    Django's own refusals) into the JSON error, keeping the status."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and _is_api(request)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            json_response = problem(response.status_code, response.reason_phrase.lower())
            for header in ("Allow", "Retry-After", "WWW-Authenticate"):
                if header in response:
                    json_response[header] = response[header]
            return json_response
        return response
