"""Page guard: every page view names the resource it shows; the policy decides."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from citycarbon.web.access.policy import Principal, Resource, allows, may_read_enterprise
from citycarbon.web.access.selectors import principal_of_user

View = TypeVar("View", bound=Callable[..., HttpResponse])


def current(request: HttpRequest) -> Principal:
    return request.principal  # type: ignore[attr-defined,no-any-return]


def page(resource: Resource) -> Callable[[View], View]:
    """Sign-in required; the signed-in role must be allowed ``resource``, else 403. With an
    ``enterprise_id`` URL argument, that enterprise must be one the role may see, else 404
    (so that whether it exists is not told either)."""

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            principal = principal_of_user(request.user)
            if principal is None or not allows(principal, resource):
                raise PermissionDenied
            if "enterprise_id" in kwargs and not may_read_enterprise(
                principal, resource, kwargs["enterprise_id"]
            ):
                raise Http404
            request.principal = principal  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate
