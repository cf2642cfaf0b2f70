"""Template context: the signed-in principal and what its role may open (for the menu)."""

from __future__ import annotations

from django.http import HttpRequest

from citycarbon.web.access.models import Role
from citycarbon.web.access.policy import RESOURCES, allows, may_map_accounts
from citycarbon.web.access.selectors import principal_of_user


def principal(request: HttpRequest) -> dict[str, object]:
    found = getattr(request, "principal", None) or principal_of_user(getattr(request, "user", None))
    return {
        "principal": found,
        "role_label": Role(found.role).label if found is not None else "",
        "can": {r: allows(found, r) for r in RESOURCES},
        "can_map_accounts": may_map_accounts(found),
    }
