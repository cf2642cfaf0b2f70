from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BalanceConfig(AppConfig):
    name = "citycarbon.web.balance"
    label = "balance"
    verbose_name = _("Energy balance")

    def ready(self) -> None:
        from citycarbon.web.balance import runs  # noqa: F401, PLC0415  (registers the job kind)
