"""The rapid-estimate dashboard and API: who sees what, estimates against readings, the
accounted figure replacing the estimate, daily estimates and no double counting."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from django.contrib.auth.models import User
from django.test import Client

from citycarbon.web.access.actions import Binding, do_create_api_key
from citycarbon.web.audit.actions import Actor
from citycarbon.web.electricity.actions import do_ingest_readings, do_map_accounts
from citycarbon.web.electricity.models import (
    ElectricityAccount,
    ElectricityBatch,
    ElectricityReading,
    ElectricityReadingHistory,
)
from citycarbon.web.energy.selectors import energy_records
from citycarbon.web.enterprises.models import Enterprise
from citycarbon.web.estimates import selectors
from citycarbon.web.regions.models import District
from tests.web.conftest import LoadedCity, empty_append_only

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")
LOCAL = ZoneInfo("Asia/Shanghai")


def _start(period: str) -> datetime:
    y, m, *d = (int(x) for x in period.split("-"))
    return datetime(y, m, d[0] if d else 1, tzinfo=LOCAL)


@pytest.fixture(scope="module")
def readings(
    loaded_city: LoadedCity, django_db_blocker: pytest.FixtureRequest
) -> Iterator[dict[str, float]]:
    """Monthly readings for every demo enterprise from its 205-1 grid electricity (codes 33,
    fuel and green purchase), 2024-01 to 2025-12, and January 2026 again as a month whose
    forms have not arrived; the first enterprise also has daily readings on 1-3 January 2026
    on the same account. They arrive through the grid feed's ingest and account mapping,
    which rebuild the estimates after commit. Returns the first enterprise's kWh by
    period."""
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        # The demo load brings readings of its own; these tests want readings they know.
        empty_append_only(ElectricityReadingHistory)
        ElectricityReading.objects.all().delete()
        ElectricityAccount.objects.all().delete()
        ElectricityBatch.objects.all().delete()
        kwh = (
            energy_records()
            .filter(
                (pl.col("energy_code") == "33")
                & pl.col("purpose").cast(pl.String).is_in(["fuel", "green_purchase"])
            )
            .group_by("entity_id", "period")
            .agg((pl.col("quantity").sum() * 1e4).alias("kwh"))
        )
        jan = kwh.filter(pl.col("period") == "2025-01").with_columns(period=pl.lit("2026-01"))
        kwh = pl.concat([kwh, jan])
        first = loaded_city.first.entity_id
        rows = [
            {"account_no": f"A-{entity}", "start": _start(period), "grain": "month", "kwh": v}
            for entity, period, v in kwh.iter_rows()
        ]
        rows += [
            {"account_no": f"A-{first}", "start": _start(f"2026-01-0{d}"), "grain": "day"}
            | {"kwh": 1000.0 * d}
            for d in (1, 2, 3)
        ]
        # an unmapped account's readings count nowhere
        rows.append({"account_no": "UNMAPPED", "start": _start("2026-01"), "grain": "month"})
        rows[-1]["kwh"] = 1e9
        frame = pl.DataFrame(rows).with_columns(
            pl.col("start").dt.convert_time_zone("Asia/Shanghai"), account_name=pl.lit("")
        )
        do_ingest_readings(frame, actor=ACTOR, source="test")
        mapping = {f"A-{e}": e for e in Enterprise.objects.values_list("entity_id", flat=True)}
        do_map_accounts(mapping, actor=ACTOR)
        mine = kwh.filter(pl.col("entity_id") == first)
        yield dict(mine.select("period", "kwh").iter_rows())


def key(role: str, city: LoadedCity) -> str:
    district = District.objects.order_by("code").first()
    binding = {
        "regulator": Binding("regulator"),
        "district": Binding("district", district),
        "enterprise": Binding("enterprise", city.first),
        "bank": Binding("bank", city.bank),
    }[role]
    return do_create_api_key(binding, actor=ACTOR)[1]


def api(client: Client, api_key: str | None, **params: object) -> object:
    headers = {"X-API-Key": api_key} if api_key else {}
    return client.get("/api/v1/estimates", {"page_size": 500, **params}, headers=headers)


def test_api_roles(loaded_city: LoadedCity, readings: dict[str, float], client: Client) -> None:
    assert api(client, None).status_code == 401  # type: ignore[attr-defined]
    for role in ("enterprise", "bank"):
        assert api(client, key(role, loaded_city)).status_code == 403  # type: ignore[attr-defined]
    everyone = api(client, key("regulator", loaded_city), period="2026-01").json()  # type: ignore[attr-defined]
    assert everyone["count"] == Enterprise.objects.count()
    own = District.objects.order_by("code").first()
    assert own is not None
    mine = api(client, key("district", loaded_city), period="2026-01").json()  # type: ignore[attr-defined]
    assert mine["count"] == Enterprise.objects.filter(district=own).count() > 0
    assert {i["district_code"] for i in mine["items"]} == {own.code}
    # a district cannot widen its view with the district filter
    other = District.objects.exclude(pk=own.pk).order_by("code").first()
    assert other is not None
    narrowed = api(client, key("district", loaded_city), district=other.code).json()  # type: ignore[attr-defined]
    assert narrowed["count"] == 0


def test_estimate_accounted_and_reported(
    loaded_city: LoadedCity, readings: dict[str, float], client: Client
) -> None:
    reg = key("regulator", loaded_city)
    first = loaded_city.first.entity_id

    def row(period: str) -> dict[str, object]:
        items = api(client, reg, period=period).json()["items"]  # type: ignore[attr-defined]
        return next(i for i in items if i["entity_id"] == first)

    jan25 = row("2025-01")
    assert jan25["reported_source"] == "accounted"
    assert jan25["reported_tco2"] == jan25["accounted_tco2"]
    assert jan25["estimated_tco2"] == pytest.approx(
        readings["2025-01"] / 1000 * jan25["tco2_per_mwh"]  # type: ignore[operator]
    )
    jan26 = row("2026-01")
    assert jan26["reported_source"] == "estimated"
    assert jan26["accounted_tco2"] is None
    # the monthly reading counts once, not again with the daily readings of the same account
    assert jan26["kwh"] == pytest.approx(readings["2025-01"])
    assert jan26["estimated_tco2"] == pytest.approx(jan25["estimated_tco2"])
    day = row("2026-01-02")
    assert day["kwh"] == 2000.0
    assert day["estimated_tco2"] == pytest.approx(2.0 * day["tco2_per_mwh"])  # type: ignore[operator]
    run = selectors.shown().run
    assert run is not None
    assert run.fit_year == 2025
    assert run.backtest_test_year == 2025


def login(client: Client, username: str) -> None:
    client.force_login(User.objects.get(username=username))


def test_page_roles_and_content(
    loaded_city: LoadedCity, readings: dict[str, float], client: Client
) -> None:
    assert client.get("/estimates/").status_code == 302
    for username in ("enterprise1", "bank"):
        login(client, username)
        assert client.get("/estimates/").status_code == 403
    login(client, "regulator")
    page = client.get("/estimates/", {"month": "2026-01"})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="chart-months"' in html and 'id="chart-days"' in html
    # The daily chart says whom it covers: the one enterprise with day readings.
    assert "仅含有逐日电表读数的 1 家企业（本月速算企业共" in html
    assert 'id="backtest"' in html and "MAPE" in html
    for d in District.objects.all():
        assert d.name_zh in html
    login(client, "district")
    own = District.objects.order_by("code").first()
    assert own is not None
    html = client.get("/estimates/", {"district": "", "month": "2026-01"}).content.decode()
    others = District.objects.exclude(pk=own.pk)
    by_district = html[html.index('id="by-district"') : html.index('id="by-division"')]
    assert own.name_zh in by_district
    assert not any(d.name_zh in by_district for d in others)
    backtest = html[html.index('id="backtest"') :]
    assert own.code in backtest
    assert not any(f"<td>{d.code}</td>" in backtest for d in others)
    assert "<td>city</td>" not in backtest
