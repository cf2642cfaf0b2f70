"""Before any electricity reading arrives the estimate page and API say so, not fail."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from citycarbon.web.audit.actions import Actor
from citycarbon.web.electricity.models import (
    ElectricityAccount,
    ElectricityReading,
    ElectricityReadingHistory,
)
from citycarbon.web.estimates import selectors
from citycarbon.web.estimates.models import Estimate
from citycarbon.web.estimates.runs import KIND
from citycarbon.web.jobs.derived import build_here
from tests.web.conftest import LoadedCity, empty_append_only

pytestmark = pytest.mark.django_db


def test_no_readings_yet(loaded_city: LoadedCity, client: Client) -> None:
    # The demo load brings readings; this test is about a city with none yet (rolled back).
    empty_append_only(ElectricityReadingHistory)
    ElectricityReading.objects.all().delete()
    ElectricityAccount.objects.all().delete()
    job = build_here(KIND, actor=Actor.system("test"))
    assert job.status == "done", (job.reason_en, job.progress_label)
    client.force_login(User.objects.get(username="regulator"))
    page = client.get("/estimates/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="backtest"' not in html
    run = selectors.shown().run
    assert run is not None
    assert run.fit_year is None and run.backtest_test_year is None
    # accounted months are still listed, as reported figures without estimates
    monthly = Estimate.objects.filter(run=run, grain="month")
    assert monthly.filter(estimated_tco2__isnull=True).count() == monthly.count() > 0
    body = client.get("/api/v1/estimates", {"period": "2025-01"}).json()
    assert body["count"] == 60
    assert {i["reported_source"] for i in body["items"]} == {"accounted"}
