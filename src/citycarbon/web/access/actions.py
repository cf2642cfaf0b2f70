"""Writes about access: users, API keys and consents, each audited in its transaction."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from citycarbon.web.access.models import ApiKey, Bank, Consent, LoginThrottle, Profile, Role
from citycarbon.web.access.policy import MATRIX, RESOURCES
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
    binding: Binding,
    *,
    actor: Actor,
    label: str = "",
    scopes: tuple[str, ...] = (),
    expires_in: timedelta | None = None,
) -> tuple[ApiKey, str]:
    """A new API key, valid for ``expires_in`` (None: until revoked); returns the row and
    the key, which is shown once and never stored. Scopes must be ones the role may read."""
    binding.check()
    allowed = ", ".join(r for r in RESOURCES if r in MATRIX[binding.role])
    unknown = sorted(set(scopes) - set(RESOURCES))
    outside = sorted(set(scopes) - set(MATRIX[binding.role]) - set(unknown))
    if unknown or outside:
        what = f"unknown scope {', '.join(unknown)}" if unknown else f"scope {', '.join(outside)}"
        msg = (
            f"{what} not allowed for role {binding.role.value!r}; its scopes are {allowed}"
            f" / 超出该角色的范围，可用：{allowed}"
        )
        raise BindingError(msg)
    prefix = secrets.token_hex(4)
    key = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiKey.objects.create(
        prefix=prefix,
        key_sha256=key_digest(key),
        label=label,
        scopes=",".join(scopes),
        created_by=actor.label,
        expires_at=None if expires_in is None else timezone.now() + expires_in,
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


LOGIN_WINDOW: Final = timedelta(minutes=15)
LOGIN_MAX_FAILURES: Final = 5
"""At most this many failed log-ins per user name at one address within the window."""
LOGIN_MAX_ADDRESS_FAILURES: Final = 100
"""At most this many failed log-ins from one address, whatever the user names, within the
window: enough to stop a spray, not so few that one office's typing locks it out."""


@transaction.atomic
def do_reserve_login(username: str, address: str) -> bool:
    """Count a log-in attempt before its password is checked; False (nothing counted, the
    refusal audited) when the user name at this address, or the address, is over its limit.
    Both rows are locked (address first, the same order for everyone), so concurrent
    attempts are counted one after another and none slips past a limit."""
    username, address = username[:150], address[:64]
    now = timezone.now()
    cutoff = now - LOGIN_WINDOW
    rows = []
    for name in ("", username):
        row, _ = LoginThrottle.objects.select_for_update().get_or_create(
            username=name, address=address, defaults={"since": now, "last_at": now}
        )
        if row.since < cutoff:
            row.failures, row.since = 0, now
        rows.append(row)
    by_address, by_user = rows
    if by_user.failures >= LOGIN_MAX_FAILURES or by_address.failures >= LOGIN_MAX_ADDRESS_FAILURES:
        record(
            Actor(label=username or "-"),
            "access.login_blocked",
            "User",
            username[:64],
            after={
                "address": address,
                "failures": by_user.failures,
                "address_failures": by_address.failures,
            },
        )
        return False
    for row in rows:
        row.failures += 1
        row.last_at = now
        row.save(update_fields=["failures", "since", "last_at"])
    return True


@transaction.atomic
def do_note_login_failure(username: str, address: str) -> None:
    """Audit a failed log-in (``do_reserve_login`` counted it already); drop the counts
    that the window has left behind."""
    LoginThrottle.objects.filter(last_at__lt=timezone.now() - LOGIN_WINDOW).delete()
    record(
        Actor(label=username[:150] or "-"),
        "access.login_failed",
        "User",
        username[:64],
        after={"address": address[:64]},
    )


@transaction.atomic
def do_note_login_success(username: str, address: str) -> None:
    """Audit a log-in; the user name's failures at this address are forgotten and the
    address's count gives back the attempt ``do_reserve_login`` counted."""
    username, address = username[:150], address[:64]
    LoginThrottle.objects.filter(username=username, address=address).delete()
    LoginThrottle.objects.filter(username="", address=address, failures__gt=0).update(
        failures=F("failures") - 1
    )
    record(Actor(label=username), "access.login", "User", username[:64], after={"address": address})


@transaction.atomic
def do_unlock_logins(throttles: QuerySet[LoginThrottle], *, actor: Actor) -> int:
    """Forget the counted failures of ``throttles`` (which unlocks them), each audited;
    returns how many rows were dropped."""
    rows = list(throttles.select_for_update().order_by("pk"))
    for row in rows:
        record(
            actor,
            "access.unlock_login",
            "LoginThrottle",
            row.pk,
            before={
                "username": row.username,
                "address": row.address,
                "failures": row.failures,
                "since": row.since.isoformat(),
            },
        )
    LoginThrottle.objects.filter(pk__in=[r.pk for r in rows]).delete()
    return len(rows)
