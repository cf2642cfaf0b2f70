"""Reads about access: the principal behind a user or an API key, and consents."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from citycarbon.web.access.actions import KEY_PREFIX, key_digest
from citycarbon.web.access.models import ApiKey, Consent, Profile, Role
from citycarbon.web.access.policy import RESOURCES, Principal
from citycarbon.web.bulk import table

KEY_USE_RESOLUTION: Final = timedelta(seconds=60)
"""``ApiKey.last_used_at`` is written at most this often per key."""


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
    """The principal of a valid, unrevoked, unexpired API key; None otherwise. Asked on every
    API call, so it is one hand-written indexed query (no ORM compilation); the key's
    ``last_used_at`` is written by a second, conditional one only when a minute old."""
    if not key.startswith(f"{KEY_PREFIX}_"):
        return None
    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    sql = (
        "SELECT id, prefix, role, district_id, enterprise_id, bank_id, scopes, "
        "(last_used_at IS NULL OR last_used_at < %s) "
        f"FROM {table(ApiKey)} "
        "WHERE key_sha256 = %s AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > %s)"
    )
    stale_before = adapt(now - KEY_USE_RESOLUTION)
    with connection.cursor() as cursor:
        cursor.execute(sql, [stale_before, key_digest(key), adapt(now)])
        row = cursor.fetchone()
        if row is None:
            return None
        pk, prefix, role, district_id, enterprise_id, bank_id, scope_text, stale = row
        if stale:
            cursor.execute(
                f"UPDATE {table(ApiKey)} SET last_used_at = %s "
                "WHERE id = %s AND (last_used_at IS NULL OR last_used_at < %s)",
                [adapt(now), pk, stale_before],
            )
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
