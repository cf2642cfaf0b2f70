"""Django's admins of users and groups, audited: promoting to superuser, setting a password,
joining or leaving a group, changing a group's permissions and deleting either each write an
audit event in the admin's transaction. Events never hold a password hash: ``after`` says
``password_changed`` instead."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.hashers import is_password_usable
from django.contrib.auth.models import Group, Permission, User
from django.db import transaction
from django.http import HttpRequest, HttpResponse

from citycarbon.web.audit.actions import Actor, record, snapshot
from citycarbon.web.audit.admin import AuditedAdmin


def _permissions(ids: list[int]) -> list[str]:
    return sorted(
        f"{app}.{codename}"
        for app, codename in Permission.objects.filter(pk__in=ids).values_list(
            "content_type__app_label", "codename"
        )
    )


def user_snapshot(user: User) -> dict[str, Any]:
    """A user's fields without its password hash; groups by name, permissions by name."""
    out = snapshot(user)
    out["usable_password"] = is_password_usable(out.pop("password", None))
    out["groups"] = sorted(
        Group.objects.filter(pk__in=out["groups"]).values_list("name", flat=True)
    )
    out["user_permissions"] = _permissions(out["user_permissions"])
    return out


def group_snapshot(group: Group) -> dict[str, Any]:
    """A group's name, permissions by name, and its members' user names."""
    out = snapshot(group)
    out["permissions"] = _permissions(out["permissions"])
    out["users"] = sorted(group.user_set.values_list("username", flat=True)) if group.pk else []
    return out


class AuditedUserAdmin(AuditedAdmin, UserAdmin):  # type: ignore[type-arg]
    def audit_snapshot(self, obj: Any) -> dict[str, Any]:
        return user_snapshot(obj)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        obj._audit_password = (
            User.objects.filter(pk=obj.pk).values_list("password", flat=True).first()
            if change
            else None
        )
        super().save_model(request, obj, form, change)

    def audit_after(self, obj: Any) -> dict[str, Any]:
        return user_snapshot(obj) | {
            "password_changed": obj.password != getattr(obj, "_audit_password", None)
        }

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        """The password form, its save and its audit event in one transaction."""
        if request.method != "POST":
            return super().user_change_password(request, id, form_url)
        with transaction.atomic():
            user = User.objects.filter(pk=unquote(id)).first()
            before = user_snapshot(user) if user is not None else None
            old_hash = user.password if user is not None else None
            response = super().user_change_password(request, id, form_url)
            if user is not None:
                user.refresh_from_db()
                if user.password != old_hash:
                    record(
                        Actor.of(request.user),  # type: ignore[arg-type]
                        "admin.password_change",
                        user._meta.label,
                        user.pk,
                        before=before,
                        after=user_snapshot(user) | {"password_changed": True},
                    )
        return response


class AuditedGroupAdmin(AuditedAdmin, GroupAdmin):
    def audit_snapshot(self, obj: Any) -> dict[str, Any]:
        return group_snapshot(obj)


for model, model_admin in ((User, AuditedUserAdmin), (Group, AuditedGroupAdmin)):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
