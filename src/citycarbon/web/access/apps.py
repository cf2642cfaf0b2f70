from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "citycarbon.web.access"
    label = "access"
    verbose_name = "用户与权限 Users and access"

    def ready(self) -> None:
        from django.core import checks  # noqa: PLC0415

        from citycarbon.web.checks import TAG, apps_declared  # noqa: PLC0415

        checks.register(apps_declared, TAG)
