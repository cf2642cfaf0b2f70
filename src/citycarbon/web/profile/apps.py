from django.apps import AppConfig


class ProfileConfig(AppConfig):
    name = "citycarbon.web.profile"
    label = "profile"
    verbose_name = "企业画像 Enterprise profile"
