from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "citycarbon.web.audit"
    label = "audit"
    verbose_name = "审计日志 Audit trail"
