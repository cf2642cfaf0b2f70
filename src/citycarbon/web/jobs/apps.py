from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "citycarbon.web.jobs"
    label = "jobs"
    verbose_name = "后台任务 Background jobs"
