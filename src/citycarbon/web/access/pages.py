"""Page guard: every page view names the resource it shows (and the action it takes on it);
the policy decides."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from citycarbon.web.access.policy import Principal, allows, may_read
from citycarbon.web.access.selectors import principal_of_user
from citycarbon.web.registry import Action, registry

View = TypeVar("View", bound=Callable[..., HttpResponse])


def current(request: HttpRequest) -> Principal:
    return request.principal  # type: ignore[attr-defined,no-any-return]


def page(resource: str, action: Action = "read") -> Callable[[View], View]:
    """Sign-in required; the signed-in role must be allowed ``action`` on ``resource``, else
    403. With a URL argument named after the resource's subject type (``enterprise_id`` for
    a resource scoped by enterprise), that subject must be one the role reaches, else 404
    (so that whether it exists is not told either). The guard is kept on the view as
    ``guard`` (resource, action), which the generated permission tests walk."""

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            principal = principal_of_user(request.user)
            if principal is None or not allows(principal, resource, action):
                raise PermissionDenied
            subject = registry().resource(resource).subject
            argument = f"{subject}_id" if subject else ""
            if argument in kwargs and not may_read(principal, resource, kwargs[argument], action):
                raise Http404
            request.principal = principal  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        guarded.guard = (resource, action)  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorate
