"""Requests with a NUL character in their path, a query or form field (name or value), an
uploaded file's name or a cookie are refused with 400 before any view runs: PostgreSQL
refuses NUL in text, so such a value would otherwise fail a query with a server error, and
no legitimate field holds one. Uploaded files' content is not read here."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Final

from django.http import HttpRequest, HttpResponse

from citycarbon.web.api.errors import API_PREFIX, problem

NUL: Final = "\x00"
MESSAGE_ZH: Final = "请求中含有 NUL 字符（\\0），已拒绝"
MESSAGE_EN: Final = "the request contains a NUL character (\\0) and was refused"


def _texts(request: HttpRequest) -> Iterator[str]:
    yield request.path
    for data in (request.GET, request.POST):
        for key, values in data.lists():
            yield key
            yield from values
    for key, files in request.FILES.lists():
        yield key
        yield from (f.name or "" for f in files)
    for key, value in request.COOKIES.items():
        yield key
        yield value


def has_nul(texts: Iterable[str]) -> bool:
    return any(NUL in text for text in texts)


def nul_byte_response(request: HttpRequest) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return problem(400, f"{MESSAGE_EN} / {MESSAGE_ZH}", code="nul_byte")
    body = (
        '<!doctype html><html lang="zh-hans"><meta charset="utf-8"><title>400</title>'
        f'<p role="alert">{MESSAGE_ZH} / {MESSAGE_EN}</p></html>'
    )
    return HttpResponse(body, status=400, content_type="text/html; charset=utf-8")


class NulByteMiddleware:
    """400 (a plain page, or the JSON error under ``/api/``) for a request carrying NUL."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if has_nul(_texts(request)):
            return nul_byte_response(request)
        return self.get_response(request)
