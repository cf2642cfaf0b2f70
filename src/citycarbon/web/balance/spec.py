"""The balance app's declaration: the energy balance table."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from citycarbon.web.access.spec import CITY
from citycarbon.web.registry import AppSpec, MenuEntry, Resource

SPEC = AppSpec(
    app="balance",
    layer="derived",
    resources=(
        Resource(
            "balance",
            _("energy balance"),
            subject="enterprise",
            grants={"read": CITY | {"district"}},
        ),
    ),
    urls="citycarbon.web.balance.urls",
    menu=(MenuEntry(_("Energy balance"), "balance", "balance", order=70),),
    runs=("balance.build",),
    docs="energy-balance.md",
)
