"""The targets app's declaration: the plan-target registry (规划目标), progress against it,
the district and department assessment, and the path to the peak (达峰路径)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from citycarbon.web.access.spec import CITY, DUAL_CONTROL
from citycarbon.web.registry import AppSpec, MenuEntry, Resource

SPEC = AppSpec(
    app="targets",
    layer="derived",
    resources=(
        Resource(
            "targets",
            _("plan targets and assessment"),
            subject="district",
            grants={"read": CITY | {"district"}, "submit": CITY},
        ),
        Resource(
            "peak",
            _("path to the peak"),
            subject=None,
            grants={"read": CITY, "submit": CITY},
        ),
    ),
    api=("citycarbon.web.targets.api:router",),
    urls="citycarbon.web.targets.urls",
    menu=(
        MenuEntry(_("Plan targets"), "targets", "targets", order=75, group=DUAL_CONTROL),
        MenuEntry(_("Path to the peak"), "peak", "peak", order=76, group=DUAL_CONTROL),
    ),
    docs="targets.md",
)
