from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "citycarbon.web.access"
    label = "access"
    verbose_name = "用户与权限 Users and access"
