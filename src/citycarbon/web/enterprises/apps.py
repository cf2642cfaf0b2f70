from django.apps import AppConfig


class EnterprisesConfig(AppConfig):
    name = "citycarbon.web.enterprises"
    label = "enterprises"
    verbose_name = "企业 Enterprises"

    def ready(self) -> None:
        # registers the onboarding.upload job kind
        from citycarbon.web.enterprises import onboarding  # noqa: F401, PLC0415
