"""The regions app's declaration: districts as a subject type and the district officer."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from citycarbon.web.registry import AppSpec, RoleSpec, SubjectType

SPEC = AppSpec(
    app="regions",
    layer="register",
    roles=(
        RoleSpec(
            "district",
            _("district officer"),
            binds="district",
            home="dashboard",
            reach="own district",
        ),
    ),
    subjects=(
        SubjectType(
            "district",
            _("district"),
            model="regions.District",
            key_field="code",
            scope="citycarbon.web.regions.scopes:district_rows",
        ),
    ),
    docs="imports.md",
)
