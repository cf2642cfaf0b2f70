"""Before any electricity reading arrives the estimate page and API say so, not fail."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from citycarbon.web.electricity.models import (
    ElectricityAccount,
    ElectricityReading,
    ElectricityReadingHistory,
)
from citycarbon.web.estimates import selectors
from tests.web.conftest import LoadedCity, empty_append_only

pytestmark = pytest.mark.django_db


def test_no_readings_yet(loaded_city: LoadedCity, client: Client) -> None:
    # The demo load brings readings; this test is about a city with none yet (rolled back).
    empty_append_only(ElectricityReadingHistory)
    ElectricityReading.objects.all().delete()
    ElectricityAccount.objects.all().delete()
    selectors.forget()
    client.force_login(User.objects.get(username="regulator"))
    page = client.get("/estimates/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="backtest"' not in html
    view = selectors.estimates_view()
    assert view.fit_year is None and view.backtest is None
    # accounted months are still listed, as reported figures without estimates
    assert view.monthly.get_column("estimated_tco2").null_count() == view.monthly.height > 0
    body = client.get("/api/v1/estimates", {"period": "2025-01"}).json()
    assert body["count"] == 60
    assert {i["reported_source"] for i in body["items"]} == {"accounted"}
