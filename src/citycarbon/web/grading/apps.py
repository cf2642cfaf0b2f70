from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GradingConfig(AppConfig):
    name = "citycarbon.web.grading"
    label = "grading"
    verbose_name = _("Carbon-efficiency codes")

    def ready(self) -> None:
        from citycarbon.web.grading import reports, runs  # noqa: F401, PLC0415  (registers the job and report kinds)
