from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "citycarbon.web.jobs"
    label = "jobs"
    verbose_name = _("Background jobs")

    def ready(self) -> None:
        # The configuration checked is that of the file readers, which run in background
        # jobs (uploads) and in the web processes: the kernel app every process loads.
        from django.core import checks  # noqa: PLC0415

        from citycarbon.web.checks import TAG, configuration  # noqa: PLC0415

        checks.register(configuration, TAG)
