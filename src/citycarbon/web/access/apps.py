from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "citycarbon.web.access"
    label = "access"
    verbose_name = _("Users and access")

    def ready(self) -> None:
        from django.core import checks  # noqa: PLC0415

        from citycarbon.web.checks import TAG, apps_declared  # noqa: PLC0415

        checks.register(apps_declared, TAG)
