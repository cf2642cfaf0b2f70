from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from citycarbon.web.access.pages import page


@page("points")
def points(request: HttpRequest) -> HttpResponse:
    return HttpResponse("points")


@page("points", "retire")
def retire(request: HttpRequest, resident_id: int) -> HttpResponse:
    return HttpResponse("retired")
