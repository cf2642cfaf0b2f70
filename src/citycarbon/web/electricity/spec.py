"""The electricity app's declaration: grid accounts and their readings. Readings come from
the grid's feed (an API key with the ``electricity`` scope); the city maps accounts to
enterprises (review)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from citycarbon.web.access.spec import CITY, DATA_IN
from citycarbon.web.registry import AppSpec, MenuEntry, Resource

SPEC = AppSpec(
    app="electricity",
    layer="data",
    resources=(
        Resource(
            "electricity",
            _("electricity accounts and readings"),
            subject="enterprise",
            grants={"read": CITY | {"district"}, "submit": CITY, "review": CITY},
            keys_only=frozenset({"submit"}),
        ),
    ),
    api=("citycarbon.web.electricity.api:router",),
    urls="citycarbon.web.electricity.urls",
    menu=(
        MenuEntry(
            _("Electricity accounts"),
            "electricity_accounts",
            "electricity",
            "review",
            order=75,
            group=DATA_IN,
        ),
    ),
    docs="estimation.md",
)
