from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from citycarbon.web.access.actions import do_revoke_api_key, do_unlock_logins
from citycarbon.web.access.models import ApiKey, Bank, LoginThrottle, Profile
from citycarbon.web.access.policy import subject_label
from citycarbon.web.access.views import AdminLoginForm
from citycarbon.web.audit.actions import Actor
from citycarbon.web.audit.admin import AuditedAdmin, ReadOnlyAdmin

admin.site.login_form = AdminLoginForm  # the throttle's message; see access.backends


@admin.action(description=_("Revoke the selected API keys"), permissions=["revoke"])
def revoke_keys(modeladmin: Any, request: HttpRequest, queryset: Any) -> None:
    for key in queryset:
        do_revoke_api_key(key, actor=Actor.of(request.user))  # type: ignore[arg-type]


@admin.register(Bank)
class BankAdmin(AuditedAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


@admin.register(Profile)
class ProfileAdmin(AuditedAdmin):
    list_display = ("user", "role", "subject")
    list_filter = ("role", "subject_type")
    raw_id_fields = ("user",)

    @admin.display(description=_("bound subject"))
    def subject(self, row: Profile) -> str:
        return subject_label(row.subject_type, row.subject_id)


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyAdmin):
    """Keys are made with ``citycarbon apikey create`` (the key is shown once)."""

    list_display = (
        "prefix",
        "role",
        "subject",
        "label",
        "created_at",
        "created_by",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("role",)
    exclude = ("key_sha256",)

    @admin.display(description=_("bound subject"))
    def subject(self, row: ApiKey) -> str:
        return subject_label(row.subject_type, row.subject_id)

    actions = (revoke_keys,)

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        """Revoking changes a key: it needs Django's change permission on API keys, which
        the read-only admin otherwise ignores (its forms stay read-only for everyone)."""
        return admin.ModelAdmin.has_change_permission(self, request)


@admin.action(description=_("Unlock the selected log-ins"), permissions=["unlock"])
def unlock_logins(modeladmin: Any, request: HttpRequest, queryset: Any) -> None:
    do_unlock_logins(queryset, actor=Actor.of(request.user))  # type: ignore[arg-type]


@admin.register(LoginThrottle)
class LoginThrottleAdmin(ReadOnlyAdmin):
    """Failed log-ins per user name and address (user name empty: the address alone)."""

    list_display = ("username", "address", "failures", "since", "last_at")
    search_fields = ("username", "address")
    actions = (unlock_logins,)

    def has_unlock_permission(self, request: HttpRequest) -> bool:
        """Unlocking changes the counts: it needs Django's change permission on them."""
        return admin.ModelAdmin.has_change_permission(self, request)
