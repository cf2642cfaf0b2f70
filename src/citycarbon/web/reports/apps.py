from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "citycarbon.web.reports"
    label = "reports"
    verbose_name = "报告 Reports"
