from django.apps import AppConfig


class EstimatesConfig(AppConfig):
    name = "citycarbon.web.estimates"
    label = "estimates"
    verbose_name = "速算 Rapid estimates"

    def ready(self) -> None:
        from citycarbon.web.estimates import runs  # noqa: F401, PLC0415  (registers the job kind)
