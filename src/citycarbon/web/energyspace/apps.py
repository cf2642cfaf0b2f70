from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnergySpaceConfig(AppConfig):
    name = "citycarbon.web.energyspace"
    label = "energyspace"
    verbose_name = _("Energy-use space")
