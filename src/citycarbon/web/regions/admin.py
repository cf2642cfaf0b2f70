from __future__ import annotations

from django.contrib import admin

from citycarbon.web.audit.admin import AuditedAdmin
from citycarbon.web.regions.models import District, Industry


@admin.register(District)
class DistrictAdmin(AuditedAdmin):
    list_display = ("code", "name_zh", "name_en")
    search_fields = ("code", "name_zh", "name_en")


@admin.register(Industry)
class IndustryAdmin(AuditedAdmin):
    list_display = ("code", "name_zh", "name_en")
    search_fields = ("code", "name_zh", "name_en")
