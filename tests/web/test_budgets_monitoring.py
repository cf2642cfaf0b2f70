"""Budgets on the demo city: monitoring made of the published accounting run's months and,
for months not yet accounted, the rapid estimates (marked, with provenance); the pages in
Chinese for each role; a district officer's and an enterprise user's reach in pages and
API; answering and closing a case through the API."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.contrib.auth.models import User
from django.test import Client
from typer.testing import CliRunner

from citycarbon.cli.main import app
from citycarbon.core.budgets import WARNING_REASONS
from citycarbon.web.access.actions import Binding, do_create_api_key
from citycarbon.web.audit.actions import Actor
from citycarbon.web.budgets import selectors
from citycarbon.web.budgets.actions import (
    do_allocate_by_history,
    do_approve,
    do_create_plan,
    do_monitor,
)
from citycarbon.web.budgets.demo import load_demo_budgets
from citycarbon.web.budgets.models import BudgetPlan, CaseStatus, MonitoringRun, WarningCase
from citycarbon.web.energy.models import AccountingRun, Emission
from citycarbon.web.enterprises.models import Enterprise
from citycarbon.web.estimates.models import Estimate, EstimateRun
from citycarbon.web.grading.selectors import published_accounting_run
from citycarbon.web.regions.models import District
from tests.web.conftest import LoadedCity

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")


def login(client: Client, username: str) -> None:
    client.force_login(User.objects.get(username=username))


def _months(entity: str, year: int, last: int) -> tuple[float, float, list[str]]:
    """Accounted and estimated tCO2 of an enterprise from January to ``last``, read straight
    from the newest estimate run's rows, and the months only estimated."""
    run = EstimateRun.objects.order_by("-id").first()
    accounted = estimated = 0.0
    only: list[str] = []
    for period, est, acc in Estimate.objects.filter(
        run=run, grain="month", enterprise__entity_id=entity, period__startswith=str(year)
    ).values_list("period", "estimated_tco2", "accounted_tco2"):
        if int(period[5:]) > last:
            continue
        if acc is not None:
            accounted += acc
        elif est is not None:
            estimated += est
            only.append(period)
    return accounted, estimated, sorted(only)


def _small_plan(year: int, entity: str, district: str, budget: float) -> BudgetPlan:
    enterprise = Enterprise.objects.get(entity_id=entity)
    rows = [
        ("C", "city", "339900", None, 10 * budget, None, None),
        ("D", "district", district, "C", 5 * budget, enterprise.district_id, None),
        ("E", "enterprise", entity, "D", budget, enterprise.district_id, enterprise.pk),
    ]
    frame = pl.DataFrame(
        [
            {
                "row": 0,
                "budget_id": b,
                "level": lv,
                "subject_id": s,
                "parent_id": p,
                "name": "",
                "budget_tco2": t,
                "budget_intensity_tco2_per_10k_yuan": None,
                "budget_energy_tce": None,
                "monthly_profile": None,
                "district_id": d,
                "enterprise_id": e,
            }
            for b, lv, s, p, t, d, e in rows
        ],
        schema_overrides={"monthly_profile": pl.List(pl.Float64), "parent_id": pl.String},
    )
    plan = do_create_plan(year, "carbon", "测试", frame, actor=ACTOR)
    return do_approve(plan, actor=ACTOR)


def test_monitoring_marks_estimated_months_and_names_its_runs(loaded_city: LoadedCity) -> None:
    accounted_months, estimated_months = selectors.available_months()
    assert accounted_months and estimated_months
    year, last = int(estimated_months[-1][:4]), int(estimated_months[-1][5:])
    entity = loaded_city.first.entity_id
    accounted, estimated, only = _months(entity, year, last)
    assert estimated > 0 and accounted == 0.0 and len(only) == last
    plan = _small_plan(year, entity, loaded_city.first.district.code, budget=estimated)
    run = do_monitor(plan, estimated_months[-1], actor=ACTOR)
    assert run.accounting_run == published_accounting_run()
    assert run.estimate_run == EstimateRun.objects.order_by("-id").first()
    assert run.estimated_months == only and run.accounted_months == []
    line = run.lines.get(line__line_id="E")
    assert line.actual_to_date == pytest.approx(estimated)
    assert line.estimated == pytest.approx(estimated) and not line.accounted
    # the whole annual budget used by the as-of month: red (the core's edge)
    assert line.used_of_annual_pct == pytest.approx(100.0)
    assert line.projected_year == pytest.approx(estimated * 12 / last)


def test_monitoring_of_an_accounted_year_uses_the_accounted_months(
    loaded_city: LoadedCity,
) -> None:
    accounted_months, _estimated = selectors.available_months()
    as_of = accounted_months[-1]
    year = int(as_of[:4])
    entity = loaded_city.second.entity_id
    accounted, estimated, only = _months(entity, year, 12)
    assert accounted > 0 and estimated == 0.0 and only == []
    plan = _small_plan(year, entity, loaded_city.second.district.code, budget=accounted * 2)
    run = do_monitor(plan, as_of, actor=ACTOR)
    assert run.estimated_months == [] and run.accounted_months == accounted_months[-12:]
    line = run.lines.get(line__line_id="E")
    assert line.accounted == pytest.approx(accounted) and not line.estimated
    assert line.status == "green" and line.used_of_annual_pct == pytest.approx(50.0)
    # the district line is judged on everything in the district, not only its key enterprise
    district = run.lines.get(line__line_id="D")
    assert district.actual_to_date > line.actual_to_date


def test_the_demo_has_lights_of_every_colour_and_open_cases(loaded_city: LoadedCity) -> None:
    assert load_demo_budgets()  # already loaded: nothing new
    assert BudgetPlan.objects.filter(created_by="system:demo").count() == 3
    statuses = set(MonitoringRun.objects.values_list("lines__status", flat=True))
    assert statuses == {"green", "yellow", "red"}
    assert WarningCase.objects.filter(status=CaseStatus.OPEN).exists()
    # each case says why, in the core's words (intensity first, then totals)
    reasons = set(WarningCase.objects.values_list("reason", flat=True))
    assert reasons and reasons <= set(WARNING_REASONS)
    assert any(r.estimated_months for r in MonitoringRun.objects.all())
    assert set(AccountingRun.objects.values_list("pk", flat=True)) >= {
        r.accounting_run_id for r in MonitoringRun.objects.all()
    }


MACHINE = re.compile(
    r">\s*(green|yellow|red|draft|approved|adjusted|open|answered|closed|carbon|city|district|"
    r"industry|enterprise|project|Level|Used of annual budget)\s*<"
)


def test_pages_render_in_chinese_for_the_regulator(loaded_city: LoadedCity, client: Client) -> None:
    login(client, "regulator")
    plan = selectors.in_force(int(selectors.available_months()[1][-1][:4]), "carbon")
    assert plan is not None
    line = plan.lines.filter(level="enterprise").first()
    assert line is not None
    case = WarningCase.objects.filter(plan__year=plan.year).first()
    assert case is not None
    pages = {
        "/budgets/": ["碳排放预算与用能预算", "累计实际", "速算", "层级", "市级", "已用年度预算"],
        f"/budgets/plans/{plan.pk}/": ["版本记录", "按月监测", "已批准"],
        f"/budgets/lines/{line.pk}/": ["构成该数的企业", "能源"],
        "/budgets/cases/": ["预算预警事项"],
        f"/budgets/cases/{case.pk}/": ["预警事项", "待答复", case.reason_zh],
        f"/budgets/districts/{loaded_city.first.district_id}/": ["的预算"],
    }
    for url, words in pages.items():
        answer = client.get(url)
        assert answer.status_code == 200, url
        html = answer.content.decode()
        for word in words:
            assert word in html, (url, word)
        assert not MACHINE.search(html), (url, MACHINE.search(html))
    html = client.get("/budgets/").content.decode()
    assert re.search(r'class="light light-red">红<', html)
    assert re.search(r'class="light light-yellow">黄<', html)
    assert re.search(r'class="light light-green">绿<', html)
    assert "已发布的核算批次" in html and "仅有速算的月份" in html


def test_a_district_officer_sees_its_district_only(loaded_city: LoadedCity, client: Client) -> None:
    login(client, "district")
    officer = User.objects.get(username="district").profile
    own = officer.subject_id
    html = client.get("/budgets/").content.decode()
    plan = BudgetPlan.objects.filter(created_by="system:demo").order_by("-year").first()
    assert plan is not None
    theirs = plan.lines.exclude(district_id=own).exclude(district__isnull=True).first()
    mine = plan.lines.filter(district_id=own).first()
    assert theirs is not None and mine is not None
    assert f"/budgets/lines/{mine.pk}/" in html and f"/budgets/lines/{theirs.pk}/" not in html
    assert client.get(f"/budgets/lines/{theirs.pk}/").status_code == 404
    assert client.get(f"/budgets/districts/{theirs.district_id}/").status_code == 404
    assert client.get(f"/budgets/districts/{own}/").status_code == 200
    other_case = WarningCase.objects.exclude(district_id=own).first()
    assert other_case is not None
    assert client.get(f"/budgets/cases/{other_case.pk}/").status_code == 404
    listed = client.get("/budgets/cases/").content.decode()
    assert f"/budgets/cases/{other_case.pk}/" not in listed
    # closing is the regulator's
    own_case = WarningCase.objects.filter(district_id=own).first()
    assert own_case is not None
    assert client.post(f"/budgets/cases/{own_case.pk}/close/").status_code == 403


def test_an_enterprise_user_sees_its_own_line_and_cases(
    loaded_city: LoadedCity, client: Client
) -> None:
    login(client, "enterprise1")
    first = loaded_city.first
    assert client.get("/budgets/").status_code == 403
    html = client.get(f"/enterprises/{first.pk}/").content.decode()
    assert 'id="budget-panel"' in html
    assert client.get(f"/budgets/enterprises/{loaded_city.second.pk}/").status_code == 404
    other = WarningCase.objects.exclude(enterprise=first).first()
    assert other is not None
    assert client.get(f"/budgets/cases/{other.pk}/").status_code == 404


def test_the_api_lists_answers_and_closes(loaded_city: LoadedCity, client: Client) -> None:
    case = WarningCase.objects.filter(owner_role="enterprise", status=CaseStatus.OPEN).first()
    assert case is not None and case.enterprise is not None
    owner = do_create_api_key(
        Binding("enterprise", case.enterprise), actor=ACTOR, scopes=("budget_warnings",)
    )[1]
    stranger = do_create_api_key(
        Binding("enterprise", Enterprise.objects.exclude(pk=case.enterprise_id).first()),
        actor=ACTOR,
        scopes=("budget_warnings",),
    )[1]
    regulator = do_create_api_key(Binding("regulator"), actor=ACTOR, scopes=("budgets",))[1]
    listed = client.get("/api/v1/budgets/cases", headers={"X-API-Key": owner}).json()
    assert listed["count"] >= 1
    assert {c["enterprise_id"] for c in listed["items"]} == {case.enterprise_id}
    body = {"explanation": "订单增加，产量上升", "measures": "余热回收改造"}
    url = f"/api/v1/budgets/cases/{case.pk}"
    refused = client.post(
        url + "/answer", body, content_type="application/json", headers={"X-API-Key": stranger}
    )
    assert refused.status_code == 404
    answered = client.post(
        url + "/answer", body, content_type="application/json", headers={"X-API-Key": owner}
    )
    assert answered.status_code == 200 and answered.json()["status"] == "answered"
    closed = client.post(
        url + "/close",
        {"note": "同意"},
        content_type="application/json",
        headers={"X-API-Key": regulator},
    )
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    again = client.post(
        url + "/close",
        {"note": ""},
        content_type="application/json",
        headers={"X-API-Key": regulator},
    )
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    plan = case.plan
    monitoring = client.get(
        f"/api/v1/budgets/plans/{plan.pk}/monitoring", headers={"X-API-Key": regulator}
    ).json()
    assert monitoring["accounting_run"] == published_accounting_run().pk  # type: ignore[union-attr]
    assert {line["status"] for line in monitoring["lines"]} <= {"green", "yellow", "red"}
    plans = client.get("/api/v1/budgets/plans", headers={"X-API-Key": regulator}).json()
    assert plans["count"] == BudgetPlan.objects.count()


def _demo_plans() -> tuple[BudgetPlan, BudgetPlan]:
    """The demo's accounted year's plan in force (adjusted) and the next year's."""
    accounted, estimated = selectors.available_months()
    first = selectors.in_force(int(accounted[-1][:4]), "carbon")
    second = selectors.in_force(int(estimated[-1][:4]), "carbon")
    assert first is not None and second is not None
    return first, second


def test_the_quarterly_and_annual_reports_print_in_chinese(
    loaded_city: LoadedCity, client: Client
) -> None:
    accounted_year, next_year = _demo_plans()
    login(client, "regulator")
    page = client.get(
        "/reports/budget-quarterly/", {"year": accounted_year.year, "quarter": 4}
    ).content.decode()
    assert "碳预算季度监测报告" in page and "黄色与红色预算行" in page and "红" in page
    assert f"{accounted_year.year}-Q4" in page
    annual = client.get("/reports/budget-annual/", {"year": accounted_year.year}).content.decode()
    assert "碳预算年度分析报告" in annual and "版本记录" in annual
    assert "节能技改经核实后核减" in annual  # the adjustment's reason
    assert "各责任方尚未关闭的事项（计入考核）" in annual
    # the next year was monitored in its tenth month only: no Q4 monitoring yet
    none = client.get("/reports/budget-quarterly/", {"year": next_year.year, "quarter": 4})
    assert "请先运行监测" in none.content.decode()
    issued = client.post("/reports/budget-annual/issue/", {"year": next_year.year, "district": ""})
    assert issued.status_code == 302


def test_a_district_officer_gets_its_own_district_s_report_only(
    loaded_city: LoadedCity, client: Client
) -> None:
    accounted_year, _next = _demo_plans()
    login(client, "district")
    own = District.objects.get(pk=User.objects.get(username="district").profile.subject_id)
    other = District.objects.exclude(pk=own.pk).first()
    assert other is not None
    mine = client.get(
        "/reports/budget-annual/", {"year": accounted_year.year, "district": own.code}
    )
    assert mine.status_code == 200 and own.name_zh in mine.content.decode()
    answer = client.get(
        "/reports/budget-annual/", {"year": accounted_year.year, "district": other.code}
    )
    assert answer.status_code in (403, 404)
    # the district left blank: the officer's own district, not a bare 404
    blank = client.get("/reports/budget-annual/", {"year": accounted_year.year, "district": ""})
    assert blank.status_code == 200
    assert own.name_zh in blank.content.decode() and other.name_zh not in blank.content.decode()
    issued = client.post("/reports/budget-annual/issue/", {"year": accounted_year.year})
    assert issued.status_code == 302
    report = client.get(issued["Location"])
    assert own.name_zh in report.content.decode()


def test_the_cli_writes_the_budget_reports(loaded_city: LoadedCity, tmp_path: Path) -> None:
    accounted_year, _next = _demo_plans()
    out = tmp_path / "q.pdf"
    args = ["report", "budget-quarterly", "--year", str(accounted_year.year), "--quarter", "4"]
    result = CliRunner().invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    bad = CliRunner().invoke(app, ["report", "budget-annual", "--year", "2099", "--out", str(out)])
    assert bad.exit_code == 2 and "没有已批准的预算方案" in bad.output


def test_the_api_approves_adjusts_allocates_and_monitors(
    loaded_city: LoadedCity, client: Client
) -> None:
    accounted, _estimated = selectors.available_months()
    year = int(accounted[-1][:4])
    entity = loaded_city.first.entity_id
    plan = _small_plan(year, entity, loaded_city.first.district.code, budget=1000.0)
    key = do_create_api_key(Binding("regulator"), actor=ACTOR, scopes=("budgets",))[1]
    reader = do_create_api_key(Binding("regulator"), actor=ACTOR)[1]
    base = f"/api/v1/budgets/plans/{plan.pk}"

    def post(url: str, body: dict[str, object] | None = None, who: str = key) -> Any:
        return client.post(
            url, body or {}, content_type="application/json", headers={"X-API-Key": who}
        )

    assert post(base + "/approve", who=reader).status_code == 403  # a key needs the scope
    assert post(base + "/approve").json()["code"] == "conflict"  # approved already
    monitored = post(base + "/monitor", {"as_of": accounted[-1], "yellow": 0.8, "red": 0.9})
    assert monitored.status_code == 200
    assert monitored.json()["yellow"] == 0.8 and monitored.json()["estimated_months"] == []
    assert (
        post(base + "/monitor", {"as_of": accounted[-1], "yellow": 1.0, "red": 0.9}).status_code
        == 422
    )
    bad = post(base + "/monitor", {"as_of": f"{year + 1}-01"})
    assert bad.status_code == 409
    adjusted = post(
        base + "/adjust",
        {"reason": "口径调整", "changes": [{"budget_id": "E", "budget_tco2": 900}]},
    )
    assert adjusted.status_code == 200 and adjusted.json()["replaces"] == plan.pk
    over = post(
        f"/api/v1/budgets/plans/{adjusted.json()['id']}/adjust",
        {"reason": "过多", "changes": [{"budget_id": "E", "budget_tco2": 1e9}]},
    )
    assert over.status_code == 409 and over.json()["errors"][0]["code"] == "over_parent"
    assert post(base + "/adjust", {"reason": "", "changes": []}).status_code == 422
    # allocation is for drafts
    refused = post(base + "/allocate", {"parent_id": "D", "rule": "history"})
    assert refused.status_code == 409
    detail = client.get(base, headers={"X-API-Key": key}).json()
    assert [line["budget_id"] for line in detail["lines"]] == ["C", "D", "E"]
    # it replaced the demo's version of the year and was replaced by the adjustment
    assert detail["in_force"] is False and detail["status"] == "adjusted"


def test_allocation_by_history_reads_last_year_from_the_published_run(
    loaded_city: LoadedCity,
) -> None:
    accounted, _estimated = selectors.available_months()
    year = int(accounted[-1][:4]) + 1
    first, other = loaded_city.first, loaded_city.other_district
    frame = pl.DataFrame(
        [
            _row("C", "city", "339900", None, 1000.0),
            _row("D1", "district", first.district.code, "C", 500.0, first.district_id),
            _row("D2", "district", other.district.code, "C", 500.0, other.district_id),
        ],
        schema_overrides={"monthly_profile": pl.List(pl.Float64), "parent_id": pl.String},
    )
    plan = do_create_plan(year, "energy", "分解", frame, actor=ACTOR)
    got = do_allocate_by_history(plan, "C", actor=ACTOR)
    run = published_accounting_run()
    totals = {
        code: sum(
            Emission.objects.filter(
                run=run, period__startswith=str(year - 1), enterprise__district__code=code
            ).values_list("total_tco2", flat=True)
        )
        for code in (first.district.code, other.district.code)
    }
    # shares of the city's own emissions (every district's), not of the two lines listed
    whole = sum(
        Emission.objects.filter(run=run, period__startswith=str(year - 1)).values_list(
            "total_tco2", flat=True
        )
    )
    assert whole > sum(totals.values())
    assert got == pytest.approx(
        {
            "D1": 1000 * totals[first.district.code] / whole,
            "D2": 1000 * totals[other.district.code] / whole,
        }
    )


def _row(
    budget_id: str,
    level: str,
    subject: str,
    parent: str | None,
    amount: float,
    district: int | None = None,
) -> dict[str, object]:
    return {
        "row": 0,
        "budget_id": budget_id,
        "level": level,
        "subject_id": subject,
        "parent_id": parent,
        "name": "",
        "budget_tco2": amount,
        "budget_intensity_tco2_per_10k_yuan": None,
        "budget_energy_tce": None,
        "monthly_profile": None,
        "district_id": district,
        "enterprise_id": None,
    }
