from __future__ import annotations

from django.contrib import admin

from citycarbon.web.audit.admin import AuditedAdmin
from citycarbon.web.enterprises.models import EconomicYear, Enterprise


@admin.register(Enterprise)
class EnterpriseAdmin(AuditedAdmin):
    list_display = ("entity_id", "uscc", "name", "district", "industry", "key_energy_user")
    list_filter = ("district", "key_energy_user", "synthetic")
    search_fields = ("entity_id", "uscc", "name")
    raw_id_fields = ("industry",)


@admin.register(EconomicYear)
class EconomicYearAdmin(AuditedAdmin):
    list_display = ("enterprise", "year", "value_added_10k_yuan")
    list_filter = ("year",)
    search_fields = ("enterprise__entity_id",)
    raw_id_fields = ("enterprise",)
