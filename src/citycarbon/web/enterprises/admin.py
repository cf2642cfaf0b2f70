from __future__ import annotations

from django.contrib import admin

from citycarbon.web.audit.admin import AuditedAdmin, ReadOnlyAdmin
from citycarbon.web.enterprises.models import Consent, EconomicYear, Enterprise, OnboardingUpload


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


@admin.register(OnboardingUpload)
class OnboardingUploadAdmin(ReadOnlyAdmin):
    """Written by the onboarding page, the API and their background job only."""

    list_display = ("id", "kind", "source", "status", "created", "updated", "unchanged", "at")
    list_filter = ("kind", "status")


@admin.register(Consent)
class ConsentAdmin(ReadOnlyAdmin):
    list_display = ("enterprise", "bank", "granted_at", "granted_by", "revoked_at")
    list_filter = ("bank",)
