from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "citycarbon.web.regions"
    label = "regions"
    verbose_name = "区县与行业 Districts and industries"
