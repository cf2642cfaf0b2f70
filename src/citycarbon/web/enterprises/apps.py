from django.apps import AppConfig


class EnterprisesConfig(AppConfig):
    name = "citycarbon.web.enterprises"
    label = "enterprises"
    verbose_name = "企业 Enterprises"
