from django.apps import AppConfig


class GradingConfig(AppConfig):
    name = "citycarbon.web.grading"
    label = "grading"
    verbose_name = "碳效码 Carbon-efficiency codes"

    def ready(self) -> None:
        from citycarbon.web.grading import reports, runs  # noqa: F401, PLC0415  (registers the job and report kinds)
