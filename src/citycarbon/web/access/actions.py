"""Writes about access: users, API keys and log-in throttles, each audited in its transaction."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Model, QuerySet
from django.utils import timezone

from citycarbon.web.access.models import ApiKey, LoginThrottle, Profile
from citycarbon.web.access.policy import subject_model
from citycarbon.web.audit.actions import Actor, record, snapshot
from citycarbon.web.registry import registry

KEY_PREFIX = "cck"


class BindingError(ValueError):
    """A role that is not declared, or given without the subject it is bound to, or with
    one it may not have."""


@dataclass(frozen=True)
class Binding:
    """A role and the subject it is bound to (a district, an enterprise, a bank …; None for
    a city-wide role)."""

    role: str
    subject: Model | None = None

    def check(self) -> None:
        spec = registry().role(self.role)
        if spec is None:
            known = ", ".join(registry().roles)
            msg = f"unknown role {self.role!r}; roles are {known} / 未知角色"
            raise BindingError(msg)
        if spec.binds is None:
            if self.subject is not None:
                msg = f"role {self.role!r} takes no {type(self.subject).__name__.lower()}"
                raise BindingError(msg)
            return
        if self.subject is None:
            msg = f"role {self.role!r} needs a {spec.binds}"
            raise BindingError(msg)
        if not isinstance(self.subject, subject_model(spec.binds)):
            msg = f"role {self.role!r} needs a {spec.binds}, not a {type(self.subject).__name__}"
            raise BindingError(msg)

    def fields(self) -> dict[str, object]:
        spec = registry().role(self.role)
        bound = spec is not None and spec.binds is not None and self.subject is not None
        return {
            "role": self.role,
            "subject_type": spec.binds if bound and spec is not None else "",
            "subject_id": self.subject.pk if bound and self.subject is not None else None,
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
    spec = registry().role(binding.role)
    if spec is not None and spec.admin_site:
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
    resources = registry().resources
    readable = [r for r in resources.values() if any(binding.role in g for g in r.grants.values())]
    allowed = ", ".join(r.name for r in readable)
    unknown = sorted(set(scopes) - set(resources))
    outside = sorted(set(scopes) - {r.name for r in readable} - set(unknown))
    if unknown or outside:
        what = f"unknown scope {', '.join(unknown)}" if unknown else f"scope {', '.join(outside)}"
        msg = (
            f"{what} not allowed for role {binding.role!r}; its scopes are {allowed}"
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
