"""The configured database is the one the suite was asked for; admin edits are audited."""

from __future__ import annotations

import os

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client

from citycarbon.web.audit.models import AuditEvent
from citycarbon.web.regions.models import District

pytestmark = pytest.mark.django_db


def test_suite_runs_on_the_database_it_was_given() -> None:
    wanted = "postgresql" if os.environ.get("CITYCARBON_TEST_DATABASE_URL") else "sqlite"
    assert connection.vendor == wanted


def test_admin_edit_writes_an_audit_event_with_before_and_after(client: Client) -> None:
    admin = User.objects.create_superuser("operator", "op@example.org", "pw-for-tests-only")
    district = District.objects.create(code="339901", name_zh="甲区", name_en="A")
    client.force_login(admin)
    url = f"/admin/regions/district/{district.pk}/change/"
    response = client.post(url, {"code": "339901", "name_zh": "甲区（新）", "name_en": "A"})
    assert response.status_code == 302, response.content[:500]
    event = AuditEvent.objects.get(action="admin.change")
    assert event.actor_label == "operator" and event.actor == admin
    assert event.object_type == "regions.District" and event.object_id == str(district.pk)
    assert event.before == {
        "id": district.pk,
        "code": "339901",
        "name_zh": "甲区",
        "name_en": "A",
        "parent_code": "",
    }
    assert event.after is not None and event.after["name_zh"] == "甲区（新）"


def test_audit_trail_cannot_be_edited_in_the_admin(client: Client) -> None:
    admin = User.objects.create_superuser("operator", "op@example.org", "pw-for-tests-only")
    client.force_login(admin)
    assert client.get("/admin/audit/auditevent/add/").status_code == 403


def test_models_and_committed_migrations_agree() -> None:
    from django.core.management import call_command  # noqa: PLC0415

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
