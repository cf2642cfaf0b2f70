"""Numbers in Chinese style: thousands separators on every page, 万 on the KPI cards."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import translation

from citycarbon.web.formatting import per, thousands, wan
from tests.web.conftest import LoadedCity

pytestmark = pytest.mark.django_db


def test_filters_in_both_languages() -> None:
    with translation.override("zh-hans"):
        assert wan(6_737_489.3, "吨标准煤") == "673.7 万吨标准煤"
        assert wan(21_027_860, "吨CO₂") == "2,102.8 万吨CO₂"
        assert wan(5_321.4, "吨标准煤") == "5,321 吨标准煤"
        assert thousands(657_021.4) == "657,021"
        assert per(16_100_000, 1000) == "16,100"
    with translation.override("en"):
        assert wan(6_737_489.3, "吨标准煤") == "6,737,489"
        assert thousands(1234.567, 2) == "1,234.57"
    assert wan(None) == "—" and thousands("x") == "x"


def test_dashboard_kpis_in_wan_and_tables_with_separators(
    loaded_city: LoadedCity, client: Client
) -> None:
    client.force_login(User.objects.get(username="regulator"))
    html = client.get("/dashboard/").content.decode()
    total = html.split('id="kpi-total">')[1].split("</a></div>")[0].split(">")[-1]
    assert re.fullmatch(r"[\d,]+\.\d 万吨CO₂", total), total
    assert re.search(r'<div class="value" id="kpi-energy"><a [^>]+>[\d,]+\.\d 万吨标准煤</a>', html)
    cells = re.findall(r'<td class="num">([\d,]+)</td>', html)
    big = [c for c in cells if len(c.replace(",", "")) > 3]
    assert big and all("," in c for c in big), big
    client.post("/i18n/setlang/", {"language": "en", "next": "/dashboard/"})
    english = client.get("/dashboard/").content.decode()
    total = english.split('id="kpi-total">')[1].split("</a></div>")[0].split(">")[-1]
    assert re.fullmatch(r"\d{1,3}(,\d{3})+", total), total
