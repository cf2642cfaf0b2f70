from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EstimatesConfig(AppConfig):
    name = "citycarbon.web.estimates"
    label = "estimates"
    verbose_name = _("Rapid estimates")
