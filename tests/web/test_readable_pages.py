"""Chinese pages speak Chinese: purpose, energy and unit names, industry levels, shares as
percentages, back-test scopes, audit actions and their before/after as "key: value"."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from citycarbon.web.audit.actions import Actor, record
from citycarbon.web.audit.labels import action_label
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
    assert "<b>username</b>: li<br>" in html and "<b>revoked_at</b>: —" in html
    assert "{&#x27;id&#x27;" not in html and "'revoked_at': None" not in html
    assert re.search(r"<span>起</span><input type=\"date\" name=\"since\"", html)
    assert re.search(r"<span>止</span><input type=\"date\" name=\"until\"", html)


def test_filters_fall_back_to_the_code() -> None:
    assert action_label("nobody.knows") == "nobody.knows"
    assert purpose_label("other") == "other"
    assert percent(None) == "—"
    assert pairs({"a": [1, 2], "b": True}) == [("a", "1, 2"), ("b", "是")]
