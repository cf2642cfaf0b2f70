"""Template context: the signed-in principal, what its role may do (``can``) and the menu
the registered apps declare (``AppSpec.menu``), filtered by the policy."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from citycarbon.web.access.policy import allows
from citycarbon.web.access.selectors import principal_of_user
from citycarbon.web.registry import MenuEntry, registry


def principal(request: HttpRequest) -> dict[str, object]:
    found = getattr(request, "principal", None) or principal_of_user(getattr(request, "user", None))
    known = registry()
    role = known.role(found.role) if found is not None else None
    return {
        "principal": found,
        "role_label": role.label if role is not None else "",
        "can": {name: allows(found, name) for name in known.resources},
        "menu": _menu([e for e in known.menu() if allows(found, e.resource, e.action)]),
    }


def _menu(entries: list[MenuEntry]) -> list[dict[str, object]]:
    """The menu's items in order: a link (``label``, ``url``), or a group (``label``,
    ``links``: its links) where its first entry stands."""
    items: list[dict[str, object]] = []
    groups: dict[str, list[tuple[object, str]]] = {}
    for entry in entries:
        link = (
            entry.label,
            reverse(entry.url_name, args=[entry.url_argument] if entry.url_argument else []),
        )
        if entry.group is None:
            items.append({"label": link[0], "url": link[1]})
            continue
        key = str(entry.group)
        if key not in groups:
            groups[key] = []
            items.append({"label": entry.group, "links": groups[key]})
        groups[key].append(link)
    return items
