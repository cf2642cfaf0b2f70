from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "citycarbon.web.jobs"
    label = "jobs"
    verbose_name = "后台任务 Background jobs"

    def ready(self) -> None:
        # The configuration checked is that of the file readers, which run in background
        # jobs (uploads) and in the web processes: the kernel app every process loads.
        from django.core import checks  # noqa: PLC0415

        from citycarbon.web.checks import TAG, configuration  # noqa: PLC0415

        checks.register(configuration, TAG)
