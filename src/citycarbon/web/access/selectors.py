"""Reads about access: the principal behind a user or an API key, consents, log-in limits."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from citycarbon.web.access.actions import KEY_PREFIX, key_digest
from citycarbon.web.access.models import ApiKey, Consent, LoginFailure, Profile, Role
from citycarbon.web.access.policy import RESOURCES, Principal
from citycarbon.web.bulk import table

LOGIN_WINDOW: Final = timedelta(minutes=15)
LOGIN_MAX_FAILURES: Final = 5
"""At most this many failed log-ins per user name, or per address, in the window."""


def principal_of_user(user: AbstractBaseUser | AnonymousUser | None) -> Principal | None:
    """The principal of a signed-in user; None for the public. A superuser without a
    profile is a platform admin; another user without one sees nothing."""
    if user is None or not user.is_authenticated:
        return None
    profile = Profile.objects.filter(user_id=user.pk).first()
    if profile is None:
        if getattr(user, "is_superuser", False):
            return Principal(label=user.get_username(), role=Role.ADMIN, user_id=user.pk)
        return None
    return Principal(
        label=user.get_username(),
        role=profile.role,
        district_id=profile.district_id,
        enterprise_id=profile.enterprise_id,
        bank_id=profile.bank_id,
        user_id=user.pk,
    )


def principal_of_key(key: str) -> Principal | None:
    """The principal of a valid, unrevoked API key; None otherwise. Asked on every API call,
    so it is one hand-written indexed query (no ORM compilation)."""
    if not key.startswith(f"{KEY_PREFIX}_"):
        return None
    sql = (
        f"SELECT prefix, role, district_id, enterprise_id, bank_id, scopes FROM {table(ApiKey)} "
        "WHERE key_sha256 = %s AND revoked_at IS NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [key_digest(key)])
        row = cursor.fetchone()
    if row is None:
        return None
    prefix, role, district_id, enterprise_id, bank_id, scope_text = row
    scopes = frozenset(s for s in scope_text.split(",") if s) & frozenset(RESOURCES)
    return Principal(
        label=f"apikey:{prefix}",
        role=role,
        district_id=district_id,
        enterprise_id=enterprise_id,
        bank_id=bank_id,
        scopes=scopes or None,
    )


def active_consents(enterprise_id: int) -> QuerySet[Consent]:
    return Consent.objects.filter(
        enterprise_id=enterprise_id, revoked_at__isnull=True
    ).select_related("bank")


def login_blocked(username: str, address: str) -> bool:
    """Whether too many log-ins failed lately for this user name or from this address."""
    since = timezone.now() - LOGIN_WINDOW
    recent = LoginFailure.objects.filter(at__gte=since)
    return (
        recent.filter(username=username).count() >= LOGIN_MAX_FAILURES
        or recent.filter(address=address).count() >= LOGIN_MAX_FAILURES * 4
    )
