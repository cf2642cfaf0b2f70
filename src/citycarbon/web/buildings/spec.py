"""The buildings app's declaration: building energy and carbon, city-wide for now (buildings
carry no district yet)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from citycarbon.web.access.spec import CITY
from citycarbon.web.registry import AppSpec, Resource

SPEC = AppSpec(
    app="buildings",
    layer="derived",
    resources=(Resource("buildings", _("buildings"), subject=None, grants={"read": CITY}),),
    api=("citycarbon.web.buildings.api:router",),
    docs="methods.md",
)
