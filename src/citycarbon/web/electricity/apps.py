from django.apps import AppConfig


class ElectricityConfig(AppConfig):
    name = "citycarbon.web.electricity"
    label = "electricity"
    verbose_name = "电力数据 Grid electricity"
