"""The energy-use space app's declaration: the ledger of space freed and assigned per
district (腾出用能空间, seeds-inventory D10)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from citycarbon.web.access.spec import CITY, DUAL_CONTROL
from citycarbon.web.registry import AppSpec, MenuEntry, Resource

SPEC = AppSpec(
    app="energyspace",
    layer="data",
    resources=(
        Resource(
            "energyspace",
            _("energy-use space ledger"),
            subject="district",
            # submit: record freed space (a district officer for their own district);
            # review: decide on it — allocate, reserve, release, reverse, set the target.
            grants={"read": CITY | {"district"}, "submit": CITY | {"district"}, "review": CITY},
        ),
    ),
    api=("citycarbon.web.energyspace.api:router",),
    urls="citycarbon.web.energyspace.urls",
    menu=(
        MenuEntry(
            _("Energy-use space"), "energyspace", "energyspace", order=77, group=DUAL_CONTROL
        ),
    ),
    docs="energy-space.md",
)
