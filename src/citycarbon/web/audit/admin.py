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
    """Admin whose saves and deletes write an audit event in the same transaction (the admin
    wraps each save and delete in one). A save's event is written once its many-to-many
    fields and inlines are saved too (``save_related``), so ``after`` is the whole result."""

    def audit_snapshot(self, obj: Any) -> dict[str, Any]:
        """What ``before`` and ``after`` hold for ``obj``."""
        return snapshot(obj)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = None
        if change and obj.pk is not None:
            before = self.audit_snapshot(type(obj).objects.get(pk=obj.pk))
        obj._audit_before = before
        super().save_model(request, obj, form, change)

    def audit_after(self, obj: Any) -> dict[str, Any]:
        """What ``after`` holds once ``obj`` is saved."""
        return self.audit_snapshot(obj)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_related(request, form, formsets, change)
            obj = form.instance
            record(
                Actor.of(request.user),  # type: ignore[arg-type]
                "admin.change" if change else "admin.add",
                obj._meta.label,
                obj.pk,
                before=getattr(obj, "_audit_before", None),
                after=self.audit_after(obj),
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            before = self.audit_snapshot(obj)
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
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The trail is written by actions, never edited."""

    list_display = ("sequence", "at", "actor_label", "action", "object_type", "object_id")
    list_filter = ("action", "object_type")
    search_fields = ("actor_label", "object_id")
    date_hierarchy = "at"


# Users and groups: Django's own admins, audited (imported for its registrations).
from citycarbon.web.audit import admin_users  # noqa: E402, F401
