"""API rate limits with ``ninja.throttling``: every call of a key or a signed-in user counts
against ``CITYCARBON_API_RATE`` (per key, per user), every call without valid credentials
against ``CITYCARBON_API_ANON_RATE`` (per client address); ``off`` switches one off. The
rates are read from the settings on each call, so a changed setting applies at once; the
counts live in Django's cache (the default per-process memory cache unless ``CACHES`` says
otherwise)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja.throttling import SimpleRateThrottle

from citycarbon.web.access.backends import client_address
from citycarbon.web.api.rates import ANON_RATE_ENV, DEFAULT_RATE, RATE_ENV, parse_rate


class _Throttle(SimpleRateThrottle):
    """A ``SimpleRateThrottle`` whose rate is the setting ``setting``, read on each call."""

    setting: str = ""

    def __init__(self) -> None:
        # a valid rate until the first call reads the setting (a bad one is the start-up
        # check's to report, not an import error)
        super().__init__(DEFAULT_RATE)

    def allow_request(self, request: HttpRequest) -> bool:
        self.rate = getattr(settings, self.setting)
        parsed = parse_rate(self.setting, self.rate)
        if parsed is None:  # "off"
            return True
        self.num_requests, self.duration = parsed
        return super().allow_request(request)


class PrincipalThrottle(_Throttle):
    """Per API key (its prefix) or signed-in user, after authentication."""

    scope = "api"
    setting = RATE_ENV

    def get_cache_key(self, request: HttpRequest) -> str | None:
        who = getattr(request, "auth", None)
        if who is None:
            return None
        ident = who.label if who.user_id is None else f"user:{who.user_id}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AnonymousThrottle(_Throttle):
    """Per client address (``access.backends.client_address``, which knows the trusted
    proxies), for calls without valid credentials."""

    scope = "anon"
    setting = ANON_RATE_ENV

    def get_cache_key(self, request: HttpRequest) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": client_address(request)}


def anonymous_throttle() -> AnonymousThrottle:
    return AnonymousThrottle()
