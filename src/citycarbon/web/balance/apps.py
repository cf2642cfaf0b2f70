from django.apps import AppConfig


class BalanceConfig(AppConfig):
    name = "citycarbon.web.balance"
    label = "balance"
    verbose_name = "能源平衡表 Energy balance"
