"""The enterprises app's declaration: enterprises as a subject type, the enterprise user,
consents to banks, and onboarding a city's districts, enterprises and economics."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from citycarbon.web.access.spec import CITY, DATA_IN
from citycarbon.web.registry import AppSpec, MenuEntry, Resource, RoleSpec, SubjectType

SPEC = AppSpec(
    app="enterprises",
    layer="register",
    roles=(
        RoleSpec(
            "enterprise",
            _("enterprise user"),
            binds="enterprise",
            home="enterprise",
            home_argument="enterprise_id",
            reach="own enterprise",
        ),
    ),
    subjects=(
        SubjectType(
            "enterprise",
            _("enterprise"),
            model="enterprises.Enterprise",
            key_field="entity_id",
            alternate_key_fields=("uscc",),
            scope="citycarbon.web.enterprises.scopes:enterprise_rows",
        ),
    ),
    resources=(
        Resource(
            "enterprises",
            _("enterprises"),
            subject="enterprise",
            grants={"read": CITY | {"district", "enterprise", "bank"}},
        ),
        Resource(
            "consents",
            _("consents to banks"),
            subject="enterprise",
            grants={"read": CITY | {"enterprise"}, "submit": frozenset({"enterprise"})},
        ),
        Resource(
            "onboarding",
            _("city onboarding"),
            subject=None,
            grants={"read": CITY, "submit": CITY},
        ),
    ),
    api=(
        "citycarbon.web.enterprises.api:router",
        "citycarbon.web.enterprises.onboarding_api:router",
    ),
    urls="citycarbon.web.enterprises.urls",
    menu=(MenuEntry(_("City data import"), "onboarding", "onboarding", order=50, group=DATA_IN),),
    runs=("onboarding.upload",),
    docs="imports.md",
)
