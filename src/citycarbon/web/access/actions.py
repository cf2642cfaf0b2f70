"""Writes about access: users, API keys and consents, each audited in its transaction."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from citycarbon.web.access.models import ApiKey, Bank, Consent, LoginFailure, Profile, Role
from citycarbon.web.access.policy import RESOURCES
from citycarbon.web.audit.actions import Actor, record, snapshot
from citycarbon.web.enterprises.models import Enterprise
from citycarbon.web.regions.models import District

KEY_PREFIX = "cck"


class BindingError(ValueError):
    """A role given without the district, enterprise or bank it needs, or with one it may
    not have."""


@dataclass(frozen=True)
class Binding:
    role: Role
    district: District | None = None
    enterprise: Enterprise | None = None
    bank: Bank | None = None

    def check(self) -> None:
        needs = {
            Role.DISTRICT: ("district", self.district),
            Role.ENTERPRISE: ("enterprise", self.enterprise),
            Role.BANK: ("bank", self.bank),
        }
        if self.role in needs and needs[self.role][1] is None:
            msg = f"role {self.role.value!r} needs a {needs[self.role][0]}"
            raise BindingError(msg)
        extra = [
            name
            for name, value in (
                ("district", self.district),
                ("enterprise", self.enterprise),
                ("bank", self.bank),
            )
            if value is not None and needs.get(self.role, ("",))[0] != name
        ]
        if extra:
            msg = f"role {self.role.value!r} takes no {', '.join(extra)}"
            raise BindingError(msg)

    def fields(self) -> dict[str, object]:
        return {
            "role": self.role.value,
            "district": self.district,
            "enterprise": self.enterprise,
            "bank": self.bank,
        }


def key_digest(key: str) -> str:
    """The stored form of an API key. Keys are 256-bit random, so a plain SHA-256 suffices
    (no password stretching needed)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@transaction.atomic
def do_create_user(
    username: str, password: str, binding: Binding, *, actor: Actor, email: str = ""
) -> User:
    """A user with a role; the admin role also gets the Django admin (staff, superuser)."""
    binding.check()
    user = User.objects.create_user(username=username, password=password, email=email)
    if binding.role == Role.ADMIN:
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    profile = Profile.objects.create(user=user, **binding.fields())
    after = {"username": username, **snapshot(profile)}
    after.pop("user", None)
    record(actor, "access.create_user", "User", user.pk, after=after)
    return user


@transaction.atomic
def do_create_api_key(
    binding: Binding, *, actor: Actor, label: str = "", scopes: tuple[str, ...] = ()
) -> tuple[ApiKey, str]:
    """A new API key; returns the row and the key, which is shown once and never stored."""
    binding.check()
    unknown = sorted(set(scopes) - set(RESOURCES))
    if unknown:
        msg = f"unknown scope {', '.join(unknown)}; scopes are {', '.join(RESOURCES)}"
        raise BindingError(msg)
    prefix = secrets.token_hex(4)
    key = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiKey.objects.create(
        prefix=prefix,
        key_sha256=key_digest(key),
        label=label,
        scopes=",".join(scopes),
        created_by=actor.label,
        **binding.fields(),
    )
    after = snapshot(row)
    after.pop("key_sha256")
    record(actor, "access.create_api_key", "ApiKey", row.pk, after=after)
    return row, key


@transaction.atomic
def do_revoke_api_key(key: ApiKey, *, actor: Actor) -> bool:
    key = ApiKey.objects.select_for_update().get(pk=key.pk)
    if key.revoked_at is not None:
        return False
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])
    record(
        actor,
        "access.revoke_api_key",
        "ApiKey",
        key.pk,
        before={"revoked_at": None},
        after={"revoked_at": key.revoked_at.isoformat()},
    )
    return True


@transaction.atomic
def do_grant_consent(enterprise: Enterprise, bank: Bank, *, actor: Actor) -> Consent:
    """Let ``bank`` read the enterprise's codes and portraits; granting twice keeps one."""
    existing = Consent.objects.filter(
        enterprise=enterprise, bank=bank, revoked_at__isnull=True
    ).first()
    if existing is not None:
        return existing
    consent = Consent.objects.create(enterprise=enterprise, bank=bank, granted_by=actor.label)
    record(actor, "access.grant_consent", "Consent", consent.pk, after=snapshot(consent))
    return consent


@transaction.atomic
def do_revoke_consent(consent: Consent, *, actor: Actor) -> bool:
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.revoked_at is not None:
        return False
    before = snapshot(consent)
    consent.revoked_at = timezone.now()
    consent.revoked_by = actor.label
    consent.save(update_fields=["revoked_at", "revoked_by"])
    record(
        actor,
        "access.revoke_consent",
        "Consent",
        consent.pk,
        before=before,
        after=snapshot(consent),
    )
    return True


@transaction.atomic
def do_note_login_failure(username: str, address: str, *, window_minutes: int) -> None:
    """Count a failed log-in (for rate limiting) and audit it; drop counts past the window."""
    LoginFailure.objects.create(username=username[:150], address=address[:64])
    cutoff = timezone.now() - timedelta(minutes=window_minutes)
    LoginFailure.objects.filter(at__lt=cutoff).delete()
    record(
        Actor(label=username[:150] or "-"),
        "access.login_failed",
        "User",
        username[:64],
        after={"address": address[:64]},
    )
