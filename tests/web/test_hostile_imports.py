"""Hostile files imported into the platform: refused with nothing written; a valid file
with old Mac line ends (lone CR) imports like the same file with LF."""

from __future__ import annotations

from pathlib import Path

import pytest

from citycarbon.core.democity import DemoCity, generate_buildings, generate_city
from citycarbon.core.factors import FactorSet
from citycarbon.io.errors import InputFileError
from citycarbon.web.audit.actions import Actor
from citycarbon.web.audit.models import AuditEvent, DataImport
from citycarbon.web.demo import load_demo
from citycarbon.web.energy.ingest import do_import_energy_file, import_uploaded_file
from citycarbon.web.energy.models import EnergyRecord, EnergyUpload, QuarantinedRow
from tests import hostile

pytestmark = pytest.mark.django_db(transaction=True)

ACTOR = Actor.system("test")


@pytest.fixture
def city(factors: FactorSet) -> DemoCity:
    city = generate_city(factors, seed=21, enterprises=5)
    load_demo(city, generate_buildings(seed=21, buildings=5), factors, source="test")
    return city


def state() -> dict[str, int]:
    return {
        m.__name__: m.objects.count()
        for m in (EnergyRecord, DataImport, EnergyUpload, QuarantinedRow, AuditEvent)
    }


def test_cr_only_csv_imports(city: DemoCity, tmp_path: Path) -> None:
    path = tmp_path / "cr.csv"
    rows = "DEMO00001,2026-01,01,5,t,fuel\rDEMO00002,2026-01,33,2,,\r"
    path.write_bytes((hostile.HEADER.rstrip("\n") + "\r" + rows).encode())
    outcome = do_import_energy_file(path, actor=ACTOR)
    assert (outcome.status, outcome.rows_read, outcome.rows_imported) == ("imported", 2, 2)
    record = EnergyRecord.objects.get(enterprise__entity_id="DEMO00001", period="2026-01")
    assert record.quantity == 5.0


@pytest.mark.parametrize(
    ("name", "build", "code"),
    [
        ("corner.xlsx", hostile.xlsx_far_corner, "sheet_too_large"),
        ("bomb.xlsx", hostile.xlsx_zip_bomb, "zip_bomb"),
        ("nul.csv", hostile.csv_nul, "encoding"),
        ("cols.csv", hostile.csv_many_columns, "too_many_columns"),
    ],
)
def test_hostile_files_import_nothing(
    city: DemoCity, tmp_path: Path, name: str, build: object, code: str
) -> None:
    path = build(tmp_path / name)  # type: ignore[operator]
    before = state()
    with pytest.raises(InputFileError) as exc:
        import_uploaded_file(path, source=name, actor=ACTOR)
    assert exc.value.errors[0].code == code
    assert state() == before
