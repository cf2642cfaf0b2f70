"""The budgets app's declaration: carbon and energy-use budgets (碳预算 / 用能预算), their
monitoring and the warning cases of the monitoring → warning → assessment loop.

Two resources, because a line is owned either by a district or by an enterprise:
``budgets`` (plans, the tree, monitoring) is scoped by district — a district officer reads
its district's lines, the district line and every industry, enterprise and project line
under it; ``budget_warnings`` (warning cases, and an enterprise's own lines) is scoped by
enterprise — an enterprise user reads its own line and cases, a district officer those of
its district. Answering a case is a submit on ``budget_warnings``, taken only by the case's
owner (``actions.may_answer``: the district officer of a district-owned case, the
enterprise user of an enterprise-owned one). Drafting, allocation, monitoring and closing
cases are the regulator's (review on ``budgets``); approving and adjusting a plan is
publishing it."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from citycarbon.web.access.spec import CITY, DUAL_CONTROL
from citycarbon.web.registry import AppSpec, MenuEntry, Resource

SPEC = AppSpec(
    app="budgets",
    layer="derived",
    resources=(
        Resource(
            "budgets",
            _("carbon and energy-use budgets"),
            subject="district",
            grants={"read": CITY | {"district"}, "review": CITY, "publish": CITY},
        ),
        Resource(
            "budget_warnings",
            _("budget warning cases and own budget lines"),
            subject="enterprise",
            grants={
                "read": CITY | {"district", "enterprise"},
                "submit": frozenset({"district", "enterprise"}),
            },
        ),
    ),
    api=("citycarbon.web.budgets.api:router",),
    urls="citycarbon.web.budgets.urls",
    menu=(
        MenuEntry(_("Budgets"), "budgets", "budgets", order=65, group=DUAL_CONTROL),
        MenuEntry(
            _("Budget warnings"), "budget-cases", "budget_warnings", order=66, group=DUAL_CONTROL
        ),
    ),
    docs="budgets.md",
)
