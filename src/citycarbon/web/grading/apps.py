from django.apps import AppConfig


class GradingConfig(AppConfig):
    name = "citycarbon.web.grading"
    label = "grading"
    verbose_name = "碳效码 Carbon-efficiency codes"
