"""The pages' forms: a filter outside its choices, a page past the last one or a value that
is no number answers with the form's reason (400 for filters, 422 for the what-if form),
never every row, nan or another year; and the enterprise list reached from the dashboard
sorts by emissions and shows them."""

from __future__ import annotations

import html
import re
from urllib.parse import urlencode

import polars as pl
import pytest
from django.contrib.auth.models import User
from django.test import Client

from citycarbon.web.grading.selectors import latest_published, published_view
from citycarbon.web.profile import views
from citycarbon.web.regions.models import District
from tests.web.conftest import LoadedCity

pytestmark = pytest.mark.django_db


def login(client: Client, username: str) -> None:
    client.force_login(User.objects.get(username=username))


def text(response: object) -> str:
    return html.unescape(response.content.decode())  # type: ignore[attr-defined]


def published_years() -> tuple[int, ...]:
    run = latest_published()
    assert run is not None
    return published_view(run).years


@pytest.mark.parametrize("year", ["1999", "abc", "20255"])
def test_enterprise_list_refuses_a_year_without_data(
    loaded_city: LoadedCity, client: Client, year: str
) -> None:
    login(client, "regulator")
    response = client.get("/enterprises/", {"year": year})
    assert response.status_code == 400
    body = text(response)
    assert "筛选条件有误" in body
    assert f"选择一个有效的选项。 {year} 不在可用的选项中。" in body
    assert 'id="enterprise-table"' not in body  # no rows at all


def test_enterprise_list_year_select_holds_the_years_with_data(
    loaded_city: LoadedCity, client: Client
) -> None:
    login(client, "regulator")
    body = client.get("/enterprises/").content.decode()
    select = body.split('name="year"')[1].split("</select>")[0]
    offered = [int(y) for y in re.findall(r'<option value="(\d{4})"', select)]
    assert set(published_years()) <= set(offered)
    assert offered == sorted(offered, reverse=True)


def test_enterprise_list_refuses_an_unknown_industry(
    loaded_city: LoadedCity, client: Client
) -> None:
    login(client, "regulator")
    response = client.get("/enterprises/", {"industry": "99"})
    assert response.status_code == 400
    assert "选择一个有效的选项。 99 不在可用的选项中。" in text(response)


def test_enterprise_list_industry_is_a_select_of_named_divisions(
    loaded_city: LoadedCity, client: Client
) -> None:
    login(client, "regulator")
    division = loaded_city.first.industry.code[:2]
    body = client.get("/enterprises/", {"industry": division}).content.decode()
    assert '<select name="industry" id="id_industry">' in body
    chosen = re.search(rf'<option value="{division}" selected>{division} ([^<]+)</option>', body)
    assert chosen is not None and chosen.group(1).strip()  # the code with its name


def test_a_group_code_from_a_link_is_kept(loaded_city: LoadedCity, client: Client) -> None:
    login(client, "regulator")
    group = loaded_city.first.industry.code[:3]
    response = client.get("/enterprises/", {"industry": group})
    assert response.status_code == 200
    assert f'<option value="{group}" selected>' in response.content.decode()


@pytest.mark.parametrize("page", ["0", "-1", "abc"])
def test_enterprise_list_refuses_a_bad_page(
    loaded_city: LoadedCity, client: Client, page: str
) -> None:
    login(client, "regulator")
    assert client.get("/enterprises/", {"page": page}).status_code == 400


def test_enterprise_list_refuses_a_page_past_the_last(
    loaded_city: LoadedCity, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "PAGE_SIZE", 25)
    login(client, "regulator")
    count = 60  # the test city's enterprises
    assert client.get("/enterprises/", {"page": 3}).status_code == 200  # 51–60
    response = client.get("/enterprises/", {"page": 4})
    assert response.status_code == 400
    assert "第 4 页不存在：列表共 3 页。" in text(response)
    assert -(-count // 25) == 3


def test_enterprise_list_sorted_by_emissions_shows_them(
    loaded_city: LoadedCity, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "PAGE_SIZE", 5)
    login(client, "regulator")
    district = District.objects.order_by("code").first()
    assert district is not None
    year = max(published_years())
    run = latest_published()
    assert run is not None
    expected = (
        published_view(run)
        .emissions.filter((pl.col("year") == year) & (pl.col("district_code") == district.code))
        .sort(["total_tco2", "entity_id"], descending=[True, False])
        .head(5)
    )
    body = client.get(
        "/enterprises/", {"district": district.code, "year": year, "sort": "emissions"}
    ).content.decode()
    table = body.split('id="enterprise-table"')[1]
    assert "排放量（吨二氧化碳）" in table and "能耗（吨标准煤）" in table
    ids = re.findall(r'<td><a href="/enterprises/(\d+)/">', table)
    assert [int(i) for i in ids] == expected["enterprise_pk"].to_list()
    first = expected.row(0, named=True)
    assert f'<td class="num">{round(first["total_tco2"]):,}</td>' in table


def test_energy_sort_and_page_links_keep_the_filters(
    loaded_city: LoadedCity, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "PAGE_SIZE", 5)
    login(client, "regulator")
    body = text(client.get("/enterprises/", {"sort": "energy", "q": "企业"}))
    assert f'href="?{urlencode({"q": "企业", "sort": "energy"})}&page=2"' in body


def test_a_bank_may_not_sort_by_emissions(loaded_city: LoadedCity, client: Client) -> None:
    login(client, "bank")
    listed = client.get("/enterprises/")
    assert listed.status_code == 200 and "排放量（吨二氧化碳）" not in listed.content.decode()
    response = client.get("/enterprises/", {"sort": "emissions"})
    assert response.status_code == 400
    assert "当前角色无权查看排放量。" in text(response)


def test_dashboard_links_its_bars_to_the_list_by_emissions(
    loaded_city: LoadedCity, client: Client
) -> None:
    login(client, "regulator")
    body = text(client.get("/dashboard/"))
    assert re.search(
        r'id="by-district"[^>]*data-link="[^"]*district=\{key\}[^"]*sort=emissions"', body
    )


@pytest.mark.parametrize("year", ["1990", "x"])
def test_dashboard_and_lists_refuse_a_year_without_data(
    loaded_city: LoadedCity, client: Client, year: str
) -> None:
    login(client, "regulator")
    for path in ("/dashboard/", "/lists/poor-efficiency/", "/lists/low-green/export.csv"):
        assert client.get(path, {"year": year}).status_code == 400, path


def test_district_officer_keeps_their_district(loaded_city: LoadedCity, client: Client) -> None:
    login(client, "district")
    own = District.objects.order_by("code").first()
    other = District.objects.exclude(pk=own.pk).order_by("code").first()  # type: ignore[union-attr]
    assert own is not None and other is not None
    body = client.get("/lists/poor-efficiency/", {"district": other.code}).content.decode()
    select = body.split('name="district"')[1].split("</select>")[0]
    assert "disabled" in body.split('name="district"')[1].split(">")[0]
    assert other.code not in select and f'value="{own.code}"' in select


def test_audit_dates_in_the_wrong_order(loaded_city: LoadedCity, client: Client) -> None:
    login(client, "regulator")
    response = client.get("/audit/", {"since": "2026-02-01", "until": "2026-01-01"})
    assert response.status_code == 400
    assert "截止日期早于起始日期。" in text(response)
    assert client.get("/audit/", {"since": "2026-13-01"}).status_code == 400
    assert client.get("/audit/", {"since": "2026-01-01"}).status_code == 200


def test_accounts_filter_takes_the_apis_values(loaded_city: LoadedCity, client: Client) -> None:
    login(client, "regulator")
    assert client.get("/electricity/accounts/", {"mapped": "false"}).status_code == 200
    assert client.get("/electricity/accounts/", {"mapped": "true"}).status_code == 200
    assert client.get("/electricity/accounts/", {"mapped": "no"}).status_code == 400


def test_records_year_outside_the_records(loaded_city: LoadedCity, client: Client) -> None:
    login(client, "regulator")
    path = f"/enterprises/{loaded_city.first.pk}/records/"
    year = max(published_years())
    assert client.get(path, {"year": year}).status_code == 200
    assert client.get(path, {"year": 1990}).status_code == 400


@pytest.mark.parametrize("value", ["abc", "nan", "inf", "1e999"])
def test_whatif_refuses_what_is_no_number(
    loaded_city: LoadedCity, client: Client, value: str
) -> None:
    login(client, "regulator")
    response = client.post(
        f"/enterprises/{loaded_city.first.pk}/whatif/", {"coal_to_gas_tce": value}
    )
    assert response.status_code == 422
    body = text(response)
    assert "煤改气（吨标准煤）：输入一个数字。" in body
    assert "whatif-table" not in body and "nan" not in body.lower().replace("nanum", "")


def test_whatif_empty_fields_are_no_change(loaded_city: LoadedCity, client: Client) -> None:
    login(client, "regulator")
    response = client.post(f"/enterprises/{loaded_city.first.pk}/whatif/", {})
    assert response.status_code == 200 and "whatif-table" in response.content.decode()


def test_onboarding_kind_outside_the_choices(loaded_city: LoadedCity, client: Client) -> None:
    login(client, "regulator")
    response = client.post("/onboarding/", {"kind": "banks"})
    assert response.status_code == 422
    assert "请选择文件内容：区县、企业或经济数据。" in text(response)
