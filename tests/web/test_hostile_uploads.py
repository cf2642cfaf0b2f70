"""The hostile-file corpus (``tests/hostile.py``) uploaded through the upload page and through
the API: never a server error nor a traceback; each upload ends rejected with its reason in
Chinese and English on its page (zh-hans) and in the API's answer, and nothing is written to
the energy records or the imports. Valid files with old Mac line ends (lone CR) import
through both. Runs on SQLite, and on PostgreSQL with ``CITYCARBON_TEST_DATABASE_URL``."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from citycarbon.io.errors import REASONS
from citycarbon.web.access.actions import Binding, do_create_api_key
from citycarbon.web.audit.actions import Actor
from citycarbon.web.audit.models import DataImport
from citycarbon.web.energy.models import EnergyRecord, EnergyUpload, QuarantinedRow
from tests import hostile
from tests.form205_fixtures import USCC_A, Item, stocked, write_form_csv, write_form_xlsx
from tests.web.conftest import LoadedCity, UploadPost
from tests.web.test_upload_pages import client_of

pytestmark = pytest.mark.django_db
ITEMS = [stocked("01", 100.0, industrial=100.0), Item("33", total=560.0, industrial=560.0)]
UPLOADS = "/api/v1/energy/uploads"


@dataclass(frozen=True)
class Case:
    """A hostile file and the reason its upload is rejected with (a ``REASONS`` code), and
    the words of the detail that must be shown with it."""

    build: Callable[[Path], Path]
    code: str
    detail: str = ""


CASES: dict[str, Case] = {
    "far corner": Case(
        lambda d: hostile.xlsx_far_corner(d / "corner.xlsx"),
        "sheet_too_large",
        "1,048,576 > 100,000 (CITYCARBON_MAX_SHEET_ROWS)",
    ),
    "AZ column": Case(
        lambda d: hostile.xlsx_far_corner(d / "az.xlsx", "AZ1048576"),
        "sheet_too_large",
        "CITYCARBON_MAX_SHEET_ROWS",
    ),
    "lying dimension": Case(
        lambda d: hostile.xlsx_lying_dimension(d / "lie.xlsx"),
        "sheet_too_large",
        "CITYCARBON_MAX_SHEET_ROWS",
    ),
    "zip bomb": Case(
        lambda d: hostile.xlsx_zip_bomb(d / "bomb.xlsx"),
        "zip_bomb",
        "CITYCARBON_MAX_COMPRESSION_RATIO",
    ),
    "4M cells": Case(
        lambda d: hostile.xlsx_many_cells(d / "many.xlsx"),
        "sheet_too_large",
        "> 1,000,000 (CITYCARBON_MAX_SHEET_CELLS)",
    ),
    "xls 1.26M cells": Case(
        lambda d: hostile.xls_too_large(d / "big.xls"),
        "sheet_too_large",
        "1,260,000 > 1,000,000 (CITYCARBON_MAX_SHEET_CELLS)",
    ),
    "xls not a form": Case(lambda d: hostile.xls_rows(d / "rows.xls", 2_000), "form_not_found"),
    "truncated xlsx": Case(
        lambda d: hostile.truncated_xlsx(
            d / "truncated.xlsx", write_form_xlsx(d / "good.xlsx", USCC_A, "甲", "2025-03", ITEMS)
        ),
        "form_corrupt",
    ),
    "garbage xlsx": Case(lambda d: hostile.garbage(d / "garbage.xlsx"), "form_corrupt"),
    "garbage xls": Case(lambda d: hostile.garbage(d / "garbage.xls"), "form_corrupt"),
    "garbage csv": Case(lambda d: hostile.garbage(d / "garbage.csv"), "encoding"),
    "empty csv": Case(lambda d: hostile.empty(d / "empty.csv"), "form_empty"),
    "empty xlsx": Case(lambda d: hostile.empty(d / "empty.xlsx"), "form_empty"),
    "a million columns": Case(
        lambda d: hostile.csv_many_columns(d / "cols.csv"),
        "too_many_columns",
        "1,000,000 > 256 (CITYCARBON_MAX_COLUMNS)",
    ),
    "50 MiB field": Case(lambda d: hostile.csv_huge_field(d / "field.csv"), "line_too_long"),
    "long header name": Case(
        lambda d: hostile.csv_long_header_field(d / "header.csv"), "field_too_long"
    ),
    "NUL byte": Case(lambda d: hostile.csv_nul(d / "nul.csv"), "encoding", "NUL"),
    "GBK, unknown enterprises": Case(
        lambda d: hostile.csv_gbk(d / "gbk.csv"), "unknown_enterprise"
    ),
    "lone CR, unknown enterprises": Case(
        lambda d: hostile.csv_cr_only(d / "cr.csv"), "unknown_enterprise"
    ),
    "205-1 CSV with lone CR, unknown enterprise": Case(
        lambda d: hostile.form_csv_cr_only(d / "form-cr.csv", ITEMS), "unknown_enterprise"
    ),
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every hostile file, built once for the module."""
    folder = tmp_path_factory.mktemp("hostile")
    return {name: case.build(folder) for name, case in CASES.items()}


CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def english_words(text: str) -> list[str]:
    """The lower-case English words of a text, limit variables and paths left out."""
    text = re.sub(r"CITYCARBON_[A-Z_]+|\S*/\S*", "", text)
    return re.findall(r"(?<![A-Za-z])[a-z]{3,}(?![A-Za-z])", text)


def state() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in (EnergyRecord, DataImport, QuarantinedRow)}


def upload_of(path: Path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes())


@pytest.fixture
def api_post(django_capture_on_commit_callbacks: Any) -> Callable[[str, dict[str, Any]], Any]:
    def post(key: str, data: dict[str, Any]) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return Client().post(UPLOADS, data, headers={"X-API-Key": key})

    return post


def submit(
    via: str, path: Path, upload_post: UploadPost, api_post: Callable[..., Any], **form: str
) -> tuple[EnergyUpload, dict[str, Any], str]:
    """Upload ``path`` through the page or the API; the upload, its API answer and its page."""
    client = client_of("regulator")
    data: dict[str, Any] = {"file": upload_of(path), **form}
    if via == "page":
        response = upload_post(client, data)
        assert response.status_code == 302, response.content[:2000]
        upload = EnergyUpload.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    else:
        key = do_create_api_key(
            Binding("regulator"), actor=Actor.system("test"), scopes=("uploads",)
        )[1]
        response = api_post(key, data)
        assert response.status_code == 202, response.content[:2000]
        upload = EnergyUpload.objects.get(pk=response.json()["id"])
    assert b"Traceback" not in response.content
    answer = client.get(f"{UPLOADS}/{upload.pk}")
    assert answer.status_code == 200, answer.content[:2000]
    page = client.get(f"/energy/uploads/{upload.pk}/")
    assert page.status_code < 500
    text = page.content.decode()
    assert "Traceback" not in text and 'lang="zh-hans"' in text
    return upload, answer.json(), html.unescape(text)


@pytest.mark.parametrize("via", ["page", "api"])
@pytest.mark.parametrize("name", list(CASES))
def test_hostile_upload_is_rejected_with_its_reason_and_writes_nothing(
    loaded_city: LoadedCity,
    corpus: dict[str, Path],
    upload_post: UploadPost,
    api_post: Callable[..., Any],
    name: str,
    via: str,
) -> None:
    case = CASES[name]
    before = state()
    upload, answer, page = submit(via, corpus[name], upload_post, api_post, partial="")
    assert state() == before
    assert (upload.status, upload.data_import, upload.stored_name) == ("rejected", None, "")
    assert answer["status"] == "rejected" and answer["rows_imported"] == 0
    zh, en = REASONS[case.code]
    codes = [e["code"] for e in answer["errors"]]
    assert case.code in codes, (codes, answer["problem"])
    error = answer["errors"][codes.index(case.code)]
    assert zh in error["reason_zh"] and en in error["reason_en"]
    assert case.detail in error["reason_en"]
    assert error["file"] == corpus[name].name
    assert zh in page and en not in page  # a Chinese page gives the Chinese reason only
    for stored in upload.errors:
        assert not english_words(stored["reason_zh"]), stored
        assert not CJK.search(stored["reason_en"]), stored


@pytest.mark.parametrize("via", ["page", "api"])
def test_cr_only_energy_csv_imports(
    loaded_city: LoadedCity,
    tmp_path: Path,
    upload_post: UploadPost,
    api_post: Callable[..., Any],
    via: str,
) -> None:
    first, second = loaded_city.first, loaded_city.second
    month = "2034-01" if via == "page" else "2034-02"
    rows = f"{first.entity_id},{month},01,5,t,fuel\r{second.entity_id},{month},33,2,,\r"
    path = tmp_path / "cr.csv"
    path.write_bytes((hostile.HEADER.rstrip("\n") + "\r" + rows).encode())
    upload, answer, page = submit(via, path, upload_post, api_post)
    assert (answer["status"], answer["rows_read"], answer["rows_imported"]) == ("imported", 2, 2)
    assert answer["errors"] == []
    assert "已导入" in page  # the status, in Chinese
    assert EnergyRecord.objects.get(enterprise=first, period=month).quantity == 5.0
    assert upload.data_import is not None


@pytest.mark.parametrize("via", ["page", "api"])
def test_cr_only_form_csv_imports(
    loaded_city: LoadedCity,
    tmp_path: Path,
    upload_post: UploadPost,
    api_post: Callable[..., Any],
    via: str,
) -> None:
    enterprise = loaded_city.first if via == "page" else loaded_city.second
    assert enterprise.uscc
    path = write_form_csv(tmp_path / "form.csv", enterprise.uscc, enterprise.name, "2034-03", ITEMS)
    path.write_bytes(path.read_bytes().replace(b"\r\n", b"\r").replace(b"\n", b"\r"))
    assert b"\n" not in path.read_bytes()
    _, answer, _ = submit(via, path, upload_post, api_post)
    assert answer["status"] == "imported", answer
    assert answer["rows_imported"] == len(ITEMS)
    assert EnergyRecord.objects.filter(enterprise=enterprise, period="2034-03").count() == 2


@pytest.mark.parametrize("via", ["page", "api"])
def test_partial_upload_of_unknown_enterprises_is_quarantined(
    loaded_city: LoadedCity,
    corpus: dict[str, Path],
    upload_post: UploadPost,
    api_post: Callable[..., Any],
    via: str,
) -> None:
    """With partial import asked, rows of enterprises the platform does not know go to the
    quarantine, each with its reason; no record, no import."""
    before = state()
    flag = "on" if via == "page" else "true"
    path = corpus["lone CR, unknown enterprises"]
    upload, answer, page = submit(via, path, upload_post, api_post, partial=flag)
    assert answer["status"] == "quarantined"
    assert (answer["rows_read"], answer["rows_quarantined"], answer["error_count"]) == (3, 3, 3)
    zh, en = REASONS["unknown_enterprise"]
    assert [e["row"] for e in answer["errors"]] == [2, 3, 4]
    assert all(zh in e["reason_zh"] and en in e["reason_en"] for e in answer["errors"])
    assert zh in page and en not in page
    after = state()
    assert after["QuarantinedRow"] == before["QuarantinedRow"] + 3
    assert (after["EnergyRecord"], after["DataImport"]) == (
        before["EnergyRecord"],
        before["DataImport"],
    )
    assert upload.data_import is None
