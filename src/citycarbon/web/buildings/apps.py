from django.apps import AppConfig


class BuildingsConfig(AppConfig):
    name = "citycarbon.web.buildings"
    label = "buildings"
    verbose_name = "公共建筑 Public buildings"
