"""The energy balance page and its Excel download: who sees which blocks, and the numbers
read back from the workbook."""

from __future__ import annotations

import io

import polars as pl
import pytest
from django.contrib.auth.models import User
from django.test import Client
from python_calamine import CalamineWorkbook

from citycarbon.core.balance import COLUMNS, energy_balance
from citycarbon.core.factors import FactorSet
from citycarbon.web.audit.actions import Actor
from citycarbon.web.balance.runs import KIND
from citycarbon.web.energy.selectors import energy_records
from citycarbon.web.enterprises.models import Enterprise
from citycarbon.web.enterprises.selectors import directory
from citycarbon.web.jobs.derived import build_here
from citycarbon.web.regions.models import District
from tests.web.conftest import LoadedCity

pytestmark = pytest.mark.django_db


def login(client: Client, username: str) -> None:
    client.force_login(User.objects.get(username=username))


def scope_titles(sheet: list[list[object]]) -> list[str]:
    """The block titles: "全市 city" and "<6-digit district code> <name>"."""
    first = [str(r[0]) for r in sheet if r and isinstance(r[0], str) and r[0]]
    return [
        t for t in first if t.startswith("全市") or (len(t.split()[0]) == 6 and t[:6].isdigit())
    ]


def test_page_roles(loaded_city: LoadedCity, client: Client) -> None:
    assert client.get("/balance/").status_code == 302
    assert client.get("/balance/2025.xlsx").status_code == 302
    for username in ("enterprise1", "bank"):
        login(client, username)
        assert client.get("/balance/").status_code == 403
        assert client.get("/balance/2025.xlsx").status_code == 403
    login(client, "regulator")
    html = client.get("/balance/", {"year": "2025"}).content.decode()
    assert 'id="scope-city"' in html
    for d in District.objects.all():
        assert f'id="scope-{d.code}"' in html
    login(client, "district")
    own = District.objects.order_by("code").first()
    assert own is not None
    html = client.get("/balance/").content.decode()
    assert f'id="scope-{own.code}"' in html
    assert 'id="scope-city"' not in html
    assert not any(f'id="scope-{d.code}"' in html for d in District.objects.exclude(pk=own.pk))
    book = CalamineWorkbook.from_object(io.BytesIO(client.get("/balance/2025.xlsx").content))
    titles = scope_titles(book.get_sheet_by_name("实物量").to_python())
    assert [t.split()[0] for t in titles] == [own.code]
    assert client.get("/balance/1999.xlsx").status_code == 404


def test_download_has_the_numbers(
    loaded_city: LoadedCity, client: Client, factors: FactorSet
) -> None:
    login(client, "admin")
    response = client.get("/balance/2024.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = CalamineWorkbook.from_object(io.BytesIO(response.content))
    assert book.sheet_names == ["实物量", "标准量"]
    expected = energy_balance(
        energy_records(),
        directory().select("entity_id", "district_code", "industry_code"),
        factors,
        2024,
    )
    physical = book.get_sheet_by_name("实物量").to_python()
    assert "2024" in str(physical[0][0]) and "SHA-256" in str(physical[0][0])
    # the city's block comes first: find its electricity row and compare every column
    city = expected.filter((pl.col("scope") == "city") & (pl.col("energy_code") == "33")).row(
        0, named=True
    )
    row = next(r for r in physical if r[0] == "33")
    assert [float(v) for v in row[3 : 3 + len(COLUMNS)]] == pytest.approx(
        [city[c] for c, _, _ in COLUMNS]
    )
    standard = book.get_sheet_by_name("标准量").to_python()
    row = next(r for r in standard if r[0] == "33")
    assert float(row[3]) == pytest.approx(city["supply"] * city["tce_per_unit"])
    total = next(r for r in standard if r[1] == "合计 total")
    assert float(total[3]) == pytest.approx(
        expected.filter(pl.col("scope") == "city")
        .select(pl.col("supply") * pl.col("tce_per_unit"))
        .sum()
        .item()
    )
    titles = scope_titles(physical)
    assert titles[0] == "全市 city" and len(titles) == 1 + District.objects.count()


def test_energy_code_column_is_headed_energy_code_not_carbon_code(
    loaded_city: LoadedCity, client: Client
) -> None:
    login(client, "regulator")
    html = client.get("/balance/", {"year": "2025"}).content.decode()
    headers = html.split("<thead>")[1].split("</thead>")[0]
    assert "<th>能源代码</th>" in headers
    assert "碳效码" not in html


def test_opens_on_the_latest_complete_year_and_warns_of_an_incomplete_one(
    loaded_city: LoadedCity, client: Client
) -> None:
    from citycarbon.web.energy.models import EnergyRecord  # noqa: PLC0415

    record = EnergyRecord.objects.order_by("-period").first()
    assert record is not None
    complete = int(record.period[:4])
    # One enterprise uploads two rows of one month of the next year.
    for code in ("21", "33"):
        EnergyRecord.objects.create(
            enterprise=record.enterprise,
            period=f"{complete + 1}-11",
            energy_code=code,
            purpose=record.purpose,
            quantity=1.2,
            data_import=record.data_import,
        )
    # Rows written by hand tell no one: the rebuild an import would queue is run here.
    build_here(KIND, actor=Actor.system("test"))
    login(client, "regulator")
    html = client.get("/balance/").content.decode()
    assert f" {complete}</h2>" in html
    assert 'id="incomplete"' not in html
    picked = client.get("/balance/", {"year": str(complete + 1)}).content.decode()
    assert f" {complete + 1}</h2>" in picked
    n = Enterprise.objects.count()
    assert f"{complete + 1} 年数据不完整：报告企业数 1 / {n} 家，月份数 1 / 12" in picked
