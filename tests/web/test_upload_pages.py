"""The upload page: regulators upload any enterprise's data, enterprises their own only;
partial uploads leave a quarantine that can be downloaded, fixed and uploaded again."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from citycarbon.web.energy.models import EnergyRecord, EnergyUpload
from tests.web.conftest import LoadedCity

pytestmark = pytest.mark.django_db


def client_of(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def csv_file(name: str, *lines: str) -> SimpleUploadedFile:
    text = "entity_id,period,energy_code,quantity,unit,purpose\n" + "\n".join(lines) + "\n"
    return SimpleUploadedFile(name, text.encode("gbk"), content_type="text/csv")


def test_regulator_partial_upload_then_fix_the_quarantine(loaded_city: LoadedCity) -> None:
    first, second = loaded_city.first, loaded_city.second
    client = client_of("regulator")
    assert client.get("/energy/uploads/").status_code == 200
    response = client.post(
        "/energy/uploads/",
        {
            "file": csv_file(
                "月报.csv",
                f"{first.entity_id},2030-01,01,5,吨,fuel",
                f"{second.entity_id},2030-13,01,5,吨,fuel",
            ),
            "partial": "on",
        },
    )
    assert response.status_code == 302
    upload = EnergyUpload.objects.get(source="月报.csv")
    assert (upload.rows_imported, upload.rows_quarantined) == (1, 1)
    page = client.get(response["Location"]).content.decode()
    assert "2030-13" in page
    assert "期间格式错误" in page
    download = client.get(f"/energy/uploads/{upload.pk}/quarantine.csv")
    assert download.status_code == 200
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert [(r["period"], r["source_row"]) for r in rows] == [("2030-13", "3")]
    rows[0]["period"] = "2030-02"
    fixed = io.StringIO()
    writer = csv.DictWriter(fixed, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    again = client.post(
        "/energy/uploads/",
        {"file": SimpleUploadedFile("fixed.csv", fixed.getvalue().encode(), "text/csv")},
    )
    assert again.status_code == 302
    assert EnergyRecord.objects.get(enterprise=second, period="2030-02").quantity == 5.0


def test_quarantine_keeps_the_files_column_order(loaded_city: LoadedCity) -> None:
    """The download has the uploaded file's columns in the file's order (on PostgreSQL a
    JSON object's keys come back sorted by jsonb, so the order is stored as a list)."""
    first, second = loaded_city.first, loaded_city.second
    header = "quantity,purpose,unit,period,energy_code,entity_id"
    lines = [f"5,fuel,吨,2030-01,01,{first.entity_id}", f"5,fuel,吨,2030-13,01,{second.entity_id}"]
    text = header + "\n" + "\n".join(lines) + "\n"
    client = client_of("regulator")
    upload_file = SimpleUploadedFile("order.csv", text.encode("gbk"), content_type="text/csv")
    response = client.post("/energy/uploads/", {"file": upload_file, "partial": "on"})
    assert response.status_code == 302
    upload = EnergyUpload.objects.get(source="order.csv")
    stored = upload.quarantine.get()
    assert isinstance(stored.fields, list)  # pairs, not an object whose keys jsonb reorders
    download = client.get(f"/energy/uploads/{upload.pk}/quarantine.csv")
    got = next(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert got == [*header.split(","), "source_row", "reason_zh", "reason_en"]
    page = client.get(f"/energy/uploads/{upload.pk}/").content.decode()
    columns = [page.index(f"<th>{c}</th>") for c in header.split(",")]
    assert columns == sorted(columns)  # the page's table too
    assert "<td>5</td><td>fuel</td><td>吨</td><td>2030-13</td>" in page


def test_all_or_nothing_upload_shows_the_errors(loaded_city: LoadedCity) -> None:
    first = loaded_city.first
    before = EnergyRecord.objects.count()
    response = client_of("regulator").post(
        "/energy/uploads/",
        {
            "file": csv_file(
                "bad.csv", f"{first.entity_id},2030-01,01,5,t,fuel", "X,2030-01,01,-1,t,"
            )
        },
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "nothing imported" in page or "未导入" in page
    assert "数量为负数" in page
    assert EnergyRecord.objects.count() == before
    assert not EnergyUpload.objects.filter(source="bad.csv").exists()


def test_enterprise_uploads_its_own_data_only(loaded_city: LoadedCity) -> None:
    first, second = loaded_city.first, loaded_city.second
    client = client_of("enterprise1")
    refused = client.post(
        "/energy/uploads/", {"file": csv_file("other.csv", f"{second.entity_id},2030-03,01,1,t,")}
    )
    assert refused.status_code == 422
    assert "只能上报本企业的数据" in refused.content.decode()
    own = client.post(
        "/energy/uploads/", {"file": csv_file("own.csv", f"{first.entity_id},2030-03,01,1,t,")}
    )
    assert own.status_code == 302
    upload = EnergyUpload.objects.get(source="own.csv")
    assert upload.enterprise == first
    # Another enterprise neither lists nor opens it.
    other = client_of("enterprise2")
    assert "own.csv" not in other.get("/energy/uploads/").content.decode()
    assert other.get(f"/energy/uploads/{upload.pk}/").status_code == 404
    assert other.get(f"/energy/uploads/{upload.pk}/quarantine.csv").status_code == 404


@pytest.mark.parametrize(("username", "status"), [("district", 403), ("bank", 403)])
def test_roles_without_uploads(loaded_city: LoadedCity, username: str, status: int) -> None:
    assert client_of(username).get("/energy/uploads/").status_code == status


def test_wrong_kind_of_file_is_refused(loaded_city: LoadedCity) -> None:
    response = client_of("regulator").post(
        "/energy/uploads/", {"file": SimpleUploadedFile("notes.txt", b"hello", "text/plain")}
    )
    assert response.status_code == 422
