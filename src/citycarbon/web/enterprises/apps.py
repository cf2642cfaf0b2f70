from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    name = "citycarbon.web.enterprises"
    label = "enterprises"
    verbose_name = _("Enterprises")

    def ready(self) -> None:
        # registers the onboarding.upload job kind
        from citycarbon.web.enterprises import onboarding  # noqa: F401, PLC0415
