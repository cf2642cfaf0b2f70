"""Energy imports into the platform: idempotency, supersede with history, all-or-nothing,
partial import with quarantine, enterprises limited to their own data, concurrent uploads."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from django.db import connection

from citycarbon.core.democity import DemoCity, generate_buildings, generate_city
from citycarbon.core.factors import FactorSet
from citycarbon.web.audit.actions import Actor
from citycarbon.web.audit.models import AuditEvent, DataImport
from citycarbon.web.demo import load_demo
from citycarbon.web.energy import selectors
from citycarbon.web.energy.ingest import (
    EnergyImportRejectedError,
    ImportOutcome,
    do_import_energy_file,
    import_uploaded_file,
)
from citycarbon.web.energy.models import (
    EnergyRecord,
    EnergyRecordHistory,
    EnergyUpload,
    QuarantinedRow,
)
from citycarbon.web.enterprises.models import Enterprise
from tests.form205_fixtures import Item, write_form_xlsx

pytestmark = pytest.mark.django_db(transaction=True)

ACTOR = Actor.system("test")
HEADER = "entity_id,period,energy_code,quantity,unit,purpose\n"


@pytest.fixture
def city(factors: FactorSet) -> DemoCity:
    city = generate_city(factors, seed=21, enterprises=20)
    load_demo(city, generate_buildings(seed=21, buildings=10), factors, source="test")
    return city


def write(path: Path, *lines: str) -> Path:
    path.write_text(HEADER + "".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


def state() -> dict[str, int]:
    return {
        m.__name__: m.objects.count()
        for m in (EnergyRecord, EnergyRecordHistory, DataImport, EnergyUpload, AuditEvent)
    }


def quantity(entity: str, period: str, code: str) -> float:
    return EnergyRecord.objects.get(
        enterprise__entity_id=entity, period=period, energy_code=code, purpose="fuel"
    ).quantity


def test_new_period_is_added_and_same_file_again_changes_nothing(
    city: DemoCity, tmp_path: Path
) -> None:
    before = state()
    f = write(tmp_path / "a.csv", "DEMO00001,2026-01,01,5,t,fuel", "DEMO00002,2026-01,33,2,,")
    outcome = do_import_energy_file(f, actor=ACTOR)
    assert (outcome.status, outcome.rows_imported, outcome.pairs_superseded) == ("imported", 2, 0)
    assert quantity("DEMO00001", "2026-01", "01") == 5.0
    after = state()
    assert after["EnergyRecord"] == before["EnergyRecord"] + 2
    again = do_import_energy_file(f, actor=ACTOR)
    assert again.status == "unchanged"
    assert state() == after


def test_corrected_file_supersedes_the_pair_and_keeps_history(
    city: DemoCity, tmp_path: Path
) -> None:
    entity = "DEMO00003"
    old = EnergyRecord.objects.filter(enterprise__entity_id=entity, period="2025-03")
    old_rows = sorted(old.values_list("energy_code", "purpose", "quantity"))
    assert old_rows
    other_periods = EnergyRecord.objects.filter(enterprise__entity_id=entity).count() - len(
        old_rows
    )
    f = write(tmp_path / "fix.csv", f"{entity},2025-03,01,7.5,t,fuel")
    outcome = do_import_energy_file(f, actor=ACTOR)
    assert outcome.pairs_superseded == 1
    now = EnergyRecord.objects.filter(enterprise__entity_id=entity, period="2025-03")
    assert list(now.values_list("energy_code", "quantity")) == [("01", 7.5)]
    # Other periods of the enterprise are untouched.
    assert EnergyRecord.objects.filter(enterprise__entity_id=entity).count() == other_periods + 1
    history = EnergyRecordHistory.objects.filter(enterprise__entity_id=entity, period="2025-03")
    assert sorted(history.values_list("energy_code", "purpose", "quantity")) == old_rows
    assert {h.replaced_by_id for h in history} == {outcome.upload.data_import_id}  # type: ignore[union-attr]
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions.count("energy.supersede") == 1
    assert actions.count("energy.import") == 2  # the demo load and the correction
    event = AuditEvent.objects.get(action="energy.supersede")
    assert event.before is not None
    assert event.before["records"] == len(old_rows)


def test_bad_rows_reject_the_whole_file(city: DemoCity, tmp_path: Path) -> None:
    before = state()
    f = write(
        tmp_path / "bad.csv",
        "DEMO00001,2026-02,01,5,t,fuel",
        "DEMO00001,2026-13,01,5,t,fuel",
        "NOBODY,2026-02,01,5,t,fuel",
        "DEMO00002,2026-02,99,5,t,fuel",
    )
    with pytest.raises(EnergyImportRejectedError) as caught:
        do_import_energy_file(f, actor=ACTOR)
    codes = sorted((e.row, e.code) for e in caught.value.errors)
    assert codes == [(3, "bad_period"), (4, "unknown_enterprise"), (5, "unknown_code")]
    assert "平台中没有该企业" in caught.value.errors[1].reason_zh
    assert state() == before


def test_partial_import_quarantines_rejected_rows(city: DemoCity, tmp_path: Path) -> None:
    f = write(
        tmp_path / "partial.csv",
        "DEMO00001,2026-02,01,5,t,fuel",
        "DEMO00001,2026-13,01,5,t,fuel",
        "NOBODY,2026-02,01,5,t,fuel",
    )
    outcome = do_import_energy_file(f, actor=ACTOR, partial=True)
    assert (outcome.status, outcome.rows_imported, outcome.rows_quarantined) == ("partial", 1, 2)
    rows = list(QuarantinedRow.objects.filter(upload=outcome.upload).order_by("row"))
    assert [r.row for r in rows] == [3, 4]
    assert rows[0].as_read["period"] == "2026-13"
    assert rows[0].error_codes == "bad_period"
    assert rows[1].as_read["entity_id"] == "NOBODY"
    assert "enterprise" in rows[1].reason_en


def test_duplicate_keys_reject_or_quarantine(city: DemoCity, tmp_path: Path) -> None:
    lines = [
        "DEMO00001,2026-04,01,5,t,fuel",
        "DEMO00001,2026-04,01,6,t,fuel",
        "DEMO00002,2026-04,01,1,t,fuel",
    ]
    before = state()
    with pytest.raises(EnergyImportRejectedError) as caught:
        do_import_energy_file(write(tmp_path / "dup.csv", *lines), actor=ACTOR)
    assert {(e.row, e.code) for e in caught.value.errors} == {
        (2, "duplicate_key"),
        (3, "duplicate_key"),
    }
    assert state() == before
    outcome = do_import_energy_file(write(tmp_path / "dup2.csv", *lines), actor=ACTOR, partial=True)
    assert (outcome.rows_imported, outcome.rows_quarantined) == (1, 2)
    assert not EnergyRecord.objects.filter(enterprise__entity_id="DEMO00001", period="2026-04")


def record_key() -> dict[str, object] | None:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, EnergyRecord._meta.db_table)
    return found.get("energy_record_key")


def test_first_load_into_an_empty_table_keeps_the_key(city: DemoCity, tmp_path: Path) -> None:
    """The first load builds the records' key after the rows (PostgreSQL): a repeated key is
    still refused, the key is back after every outcome, and it refuses later repeats."""
    EnergyRecord.objects.all().delete()
    lines = [
        "DEMO00001,2026-04,01,5,t,fuel",
        "DEMO00001,2026-04,01,6,t,fuel",
        "DEMO00002,2026-04,01,1,t,fuel",
    ]
    before = state()
    with pytest.raises(EnergyImportRejectedError) as caught:
        do_import_energy_file(write(tmp_path / "dup.csv", *lines), actor=ACTOR)
    assert {(e.row, e.code) for e in caught.value.errors} == {
        (2, "duplicate_key"),
        (3, "duplicate_key"),
    }
    assert state() == before
    assert record_key() is not None
    outcome = do_import_energy_file(write(tmp_path / "dup2.csv", *lines), actor=ACTOR, partial=True)
    assert (outcome.rows_imported, outcome.rows_quarantined) == (1, 2)
    key = record_key()
    assert key is not None
    assert key["unique"]
    assert key["columns"] == ["enterprise_id", "period", "energy_code", "purpose"]
    assert list(EnergyRecord.objects.values_list("enterprise__entity_id", "quantity")) == [
        ("DEMO00002", 1.0)
    ]


def test_enterprise_uploads_its_own_records_only(city: DemoCity, tmp_path: Path) -> None:
    own = Enterprise.objects.get(entity_id="DEMO00001")
    f = write(
        tmp_path / "own.csv", "DEMO00001,2026-05,01,5,t,fuel", "DEMO00002,2026-05,01,5,t,fuel"
    )
    with pytest.raises(EnergyImportRejectedError) as caught:
        do_import_energy_file(f, actor=ACTOR, enterprise=own)
    assert [(e.row, e.code) for e in caught.value.errors] == [(3, "not_own_enterprise")]
    by_uscc = write(tmp_path / "uscc.csv", f"{own.uscc},2026-05,01,5,t,fuel")
    outcome = do_import_energy_file(by_uscc, actor=ACTOR, enterprise=own)
    assert outcome.rows_imported == 1
    assert quantity("DEMO00001", "2026-05", "01") == 5.0


def test_chunked_import_equals_one_chunk(city: DemoCity, tmp_path: Path) -> None:
    records = pl.DataFrame(
        {
            "entity_id": [f"DEMO{i:05d}" for i in range(1, 21) for _ in range(12)],
            "period": [f"2027-{m:02d}" for _ in range(1, 21) for m in range(1, 13)],
            "energy_code": "33",
            "quantity": [float(i) for i in range(240)],
            "unit": "",
            "purpose": "fuel",
        }
    )
    f = tmp_path / "many.csv"
    records.write_csv(f)
    outcome = do_import_energy_file(f, actor=ACTOR, chunk_bytes=512)
    assert outcome.rows_imported == 240
    stored = selectors.energy_records().filter(pl.col("period").str.starts_with("2027"))
    assert stored.height == 240
    assert stored["quantity"].sum() == pytest.approx(sum(range(240)))


def same_csv(city: DemoCity, tmp_path: Path) -> Path:
    codes = ("01", "33")
    lines = [f"DEMO{i:05d},2026-06,{code},{i}.5,,fuel" for i in range(1, 21) for code in codes]
    return write(tmp_path / "same.csv", *lines)


def same_form(city: DemoCity, tmp_path: Path) -> Path:
    entity = Enterprise.objects.get(entity_id="DEMO00001")
    assert entity.uscc
    items = [Item("01", total=1.5), Item("33", total=2.5)]
    return write_form_xlsx(tmp_path / "same.xlsx", entity.uscc, entity.name, "2026-06", items)


@pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="concurrent writers need PostgreSQL"
)
@pytest.mark.parametrize(("make", "records"), [(same_csv, 40), (same_form, 2)])
def test_two_uploads_of_the_same_file_at_once_leave_one_copy(
    city: DemoCity, tmp_path: Path, make: Callable[[DemoCity, Path], Path], records: int
) -> None:
    f = make(city, tmp_path)
    g = tmp_path / f"copy{f.suffix}"
    g.write_bytes(f.read_bytes())
    outcomes: list[ImportOutcome] = []
    failures: list[BaseException] = []
    barrier = threading.Barrier(2)

    def upload(path: Path) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes.append(import_uploaded_file(path, source=f.name, actor=ACTOR))
        except BaseException as exc:  # reported by the assertion below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=upload, args=(p,)) for p in (f, g)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not failures
    assert sorted(o.status for o in outcomes) == ["imported", "unchanged"]
    assert EnergyRecord.objects.filter(period="2026-06").count() == records
    assert DataImport.objects.filter(source=f.name).count() == 1
