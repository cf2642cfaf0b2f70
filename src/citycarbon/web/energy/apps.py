from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnergyConfig(AppConfig):
    name = "citycarbon.web.energy"
    label = "energy"
    verbose_name = _("Energy and emissions")

    def ready(self) -> None:
        from citycarbon.web.energy import jobs  # noqa: F401, PLC0415  (registers the job kind)
