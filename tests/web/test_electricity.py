"""Grid electricity readings: the API, corrections with history, accounts and their mapping,
permissions, the CSV import, concurrency on PostgreSQL, and the demo city's readings."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from django.test import Client

from citycarbon.web.access.actions import Binding, do_create_api_key
from citycarbon.web.access.models import Role
from citycarbon.web.audit.actions import Actor
from citycarbon.web.audit.models import AuditEvent
from citycarbon.web.electricity.actions import do_ingest_readings, do_map_account
from citycarbon.web.electricity.api import MAX_READINGS
from citycarbon.web.electricity.models import (
    ElectricityAccount,
    ElectricityBatch,
    ElectricityReading,
    ElectricityReadingHistory,
)
from citycarbon.web.enterprises.models import Enterprise
from citycarbon.web.regions.models import District
from tests.web.conftest import LoadedCity

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")
URL = "/api/v1/electricity/readings"


def writer_key(role: Role = Role.REGULATOR, scopes: tuple[str, ...] = ("electricity",)) -> str:
    return do_create_api_key(Binding(role), actor=ACTOR, scopes=scopes)[1]


def post(client: Client, readings: list[dict[str, Any]], key: str | None) -> Any:
    headers = {"X-API-Key": key} if key else {}
    return client.post(
        URL, json.dumps({"readings": readings}), content_type="application/json", headers=headers
    )


def month_readings(accounts: list[str], kwh: float = 1000.0) -> list[dict[str, Any]]:
    return [
        {"account": a, "start": f"2026-{m:02d}", "grain": "month", "kwh": kwh + i + m}
        for i, a in enumerate(accounts)
        for m in range(1, 4)
    ]


def counts() -> dict[str, int]:
    return {
        "accounts": ElectricityAccount.objects.count(),
        "readings": ElectricityReading.objects.count(),
        "history": ElectricityReadingHistory.objects.count(),
    }


def test_accepted_then_idempotent(client: Client) -> None:
    key = writer_key()
    body = month_readings(["3300000001", "3300000002"])
    body.append(
        {"account": "3300000001", "start": "2026-10-01T00:15:00+08:00", "grain": "15min", "kwh": 2}
    )
    body.append({"account": "3300000001", "start": "2026-10-01", "grain": "day", "kwh": 48})
    first = post(client, body, key)
    assert first.status_code == 200, first.content
    assert first.json() | {"batch": 0} == {
        "batch": 0,
        "received": 8,
        "inserted": 8,
        "corrected": 0,
        "unchanged": 0,
        "new_accounts": 2,
    }
    after_first = counts()
    assert after_first == {"accounts": 2, "readings": 8, "history": 0}
    again = post(client, body, key)
    assert again.status_code == 200
    assert again.json()["inserted"] == again.json()["corrected"] == 0
    assert again.json()["unchanged"] == 8 and again.json()["new_accounts"] == 0
    assert counts() == after_first
    quarter = ElectricityReading.objects.get(grain="15min")
    assert quarter.start.isoformat() == "2026-09-30T16:15:00+00:00"
    assert AuditEvent.objects.filter(action="electricity.ingest").count() == 2


def test_correction_keeps_history(client: Client) -> None:
    key = writer_key()
    body = month_readings(["3300000009"])
    post(client, body, key)
    first_batch = ElectricityBatch.objects.get()
    body[1] = {**body[1], "kwh": 5555.5}
    answer = post(client, body, key).json()
    assert (answer["inserted"], answer["corrected"], answer["unchanged"]) == (0, 1, 2)
    current = ElectricityReading.objects.get(account__account_no="3300000009", kwh=5555.5)
    assert current.version == 2 and current.batch_id == answer["batch"]
    old = ElectricityReadingHistory.objects.get()
    assert (old.kwh, old.version, old.batch_id) == (1002.0, 1, first_batch.pk)
    assert old.replaced_by_id == answer["batch"] and old.start == current.start
    # the same correction again changes nothing more
    assert post(client, body, key).json()["corrected"] == 0
    assert ElectricityReadingHistory.objects.count() == 1


def test_unknown_accounts_kept_and_listed(client: Client) -> None:
    key = writer_key()
    post(client, month_readings(["9900000001"]) + month_readings(["9900000002"], 10.0), key)
    reader = writer_key(scopes=())
    listed = client.get(
        "/api/v1/electricity/accounts", {"mapped": "false"}, headers={"X-API-Key": reader}
    )
    assert listed.status_code == 200
    items = {i["account_no"]: i for i in listed.json()["items"]}
    assert set(items) == {"9900000001", "9900000002"}
    assert items["9900000001"]["readings_count"] == 3
    assert items["9900000001"]["month_kwh"] == pytest.approx(1001 + 1002 + 1003)
    assert items["9900000001"]["enterprise_id"] is None


def test_422_with_row_errors_and_nothing_written(client: Client) -> None:
    key = writer_key()
    body = month_readings(["3300000001"])
    body += [
        {"account": "", "start": "2026-01", "grain": "month", "kwh": 1},
        {"account": "A", "start": "2026-01-01", "grain": "month", "kwh": 1},
        {"account": "A", "start": "2026-10-01 00:10", "grain": "15min", "kwh": 1},
        {"account": "A", "start": "2026-02", "grain": "month", "kwh": -3},
        {"account": "A", "start": "2026-03", "grain": "hour", "kwh": "x"},
        "not an object",
        dict(body[0]),
    ]
    answer = post(client, body, key)
    assert answer.status_code == 422
    errors = {(e["index"], e["field"], e["code"]) for e in answer.json()["errors"]}
    assert (3, "account", "empty_account") in errors
    assert (4, "start", "bad_start") in errors
    assert (5, "start", "off_quarter_hour") in errors
    assert (6, "kwh", "negative_value") in errors
    assert {(7, "grain", "bad_grain"), (7, "kwh", "not_number_value")} <= errors
    assert (8, "account", "empty_account") in errors
    assert {(0, "start", "duplicate_reading"), (9, "start", "duplicate_reading")} <= errors
    first = answer.json()["errors"][0]
    assert first["reason_zh"] and first["reason_en"]
    assert counts() == {"accounts": 0, "readings": 0, "history": 0}
    assert not ElectricityBatch.objects.exists()


def test_413_over_the_limit(client: Client) -> None:
    key = writer_key()
    one = {"account": "A", "start": "2026-01", "grain": "month", "kwh": 1}
    answer = post(client, [one] * (MAX_READINGS + 1), key)
    assert answer.status_code == 413
    assert "100,000" in answer.json()["detail"]
    assert counts()["readings"] == 0


@pytest.mark.parametrize(
    ("role", "scopes", "status"),
    [
        (Role.REGULATOR, ("electricity",), 200),
        (Role.ADMIN, ("electricity",), 200),
        (Role.REGULATOR, (), 403),  # no scopes: may read everything, may not write
        (Role.REGULATOR, ("energy",), 403),
    ],
)
def test_writing_needs_the_scope(
    client: Client, role: Role, scopes: tuple[str, ...], status: int
) -> None:
    answer = post(client, month_readings(["1"]), writer_key(role, scopes))
    assert answer.status_code == status
    assert counts()["readings"] == (3 if status == 200 else 0)


def test_no_key_is_401(client: Client) -> None:
    assert post(client, month_readings(["1"]), None).status_code == 401
    assert client.get("/api/v1/electricity/accounts").status_code == 401
    assert post(client, month_readings(["1"]), "ck_not-a-key").status_code == 401


def test_district_reads_its_mapped_accounts_enterprise_none(
    loaded_city: LoadedCity, client: Client
) -> None:
    do_ingest_readings(read_frame(["D1", "D2", "U1"]), actor=ACTOR, source="test")
    do_map_account("D1", loaded_city.first, actor=ACTOR)
    do_map_account("D2", loaded_city.other_district, actor=ACTOR)
    district = District.objects.get(pk=loaded_city.first.district_id)
    key = do_create_api_key(Binding(Role.DISTRICT, district=district), actor=ACTOR)[1]
    headers = {"X-API-Key": key}
    accounts = client.get(
        "/api/v1/electricity/accounts", {"page_size": 500}, headers=headers
    ).json()
    numbers = {a["account_no"] for a in accounts["items"]}
    assert "D1" in numbers and not numbers & {"D2", "U1"}
    in_district = set(
        Enterprise.objects.filter(district=district).values_list("entity_id", flat=True)
    )
    assert {a["entity_id"] for a in accounts["items"]} <= in_district  # mapped ones only
    rows = client.get("/api/v1/electricity/readings", {"account": "D1"}, headers=headers).json()
    assert rows["count"] == 2 and {r["account"] for r in rows["items"]} == {"D1"}
    assert rows["items"][0]["start"] == "2026-01-01T00:00:00+08:00"
    for other in ("D2", "U1"):
        hidden = client.get("/api/v1/electricity/readings", {"account": other}, headers=headers)
        assert hidden.json()["count"] == 0
    narrowed = client.get(
        "/api/v1/electricity/readings",
        {"account": "D1", "start_from": "2026-02", "start_to": "2026-03"},
        headers=headers,
    ).json()
    assert narrowed["count"] == 1
    regulator = {"X-API-Key": writer_key(scopes=())}
    for account in ("D1", "D2", "U1"):
        seen = client.get("/api/v1/electricity/readings", {"account": account}, headers=regulator)
        assert seen.json()["count"] == 2
    by_enterprise = client.get(
        "/api/v1/electricity/readings",
        {
            "enterprise": loaded_city.other_district.pk,
            "grain": "month",
            "start_from": "2026-01",
            "start_to": "2026-03",
            "page_size": 500,
        },
        headers=regulator,
    )
    assert "D2" in {r["account"] for r in by_enterprise.json()["items"]}
    assert {r["enterprise_id"] for r in by_enterprise.json()["items"]} == {
        loaded_city.other_district.pk
    }
    ent_key = do_create_api_key(
        Binding(Role.ENTERPRISE, enterprise=loaded_city.first), actor=ACTOR
    )[1]
    for path in ("/api/v1/electricity/accounts", "/api/v1/electricity/readings"):
        assert client.get(path, headers={"X-API-Key": ent_key}).status_code == 403
    assert post(client, month_readings(["1"]), ent_key).status_code == 403


def read_frame(accounts: list[str]) -> pl.DataFrame:
    tz = ZoneInfo("Asia/Shanghai")
    return pl.DataFrame(
        {
            "account_no": [a for a in accounts for _ in range(2)],
            "start": [datetime(2026, m, 1, tzinfo=tz) for _ in accounts for m in (1, 2)],
            "grain": "month",
            "kwh": [10.0 * (i + 1) for i in range(2 * len(accounts))],
            "account_name": "",
        }
    )
