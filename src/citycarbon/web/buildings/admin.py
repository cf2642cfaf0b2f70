from __future__ import annotations

from django.contrib import admin

from citycarbon.web.audit.admin import AuditedAdmin
from citycarbon.web.buildings.models import Building


@admin.register(Building)
class BuildingAdmin(AuditedAdmin):
    list_display = ("building_id", "building_type", "floor_area_m2", "synthetic")
    list_filter = ("building_type", "synthetic")
    search_fields = ("building_id",)
