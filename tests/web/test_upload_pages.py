"""The upload page: regulators upload any enterprise's data, enterprises their own only;
partial uploads leave a quarantine that can be downloaded, fixed and uploaded again."""

from __future__ import annotations

import csv
import io

import polars as pl
import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from citycarbon.web.energy import jobs
from citycarbon.web.energy.models import EnergyRecord, EnergyUpload
from tests.web.conftest import LoadedCity, UploadPost

pytestmark = pytest.mark.django_db


def client_of(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def csv_file(name: str, *lines: str) -> SimpleUploadedFile:
    text = "entity_id,period,energy_code,quantity,unit,purpose\n" + "\n".join(lines) + "\n"
    return SimpleUploadedFile(name, text.encode("gbk"), content_type="text/csv")


def test_regulator_partial_upload_then_fix_the_quarantine(
    loaded_city: LoadedCity, upload_post: UploadPost
) -> None:
    first, second = loaded_city.first, loaded_city.second
    client = client_of("regulator")
    assert client.get("/energy/uploads/").status_code == 200
    response = upload_post(
        client,
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
    again = upload_post(
        client, {"file": SimpleUploadedFile("fixed.csv", fixed.getvalue().encode(), "text/csv")}
    )
    assert again.status_code == 302
    assert EnergyRecord.objects.get(enterprise=second, period="2030-02").quantity == 5.0


def test_quarantine_keeps_the_files_column_order(
    loaded_city: LoadedCity, upload_post: UploadPost
) -> None:
    """The download has the uploaded file's columns in the file's order (on PostgreSQL a
    JSON object's keys come back sorted by jsonb, so the order is stored as a list)."""
    first, second = loaded_city.first, loaded_city.second
    header = "quantity,purpose,unit,period,energy_code,entity_id"
    lines = [f"5,fuel,吨,2030-01,01,{first.entity_id}", f"5,fuel,吨,2030-13,01,{second.entity_id}"]
    text = header + "\n" + "\n".join(lines) + "\n"
    client = client_of("regulator")
    upload_file = SimpleUploadedFile("order.csv", text.encode("gbk"), content_type="text/csv")
    response = upload_post(client, {"file": upload_file, "partial": "on"})
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


def test_all_or_nothing_upload_shows_the_errors(
    loaded_city: LoadedCity, upload_post: UploadPost
) -> None:
    first = loaded_city.first
    before = EnergyRecord.objects.count()
    client = client_of("regulator")
    response = upload_post(
        client,
        {
            "file": csv_file(
                "bad.csv", f"{first.entity_id},2030-01,01,5,t,fuel", "X,2030-01,01,-1,t,"
            )
        },
    )
    assert response.status_code == 302
    shown = client.get(response["Location"])
    assert shown.status_code == 422
    page = shown.content.decode()
    assert "nothing imported" in page or "未导入" in page
    assert "数量为负数" in page
    assert EnergyRecord.objects.count() == before
    upload = EnergyUpload.objects.get(source="bad.csv")
    assert (upload.status, upload.data_import, upload.error_count) == ("rejected", None, 1)


def test_enterprise_uploads_its_own_data_only(
    loaded_city: LoadedCity, upload_post: UploadPost
) -> None:
    first, second = loaded_city.first, loaded_city.second
    client = client_of("enterprise1")
    refused = upload_post(
        client, {"file": csv_file("other.csv", f"{second.entity_id},2030-03,01,1,t,")}
    )
    shown = client.get(refused["Location"])
    assert shown.status_code == 422
    assert "只能上报本企业的数据" in shown.content.decode()
    own = upload_post(client, {"file": csv_file("own.csv", f"{first.entity_id},2030-03,01,1,t,")})
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


def quantities(enterprise_pk: int, period: str) -> dict[str, float]:
    return dict(
        EnergyRecord.objects.filter(enterprise_id=enterprise_pk, period=period).values_list(
            "energy_code", "quantity"
        )
    )


def test_partial_correction_with_a_bad_row_keeps_the_enterprise_period_whole(
    loaded_city: LoadedCity, upload_post: UploadPost
) -> None:
    first, second = loaded_city.first, loaded_city.second
    client = client_of("regulator")
    upload_post(
        client,
        {
            "file": csv_file(
                "五月.csv",
                f"{first.entity_id},2030-05,01,5,t,fuel",
                f"{first.entity_id},2030-05,02,7,t,fuel",
            )
        },
    )
    assert quantities(first.pk, "2030-05") == {"01": 5.0, "02": 7.0}
    response = upload_post(
        client,
        {
            "file": csv_file(
                "五月更正.csv",
                f"{first.entity_id},2030-05,01,6,t,fuel",
                f"{first.entity_id},2030-05,02,-1,t,fuel",
                f"{second.entity_id},2030-05,01,3,t,fuel",
            ),
            "partial": "on",
        },
    )
    upload = EnergyUpload.objects.get(source="五月更正.csv")
    assert (upload.status, upload.rows_imported, upload.rows_quarantined) == ("partial", 1, 2)
    # The pair with a bad row keeps its current records, whole; the other pair is imported.
    assert quantities(first.pk, "2030-05") == {"01": 5.0, "02": 7.0}
    assert quantities(second.pk, "2030-05") == {"01": 3.0}
    download = client.get(f"/energy/uploads/{upload.pk}/quarantine.csv")
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    by_row = {r["source_row"]: r for r in rows}
    assert set(by_row) == {"2", "3"}
    assert "同一企业同一期间另有错误行，整体暂缓导入" in by_row["2"]["reason_zh"]
    assert "held back together" in by_row["2"]["reason_en"]
    assert (by_row["2"]["quantity"], by_row["2"]["unit"]) == ("6.0", "t")
    assert "数量为负数" in by_row["3"]["reason_zh"]
    assert client.get(response["Location"]).status_code == 200


def test_partial_upload_that_imports_nothing_does_not_block_the_same_file(
    loaded_city: LoadedCity, upload_post: UploadPost
) -> None:
    second = loaded_city.second
    client = client_of("regulator")
    data = csv_file("全错.csv", f"{second.entity_id},2030-13,01,5,t,fuel").read()

    def send() -> EnergyUpload:
        response = upload_post(
            client, {"file": SimpleUploadedFile("全错.csv", data, "text/csv"), "partial": "on"}
        )
        return EnergyUpload.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[1])

    first_try = send()
    assert (first_try.status, first_try.rows_quarantined) == ("quarantined", 1)
    assert first_try.data_import is None
    download = client.get(f"/energy/uploads/{first_try.pk}/quarantine.csv")
    assert download.status_code == 200
    assert "2030-13" in download.content.decode("utf-8-sig")
    second_try = send()
    assert second_try.pk != first_try.pk
    assert second_try.status == "quarantined"
    page = client.get(f"/energy/uploads/{second_try.pk}/").content.decode()
    assert "nothing changed" not in page
    assert "2030-13" in page


def test_nul_byte_in_a_partial_csv_never_breaks_the_page(
    loaded_city: LoadedCity, upload_post: UploadPost
) -> None:
    first, second = loaded_city.first, loaded_city.second
    client = client_of("regulator")
    text = (
        "entity_id,period,energy_code,quantity,unit,purpose\n"
        f"{first.entity_id},2030-06,01,5,t,fuel\n"
        f"{second.entity_id},2030-0\x006,01,5,t,fuel\n"
    )
    response = upload_post(
        client,
        {"file": SimpleUploadedFile("nul.csv", text.encode(), "text/csv"), "partial": "on"},
    )
    assert response.status_code == 302
    shown = client.get(response["Location"])
    assert shown.status_code in (200, 422)
    upload = EnergyUpload.objects.get(source="nul.csv")
    # Quarantined as a bad row, or the whole file refused with a reason: never a 500.
    assert upload.status in ("partial", "rejected"), upload.problem
    if upload.status == "rejected":
        assert upload.errors or upload.problem


def test_reader_failure_is_a_clear_422_not_a_500(
    loaded_city: LoadedCity, upload_post: UploadPost, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_reader(*args: object, **kwargs: object) -> None:
        raise pl.exceptions.ComputeError("could not parse the bytes")

    monkeypatch.setattr(jobs, "import_uploaded_file", broken_reader)
    client = client_of("regulator")
    first = loaded_city.first
    response = upload_post(
        client, {"file": csv_file("坏文件.csv", f"{first.entity_id},2030-07,01,5,t,fuel")}
    )
    shown = client.get(response["Location"])
    assert shown.status_code == 422
    page = shown.content.decode()
    assert "文件无法读取" in page
    assert "the file cannot be read" in page
    assert EnergyUpload.objects.get(source="坏文件.csv").status == "rejected"


def test_a_csv_with_other_columns_names_the_canonical_columns_it_lacks(
    loaded_city: LoadedCity, upload_post: UploadPost
) -> None:
    client = client_of("regulator")
    wrong = SimpleUploadedFile("values.csv", b"name,value\ncoal,1\n", content_type="text/csv")
    response = upload_post(client, {"file": wrong})
    upload = EnergyUpload.objects.get(source="values.csv")
    assert upload.status == "rejected"
    missing = [(e["row"], e["column"], e["code"]) for e in upload.errors]
    assert missing == [
        (1, "entity_id", "not_canonical_csv"),
        (1, "period", "not_canonical_csv"),
        (1, "energy_code", "not_canonical_csv"),
        (1, "quantity", "not_canonical_csv"),
    ]
    assert upload.errors[0]["reason_zh"].endswith("文件的列为（name, value）")
    page = client.get(response["Location"]).content.decode()
    assert "205-1 表（工业企业" not in page and "不是 205-1 表" in page
    assert "<td>1</td><td>entity_id</td>" in page
    assert "Reason</th>" not in page and "the CSV lacks" not in page
    # The history keeps it with its reason.
    history = client.get("/energy/uploads/").content.decode()
    row = history.split("values.csv</a>")[1].split("</tr>")[0]
    assert "已拒绝" in row or "拒绝" in row
    assert "缺少此规范能源列" in row and "（共 4 处错误）" in row


def test_a_file_level_error_is_not_row_zero(
    loaded_city: LoadedCity, upload_post: UploadPost
) -> None:
    client = client_of("regulator")
    empty = SimpleUploadedFile("empty.csv", b"", content_type="text/csv")
    response = upload_post(client, {"file": empty})
    upload = EnergyUpload.objects.get(source="empty.csv")
    assert upload.errors and upload.errors[0]["row"] == 0
    page = client.get(response["Location"]).content.decode()
    assert "<td>整个文件</td>" in page and "<td>0</td>" not in page
