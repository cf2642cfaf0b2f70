"""Grid electricity readings: the API, corrections with history, accounts and their mapping,
permissions, the CSV import, concurrency on PostgreSQL, and the demo city's readings."""

from __future__ import annotations

import json
import threading
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from django.db import connection, connections
from django.test import Client
from typer.testing import CliRunner

from citycarbon.cli.main import app
from citycarbon.core.democity import electricity_readings, generate_city
from citycarbon.core.factors import FactorSet
from citycarbon.web.access.actions import Binding, do_create_api_key
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


def writer_key(role: str = "regulator", scopes: tuple[str, ...] = ("electricity",)) -> str:
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
    before = counts()
    events = AuditEvent.objects.filter(action="electricity.ingest").count()
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
    assert {k: v - before[k] for k, v in after_first.items()} == {
        "accounts": 2,
        "readings": 8,
        "history": 0,
    }
    again = post(client, body, key)
    assert again.status_code == 200
    assert again.json()["inserted"] == again.json()["corrected"] == 0
    assert again.json()["unchanged"] == 8 and again.json()["new_accounts"] == 0
    assert counts() == after_first
    quarter = ElectricityReading.objects.get(grain="15min")
    assert quarter.start.isoformat() == "2026-09-30T16:15:00+00:00"
    assert AuditEvent.objects.filter(action="electricity.ingest").count() == events + 2


def test_correction_keeps_history(client: Client) -> None:
    key = writer_key()
    body = month_readings(["3300000009"])
    first_batch = ElectricityBatch.objects.get(pk=post(client, body, key).json()["batch"])
    body[1] = {**body[1], "kwh": 5555.5}
    answer = post(client, body, key).json()
    assert (answer["inserted"], answer["corrected"], answer["unchanged"]) == (0, 1, 2)
    current = ElectricityReading.objects.get(account__account_no="3300000009", kwh=5555.5)
    assert current.version == 2 and current.batch_id == answer["batch"]
    old = ElectricityReadingHistory.objects.get(account__account_no="3300000009")
    assert (old.kwh, old.version, old.batch_id) == (1002.0, 1, first_batch.pk)
    assert old.replaced_by_id == answer["batch"] and old.start == current.start
    # the same correction again changes nothing more
    assert post(client, body, key).json()["corrected"] == 0
    assert ElectricityReadingHistory.objects.filter(account__account_no="3300000009").count() == 1


def test_unknown_accounts_kept_and_listed(client: Client) -> None:
    key = writer_key()
    post(client, month_readings(["9900000001"]) + month_readings(["9900000002"], 10.0), key)
    reader = writer_key(scopes=())
    listed = client.get(
        "/api/v1/electricity/accounts", {"mapped": "false"}, headers={"X-API-Key": reader}
    )
    assert listed.status_code == 200
    items = {i["account_no"]: i for i in listed.json()["items"]}
    assert {"9900000001", "9900000002"} <= set(items)
    assert all(i["enterprise_id"] is None for i in items.values())
    assert items["9900000001"]["readings_count"] == 3
    assert items["9900000001"]["month_kwh"] == pytest.approx(1001 + 1002 + 1003)
    assert items["9900000001"]["enterprise_id"] is None


def test_422_with_row_errors_and_nothing_written(client: Client) -> None:
    key = writer_key()
    before = counts(), ElectricityBatch.objects.count()
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
    assert (counts(), ElectricityBatch.objects.count()) == before


def test_413_over_the_limit(client: Client) -> None:
    key = writer_key()
    one = {"account": "A", "start": "2026-01", "grain": "month", "kwh": 1}
    before = counts()
    answer = post(client, [one] * (MAX_READINGS + 1), key)
    assert answer.status_code == 413
    assert "100,000" in answer.json()["detail"]
    assert counts() == before


@pytest.mark.parametrize(
    ("role", "scopes", "status"),
    [
        ("regulator", ("electricity",), 200),
        ("admin", ("electricity",), 200),
        ("regulator", (), 403),  # no scopes: may read everything, may not write
        ("regulator", ("energy",), 403),
    ],
)
def test_writing_needs_the_scope(
    client: Client, role: str, scopes: tuple[str, ...], status: int
) -> None:
    before = counts()["readings"]
    answer = post(client, month_readings(["1"]), writer_key(role, scopes))
    assert answer.status_code == status
    assert counts()["readings"] - before == (3 if status == 200 else 0)


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
    key = do_create_api_key(Binding("district", district), actor=ACTOR)[1]
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
            "enterprise_id": loaded_city.other_district.pk,
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
    ent_key = do_create_api_key(Binding("enterprise", loaded_city.first), actor=ACTOR)[1]
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


def test_mapping_page_and_action_audited(loaded_city: LoadedCity, client: Client) -> None:
    do_ingest_readings(read_frame(["P1"]), actor=ACTOR, source="test")
    assert client.login(username="regulator", password=loaded_city.logins["regulator"].password)
    page = client.get("/electricity/accounts/", {"mapped": "false"})
    assert page.status_code == 200
    assert "P1" in page.content.decode() and "/electricity/accounts/" in page.content.decode()
    first_row = page.content.decode().split('id="accounts-table"')[1]
    assert first_row.index("P1") < first_row.index("</tbody>")
    target = loaded_city.second
    answer = client.post("/electricity/accounts/", {"account_no": "P1", "enterprise": target.uscc})
    assert answer.status_code == 302
    account = ElectricityAccount.objects.get(account_no="P1")
    assert account.enterprise_id == target.pk and account.mapped_at is not None
    event = AuditEvent.objects.filter(action="electricity.map").latest("id")
    assert event.actor_label == "regulator"
    assert event.before == {"account_no": "P1", "enterprise": None, "enterprise_pk": None}
    assert event.after["enterprise"] == target.entity_id
    # remap, then unmap: each audited with before and after
    do_map_account("P1", loaded_city.first, actor=ACTOR)
    remap = AuditEvent.objects.filter(action="electricity.remap").latest("id")
    assert remap.before["enterprise"] == target.entity_id
    assert remap.after["enterprise"] == loaded_city.first.entity_id
    client.post("/electricity/accounts/", {"account_no": "P1", "enterprise": ""})
    assert ElectricityAccount.objects.get(account_no="P1").enterprise_id is None
    assert AuditEvent.objects.filter(action="electricity.unmap").exists()
    # an unknown enterprise changes nothing
    events = AuditEvent.objects.count()
    client.post("/electricity/accounts/", {"account_no": "P1", "enterprise": "NOPE"})
    assert AuditEvent.objects.count() == events


def test_mapping_page_csrf_and_roles(loaded_city: LoadedCity) -> None:
    strict = Client(enforce_csrf_checks=True)
    strict.login(username="admin", password=loaded_city.logins["admin"].password)
    assert strict.post("/electricity/accounts/", {"account_no": "X"}).status_code == 403
    for role in ("district", "enterprise1", "bank"):
        c = Client()
        c.login(username=role, password=loaded_city.logins[role].password)
        assert c.get("/electricity/accounts/").status_code == 403
        assert "/electricity/accounts/" not in c.get("/").content.decode()
    assert Client().get("/electricity/accounts/").status_code == 302  # to the log-in


def test_csv_import_equals_api_import(client: Client, tmp_path: Path) -> None:
    body = [
        *month_readings(["C1", "C2"]),
        {"account": "C1", "start": "2026-10-01 00:15", "grain": "15min", "kwh": 0.25},
        {"account": "C2", "start": "2026-10-02", "grain": "day", "kwh": 12, "account_name": "甲"},
    ]
    assert post(client, body, writer_key()).status_code == 200
    by_api = stored()
    ElectricityReading.objects.filter(account__account_no__in=["C1", "C2"]).delete()
    ElectricityAccount.objects.filter(account_no__in=["C1", "C2"]).delete()
    assert stored().is_empty()
    lines = ["account_no,start,grain,kwh,account_name"] + [
        f"{r['account']},{r['start']},{r['grain']},{r['kwh']},{r.get('account_name', '')}"
        for r in body
    ]
    path = tmp_path / "readings.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("gb18030"))
    result = CliRunner().invoke(app, ["import", "electricity", str(path)])
    assert result.exit_code == 0, result.output
    assert stored().equals(by_api)


def stored() -> pl.DataFrame:
    rows = ElectricityReading.objects.filter(account__account_no__in=["C1", "C2"]).values_list(
        "account__account_no", "account__name", "start", "grain", "kwh", "version"
    )
    return pl.DataFrame(
        list(rows), schema=["account", "name", "start", "grain", "kwh", "version"], orient="row"
    ).sort("account", "grain", "start")


def test_cli_rejects_bad_rows_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("account_no,start,grain,kwh\nA,2026-01,month,1\nA,2026-01,month,2\n")
    result = CliRunner().invoke(app, ["import", "electricity", str(path)])
    assert result.exit_code == 2
    assert "duplicate reading" in result.output
    assert not ElectricityAccount.objects.filter(account_no="A").exists()


def test_cli_maps_accounts_in_bulk(loaded_city: LoadedCity, tmp_path: Path) -> None:
    do_ingest_readings(read_frame(["M1", "M2"]), actor=ACTOR, source="test")
    path = tmp_path / "map.csv"
    path.write_text(
        f"account_no,entity_id,uscc\nM1,{loaded_city.first.entity_id},\n"
        f"M2,,{loaded_city.second.uscc}\n"
    )
    result = CliRunner().invoke(app, ["import", "electricity-accounts", str(path)])
    assert result.exit_code == 0, result.output
    mapped = dict(
        ElectricityAccount.objects.filter(account_no__in=["M1", "M2"]).values_list(
            "account_no", "enterprise_id"
        )
    )
    assert mapped == {"M1": loaded_city.first.pk, "M2": loaded_city.second.pk}
    event = AuditEvent.objects.filter(action="electricity.map_many").latest("id")
    assert event.after["enterprise_of_account"]["M2"] == loaded_city.second.entity_id
    path.write_text("account_no,entity_id\nM1,NOPE\n")
    result = CliRunner().invoke(app, ["import", "electricity-accounts", str(path)])
    assert result.exit_code == 2
    assert ElectricityAccount.objects.get(account_no="M1").enterprise_id == loaded_city.first.pk


def test_demo_readings_match_code_33(factors: FactorSet) -> None:
    city = generate_city(factors, seed=3, enterprises=60)
    grid = electricity_readings(city, seed=3, daily_share=0.2)
    again = electricity_readings(city, seed=3, daily_share=0.2)
    assert grid.readings.equals(again.readings)
    energy = (
        city.energy.filter(
            (pl.col("energy_code") == "33") & pl.col("purpose").is_in(["fuel", "green_purchase"])
        )
        .group_by("entity_id", "period")
        .agg((pl.col("quantity").sum() * 10_000).alias("stat_kwh"))
    )
    month = (
        grid.readings.filter(pl.col("grain") == "month")
        .join(grid.accounts.select("account_no", "entity_id"), on="account_no")
        .filter(pl.col("entity_id").is_not_null())
        .group_by("entity_id", pl.col("start").dt.strftime("%Y-%m").alias("period"))
        .agg(pl.col("kwh").sum())
    )
    joined = energy.join(month, on=["entity_id", "period"], how="full", coalesce=True)
    stat = joined.filter(pl.col("stat_kwh").is_not_null())
    assert stat["kwh"].null_count() == 0  # every statistics month is read
    ratio = stat["kwh"] / stat["stat_kwh"]
    assert ratio.min() > 0.9899 and ratio.max() < 1.0101  # metering noise within ±1 %
    assert ratio.std() > 0  # and there is noise
    ahead = joined.filter(pl.col("stat_kwh").is_null())
    assert sorted(ahead["period"].unique()) == [f"2026-{m:02d}" for m in range(1, 11)]
    days = grid.readings.filter(pl.col("grain") == "day")
    assert days.height > 0 and days["start"].dt.strftime("%Y-%m").unique().to_list() == ["2026-10"]
    day_sums = days.group_by("account_no").agg(pl.col("kwh").sum(), pl.len())
    oct_month = grid.readings.filter(
        (pl.col("grain") == "month") & (pl.col("start").dt.strftime("%Y-%m") == "2026-10")
    ).select("account_no", pl.col("kwh").alias("month_kwh"))
    check = day_sums.join(oct_month, on="account_no")
    assert check.height == day_sums.height and (check["len"] == 31).all()
    assert ((check["kwh"] - check["month_kwh"]).abs() < 0.05).all()
    unknown = grid.accounts.filter(pl.col("entity_id").is_null())
    assert 0 < unknown.height < 20
    assert (grid.readings["kwh"] >= 0).all()


def test_demo_load_maps_known_accounts(loaded_city: LoadedCity) -> None:
    unmapped = ElectricityAccount.objects.filter(enterprise__isnull=True)
    assert unmapped.count() == 6
    assert all(a.account_no.startswith("33999") for a in unmapped)
    assert ElectricityAccount.objects.filter(enterprise__isnull=False).count() >= 60
    month_kwh = ElectricityReading.objects.filter(
        account__enterprise=loaded_city.first, grain="month", start__year=2024
    ).values_list("kwh", flat=True)
    assert len(month_kwh) >= 12


def in_thread(fn: Any) -> Any:
    """Run ``fn`` in a thread of its own, so on its own database connection (committed work,
    outside the test's transaction); returns its result or raises its error."""
    result: list[Any] = []

    def run() -> None:
        try:
            result.append(fn())
        except BaseException as exc:
            result.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive()
    if isinstance(result[0], BaseException):
        raise result[0]
    return result[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL concurrency only")
def test_two_identical_batches_at_once_store_each_reading_once() -> None:
    frame = read_frame([f"K{i}" for i in range(2000)])
    barrier = threading.Barrier(2, timeout=60)
    batches: list[Any] = []

    def send() -> None:
        barrier.wait()
        try:
            batches.append(do_ingest_readings(frame, actor=ACTOR, source="race"))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert len(batches) == 2
        stored_rows = in_thread(
            lambda: ElectricityReading.objects.filter(account__account_no__startswith="K").count()
        )
        assert stored_rows == frame.height
        assert sorted((b.inserted, b.unchanged) for b in batches) == [
            (0, frame.height),
            (frame.height, 0),
        ]
        assert sorted(b.new_accounts for b in batches) == [0, 2000]
    finally:
        in_thread(_forget_race)


def _forget_race() -> None:
    batch_ids = list(ElectricityBatch.objects.filter(source="race").values_list("pk", flat=True))
    ElectricityReadingHistory.objects.filter(batch_id__in=batch_ids).delete()
    ElectricityReading.objects.filter(batch_id__in=batch_ids).delete()
    ElectricityAccount.objects.filter(account_no__startswith="K").delete()
    # Their audit events stay: the trail is append-only.
    ElectricityBatch.objects.filter(pk__in=batch_ids).delete()
