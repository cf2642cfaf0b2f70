"""The audit app's declaration: the audit trail, read by the city roles."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from citycarbon.web.access.spec import CITY
from citycarbon.web.registry import AppSpec, MenuEntry, Resource

SPEC = AppSpec(
    app="audit",
    layer="platform",
    resources=(Resource("audit", _("audit log"), subject=None, grants={"read": CITY}),),
    urls="citycarbon.web.audit.urls",
    menu=(MenuEntry(_("Audit log"), "audit", "audit", order=100),),
    docs="platform.md",
)
