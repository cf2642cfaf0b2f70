"""The access app's declaration: the city-wide roles, and banks as a subject type."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from citycarbon.web.registry import AppSpec, RoleSpec, SubjectType

CITY = frozenset({"admin", "regulator"})
"""The city-wide roles, which every app grants what the city sees."""

DATA_IN = _("Data")
"""The menu group of the pages that bring data in and run on it (uploads, city data import,
electricity accounts, runs)."""

DUAL_CONTROL = _("Dual control")
"""The menu group of the dual-control apps (budgets, targets, energy-use space): one group
label, so that apps of different layers share it without importing each other."""

SPEC = AppSpec(
    app="access",
    layer="platform",
    roles=(
        RoleSpec("admin", _("platform admin"), admin_site=True, home="dashboard"),
        RoleSpec("regulator", _("city regulator"), home="dashboard"),
        RoleSpec(
            "bank",
            _("bank officer"),
            binds="bank",
            home="enterprises",
            reach="consenting enterprises",
        ),
    ),
    subjects=(
        SubjectType(
            "bank",
            _("bank"),
            model="access.Bank",
            key_field="code",
            scope="citycarbon.web.access.scopes:bank_rows",
        ),
    ),
    docs="platform.md",
)
