"""Extreme but allowed numbers through the readings API, and answers that stay strict JSON."""

from __future__ import annotations

import json
import math
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from citycarbon import data
from citycarbon.web.access.actions import Binding, do_create_api_key
from citycarbon.web.api.renderers import finite
from citycarbon.web.audit.actions import Actor
from citycarbon.web.electricity.actions import do_map_account
from citycarbon.web.electricity.models import ElectricityBatch, ElectricityReading
from citycarbon.web.estimates.runs import KIND
from citycarbon.web.jobs.derived import build_here
from tests.web.conftest import LoadedCity

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")
URL = "/api/v1/electricity/readings"


def _refuse(constant: str) -> Any:
    raise ValueError(f"not JSON: {constant}")


def strict(body: bytes | str) -> Any:
    """RFC 8259 JSON only: ``NaN``, ``Infinity`` and ``-Infinity`` raise."""
    return json.loads(body, parse_constant=_refuse)


def key(role: str = "regulator", scopes: tuple[str, ...] = ("electricity",)) -> str:
    return do_create_api_key(Binding(role), actor=ACTOR, scopes=scopes)[1]


def post_raw(client: Client, body: str, api_key: str) -> Any:
    return client.post(URL, body, content_type="application/json", headers={"X-API-Key": api_key})


@pytest.mark.parametrize(
    ("literal", "code"),
    [
        ("1e400", "not_number_value"),
        ("-1e400", "not_number_value"),
        ("NaN", "not_number_value"),
        ("Infinity", "not_number_value"),
        ("1e-400", "underflow"),
        ("4e-320", "underflow"),
        ("1e308", "over_bound"),
        ("7450000000", "over_bound"),
        ('"1e308"', "over_bound"),
    ],
)
def test_readings_api_refuses_extreme_kwh_with_422(
    loaded_city: LoadedCity, client: Client, literal: str, code: str
) -> None:
    before = ElectricityReading.objects.count(), ElectricityBatch.objects.count()
    body = (
        '{"readings": [{"account": "X1", "start": "2026-01", "grain": "month", "kwh": 5},'
        f' {{"account": "X2", "start": "2026-01", "grain": "month", "kwh": {literal}}}]}}'
    )
    answer = post_raw(client, body, key())
    assert answer.status_code == 422
    errors = strict(answer.content)["errors"]
    assert [(e["index"], e["field"], e["code"]) for e in errors] == [(1, "kwh", code)]
    assert errors[0]["reason_zh"] and errors[0]["reason_en"]
    assert (ElectricityReading.objects.count(), ElectricityBatch.objects.count()) == before


def test_estimates_at_the_bounds_are_strict_json(loaded_city: LoadedCity, client: Client) -> None:
    bounds = dict(data.reading_bounds().select("grain", "max_kwh").iter_rows())
    readings = [
        {"account": "BIG", "start": f"2026-{m:02d}", "grain": "month", "kwh": bounds["month"]}
        for m in (1, 2)
    ]
    readings += [
        {"account": "BIG", "start": f"2026-01-0{d}", "grain": "day", "kwh": bounds["day"]}
        for d in (1, 2)
    ]
    readings.append(
        {"account": "BIG", "start": "2026-01-01 00:15", "grain": "15min", "kwh": bounds["15min"]}
    )
    answer = client.post(
        URL,
        json.dumps({"readings": readings}),
        content_type="application/json",
        headers={"X-API-Key": key()},
    )
    assert answer.status_code == 200, answer.content
    do_map_account("BIG", loaded_city.first, actor=ACTOR)
    # In the test's transaction nothing commits: the rebuild the mapping queues is run here.
    build_here(KIND, actor=ACTOR)
    reg = key(scopes=())
    for period in ("2026-01", "2026-01-01", "2026"):
        got = client.get(
            "/api/v1/estimates",
            {"period": period, "page_size": 500},
            headers={"X-API-Key": reg},
        )
        assert got.status_code == 200
        items = strict(got.content)["items"]
        mine = [i for i in items if i["entity_id"] == loaded_city.first.entity_id]
        assert any(i["kwh"] >= bounds["day"] for i in mine)
        for item in items:
            for value in item.values():
                assert not isinstance(value, float) or math.isfinite(value)
    listed = client.get(URL, {"account": "BIG"}, headers={"X-API-Key": reg})
    assert strict(listed.content)["count"] == len(readings)
    client.force_login(User.objects.get(username="regulator"))
    html = client.get("/estimates/", {"month": "2026-01"}).content.decode()
    for name in ("chart-months", "chart-days"):
        script = re.search(rf'<script id="{name}" type="application/json">(.*?)</script>', html)
        assert script is not None
        strict(script.group(1))


def test_renderer_never_writes_nan_or_infinity() -> None:
    value = {"a": [1.0, math.inf, {"b": -math.inf}], "c": (math.nan, 2), "d": "inf"}
    assert finite(value) == {"a": [1.0, None, {"b": None}], "c": [None, 2], "d": "inf"}
