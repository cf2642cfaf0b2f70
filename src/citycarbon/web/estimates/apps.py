from django.apps import AppConfig


class EstimatesConfig(AppConfig):
    name = "citycarbon.web.estimates"
    label = "estimates"
    verbose_name = "速算 Rapid estimates"
