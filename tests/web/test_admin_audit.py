"""Admin changes to users and groups are audited, without password hashes; a deleted user's
events still say who acted, and the chain still holds."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.db import transaction
from django.test import Client

from citycarbon.web.audit.actions import Actor, record
from citycarbon.web.audit.chain import verify
from citycarbon.web.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client: Client) -> User:
    user = User.objects.create_superuser("operator", "op@example.org", "pw-for-tests-only")
    client.force_login(user)
    return user


def change_form(user: User, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "groups": [g.pk for g in user.groups.all()],
        "user_permissions": [p.pk for p in user.user_permissions.all()],
    }
    flags = {"is_active": user.is_active, "is_staff": user.is_staff}
    flags["is_superuser"] = user.is_superuser
    for k, v in (flags | changes).items():
        if v is True:
            data[k] = "on"
        elif v is not False:
            data[k] = v
    return data


def only_event(action: str, obj: object) -> AuditEvent:
    return AuditEvent.objects.get(action=action, object_id=str(obj))


def no_hash_in(event: AuditEvent, *users: User) -> None:
    text = json.dumps([event.before, event.after])
    for u in users:
        assert u.password not in text
    assert "md5$" not in text and '"password"' not in text


def test_promote_to_superuser_is_audited(client: Client, operator: User) -> None:
    clerk = User.objects.create_user("clerk", password="pw-for-tests-only")
    response = client.post(
        f"/admin/auth/user/{clerk.pk}/change/",
        change_form(clerk, is_staff=True, is_superuser=True),
    )
    assert response.status_code == 302, response.content[:800]
    event = only_event("admin.change", clerk.pk)
    assert event.object_type == "auth.User" and event.actor_label == "operator"
    assert event.before is not None and event.after is not None
    assert (event.before["is_superuser"], event.after["is_superuser"]) == (False, True)
    assert (event.before["is_staff"], event.after["is_staff"]) == (False, True)
    assert event.after["password_changed"] is False
    no_hash_in(event, clerk)


def test_password_reset_is_audited_as_a_flag(client: Client, operator: User) -> None:
    clerk = User.objects.create_user("clerk", password="pw-for-tests-only")
    old_hash = clerk.password
    response = client.post(
        f"/admin/auth/user/{clerk.pk}/password/",
        {
            "password1": "N3w-pass-phrase!",
            "password2": "N3w-pass-phrase!",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content[:800]
    clerk.refresh_from_db()
    assert clerk.check_password("N3w-pass-phrase!")
    event = only_event("admin.password_change", clerk.pk)
    assert event.after is not None and event.after["password_changed"] is True
    assert event.before is not None and event.before["username"] == "clerk"
    assert old_hash not in json.dumps(event.before)
    no_hash_in(event, clerk)


def test_delete_user_is_audited_and_its_events_keep_their_actor(
    client: Client, operator: User
) -> None:
    clerk = User.objects.create_user("clerk", password="pw-for-tests-only")
    with transaction.atomic():
        earlier = record(Actor.of(clerk), "test.step", "Thing", 1)
    response = client.post(f"/admin/auth/user/{clerk.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302, response.content[:800]
    assert not User.objects.filter(username="clerk").exists()
    event = only_event("admin.delete", clerk.pk)
    assert event.before is not None and event.before["username"] == "clerk"
    no_hash_in(event, clerk)
    earlier.refresh_from_db()
    assert (earlier.actor_id, earlier.actor_label) == (clerk.pk, "clerk")
    assert verify().intact
    # the audit page shows the label of an actor that no longer exists
    page = client.get("/audit/", {"action": "test.step"})
    assert page.status_code == 200 and "clerk" in page.content.decode()


def test_bulk_delete_of_users_writes_one_event_each(client: Client, operator: User) -> None:
    users = [User.objects.create_user(f"u{i}") for i in range(3)]
    response = client.post(
        "/admin/auth/user/",
        {"action": "delete_selected", "_selected_action": [u.pk for u in users], "post": "yes"},
    )
    assert response.status_code == 302, response.content[:800]
    deleted = AuditEvent.objects.filter(action="admin.delete", object_type="auth.User")
    assert sorted(e.before["username"] for e in deleted if e.before) == ["u0", "u1", "u2"]


def test_group_permissions_and_membership_changes_are_audited(
    client: Client, operator: User
) -> None:
    perm = Permission.objects.get(codename="view_auditevent")
    response = client.post("/admin/auth/group/add/", {"name": "auditors", "permissions": [perm.pk]})
    assert response.status_code == 302, response.content[:800]
    group = Group.objects.get(name="auditors")
    added = only_event("admin.add", group.pk)
    assert added.object_type == "auth.Group"
    assert added.after == {
        "id": group.pk,
        "name": "auditors",
        "permissions": ["audit.view_auditevent"],
        "users": [],
    }
    more = Permission.objects.get(codename="view_dataimport")
    response = client.post(
        f"/admin/auth/group/{group.pk}/change/", {"name": "auditors", "permissions": [more.pk]}
    )
    assert response.status_code == 302
    changed = only_event("admin.change", group.pk)
    assert changed.before is not None and changed.after is not None
    assert changed.before["permissions"] == ["audit.view_auditevent"]
    assert changed.after["permissions"] == ["audit.view_dataimport"]
    # joining the group, on the user's page: the m2m is saved before the event is written
    clerk = User.objects.create_user("clerk")
    response = client.post(
        f"/admin/auth/user/{clerk.pk}/change/", change_form(clerk, groups=[group.pk])
    )
    assert response.status_code == 302, response.content[:800]
    joined = only_event("admin.change", clerk.pk)
    assert joined.before is not None and joined.after is not None
    assert (joined.before["groups"], joined.after["groups"]) == ([], ["auditors"])
    response = client.post(f"/admin/auth/user/{clerk.pk}/change/", change_form(clerk, groups=[]))
    assert response.status_code == 302
    left = AuditEvent.objects.filter(action="admin.change", object_id=str(clerk.pk)).latest("id")
    assert left.before is not None and left.after is not None
    assert (left.before["groups"], left.after["groups"]) == (["auditors"], [])
    response = client.post(f"/admin/auth/group/{group.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    gone = only_event("admin.delete", group.pk)
    assert gone.before is not None and gone.before["name"] == "auditors"
    assert verify().intact
