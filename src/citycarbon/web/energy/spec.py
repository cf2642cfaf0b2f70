"""The energy app's declaration: energy records and emissions, and uploads of energy data
(files and 205-1 forms)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from citycarbon.web.access.spec import CITY, DATA_IN
from citycarbon.web.registry import AppSpec, MenuEntry, Resource

READERS = CITY | {"district", "enterprise"}

SPEC = AppSpec(
    app="energy",
    layer="data",
    resources=(
        Resource("energy", _("energy records"), subject="enterprise", grants={"read": READERS}),
        Resource("emissions", _("emissions"), subject="enterprise", grants={"read": READERS}),
        Resource(
            "uploads",
            _("energy uploads"),
            subject="enterprise",
            grants={"read": CITY | {"enterprise"}, "submit": CITY | {"enterprise"}},
        ),
    ),
    api=("citycarbon.web.energy.api:router",),
    urls="citycarbon.web.energy.urls",
    menu=(MenuEntry(_("Upload data"), "energy-uploads", "uploads", order=40, group=DATA_IN),),
    runs=("energy.upload",),
    docs="imports.md",
)
