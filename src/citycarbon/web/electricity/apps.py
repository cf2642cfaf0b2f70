from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ElectricityConfig(AppConfig):
    name = "citycarbon.web.electricity"
    label = "electricity"
    verbose_name = _("Grid electricity")
