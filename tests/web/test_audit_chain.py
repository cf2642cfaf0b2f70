"""The audit trail is a hash chain: ``citycarbon audit verify`` finds an edited, deleted or
reordered event; concurrent writers keep one chain; on PostgreSQL the trail and the history
tables refuse UPDATE and DELETE."""

from __future__ import annotations

import hashlib
import importlib
import itertools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import DatabaseError, connection, connections, transaction
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from citycarbon.cli.main import app
from citycarbon.web.audit.actions import Actor, record, record_many
from citycarbon.web.audit.chain import verify
from citycarbon.web.audit.hashing import as_stored, event_hash
from citycarbon.web.audit.models import AuditChainHead, AuditEvent, DataImport
from citycarbon.web.electricity.models import (
    ElectricityAccount,
    ElectricityBatch,
    ElectricityReadingHistory,
)
from citycarbon.web.energy.models import EnergyRecordHistory
from citycarbon.web.enterprises.models import Enterprise
from citycarbon.web.regions.models import District, Industry

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")
POSTGRESQL_ONLY = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="triggers and row locks need PostgreSQL"
)


def append(n: int) -> list[AuditEvent]:
    with transaction.atomic():
        return [
            record(ACTOR, "test.step", "Thing", i, before={"n": i}, after={"n": i + 1, "x": 0.1})
            for i in range(n)
        ]


@contextmanager
def tampering() -> Iterator[Any]:
    """A cursor that may change audit rows: on PostgreSQL the trigger is switched off for the
    test's transaction (rolled back with it), as only the table's owner could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
        yield cursor
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")


def kinds() -> list[tuple[str, int | None]]:
    return [(f.kind, f.event_id) for f in verify().findings]


def test_intact_chain_passes_and_the_command_says_so() -> None:
    events = AuditEvent.objects.count()
    made = append(5)
    assert [e.sequence for e in made] == list(range(made[0].sequence, made[0].sequence + 5))
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(made))
    report = verify(chunk_size=2)
    assert report.intact and report.events == events + 5
    result = CliRunner().invoke(app, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert f"chain intact: {events + 5} events" in result.output


def test_events_recorded_in_bulk_join_the_chain_as_single_ones_do() -> None:
    """``record_many`` chains its events after the head and before the next ``record``, with
    what they carry read back as written; the chain verifies intact."""
    first = append(1)[0]
    changes = [(i, {"name": f"旧{i}", "n": i}, {"name": f"新{i}", "x": 0.1}) for i in range(5)]
    changes.append((5, None, {"only": "after"}))
    with transaction.atomic():
        assert record_many(ACTOR, "test.bulk", "Thing", changes) == 6
        assert record_many(ACTOR, "test.bulk", "Thing", []) == 0
    last = append(1)[0]
    bulk = list(AuditEvent.objects.filter(action="test.bulk").order_by("sequence"))
    assert [e.sequence for e in bulk] == list(range(first.sequence + 1, first.sequence + 7))
    assert bulk[0].prev_hash == first.hash
    assert last.prev_hash == bulk[-1].hash
    assert [(e.object_id, e.before, e.after) for e in bulk] == [
        (str(i), before, after) for i, before, after in changes
    ]
    assert verify().intact


def test_edited_event_is_found() -> None:
    made = append(4)
    with tampering() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET actor_label = 'someone else' WHERE id = %s", [made[2].pk]
        )
    assert kinds() == [("edited", made[2].pk)]
    result = CliRunner().invoke(app, ["audit", "verify"])
    assert result.exit_code == 2
    assert f"event id {made[2].pk}" in result.output
    assert "内容与哈希不符" in result.output and "event edited" in result.output


def test_deleted_events_are_found_in_the_middle_and_at_the_end() -> None:
    made = append(5)
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [made[1].pk])
    assert kinds() == [("deleted", made[2].pk)]
    finding = verify().findings[0]
    assert f"missing {made[1].sequence}..{made[1].sequence}" in finding.render()
    assert "已被删除" in finding.render()
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [made[4].pk])
    assert kinds() == [("deleted", made[2].pk), ("tail_deleted", None)]


def test_reordered_events_are_found() -> None:
    made = append(4)
    a, b = made[1], made[2]
    content = ("at", "actor_id", "actor_label", "action", "object_type", "object_id")
    content += ("before", "after")
    with tampering():
        for target, source in ((a, b), (b, a)):
            AuditEvent.objects.filter(pk=target.pk).update(
                **{c: getattr(source, c) for c in content}
            )
    assert sorted(kinds(), key=str) == sorted([("reordered", a.pk), ("reordered", b.pk)], key=str)
    assert "events reordered" in verify().findings[0].render()


def test_whole_rows_swapped_are_found_by_their_order() -> None:
    made = append(3)
    first, second = made[0], made[1]
    with tampering():
        AuditEvent.objects.filter(pk=first.pk).update(sequence=first.sequence + 10**9)
        AuditEvent.objects.filter(pk=second.pk).update(sequence=first.sequence)
        AuditEvent.objects.filter(pk=first.pk).update(sequence=second.sequence)
    assert ("reordered", first.pk) in kinds()


def test_a_deleted_head_is_reported_or_refused() -> None:
    append(2)
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError, match="only ever added"), transaction.atomic():
            AuditChainHead.objects.all().delete()
    else:
        AuditChainHead.objects.all().delete()
        assert kinds() == [("head", None)]


@given(
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False)
        # NUL and lone surrogates too: record() keeps them as every database can
        | st.text(),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
        max_leaves=8,
    )
)
def test_hash_holds_for_any_json_read_back(value: Any) -> None:
    """What the database gives back hashes as what was written (floats included)."""
    with transaction.atomic():
        event = record(ACTOR, "test.json", "Thing", before={"v": value}, after=None)
        stored = AuditEvent.objects.get(pk=event.pk)
        assert stored.before == as_stored({"v": value}) or connection.vendor == "postgresql"
        assert stored.hash == event.hash
        assert not [f for f in verify().findings if f.event_id == event.pk]
        transaction.set_rollback(True)


def test_text_no_database_keeps_is_recorded_as_it_can_be_kept() -> None:
    with transaction.atomic():
        event = record(
            Actor(label="a\x00b"),
            "test.nul",
            "Thing",
            "x\x00" + "9" * 100,
            before={"k\x00": ["v\x00", "\ud800"]},
        )
        stored = AuditEvent.objects.get(pk=event.pk)
        assert stored.actor_label == "a\ufffdb"
        assert stored.object_id == "x\ufffd" + "9" * 62
        assert stored.before == {"k\ufffd": ["v\ufffd", "?"]}
        assert not [f for f in verify().findings if f.event_id == event.pk]
        transaction.set_rollback(True)


def test_hash_is_sorted_key_json_of_the_event() -> None:
    at = datetime(2026, 1, 2, 3, 4, 5, 600000, tzinfo=UTC)
    fields: dict[str, Any] = {
        "sequence": 1,
        "at": at,
        "actor_id": None,
        "actor_label": "system:test",
        "action": "a",
        "object_type": "T",
        "object_id": "1",
        "before": None,
        "after": {"b": 1, "a": 2.0},
        "prev_hash": "",
    }
    text = (
        '{"action":"a","actor_id":null,"actor_label":"system:test","after":{"a":2.0,"b":1},'
        '"at":"2026-01-02T03:04:05.600000+00:00","before":null,"object_id":"1",'
        '"object_type":"T","prev_hash":"","sequence":1}'
    )
    assert event_hash(**fields) == hashlib.sha256(text.encode()).hexdigest()


def _in_threads(n: int, fn: Callable[[], None]) -> None:
    barrier = threading.Barrier(n, timeout=60)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            fn()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert not errors, errors


@POSTGRESQL_ONLY
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_one_chain() -> None:
    def write() -> None:
        for _ in range(10):
            append(3)

    start = AuditEvent.objects.count()
    _in_threads(4, write)
    sequences = list(AuditEvent.objects.order_by("sequence").values_list("sequence", flat=True))
    assert sequences == list(range(1, start + 121))
    assert verify().intact


def _history_rows() -> tuple[EnergyRecordHistory, ElectricityReadingHistory]:
    district = District.objects.create(code="339902", name_zh="乙区")
    industry = Industry.objects.create(code="C26", name_zh="化学原料")
    enterprise = Enterprise.objects.create(
        entity_id="E-T", name="T", district=district, industry=industry
    )
    batch = DataImport.objects.create(kind="energy", source="t", sha256="1" * 64, rows=1)
    energy = EnergyRecordHistory.objects.create(
        enterprise=enterprise,
        period="2025-01",
        energy_code="01",
        purpose="fuel",
        quantity=1.0,
        data_import=batch,
        replaced_by=batch,
    )
    account = ElectricityAccount.objects.create(account_no="T1")
    eb = ElectricityBatch.objects.create(source="t", sha256="2" * 64, rows=1, actor_label="t")
    reading = ElectricityReadingHistory.objects.create(
        account=account,
        start=datetime(2025, 1, 1, tzinfo=UTC),
        grain="month",
        kwh=1.0,
        version=1,
        batch=eb,
        replaced_by=eb,
    )
    return energy, reading


@POSTGRESQL_ONLY
def test_postgresql_refuses_update_and_delete_of_trail_and_history() -> None:
    event = append(1)[0]
    energy, reading = _history_rows()
    for model, pk in (
        (AuditEvent, event.pk),
        (EnergyRecordHistory, energy.pk),
        (ElectricityReadingHistory, reading.pk),
    ):
        rows = model.objects.filter(pk=pk)  # type: ignore[attr-defined]
        with pytest.raises(DatabaseError, match="only ever added"), transaction.atomic():
            rows.update(id=pk)
        with pytest.raises(DatabaseError, match="only ever added"), transaction.atomic():
            rows.delete()
        assert rows.exists()


def test_sqlite_has_no_trigger_but_verify_still_finds_the_edit() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    event = append(1)[0]
    AuditEvent.objects.filter(pk=event.pk).update(action="test.other")
    assert kinds() == [("edited", event.pk)]


def test_migration_chains_the_events_written_before_the_chain() -> None:
    from django.apps import apps  # noqa: PLC0415

    migration = importlib.import_module(
        "citycarbon.web.audit.migrations.0003_chain_existing_events"
    )
    old = [
        AuditEvent(
            sequence=10**9 + i,
            actor_label="old",
            action="old.step",
            object_type="T",
            object_id=str(i),
            after={"i": i, "q": 0.5},
        )
        for i in range(5)
    ]
    with tampering():
        AuditEvent.objects.bulk_create(old)
        assert not verify().intact
        migration.chain(apps, SimpleNamespace(connection=connection))
    report = verify()
    assert report.intact and report.events == AuditEvent.objects.count()
    ids = list(AuditEvent.objects.order_by("sequence").values_list("id", flat=True))
    assert ids == sorted(ids)
