"""Carbon points of residents, as a new domain would declare them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from citycarbon.web.access.spec import CITY
from citycarbon.web.registry import AppSpec, MenuEntry, Resource, RoleSpec, SubjectType

SPEC = AppSpec(
    app="example_domain",
    layer="derived",
    subjects=(
        SubjectType(
            "resident",
            _("resident"),
            model="auth.User",
            key_field="username",
            scope="tests.example_domain.scopes:resident_rows",
        ),
    ),
    roles=(RoleSpec("resident", _("resident"), binds="resident", home="points"),),
    resources=(
        Resource(
            "points",
            _("carbon points"),
            subject="resident",
            grants={"read": CITY | {"resident"}, "issue": CITY, "retire": frozenset({"resident"})},
        ),
    ),
    api=("tests.example_domain.api:router",),
    urls="tests.example_domain.urls",
    menu=(MenuEntry(_("Carbon points"), "points", "points", order=65),),
    docs="architecture.md",
)
