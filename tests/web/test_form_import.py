"""205-1 forms into the platform: records by USCC and purpose, idempotency, a corrected form
superseding the old one, quarantine of bad form rows, warnings against the stored month
before, broken files, enterprise uploads of forms."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from typer.testing import CliRunner

from citycarbon.cli.main import app
from citycarbon.io.errors import InputFileError
from citycarbon.web.audit.actions import Actor
from citycarbon.web.energy.ingest import EnergyImportRejectedError, do_import_form_file
from citycarbon.web.energy.models import (
    EnergyRecord,
    EnergyRecordHistory,
    EnergyUpload,
    QuarantinedRow,
)
from tests.form205_fixtures import Item, stocked, write_form_csv, write_form_xlsx
from tests.web.conftest import LoadedCity, UploadPost

pytestmark = pytest.mark.django_db

ACTOR = Actor.system("test")


def records(enterprise_id: int, period: str) -> dict[tuple[str, str], float]:
    rows = EnergyRecord.objects.filter(enterprise_id=enterprise_id, period=period)
    return {(r.energy_code, r.purpose): round(r.quantity, 6) for r in rows}


def test_form_is_imported_by_uscc_and_purpose_then_corrected(
    loaded_city: LoadedCity, tmp_path: Path
) -> None:
    first = loaded_city.first
    assert first.uscc
    items = [
        stocked("01", 1200.0, industrial=1000.0, feedstock=300.0, non_industrial=200.0),
        Item("33", total=50.0, industrial=45.0, non_industrial=5.0),
    ]
    form = write_form_xlsx(tmp_path / "march.xlsx", first.uscc, first.name, "2031-03", items)
    outcome = do_import_form_file(form, actor=ACTOR)
    assert outcome.status == "imported"
    assert records(first.pk, "2031-03") == {
        ("01", "fuel"): 700.0,
        ("01", "feedstock"): 300.0,
        ("01", "non_industrial"): 200.0,
        ("33", "fuel"): 45.0,
        ("33", "non_industrial"): 5.0,
    }
    assert outcome.upload is not None
    assert outcome.upload.file_format == "form205"
    assert do_import_form_file(form, actor=ACTOR).status == "unchanged"

    fixed = write_form_xlsx(
        tmp_path / "march-fixed.xlsx",
        first.uscc,
        first.name,
        "2031-03",
        [stocked("01", 1100.0, industrial=1100.0)],
    )
    corrected = do_import_form_file(fixed, actor=ACTOR)
    assert corrected.pairs_superseded == 1
    assert records(first.pk, "2031-03") == {("01", "fuel"): 1100.0}
    history = EnergyRecordHistory.objects.filter(enterprise=first, period="2031-03")
    assert history.count() == 5


def test_bad_form_row_rejects_the_form_or_goes_to_quarantine(
    loaded_city: LoadedCity, tmp_path: Path
) -> None:
    first = loaded_city.first
    assert first.uscc
    items = [stocked("01", 100.0, industrial=100.0), Item("33", total=10.0, feedstock=20.0)]
    form = write_form_xlsx(tmp_path / "bad.xlsx", first.uscc, first.name, "2031-04", items)
    before = EnergyRecord.objects.count()
    with pytest.raises(EnergyImportRejectedError) as caught:
        do_import_form_file(form, actor=ACTOR)
    assert caught.value.errors
    assert all(e.row > 0 for e in caught.value.errors)
    assert any("!" in e.column or e.column for e in caught.value.errors)
    assert EnergyRecord.objects.count() == before

    # A form is one enterprise and period: its bad row holds the whole form back.
    outcome = do_import_form_file(form, actor=ACTOR, partial=True)
    assert outcome.status == "quarantined"
    assert records(first.pk, "2031-04") == {}
    rows = QuarantinedRow.objects.filter(upload=outcome.upload)
    quarantined = {r.as_read["energy_code"]: r for r in rows}
    assert set(quarantined) == {"01", "33"}
    assert quarantined["33"].as_read["uscc"] == first.uscc
    assert quarantined["33"].reason_zh
    assert quarantined["01"].error_codes == "held_back"
    assert "整体暂缓导入" in quarantined["01"].reason_zh


def test_month_on_month_jump_against_the_stored_month_is_a_warning(
    loaded_city: LoadedCity, tmp_path: Path
) -> None:
    first = loaded_city.first
    assert first.uscc
    may = write_form_xlsx(
        tmp_path / "may.xlsx", first.uscc, first.name, "2031-05", [Item("33", total=10.0)]
    )
    june = write_form_xlsx(
        tmp_path / "june.xlsx", first.uscc, first.name, "2031-06", [Item("33", total=80.0)]
    )
    assert do_import_form_file(may, actor=ACTOR).warnings == []
    outcome = do_import_form_file(june, actor=ACTOR)
    assert outcome.status == "imported"
    assert any("2031-05→2031-06" in w for w in outcome.warnings)
    assert outcome.upload is not None
    assert outcome.upload.warnings == outcome.warnings


def test_broken_form_imports_nothing(loaded_city: LoadedCity, tmp_path: Path) -> None:
    first = loaded_city.first
    assert first.uscc
    good = write_form_xlsx(
        tmp_path / "whole.xlsx", first.uscc, first.name, "2031-07", [Item("33", total=1.0)]
    )
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(good.read_bytes()[:300])
    before = EnergyRecord.objects.count()
    with pytest.raises(InputFileError):
        do_import_form_file(truncated, actor=ACTOR)
    not_a_form = tmp_path / "list.csv"
    not_a_form.write_text("名称,数量\n煤,1\n", encoding="utf-8")
    with pytest.raises(InputFileError):
        do_import_form_file(not_a_form, actor=ACTOR)
    assert EnergyRecord.objects.count() == before


def test_enterprise_uploads_its_own_form_on_the_page(
    loaded_city: LoadedCity, tmp_path: Path, upload_post: UploadPost
) -> None:
    first, second = loaded_city.first, loaded_city.second
    assert first.uscc
    assert second.uscc
    client = Client()
    client.force_login(User.objects.get(username="enterprise1"))
    own = write_form_csv(
        tmp_path / "own.csv",
        first.uscc,
        first.name,
        "2031-08",
        [Item("33", total=12.5)],
        encoding="gbk",
    )
    response = upload_post(client, {"file": SimpleUploadedFile("本企业.csv", own.read_bytes())})
    assert response.status_code == 302
    assert EnergyUpload.objects.get(source="本企业.csv").enterprise == first
    assert records(first.pk, "2031-08") == {("33", "fuel"): 12.5}
    other = write_form_xlsx(
        tmp_path / "other.xlsx", second.uscc, second.name, "2031-08", [Item("33", total=1.0)]
    )
    refused = upload_post(client, {"file": SimpleUploadedFile("other.xlsx", other.read_bytes())})
    page = client.get(refused["Location"])
    assert page.status_code == 422
    assert "只能上报本企业的数据" in page.content.decode()
    broken = upload_post(client, {"file": SimpleUploadedFile("x.xlsx", b"PK\x03\x04 broken")})
    assert client.get(broken["Location"]).status_code == 422


def test_import_command_takes_a_folder_of_forms_and_csv(
    loaded_city: LoadedCity, tmp_path: Path
) -> None:
    first, second = loaded_city.first, loaded_city.second
    assert first.uscc
    assert second.uscc
    folder = tmp_path / "forms"
    folder.mkdir()
    write_form_xlsx(folder / "a.xlsx", first.uscc, first.name, "2031-09", [Item("33", total=2.0)])
    write_form_csv(
        folder / "b.csv",
        second.uscc,
        second.name,
        "2031-09",
        [Item("33", total=3.0)],
        encoding="gb18030",
    )
    (folder / "c.csv").write_text(
        f"entity_id,period,energy_code,quantity\n{first.entity_id},2031-10,33,4\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["import", "energy", str(folder)])
    assert result.exit_code == 0, result.output
    assert records(first.pk, "2031-09") == {("33", "fuel"): 2.0}
    assert records(second.pk, "2031-09") == {("33", "fuel"): 3.0}
    assert records(first.pk, "2031-10") == {("33", "fuel"): 4.0}
    again = CliRunner().invoke(app, ["import", "energy", str(folder)])
    assert again.exit_code == 0
    assert again.stdout.count("already imported") == 3
