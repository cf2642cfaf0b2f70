"""The budget pages' forms on a hand-sized city: a draft from a CSV or an Excel file (and a
refused file's row report in Chinese), approving and adjusting on the plan page, and a
warning case answered by its district officer and closed by the regulator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from citycarbon.web.access.actions import Binding, do_create_user
from citycarbon.web.audit.actions import Actor
from citycarbon.web.budgets.actions import do_open_cases
from citycarbon.web.budgets.models import BudgetPlan, CaseStatus, WarningCase
from tests.web.test_budgets import HEADER, TREE, _monitored, make_city

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")


@pytest.fixture
def city() -> dict[str, Any]:
    return make_city()


def _client(username: str, binding: Binding) -> Client:
    user = do_create_user(username, "a-long-password-123", binding, actor=ACTOR)
    client = Client()
    client.force_login(user)
    return client


def _upload(client: Client, name: str, body: bytes) -> Any:
    return client.post(
        "/budgets/plans/new/",
        {
            "year": 2026,
            "measure": "carbon",
            "name": "2026 年度碳预算",
            "file": SimpleUploadedFile(name, body),
        },
    )


def test_a_regulator_makes_approves_and_adjusts_a_plan_on_the_pages(
    city: dict[str, Any],
) -> None:
    regulator = _client("reg", Binding("regulator"))
    body = ("\n".join([HEADER, *TREE]) + "\n").encode()
    made = _upload(regulator, "budgets.csv", body)
    assert made.status_code == 302
    plan = BudgetPlan.objects.get()
    page = regulator.get(f"/budgets/plans/{plan.pk}/").content.decode()
    assert "草案" in page and "批准此版本" in page and "按上年排放分解" in page
    assert regulator.post(f"/budgets/plans/{plan.pk}/approve/").status_code == 302
    plan.refresh_from_db()
    assert plan.status == "approved"
    adjusted = regulator.post(
        f"/budgets/plans/{plan.pk}/adjust/",
        {"line_id": "EB", "budget_tco2": "90", "reason": "技改核减"},
    )
    assert adjusted.status_code == 302
    newest = BudgetPlan.objects.get(version=2)
    assert adjusted["Location"] == f"/budgets/plans/{newest.pk}/"
    assert newest.lines.get(line_id="EB").budget_tco2 == 90.0
    page = regulator.get(f"/budgets/plans/{newest.pk}/").content.decode()
    assert "技改核减" in page and "替代第 1 版" in page and "已调整" in page
    # no reason: nothing made
    regulator.post(f"/budgets/plans/{newest.pk}/adjust/", {"line_id": "EB", "budget_tco2": "80"})
    assert BudgetPlan.objects.count() == 2


def test_a_refused_file_shows_its_row_report_in_chinese(city: dict[str, Any]) -> None:
    regulator = _client("reg", Binding("regulator"))
    body = ("\n".join([HEADER, *TREE, "X,county,339901,C,2026,1,"]) + "\n").encode()
    refused = _upload(regulator, "budgets.csv", body)
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "未知预算层级" in html and "<td>8</td>" in html
    assert not BudgetPlan.objects.exists()
    assert _upload(regulator, "budgets.txt", body).status_code == 400


def test_an_excel_file_is_read_like_a_csv(city: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "budgets.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for r, line in enumerate([HEADER, *TREE]):
        for c, cell in enumerate(line.split(",")):
            if cell and r and c in (4, 5, 6):
                sheet.write_number(r, c, float(cell))
            else:
                sheet.write_string(r, c, cell)
    book.close()
    regulator = _client("reg", Binding("regulator"))
    assert _upload(regulator, "budgets.xlsx", path.read_bytes()).status_code == 302
    plan = BudgetPlan.objects.get()
    assert plan.lines.count() == len(TREE) and plan.lines.get(line_id="DA").budget_tco2 == 600.0


def test_the_district_officer_answers_and_the_regulator_closes_on_the_pages(
    city: dict[str, Any], tmp_path: Path
) -> None:
    regulator = _client("reg", Binding("regulator"))
    _upload(regulator, "budgets.csv", ("\n".join([HEADER, *TREE]) + "\n").encode())
    plan = BudgetPlan.objects.get()
    regulator.post(f"/budgets/plans/{plan.pk}/approve/")
    plan.refresh_from_db()
    do_open_cases(_monitored(plan, {"DA": "red", "DB": "yellow"}), actor=ACTOR)
    case = WarningCase.objects.get(line__line_id="DA")
    theirs = WarningCase.objects.get(line__line_id="DB")
    officer = _client("officer", Binding("district", city["a"]))
    page = officer.get(f"/budgets/cases/{case.pk}/").content.decode()
    assert "提交答复" in page and "关闭事项" not in page and "待答复" in page
    assert officer.get(f"/budgets/cases/{theirs.pk}/").status_code == 404
    assert (
        officer.post(f"/budgets/cases/{theirs.pk}/answer/", {"explanation": "x"}).status_code == 404
    )
    answered = officer.post(
        f"/budgets/cases/{case.pk}/answer/", {"explanation": "新产能投产", "measures": "错峰生产"}
    )
    assert answered.status_code == 302
    # the regulator sees no answer form, only the close form
    page = regulator.get(f"/budgets/cases/{case.pk}/").content.decode()
    assert "关闭事项" in page and "提交答复" not in page and "新产能投产" in page
    assert regulator.post(f"/budgets/cases/{case.pk}/close/", {"note": "同意"}).status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.closed_by == "reg"
    history = regulator.get(f"/budgets/cases/{case.pk}/").content.decode()
    assert history.count("<tr><td>") >= 3 and "已答复 → 已关闭" in history
