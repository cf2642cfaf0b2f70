"""The dashboard: a district officer's is titled for the district and ranks it among the
city's districts; the KPI cards drill down to the enterprise list."""

from __future__ import annotations

from collections import defaultdict

import pytest
from django.contrib.auth.models import User
from django.test import Client

from citycarbon.web.energy.models import Emission
from citycarbon.web.grading.models import CarbonCode
from citycarbon.web.grading.selectors import latest_published
from citycarbon.web.regions.models import District
from tests.web.conftest import LoadedCity

pytestmark = pytest.mark.django_db


def client_of(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def test_district_dashboard_is_titled_for_its_district_and_ranks_it(
    loaded_city: LoadedCity,
) -> None:
    profile = User.objects.get(username="district").profile  # type: ignore[attr-defined]
    district = District.objects.get(pk=profile.subject_id)
    response = client_of("district").get("/dashboard/")
    html = response.content.decode()
    assert f"<h2>{district.name_zh}碳排放驾驶舱 " in html
    assert "城市碳排放驾驶舱" not in html
    run = latest_published()
    assert run is not None
    year = response.context["year"]
    # The ranks from the stored rows: emissions summed per district, intensity as the
    # graded enterprises' tCO2 over their value added.
    co2: dict[str, float] = defaultdict(float)
    for code, tco2 in Emission.objects.filter(
        run=run.accounting_run, period__startswith=str(year)
    ).values_list("enterprise__district__code", "total_tco2"):
        co2[code] += tco2
    graded: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for code, tco2, va in CarbonCode.objects.filter(run=run, year=year).values_list(
        "enterprise__district__code", "total_tco2", "value_added_10k_yuan"
    ):
        graded[code][0] += tco2
        graded[code][1] += va
    by_emissions = sorted(co2, key=lambda c: -co2[c])
    by_intensity = sorted(graded, key=lambda c: graded[c][0] / graded[c][1])
    rows = {r["district_code"]: r for r in response.context["ranks"]["rows"]}
    assert set(rows) == set(District.objects.values_list("code", flat=True)) == set(co2)
    for code, row in rows.items():
        assert row["rank"] == by_emissions.index(code) + 1
        assert row["intensity_rank"] == by_intensity.index(code) + 1
        assert row["share"] == pytest.approx(co2[code] / sum(co2.values()))
    own = html.split('aria-current="true"')[1].split("</tr>")[0]
    assert f"<b>{district.name_zh}</b>" in own
    assert f"{rows[district.code]['rank']} / {len(rows)}" in own
    assert "与全市及其他区县比较" in html and "<td>全市</td>" in html


def test_city_dashboard_keeps_its_title_and_has_no_rank_table(loaded_city: LoadedCity) -> None:
    html = client_of("regulator").get("/dashboard/").content.decode()
    assert "城市碳排放驾驶舱" in html and 'id="district-ranks"' not in html


def test_kpis_drill_down_to_the_enterprise_list(loaded_city: LoadedCity) -> None:
    response = client_of("regulator").get("/dashboard/", {"industry": "17"})
    html = response.content.decode()
    year = response.context["year"]
    for kpi, sort in (("energy", "energy"), ("total", "emissions"), ("intensity", "intensity")):
        card = html.split(f'id="kpi-{kpi}"')[1].split("</div>")[0]
        assert f'href="/enterprises/?year={year}&district=&industry=17&sort={sort}"' in card


def test_enterprise_user_goes_to_its_own_page_not_the_city_list(loaded_city: LoadedCity) -> None:
    client = client_of("enterprise1")
    response = client.get("/enterprises/", {"district": "339901"})
    assert response.status_code == 302
    assert response["Location"] == f"/enterprises/{loaded_city.first.pk}/"


@pytest.mark.parametrize(
    ("username", "path", "status"),
    [("enterprise1", "/dashboard/", 403), ("enterprise1", "/enterprises/999999/", 404)],
)
def test_refusal_pages_link_back_to_the_users_own_page(
    loaded_city: LoadedCity, username: str, path: str, status: int
) -> None:
    client = client_of(username)
    response = client.get(path)
    assert response.status_code == status
    html = response.content.decode()
    assert '<a href="/" id="back-home">返回我的首页</a>' in html
    assert client.get("/")["Location"] == f"/enterprises/{loaded_city.first.pk}/"
