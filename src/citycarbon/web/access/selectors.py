"""Reads about access: the principal behind a user or an API key."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connection
from django.utils import timezone

from citycarbon.web.access.actions import KEY_PREFIX, key_digest
from citycarbon.web.access.models import ApiKey, Profile
from citycarbon.web.access.policy import Principal
from citycarbon.web.bulk import table
from citycarbon.web.registry import registry

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
            return Principal(label=user.get_username(), role="admin", user_id=user.pk)
        return None
    return Principal(
        label=user.get_username(),
        role=profile.role,
        subject_type=profile.subject_type or None,
        subject_id=profile.subject_id,
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
        "SELECT id, prefix, role, subject_type, subject_id, scopes, "
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
        pk, prefix, role, subject_type, subject_id, scope_text, stale = row
        if stale:
            cursor.execute(
                f"UPDATE {table(ApiKey)} SET last_used_at = %s "
                "WHERE id = %s AND (last_used_at IS NULL OR last_used_at < %s)",
                [adapt(now), pk, stale_before],
            )
    return Principal(
        label=f"apikey:{prefix}",
        role=role,
        subject_type=subject_type or None,
        subject_id=subject_id,
        scopes=stored_scopes(scope_text),
    )


def stored_scopes(text: str) -> frozenset[str] | None:
    """The scopes a key's stored text names, as the policy reads them: None when the text
    is empty (the key reads what its role reads); otherwise only the resources known now —
    so a key whose scopes are all unknown (a resource renamed or removed) gets nothing,
    not its whole role (fail closed)."""
    named = frozenset(s for s in text.split(",") if s)
    if not named:
        return None
    return named & frozenset(registry().resources)
