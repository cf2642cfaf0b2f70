"""The estimates app's declaration: rapid estimates (速算) from grid readings."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from citycarbon.web.access.spec import CITY
from citycarbon.web.registry import AppSpec, MenuEntry, Resource

SPEC = AppSpec(
    app="estimates",
    layer="derived",
    resources=(
        Resource(
            "estimates",
            _("rapid estimates"),
            subject="enterprise",
            grants={"read": CITY | {"district"}},
        ),
    ),
    api=("citycarbon.web.estimates.api:router",),
    urls="citycarbon.web.estimates.urls",
    menu=(MenuEntry(_("Rapid estimates"), "estimates", "estimates", order=60),),
    runs=("estimates.build",),
    docs="estimation.md",
)
