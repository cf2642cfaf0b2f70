"""Onboarding a city through the pages and the API: districts, enterprises and economics
files read by a background job, all rows or none, with templates and a blank 205-1 form to
download; only the city roles (admin, regulator) may use them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args

import pytest
import python_calamine
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client
from typer.testing import CliRunner

from citycarbon.cli.main import app
from citycarbon.core.ids import make_uscc
from citycarbon.io.form205_blank import FIRST_ITEM_ROW, NAME_CELL, PERIOD_CELL, USCC_CELL
from citycarbon.web.access.actions import Binding, do_create_api_key, do_create_user
from citycarbon.web.access.models import Bank
from citycarbon.web.audit.actions import Actor
from citycarbon.web.audit.models import AuditEvent
from citycarbon.web.enterprises.models import (
    EconomicYear,
    Enterprise,
    OnboardingKind,
    OnboardingStatus,
    OnboardingUpload,
)
from citycarbon.web.enterprises.onboarding_api import KindName, StatusName
from citycarbon.web.regions.models import District, Industry
from tests.web.test_onboarding_imports import ECONOMICS, ENTERPRISES, REGIONS, U1

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")

Post = Callable[..., HttpResponse]


@pytest.fixture
def post(django_capture_on_commit_callbacks: Any) -> Post:
    """Post and run the job the request queues after commit, as the worker would."""

    def send(client: Client, path: str, data: dict[str, Any], **headers: str) -> HttpResponse:
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, data, headers=headers)  # type: ignore[return-value]

    return send


def client_with(role: str, name: str | None = None) -> Client:
    binding = Binding(role)
    if role == "district":
        binding = Binding(role, District.objects.get_or_create(code="339901")[0])
    elif role == "enterprise":
        district = District.objects.get_or_create(code="339901")[0]
        industry = Industry.objects.get_or_create(code="1711")[0]
        enterprise = Enterprise.objects.create(
            entity_id="X1", name="某企业", district=district, industry=industry
        )
        binding = Binding(role, enterprise)
    elif role == "bank":
        binding = Binding(role, Bank.objects.create(code="B1", name="某银行"))
    user = do_create_user(name or role, "a-long-password-123", binding, actor=ACTOR)
    client = Client()
    client.force_login(user)
    return client


def csv_upload(name: str, text: str, encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def upload_page(post: Post, client: Client, kind: str, name: str, text: str) -> OnboardingUpload:
    response = post(client, "/onboarding/", {"kind": kind, "file": csv_upload(name, text)})
    assert response.status_code == 302, response.content[:500]
    upload = OnboardingUpload.objects.get(pk=int(response["Location"].strip("/").split("/")[-1]))
    assert response["Location"] == f"/onboarding/{upload.pk}/"
    return upload


def counts(upload: OnboardingUpload) -> tuple[str, int, int, int]:
    upload.refresh_from_db()
    return upload.status, upload.created, upload.updated, upload.unchanged


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("admin", True),
        ("regulator", True),
        ("district", False),
        ("enterprise", False),
        ("bank", False),
    ],
)
def test_onboarding_pages_are_for_the_city_roles(role: str, allowed: bool) -> None:
    client = client_with(role)
    for path in (
        "/onboarding/",
        "/onboarding/templates/regions.csv",
        "/onboarding/templates/205-1.xlsx",
    ):
        assert client.get(path).status_code == (200 if allowed else 403), path
    refused = client.post("/onboarding/", {"kind": "regions", "file": csv_upload("r.csv", REGIONS)})
    assert refused.status_code == (302 if allowed else 403)
    menu = client.get("/enterprises/").content.decode()
    assert ("城市数据导入" in menu) is allowed


def test_each_kind_through_the_page_ends_with_counts_and_audit_events(post: Post) -> None:
    client = client_with("regulator")
    page = client.get("/onboarding/").content.decode()
    assert "区县" in page and "下载模板" in page
    regions = upload_page(post, client, "regions", "区县.csv", REGIONS)
    assert counts(regions) == ("imported", 2, 0, 0)
    enterprises = upload_page(post, client, "enterprises", "企业.csv", ENTERPRISES)
    assert counts(enterprises) == ("imported", 2, 0, 0)
    economics = upload_page(post, client, "economics", "经济.csv", ECONOMICS)
    assert counts(economics) == ("imported", 2, 0, 0)
    assert Enterprise.objects.get(entity_id="E1").uscc == U1
    assert EconomicYear.objects.get(enterprise__entity_id="E1").value_added_10k_yuan == 1200.5
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "onboarding.upload",
        "onboarding.upload.imported",
        "regions.import",
        "enterprises.onboard",
        "enterprises.economics_import",
    } <= actions
    detail = client.get(f"/onboarding/{economics.pk}/")
    assert detail.status_code == 200
    assert "新增" in detail.content.decode()
    changed = REGIONS.replace("上城区", "上城区新")
    again = upload_page(post, client, "regions", "区县2.csv", changed)
    assert counts(again) == ("imported", 0, 1, 1)
    assert AuditEvent.objects.filter(action="regions.update").count() == 1
    same = upload_page(post, client, "regions", "区县3.csv", changed)
    assert counts(same) == ("unchanged", 0, 0, 2)
    assert all(u.stored_name == "" for u in OnboardingUpload.objects.all())


def test_a_bad_file_is_rejected_with_row_errors_and_writes_nothing(post: Post) -> None:
    client = client_with("regulator")
    bad = "district_code,name\n330101,上城区\n33010X,坏区\n"
    before = District.objects.count()
    upload = upload_page(post, client, "regions", "坏.csv", bad)
    upload.refresh_from_db()
    assert upload.status == OnboardingStatus.REJECTED
    assert [(e["row"], e["column"], e["code"]) for e in upload.errors] == [
        (3, "district_code", "bad_district")
    ]
    assert District.objects.count() == before
    page = client.get(f"/onboarding/{upload.pk}/")
    assert page.status_code == 422
    text = page.content.decode()
    assert "区县代码格式错误" in text and "malformed district code" not in text
    # rows that refer to what the platform lacks: rejected by the action, nothing written
    orphan = upload_page(post, client, "economics", "经济.csv", ECONOMICS)
    orphan.refresh_from_db()
    assert orphan.status == OnboardingStatus.REJECTED
    assert {e["code"] for e in orphan.errors} == {"unknown_entity"}
    assert orphan.errors[0]["reason_en"].startswith("no enterprise with this entity id")
    assert EconomicYear.objects.count() == 0
    assert not AuditEvent.objects.filter(action="enterprises.economics_import").exists()
    assert AuditEvent.objects.filter(action="onboarding.upload.rejected").count() == 2


def test_the_page_refuses_a_missing_kind_or_a_file_that_is_not_csv() -> None:
    client = client_with("regulator")
    wrong = client.post("/onboarding/", {"kind": "regions", "file": csv_upload("r.xlsx", "x")})
    assert wrong.status_code == 422
    assert "请上传 .csv 文件" in wrong.content.decode()
    nokind = client.post("/onboarding/", {"kind": "energy", "file": csv_upload("r.csv", REGIONS)})
    assert nokind.status_code == 422
    assert not OnboardingUpload.objects.exists()


def test_templates_download_and_import_in_order(post: Post) -> None:
    client = client_with("regulator")
    for kind in ("regions", "enterprises", "economics"):
        response = client.get(f"/onboarding/templates/{kind}.csv")
        assert response["Content-Disposition"] == f'attachment; filename="{kind}-template.csv"'
        raw = response.content
        assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\r\n") == 2
        upload = upload_page(post, client, kind, f"{kind}.csv", raw.decode("utf-8"))
        assert counts(upload) == ("imported", 1, 0, 0), upload.errors
    assert Enterprise.objects.get(entity_id="E0001").district.code == "330102"


def test_the_progress_fragment_follows_the_job_until_it_ends(post: Post) -> None:
    client = client_with("regulator")
    # the job is queued after commit: without running it, the upload stays pending
    response = client.post(
        "/onboarding/", {"kind": "regions", "file": csv_upload("r.csv", REGIONS)}
    )
    upload = OnboardingUpload.objects.get()
    assert upload.status == OnboardingStatus.PENDING
    page = client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 2s"' in page and "<progress" in page
    OnboardingUpload.objects.filter(pk=upload.pk).update(
        status=OnboardingStatus.RUNNING, bytes_read=50, bytes_total=200
    )
    fragment = client.get(response["Location"], headers={"HX-Request": "true"})
    assert 'value="25"' in fragment.content.decode()
    OnboardingUpload.objects.filter(pk=upload.pk).update(status=OnboardingStatus.IMPORTED)
    done = client.get(response["Location"], headers={"HX-Request": "true"})
    assert (done.status_code, done["HX-Refresh"]) == (204, "true")


def key(role: str, scopes: tuple[str, ...] = ("onboarding",), **binding: Any) -> str:
    return do_create_api_key(Binding(role, *binding.values()), actor=ACTOR, scopes=scopes)[1]


def test_each_kind_through_the_api(post: Post) -> None:
    client = Client()
    secret = key("regulator")
    for kind, text in (
        ("regions", REGIONS),
        ("enterprises", ENTERPRISES),
        ("economics", ECONOMICS),
    ):
        answer = post(
            client,
            f"/api/v1/onboarding/{kind}",
            {"file": csv_upload(f"{kind}.csv", text, "gbk")},
            **{"X-API-Key": secret},
        )
        assert answer.status_code == 202, answer.content
        body = answer.json()
        assert answer["Location"] == body["url"] == f"/api/v1/onboarding/{body['id']}"
        status = client.get(body["url"], headers={"X-API-Key": secret}).json()
        assert (status["kind"], status["status"], status["created"]) == (kind, "imported", 2)
        assert status["page_url"] == f"/onboarding/{body['id']}/"
    assert AuditEvent.objects.filter(action="enterprises.onboard").exists()
    bad = post(
        client,
        "/api/v1/onboarding/regions",
        {"file": csv_upload("bad.csv", "district_code,name\n12,坏区\n")},
        **{"X-API-Key": secret},
    )
    status = client.get(bad.json()["url"], headers={"X-API-Key": secret}).json()
    assert status["status"] == "rejected"
    assert status["errors"][0]["reason_zh"].startswith("区县代码格式错误")
    assert status["errors"][0]["reason_en"].startswith("malformed district code")
    assert District.objects.count() == 2
    wrong = post(
        client,
        "/api/v1/onboarding/regions",
        {"file": csv_upload("r.txt", REGIONS)},
        **{"X-API-Key": secret},
    )
    assert (wrong.status_code, wrong.json()["code"]) == (422, "unsupported_file")


def test_the_api_needs_a_city_role_and_the_onboarding_scope(post: Post) -> None:
    district = District.objects.create(code="339901")
    refused = {
        "no scopes": key("regulator", ()),
        "other scopes": key("regulator", ("uploads", "enterprises")),
        "district": key("district", (), district=district),
    }
    for label, secret in refused.items():
        answer = post(
            Client(),
            "/api/v1/onboarding/regions",
            {"file": csv_upload("r.csv", REGIONS)},
            **{"X-API-Key": secret},
        )
        assert answer.status_code == 403, label
        assert answer.json()["code"] == "forbidden"
    assert not OnboardingUpload.objects.exists()
    assert District.objects.count() == 1
    assert Client().get("/api/v1/onboarding/1").status_code == 401


def test_the_api_names_the_models_kinds_and_statuses() -> None:
    assert set(get_args(KindName)) == set(OnboardingKind.values)
    assert set(get_args(StatusName)) == set(OnboardingStatus.values)


def test_the_blank_205_form_filled_in_converts(tmp_path: Path) -> None:
    client = client_with("regulator")
    response = client.get("/onboarding/templates/205-1.xlsx")
    blank = tmp_path / "blank.xlsx"
    blank.write_bytes(response.content)
    sheet = python_calamine.CalamineWorkbook.from_path(str(blank)).get_sheet_by_index(0)
    grid = [list(r) for r in sheet.to_python()]
    codes = {row[1]: i for i, row in enumerate(grid) if i >= FIRST_ITEM_ROW}
    assert {"01", "33", "39"} <= set(codes)
    # the blank form alone is no form yet: it lacks the enterprise and the period
    unfilled = CliRunner().invoke(app, ["convert-205", str(blank)])
    assert unfilled.exit_code != 0
    uscc = make_uscc("330102", 7)
    grid[NAME_CELL[0]][NAME_CELL[1]] = "测试纺织有限公司"
    grid[USCC_CELL[0]][USCC_CELL[1]] = uscc
    grid[PERIOD_CELL[0]][PERIOD_CELL[1]] = "2025年3月"
    for code, total in (("01", 120.0), ("33", 2500.0)):
        grid[codes[code]][6] = grid[codes[code]][7] = total
    filled = tmp_path / "filled.xlsx"
    book = xlsxwriter.Workbook(str(filled))
    ws = book.add_worksheet("205-1")
    for merge in sheet.merged_cell_ranges or []:
        (r0, c0), (r1, c1) = merge
        ws.merge_range(r0, c0, r1, c1, grid[r0][c0])
    merged = {
        (r, c)
        for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or []
        for r in range(r0, r1 + 1)
        for c in range(c0, c1 + 1)
    }
    for r, cells in enumerate(grid):
        for c, value in enumerate(cells):
            if value not in ("", None) and (r, c) not in merged:
                ws.write(r, c, value)
    book.close()
    out = tmp_path / "energy.csv"
    result = CliRunner().invoke(app, ["convert-205", str(filled), "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[1:] == [
        f"{uscc},2025-03,01,120.0,t,fuel",
        f"{uscc},2025-03,33,2500.0,10k_kwh,fuel",
    ]
