from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, models
from django.http import HttpResponse
from django.test import Client

from citycarbon.core.democity import generate_buildings, generate_city
from citycarbon.core.factors import FactorSet
from citycarbon.web.access.models import Bank
from citycarbon.web.demo import DemoLogin, ensure_demo_logins, load_demo
from citycarbon.web.enterprises.models import Enterprise
from citycarbon.web.grading.selectors import forget_views


@dataclass(frozen=True)
class LoadedCity:
    logins: dict[str, DemoLogin]
    first: Enterprise
    second: Enterprise
    other_district: Enterprise
    bank: Bank


@pytest.fixture(scope="module")
def loaded_city(
    django_db_setup: None, django_db_blocker: pytest.FixtureRequest, factors: FactorSet
) -> Iterator[LoadedCity]:
    """A small demo city with its log-ins, loaded once for a module (its tests roll back
    their own writes) and flushed afterwards."""
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        forget_views()
        city = generate_city(factors, seed=5, enterprises=60)
        load_demo(city, generate_buildings(seed=5, buildings=30), factors, source="test")
        forget_views()  # the demo's loaders read the published run: its tests start cold
        logins = {login.username: login for login in ensure_demo_logins()}
        first, second = Enterprise.objects.order_by("entity_id")[:2]
        other = Enterprise.objects.exclude(district=first.district).order_by("entity_id")[0]
        yield LoadedCity(logins, first, second, other, Bank.objects.get(code="DEMOBANK"))
        forget_views()
        call_command("flush", interactive=False, verbosity=0)


def empty_append_only(model: type[models.Model]) -> None:
    """Empty a table whose rows PostgreSQL refuses to delete one by one (``audit.append_only``):
    there by TRUNCATE, as its owner may; on SQLite by DELETE."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {connection.ops.quote_name(model._meta.db_table)}")
    else:
        model.objects.all().delete()


UploadPost = Callable[[Client, dict[str, Any]], HttpResponse]


@pytest.fixture
def upload_post(django_capture_on_commit_callbacks: Any) -> UploadPost:
    """Post to the upload page and run the import job it queues after commit (the test
    settings' immediate task backend), as the worker would."""

    def post(client: Client, data: dict[str, Any]) -> HttpResponse:
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/energy/uploads/", data)  # type: ignore[return-value]

    return post
