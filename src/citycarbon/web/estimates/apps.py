from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EstimatesConfig(AppConfig):
    name = "citycarbon.web.estimates"
    label = "estimates"
    verbose_name = _("Rapid estimates")

    def ready(self) -> None:
        from citycarbon.web.estimates import runs  # noqa: F401, PLC0415  (registers the job kind)
