from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BudgetsConfig(AppConfig):
    name = "citycarbon.web.budgets"
    label = "budgets"
    verbose_name = _("Carbon and energy-use budgets")
