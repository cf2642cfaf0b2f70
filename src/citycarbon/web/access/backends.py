"""The log-in throttle, as an authentication backend so that every log-in form that calls
``authenticate()`` with the request (the site's and the Django admin's) goes through it.

Before the password is checked the attempt is counted, atomically, per user name and
address and per address alone (``do_reserve_login``); over either limit the attempt is
refused without checking the password. A wrong password keeps the count and is audited; a
right one clears the count of that user name at that address."""

from __future__ import annotations

import ipaddress
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from citycarbon.web.access.actions import (
    do_note_login_failure,
    do_note_login_success,
    do_reserve_login,
)

THROTTLED = "citycarbon_login_throttled"
"""The request attribute set when the throttle refused a log-in (the view answers 429)."""


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str:
    """The client's address: ``REMOTE_ADDR``, or behind ``TRUSTED_PROXY_COUNT`` proxies the
    right-most ``X-Forwarded-For`` hop that none of them added (the one the outermost proxy
    saw). The header is ignored when no proxy is trusted, since any client can send it."""
    remote = str(request.META.get("REMOTE_ADDR", ""))
    trusted: int = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if trusted <= 0 or not forwarded:
        return remote
    hops = [h for h in (part.strip() for part in forwarded.split(",")) if h]
    if not hops:
        return remote
    hop = hops[-trusted] if len(hops) >= trusted else hops[0]
    return _address(hop) or remote


def was_throttled(request: HttpRequest) -> bool:
    return bool(getattr(request, THROTTLED, False))


class ThrottledModelBackend(ModelBackend):
    """Django's model backend behind the log-in throttle. Without a request (``Client.login``
    in tests, code that checks a password itself) there is no address, and no throttle."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if request is None or not username:
            return super().authenticate(request, username, password, **kwargs)
        address = client_address(request)
        if not do_reserve_login(username, address):
            setattr(request, THROTTLED, True)
            raise PermissionDenied
        user = super().authenticate(request, username, password, **kwargs)
        if user is None:
            do_note_login_failure(username, address)
        else:
            do_note_login_success(username, address)
        return user

    async def aauthenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        return await sync_to_async(self.authenticate)(request, username, password, **kwargs)
