from django.apps import AppConfig


class BalanceConfig(AppConfig):
    name = "citycarbon.web.balance"
    label = "balance"
    verbose_name = "能源平衡表 Energy balance"

    def ready(self) -> None:
        from citycarbon.web.balance import runs  # noqa: F401, PLC0415  (registers the job kind)
