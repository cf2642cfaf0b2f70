"""Chinese pages speak Chinese: purpose, energy and unit names, industry levels, shares as
percentages, back-test scopes, audit actions and their before/after as "key: value"."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from citycarbon.web.audit.actions import Actor, record
from citycarbon.web.audit.labels import action_label
from citycarbon.web.energy.models import EnergyRecord
from citycarbon.web.formatting import pairs, percent, purpose_label
from tests.web.conftest import LoadedCity

pytestmark = pytest.mark.django_db


def login(client: Client, username: str) -> None:
    client.force_login(User.objects.get(username=username))


def test_records_page_names_purpose_energy_and_unit(
    loaded_city: LoadedCity, client: Client
) -> None:
    login(client, "enterprise1")
    html = client.get(f"/enterprises/{loaded_city.first.pk}/records/").content.decode()
    assert "<td>燃料</td>" in html and "<td>fuel</td>" not in html
    assert "<th>计量单位</th>" in html
    assert re.search(r"<td>\d\d</td><td>[^<a-z]+</td><td>[^<]+</td><td class=\"num\">", html)


def test_records_page_traces_each_record_to_tco2_factor_and_import(
    loaded_city: LoadedCity, client: Client
) -> None:
    login(client, "enterprise1")
    imported = EnergyRecord.objects.filter(enterprise=loaded_city.first).first()
    assert imported is not None
    diesel = EnergyRecord.objects.create(
        enterprise=loaded_city.first,
        period="2000-01",  # the first row of the first page
        energy_code="21",
        purpose="fuel",
        quantity=12.5,
        data_import=imported.data_import,
    )
    html = client.get(f"/enterprises/{loaded_city.first.pk}/records/").content.decode()
    row = html.split(f"<td>{diesel.period}</td><td>21</td>")[1].split("</tr>")[0]
    # diesel, NDRC 2015 parameters: 42.652 GJ/t x 0.0202 tC/GJ x 0.98 oxidised x 44/12
    factor = 42.652 * 0.0202 * 0.98 * 44 / 12
    assert f'<td class="num">{factor:,.4f}</td>' in row
    assert f'<td class="num">{diesel.quantity * factor:,.3f}</td>' in row
    assert "<td>柴油</td>" in row and "<td>吨</td>" in row
    assert f"#{diesel.data_import.pk} {diesel.data_import.source}" in row
    assert "因子集 cn-2023" in html


def test_records_download_and_api_carry_the_unit(loaded_city: LoadedCity, client: Client) -> None:
    login(client, "enterprise1")
    csv = client.get(f"/enterprises/{loaded_city.first.pk}/download/records.csv")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "entity_id,period,energy_code,quantity,unit,purpose"
    electricity = next(line for line in lines if ",33," in line)  # 电力, in 万千瓦时
    assert electricity.split(",")[4] == "10k_kwh"
    api = client.get("/api/v1/energy-records", {"enterprise_id": loaded_city.first.pk}).json()
    units = {item["energy_code"]: item["unit"] for item in api["items"]}
    assert units["33"] == "10k_kwh"
    assert all(units.values())


def test_lists_give_reasons_in_the_page_language(loaded_city: LoadedCity, client: Client) -> None:
    login(client, "regulator")
    for kind in ("poor-efficiency", "low-green"):
        zh = client.get(f"/lists/{kind}/").content.decode()
        assert "above industry" not in zh and "at or below" not in zh
    poor = client.get("/lists/poor-efficiency/").content.decode()
    assert "高于行业P" in poor
    client.cookies["django_language"] = "en"
    english = client.get("/lists/poor-efficiency/").content.decode()
    assert "above industry P" in english and "高于行业P" not in english


def test_enterprise_page_in_chinese(loaded_city: LoadedCity, client: Client) -> None:
    login(client, "enterprise1")
    html = client.get(f"/enterprises/{loaded_city.first.pk}/").content.decode()
    assert re.search(r"行业(小|中|大)类 \d+ [^（]*（同行 \d+ 家）", html)
    assert "(class" not in html and "家同行" not in html
    assert re.search(r"<td>\d+\.\d %</td>", html)  # the green-energy share
    mix = html.split('id="chart-mix"')[1].split("</script>")[0]
    assert "coal" not in mix and "\\u7164" in mix  # the pie's labels: 煤


def test_backtest_scopes_in_chinese(loaded_city: LoadedCity, client: Client) -> None:
    login(client, "regulator")
    html = client.get("/estimates/").content.decode()
    table = html.split('id="backtest"')[1].split("</table>")[0]
    assert "<td>全市</td>" in table and "<td>city</td>" not in table
    assert "<td>district</td>" not in table and "<td>division</td>" not in table


def test_audit_page_names_actions_and_lists_before_after(
    loaded_city: LoadedCity, client: Client
) -> None:
    from django.db import transaction  # noqa: PLC0415

    with transaction.atomic():
        record(
            Actor.system("test"),
            "access.create_user",
            "User",
            1,
            after={"id": 1, "username": "li", "revoked_at": None},
        )
    login(client, "admin")
    html = client.get("/audit/", {"action": "access.create_user"}).content.decode()
    assert "创建用户" in html
    assert "<b>用户名</b>: li<br>" in html and "<b>revoked_at</b>: —" in html
    assert "{&#x27;id&#x27;" not in html and "'revoked_at': None" not in html
    assert re.search(r"<span>起</span><input type=\"date\" name=\"since\"", html)
    assert re.search(r"<span>止</span><input type=\"date\" name=\"until\"", html)


def test_audit_page_names_objects_fields_and_nested_values(
    loaded_city: LoadedCity, client: Client
) -> None:
    from django.db import transaction  # noqa: PLC0415

    with transaction.atomic():
        record(
            Actor.system("test"),
            "access.grant_consent",
            "Consent",
            7,
            after={"enterprise": 1, "revoked_at": None, "by_account": {"330001": None}},
        )
    login(client, "admin")
    html = client.get("/audit/", {"object_type": "Consent"}).content.decode()
    row = html.split('id="audit-table"')[1].split("</tr>")[1]
    assert "<td>授权 7</td>" in row
    assert "<b>企业</b>: 1<br>" in row and "<b>撤销时间</b>: —<br>" in row
    assert "<b>by_account</b>: 330001: —<br>" in row
    assert '<option value="Consent" selected>授权</option>' in html


def test_filters_fall_back_to_the_code() -> None:
    assert action_label("nobody.knows") == "nobody.knows"
    assert purpose_label("other") == "other"
    assert percent(None) == "—"
    assert pairs({"a": [1, 2], "b": True}) == [("a", "1, 2"), ("b", "是")]
