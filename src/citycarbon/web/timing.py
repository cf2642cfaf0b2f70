"""``Server-Timing: app;dur=…`` on every response (milliseconds spent in Django), so that
operators and the load benchmark can read server time apart from the network; and
``/healthz`` for load balancers."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class ServerTimingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        start = time.perf_counter()
        response = self.get_response(request)
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - start) * 1000:.1f}"
        return response


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: answers without touching the database."""
    return HttpResponse("ok", content_type="text/plain")
