"""Key energy users on the platform, and GB/T 4754 names on pages."""

from __future__ import annotations

import polars as pl
import pytest
from django.contrib.auth.models import User
from django.test import Client

from citycarbon import data
from citycarbon.core.factors import load_factor_set
from citycarbon.core.key_energy_users import RULE_VERSION, key_energy_users
from citycarbon.core.schemas import METHOD_VERSION
from citycarbon.web.access.actions import Binding, do_create_api_key
from citycarbon.web.audit.actions import Actor
from citycarbon.web.audit.models import AuditEvent
from citycarbon.web.energy.actions import do_account
from citycarbon.web.energy.models import AccountingRun
from citycarbon.web.energy.selectors import emissions
from citycarbon.web.enterprises.actions import do_flag_key_energy_users
from citycarbon.web.enterprises.models import Enterprise, KeyEnergyUser
from tests.web.conftest import LoadedCity

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")


def regulator(client: Client) -> None:
    client.force_login(User.objects.get(username="regulator"))


def test_the_demo_city_gets_its_flags_from_accounting(loaded_city: LoadedCity) -> None:
    run = AccountingRun.objects.get()
    expected = key_energy_users(emissions(run)).filter(pl.col("key_energy_user"))
    assert expected.height > 0
    stored = {(e, y) for e, y in KeyEnergyUser.objects.values_list("enterprise__entity_id", "year")}
    assert stored == set(expected.select("entity_id", "year").iter_rows())
    flag = KeyEnergyUser.objects.first()
    assert flag is not None
    assert flag.accounting_run_id == run.pk and flag.energy_tce >= 1000
    assert (flag.threshold_tce, flag.rule_version) == (1000.0, RULE_VERSION)
    assert flag.method_version == METHOD_VERSION
    latest = expected.get_column("year").max()
    key_now = set(expected.filter(pl.col("year") == latest).get_column("entity_id"))
    flagged = set(
        Enterprise.objects.filter(key_energy_user=True).values_list("entity_id", flat=True)
    )
    assert flagged == key_now
    event = AuditEvent.objects.get(action="enterprises.flag_key_energy_users")
    assert event.after["accounting_run"] == run.pk
    assert event.after["threshold_tce"] == 1000.0
    assert "1000吨标煤以上" in event.after["rule"]


def test_the_action_replaces_the_flags_of_its_years_with_an_audit_event(
    loaded_city: LoadedCity,
) -> None:
    first, second = loaded_city.first, loaded_city.second
    years = sorted(set(KeyEnergyUser.objects.values_list("year", flat=True)))
    other_years = KeyEnergyUser.objects.exclude(year=years[-1]).count()
    frame = pl.DataFrame(
        {
            "entity_id": [first.entity_id, second.entity_id, first.entity_id],
            "period": [f"{years[-1]}-01", f"{years[-1]}", f"{years[-1]}-02"],
            "energy_tce": [500.0, 999.99, 500.0],
        }
    )
    counts = do_flag_key_energy_users(frame, actor=ACTOR, method_version="test/1")
    assert counts == {years[-1]: 1}
    flags = KeyEnergyUser.objects.filter(year=years[-1])
    assert list(flags.values_list("enterprise_id", "energy_tce")) == [(first.pk, 1000.0)]
    assert KeyEnergyUser.objects.exclude(year=years[-1]).count() == other_years
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.key_energy_user and not second.key_energy_user
    events = AuditEvent.objects.filter(action="enterprises.flag_key_energy_users")
    event = events.order_by("sequence").last()
    assert event is not None and event.actor_label == ACTOR.label
    assert event.after["key_energy_users"] == {str(years[-1]): 1}
    assert event.before["key_energy_users"][str(years[-1])] >= 0


def test_enterprise_page_shows_the_flag_with_its_year(
    loaded_city: LoadedCity, client: Client
) -> None:
    flag = KeyEnergyUser.objects.order_by("-year", "enterprise_id").first()
    assert flag is not None
    regulator(client)
    page = client.get(f"/enterprises/{flag.enterprise_id}/").content.decode()
    assert (
        f"重点用能单位 {flag.year}" in page or f"重点用能单位 {flag.year - 1}, {flag.year}" in page
    )
    industry = Enterprise.objects.get(pk=flag.enterprise_id).industry
    assert f"{industry.code} {industry.name_zh}" in page


def test_enterprise_list_and_api_filter_key_energy_users(
    loaded_city: LoadedCity, client: Client
) -> None:
    regulator(client)
    key = set(Enterprise.objects.filter(key_energy_user=True).values_list("pk", flat=True))
    assert 0 < len(key) < Enterprise.objects.count()
    listed = client.get("/enterprises/", {"key_energy_user": "true"})
    assert listed.context["count"] == len(key)
    year = KeyEnergyUser.objects.order_by("year").values_list("year", flat=True).first()
    in_year = set(KeyEnergyUser.objects.filter(year=year).values_list("enterprise_id", flat=True))
    by_year = client.get("/enterprises/", {"key_energy_user": "true", "year": str(year)})
    assert by_year.context["count"] == len(in_year)
    others = client.get("/enterprises/", {"key_energy_user": "false"})
    assert others.context["count"] == Enterprise.objects.count() - len(key)
    api_key = do_create_api_key(Binding("regulator"), actor=ACTOR)[1]
    headers = {"X-API-Key": api_key}
    body = client.get(
        "/api/v1/enterprises", {"key_energy_user": "true", "page_size": 500}, headers=headers
    ).json()
    assert {i["id"] for i in body["items"]} == key
    assert all(i["key_energy_user"] and i["key_energy_user_year"] for i in body["items"])
    body = client.get(
        "/api/v1/enterprises",
        {"key_energy_user": "true", "year": year, "page_size": 500},
        headers=headers,
    ).json()
    assert {i["id"] for i in body["items"]} == in_year


def test_pages_list_industry_division_names(loaded_city: LoadedCity, client: Client) -> None:
    regulator(client)
    division = Enterprise.objects.order_by("entity_id").first().industry.code[:2]  # type: ignore[union-attr]
    zh, en = data.industry_name(division), data.industry_name(division, "en")
    dashboard = client.get("/dashboard/").content.decode()
    assert f">{division} {zh}</option>" in dashboard
    assert f"{division} {zh}" in str(client.get("/dashboard/").context["f"]["by_industry"])
    listing = client.get("/enterprises/").content.decode()
    assert f'<option value="{division}">{division} {zh}</option>' in listing
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get("/dashboard/").content.decode()
    assert f">{division} {en}</option>" in english


def test_a_coal_equivalent_run_leaves_the_flags_alone(loaded_city: LoadedCity) -> None:
    before = list(KeyEnergyUser.objects.values_list("enterprise_id", "year", "accounting_run_id"))
    run, new = do_account(
        load_factor_set("cn-2023", electricity_method="coal_equivalent"), actor=ACTOR
    )
    assert new
    after = list(KeyEnergyUser.objects.values_list("enterprise_id", "year", "accounting_run_id"))
    assert after == before and run.pk not in {r for _e, _y, r in after}
