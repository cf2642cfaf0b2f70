"""Template context: the signed-in principal, what its role may do (``can``) and the menu
the registered apps declare (``AppSpec.menu``), filtered by the policy."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from citycarbon.web.access.policy import allows
from citycarbon.web.access.selectors import principal_of_user
from citycarbon.web.registry import registry


def principal(request: HttpRequest) -> dict[str, object]:
    found = getattr(request, "principal", None) or principal_of_user(getattr(request, "user", None))
    known = registry()
    role = known.role(found.role) if found is not None else None
    return {
        "principal": found,
        "role_label": role.label if role is not None else "",
        "can": {name: allows(found, name) for name in known.resources},
        "menu": [
            (
                entry.label,
                reverse(entry.url_name, args=[entry.url_argument] if entry.url_argument else []),
            )
            for entry in known.menu()
            if allows(found, entry.resource, entry.action)
        ],
    }
