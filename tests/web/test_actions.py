"""Actions: bulk loads, idempotent reruns, audit events in the same transaction."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from django.db import transaction

from citycarbon.core.democity import DemoCity, generate_buildings, generate_city
from citycarbon.core.factors import FactorSet
from citycarbon.core.grading import grade
from citycarbon.io.energy_import import file_sha256
from citycarbon.io.files import write_csv
from citycarbon.web.audit.actions import Actor, record
from citycarbon.web.audit.models import AuditEvent, DataImport
from citycarbon.web.buildings.models import BuildingCode
from citycarbon.web.demo import load_demo
from citycarbon.web.energy import selectors as energy
from citycarbon.web.energy.ingest import do_import_energy_file
from citycarbon.web.energy.models import Emission, EnergyRecord, UploadStatus
from citycarbon.web.enterprises import selectors as enterprises
from citycarbon.web.enterprises.actions import ImportRejectedError, do_import_enterprises
from citycarbon.web.enterprises.models import EconomicYear, Enterprise
from citycarbon.web.grading.models import CarbonCode, Ungraded
from citycarbon.web.regions.actions import do_sync_regions

pytestmark = pytest.mark.django_db(transaction=True)

ACTOR = Actor.system("test")


@pytest.fixture(scope="module")
def small_city(factors: FactorSet) -> DemoCity:
    return generate_city(factors, seed=11, enterprises=80)


def counts() -> dict[str, int]:
    models = (AuditEvent, DataImport, Enterprise, EconomicYear, EnergyRecord, Emission)
    return {m.__name__: m.objects.count() for m in (*models, CarbonCode, Ungraded, BuildingCode)}


def test_demo_load_then_again_changes_nothing(small_city: DemoCity, factors: FactorSet) -> None:
    buildings = generate_buildings(seed=11, buildings=40)
    first = load_demo(small_city, buildings, factors, source="test")
    assert first.enterprises_imported and first.energy_imported
    assert first.accounted and first.graded and first.published
    after_first = counts()
    assert after_first["Enterprise"] == 80
    assert after_first["EnergyRecord"] == small_city.energy.height
    assert after_first["CarbonCode"] + after_first["Ungraded"] == small_city.economics.height
    assert after_first["BuildingCode"] == 40
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"enterprises.import", "energy.import", "energy.account", "grading.grade"} <= actions
    assert {"grading.publish", "regions.sync", "buildings.import", "buildings.grade"} <= actions

    second = load_demo(small_city, buildings, factors, source="test")
    assert second.regions_changed == 0 and second.building_codes_written == 0
    assert not (second.enterprises_imported or second.energy_imported or second.accounted)
    assert not (second.graded or second.published)
    assert counts() == after_first


def test_the_demo_file_uploaded_again_is_the_same_import(
    small_city: DemoCity, factors: FactorSet, tmp_path: Path
) -> None:
    energy_csv = tmp_path / "energy.csv"
    write_csv(small_city.energy, energy_csv)
    load_demo(
        small_city,
        generate_buildings(seed=11, buildings=5),
        factors,
        source="t",
        energy_csv=energy_csv,
    )
    stored = DataImport.objects.get(kind="energy")
    assert stored.sha256 == file_sha256(energy_csv)
    before = counts()
    again = do_import_energy_file(energy_csv, actor=Actor.system("regulator upload"))
    assert again.status == UploadStatus.UNCHANGED
    assert counts() == before


def test_codes_in_the_database_are_the_core_grades(
    small_city: DemoCity, factors: FactorSet
) -> None:
    load = load_demo(small_city, generate_buildings(seed=11, buildings=10), factors, source="t")
    stored = pl.DataFrame(
        list(
            CarbonCode.objects.filter(run=load.grading_run).values(
                "enterprise__entity_id", "year", "k_value", "grade", "level"
            )
        )
    ).rename({"enterprise__entity_id": "entity_id"})
    expected = grade(
        energy.emissions(load.grading_run.accounting_run), enterprises.economics()
    ).graded
    both = expected.join(stored, on=["entity_id", "year"], suffix="_db")
    assert both.height == expected.height == stored.height
    assert (both["grade"] == both["grade_db"]).all()
    assert (both["level"] == both["level_db"]).all()
    assert (both["k_value"] - both["k_value_db"]).abs().max() < 1e-9  # type: ignore[operator]


def test_a_failed_action_leaves_neither_data_nor_audit_event(small_city: DemoCity) -> None:
    do_sync_regions(small_city.districts, small_city.industries, actor=ACTOR)
    before = counts()
    # The enterprises are written first, then value added for an unknown enterprise fails.
    econ = pl.concat(
        [
            small_city.economics,
            small_city.economics.head(1).with_columns(pl.lit("NOBODY").alias("entity_id")),
        ]
    )
    with pytest.raises(ImportRejectedError, match="NOBODY"):
        do_import_enterprises(small_city.enterprises, econ, actor=ACTOR, source="bad")
    assert counts() == before
    bad = small_city.enterprises.with_columns(pl.lit("999999").alias("district_code"))
    with pytest.raises(ImportRejectedError, match="district 999999"):
        do_import_enterprises(bad, small_city.economics, actor=ACTOR, source="bad")
    assert counts() == before


def test_an_audit_event_needs_the_action_transaction() -> None:
    with pytest.raises(RuntimeError, match="outside a transaction"):
        record(ACTOR, "x.y", "Thing")
    with transaction.atomic():
        event = record(ACTOR, "x.y", "Thing", 7, after={"a": 1})
    assert event.actor_label == "system:test" and event.object_id == "7"
