"""The grading app's declaration: the carbon-efficiency codes (碳效码), portraits, the
benchmark lists, the city dashboard, and the accounting-and-grading runs that a regulator
reviews and publishes."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from citycarbon.web.access.spec import CITY, DATA_IN
from citycarbon.web.registry import AppSpec, MenuEntry, Resource

SPEC = AppSpec(
    app="grading",
    layer="derived",
    resources=(
        Resource(
            "dashboard",
            _("city dashboard"),
            subject="district",
            grants={"read": CITY | {"district"}},
        ),
        Resource(
            "codes",
            _("carbon-efficiency codes"),
            subject="enterprise",
            grants={"read": CITY | {"district", "enterprise", "bank"}},
        ),
        Resource(
            "portraits",
            _("carbon portraits"),
            subject="enterprise",
            grants={"read": CITY | {"district", "enterprise", "bank"}},
        ),
        Resource(
            "lists",
            _("benchmark lists"),
            subject="enterprise",
            grants={"read": CITY | {"district"}},
        ),
        Resource(
            "runs",
            _("accounting and grading runs"),
            subject=None,
            grants={"read": CITY, "submit": CITY, "publish": CITY},
        ),
    ),
    api=("citycarbon.web.grading.api:router",),
    urls="citycarbon.web.grading.urls",
    menu=(
        MenuEntry(_("Dashboard"), "dashboard", "dashboard", order=10),
        MenuEntry(_("Benchmark lists"), "list", "lists", order=30, url_argument="poor-efficiency"),
        MenuEntry(_("Runs"), "runs", "runs", order=90, group=DATA_IN),
    ),
    runs=("grading.run",),
    warm=("citycarbon.web.grading.selectors:warm",),
    docs="methods.md",
)
