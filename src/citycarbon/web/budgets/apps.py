from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BudgetsConfig(AppConfig):
    name = "citycarbon.web.budgets"
    label = "budgets"
    verbose_name = _("Carbon and energy-use budgets")

    def ready(self) -> None:
        from citycarbon.web.budgets import reports  # noqa: F401, PLC0415  (registers the report kinds)
