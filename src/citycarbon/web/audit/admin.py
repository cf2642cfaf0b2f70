from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest

from citycarbon.web.audit.actions import Actor, record, snapshot
from citycarbon.web.audit.models import AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """For rows that only actions write: operators can look, not edit."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class AuditedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Admin whose saves and deletes write an audit event in the same transaction."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            before = None
            if change and obj.pk is not None:
                before = snapshot(type(obj).objects.get(pk=obj.pk))
            super().save_model(request, obj, form, change)
            record(
                Actor.of(request.user),  # type: ignore[arg-type]
                "admin.change" if change else "admin.add",
                obj._meta.label,
                obj.pk,
                before=before,
                after=snapshot(obj),
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            before = snapshot(obj)
            pk = obj.pk
            super().delete_model(request, obj)
            record(
                Actor.of(request.user),  # type: ignore[arg-type]
                "admin.delete",
                obj._meta.label,
                pk,
                before=before,
            )

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The trail is written by actions, never edited."""

    list_display = ("at", "actor_label", "action", "object_type", "object_id")
    list_filter = ("action", "object_type")
    search_fields = ("actor_label", "object_id")
    date_hierarchy = "at"
