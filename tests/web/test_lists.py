"""The benchmark list pages: paging with the filters kept, the filters shown, the active tab,
the CSV and Excel exports of the whole filtered list, and what each role sees."""

from __future__ import annotations

import csv
import html
import io
import re
import zipfile
from collections.abc import Iterator

import polars as pl
import pytest
from django.contrib.auth.models import User
from django.test import Client
from python_calamine import CalamineWorkbook

from citycarbon.web.enterprises.models import Enterprise
from citycarbon.web.grading import views
from citycarbon.web.grading.selectors import forget_views, latest_published, published_view
from citycarbon.web.regions.models import District
from tests.web.conftest import LoadedCity

pytestmark = pytest.mark.django_db


def login(client: Client, username: str) -> None:
    client.force_login(User.objects.get(username=username))


def poor_list(year: int | None = None, district: str | None = None) -> pl.DataFrame:
    run = latest_published()
    assert run is not None
    frame = published_view(run).poor_efficiency
    year = year or max(published_view(run).years)
    frame = frame.filter(pl.col("year") == year)
    return frame.filter(pl.col("district_code") == district) if district else frame


def names_on(page: str) -> list[str]:
    return re.findall(r'<td><a href="/enterprises/\d+/">([^<]*)</a>', page)


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(views, "LIST_PAGE_SIZE", 1)
    return 1


@pytest.fixture
def formula_name(loaded_city: LoadedCity) -> Iterator[Enterprise]:
    """The first listed enterprise renamed to text a spreadsheet would run as a formula."""
    forget_views()
    pk = int(poor_list()["enterprise_pk"][0])
    enterprise = Enterprise.objects.get(pk=pk)
    enterprise.name = '=HYPERLINK("http://x.invalid","click")'
    enterprise.save(update_fields=["name"])
    forget_views()
    yield enterprise
    forget_views()


def test_pages_keep_the_filters_and_show_them(
    loaded_city: LoadedCity, client: Client, small_pages: int
) -> None:
    login(client, "regulator")
    district = poor_list()["district_code"].mode().sort()[0]
    rows = poor_list(district=district)
    assert rows.height > small_pages  # more than one page
    year = int(rows["year"][0])
    first = client.get("/lists/poor-efficiency/", {"district": district, "year": year})
    body = first.content.decode()
    assert f'<option value="{district}" selected>' in body
    assert f'<option value="{year}" selected>{year}</option>' in body
    assert f'href="?year={year}&district={district}&page=2"' in html.unescape(body)
    assert re.search(r'<a href="/lists/poor-efficiency/\?[^"]*" aria-current="page">', body)
    assert not re.search(r'<a href="/lists/low-green/\?[^"]*" aria-current="page">', body)
    seen = names_on(body)
    pages = -(-rows.height // small_pages)
    for number in range(2, pages + 1):
        page = client.get(
            "/lists/poor-efficiency/", {"district": district, "year": year, "page": number}
        ).content.decode()
        assert f'<option value="{district}" selected>' in page
        seen += names_on(page)
    assert sorted(seen) == sorted(rows["name"].to_list())


def test_industry_filter_is_a_select_with_the_choice_kept(
    loaded_city: LoadedCity, client: Client
) -> None:
    login(client, "regulator")
    division = loaded_city.first.industry.code[:2]
    body = client.get("/lists/poor-efficiency/", {"industry": division}).content.decode()
    assert '<select name="industry" id="id_industry">' in body
    assert f'<option value="{division}" selected>' in body
    listed = poor_list().filter(pl.col("industry_code").str.starts_with(division))
    assert sorted(names_on(body)) == sorted(listed["name"].to_list()[: views.LIST_PAGE_SIZE])


def test_csv_export_has_every_row_and_neutralised_text(
    loaded_city: LoadedCity, client: Client, small_pages: int, formula_name: Enterprise
) -> None:
    login(client, "regulator")
    response = client.get("/lists/poor-efficiency/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    expected = poor_list()
    assert len(rows) == expected.height > small_pages  # the whole list, not a page
    names = [r["企业名称 name"] for r in rows]
    assert "'" + formula_name.name in names
    assert formula_name.name not in names


def test_xlsx_export_has_every_row_as_strings_never_formulas(
    loaded_city: LoadedCity, client: Client, formula_name: Enterprise
) -> None:
    login(client, "regulator")
    response = client.get("/lists/poor-efficiency/export.xlsx")
    assert response.status_code == 200
    book = CalamineWorkbook.from_object(io.BytesIO(response.content))
    table = book.get_sheet_by_index(0).to_python()
    assert "二维能效对标较差企业清单" in str(table[0][0])
    headers, values = table[1], table[2:]
    assert len(values) == poor_list().height
    names = [row[headers.index("企业名称 name")] for row in values]
    assert "'" + formula_name.name in names
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet


def test_district_officer_sees_and_exports_only_their_district(
    loaded_city: LoadedCity, client: Client
) -> None:
    login(client, "district")
    profile = User.objects.get(username="district").profile  # type: ignore[attr-defined]
    own_district = District.objects.get(pk=profile.subject_id)
    own = own_district.code
    other = next(
        e.district.code
        for e in (loaded_city.first, loaded_city.other_district)
        if e.district.code != own
    )
    body = client.get("/lists/poor-efficiency/", {"district": other}).content.decode()
    assert f'<option value="{own}" selected>' in body
    assert f'<option value="{other}"' not in body
    exported = client.get("/lists/poor-efficiency/export.csv", {"district": other})
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert len(rows) == poor_list(district=own).height
    own_name = own_district.name_zh
    assert {r["区县 district"] for r in rows} == {own_name}
    for username in ("enterprise1", "bank"):
        login(client, username)
        assert client.get("/lists/low-green/export.csv").status_code == 403
        assert client.get("/lists/low-green/").status_code == 403


def test_unknown_export_format_is_not_found(loaded_city: LoadedCity, client: Client) -> None:
    login(client, "regulator")
    assert client.get("/lists/poor-efficiency/export.pdf").status_code == 404
    assert client.get("/lists/nothing/export.csv").status_code == 404


def test_api_lists_take_the_same_filters_as_the_pages(
    loaded_city: LoadedCity, client: Client
) -> None:
    login(client, "regulator")
    district = poor_list()["district_code"].mode().sort()[0]
    year = max(poor_list()["year"].to_list())
    params = {"district": district, "year": year}
    api = client.get("/api/v1/lists/poor-efficiency", params).json()
    exported = client.get("/lists/poor-efficiency/export.csv", params)
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert api["count"] == len(rows) == poor_list(year, district).height
    green = client.get("/api/v1/lists/low-green", params)
    assert green.status_code == 200
    items = green.json()["items"]
    assert [i["switchable_mwh"] for i in items] == sorted(
        (i["switchable_mwh"] for i in items), reverse=True
    )
    assert all(i["rule_version"] == "2026.2" and i["district_code"] == district for i in items)
