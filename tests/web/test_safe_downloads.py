"""Downloads a spreadsheet opens: text cells that would run as formulas carry a quote."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from citycarbon.io.safecells import restore
from citycarbon.web.energy.models import EnergyUpload, QuarantinedRow
from tests.web.conftest import LoadedCity, UploadPost

pytestmark = pytest.mark.django_db

ATTACKS = ["=1+1", "\t=1+1", "+cmd|' /C calc'!A0", "@SUM(A1)", "-2+3", "\r=2"]


def test_quarantine_download_neutralises_formulas(
    loaded_city: LoadedCity, upload_post: UploadPost
) -> None:
    client = Client()
    client.force_login(User.objects.get(username="regulator"))
    first = loaded_city.first.entity_id
    lines = [f"{first},2031-01,01,5,吨,fuel", f"{first},2031-13,01,-5,吨,fuel"]
    lines += ['"' + a.replace('"', '""') + '",2031-02,01,5,吨,fuel' for a in ATTACKS]
    lines.append(f'{first},"=1+1",01,5,吨,"@fuel"')
    body = "entity_id,period,energy_code,quantity,unit,purpose\n" + "\n".join(lines) + "\n"
    response = upload_post(
        client,
        {
            "file": SimpleUploadedFile("inj.csv", body.encode("utf-8"), content_type="text/csv"),
            "partial": "on",
        },
    )
    assert response.status_code == 302
    upload = EnergyUpload.objects.get(source="inj.csv")
    download = client.get(f"/energy/uploads/{upload.pk}/quarantine.csv")
    assert download.status_code == 200
    text = download.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    by_row = {r["source_row"]: r for r in rows}
    # a number stays a number, quoted text goes back to what was sent
    assert by_row["3"]["quantity"] == "-5"
    entities = [by_row[str(4 + i)]["entity_id"] for i in range(len(ATTACKS))]
    assert all(e.startswith("'") for e in entities)
    stored = {str(q.row): q.as_read for q in QuarantinedRow.objects.filter(upload=upload)}
    assert [restore(e) for e in entities] == [
        stored[str(4 + i)]["entity_id"] for i in range(len(ATTACKS))
    ]
    last = by_row[str(4 + len(ATTACKS))]
    assert (last["period"], last["purpose"]) == ("'=1+1", "'@fuel")
    for r in rows:
        for cell in r.values():
            assert not cell or cell[0] not in "=+@\t\r" or cell.startswith("'")


def test_enterprise_download_neutralises_formulas(loaded_city: LoadedCity) -> None:
    enterprise = loaded_city.first
    enterprise.name = '=HYPERLINK("http://x")'
    enterprise.entity_id = "@E1"
    enterprise.save(update_fields=["name", "entity_id"])
    client = Client()
    client.force_login(User.objects.get(username="regulator"))
    for kind in ("records", "emissions", "codes"):
        got = client.get(f"/enterprises/{enterprise.pk}/download/{kind}.csv")
        assert got.status_code == 200
        rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"), newline="")))
        assert any("'@E1" in row for row in rows) or kind == "codes", (kind, rows[:2])
        for row in rows:
            for cell in row:
                assert not cell or cell[0] not in "=+@\t\r" or cell.startswith("'"), (kind, cell)
