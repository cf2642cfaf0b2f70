from __future__ import annotations

from django.contrib import admin

from citycarbon.web.access.models import ApiKey, Bank, Consent, LoginFailure, Profile
from citycarbon.web.audit.admin import AuditedAdmin, ReadOnlyAdmin


@admin.register(Bank)
class BankAdmin(AuditedAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


@admin.register(Profile)
class ProfileAdmin(AuditedAdmin):
    list_display = ("user", "role", "district", "enterprise", "bank")
    list_filter = ("role",)
    raw_id_fields = ("user", "enterprise")


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyAdmin):
    """Keys are made with ``citycarbon apikey create`` (the key is shown once)."""

    list_display = ("prefix", "role", "label", "created_at", "created_by", "revoked_at")
    list_filter = ("role",)
    exclude = ("key_sha256",)


@admin.register(Consent)
class ConsentAdmin(ReadOnlyAdmin):
    list_display = ("enterprise", "bank", "granted_at", "granted_by", "revoked_at")
    list_filter = ("bank",)


@admin.register(LoginFailure)
class LoginFailureAdmin(ReadOnlyAdmin):
    list_display = ("at", "username", "address")
