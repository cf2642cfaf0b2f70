"""Budgets as a new user meets them: the projection by last year's monthly distribution
built from the platform's own data (or refused in words), an as-of month without data
refused, lines without data shown as no data, allocation by history relative to the parent,
the drill-down's counts and links, the reports' names and answers, one open case per owner,
the case forms' messages and the CLI's wording."""

from __future__ import annotations

import re
from typing import Any

import polars as pl
import pytest
from django.contrib.auth.models import User
from django.test import Client

from citycarbon.web.access.actions import Binding, do_create_api_key
from citycarbon.web.audit.actions import Actor
from citycarbon.web.budgets import selectors
from citycarbon.web.budgets.actions import (
    InvalidRequestError,
    do_approve,
    do_create_plan,
    do_monitor,
    tree_errors,
)
from citycarbon.web.budgets.models import BudgetPlan, WarningCase
from citycarbon.web.energy.models import Emission
from citycarbon.web.enterprises.models import Enterprise
from citycarbon.web.estimates.models import Estimate, EstimateRun
from citycarbon.web.grading.selectors import published_accounting_run
from citycarbon.web.regions.models import District
from tests.web.conftest import LoadedCity

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")


def login(client: Client, username: str) -> None:
    client.force_login(User.objects.get(username=username))


def _row(
    budget_id: str,
    level: str,
    subject: str,
    parent: str | None,
    amount: float,
    district: int | None = None,
    enterprise: int | None = None,
    energy: float | None = None,
) -> dict[str, Any]:
    return {
        "row": 0,
        "budget_id": budget_id,
        "level": level,
        "subject_id": subject,
        "parent_id": parent,
        "name": "",
        "budget_tco2": amount,
        "budget_intensity_tco2_per_10k_yuan": None,
        "budget_energy_tce": energy,
        "monthly_profile": None,
        "district_id": district,
        "enterprise_id": enterprise,
    }


def _plan(year: int, entity: str, budget: float, measure: str = "carbon") -> BudgetPlan:
    enterprise = Enterprise.objects.get(entity_id=entity)
    district = enterprise.district
    energy = budget if measure == "energy" else None
    frame = pl.DataFrame(
        [
            _row("C", "city", "339900", None, 10 * budget, energy=energy and 10 * energy),
            _row("D", "district", district.code, "C", 5 * budget, district.pk, energy=energy),
            _row("E", "enterprise", entity, "D", budget, district.pk, enterprise.pk, energy),
        ],
        schema_overrides={"monthly_profile": pl.List(pl.Float64), "parent_id": pl.String},
    )
    plan = do_create_plan(year, measure, "测试", frame, actor=ACTOR)
    return do_approve(plan, actor=ACTOR)


def _key() -> str:
    return do_create_api_key(Binding("regulator"), actor=ACTOR, scopes=("budgets",))[1]


def _post(client: Client, url: str, body: dict[str, object], key: str) -> Any:
    return client.post(url, body, content_type="application/json", headers={"X-API-Key": key})


def _monthly(entity: str, year: int) -> dict[int, float]:
    """An enterprise's accounted tCO2 per month of ``year`` (the newest estimate run)."""
    run = EstimateRun.objects.order_by("-id").first()
    out: dict[int, float] = {}
    for period, acc in Estimate.objects.filter(
        run=run, grain="month", enterprise__entity_id=entity, period__startswith=str(year)
    ).values_list("period", "accounted_tco2"):
        if acc is not None:
            out[int(period[5:])] = acc
    return out


# --- 1. projection by last year's monthly profile ------------------------------------------


def test_the_profile_projection_uses_last_year_s_months_of_the_line_s_subject(
    loaded_city: LoadedCity,
) -> None:
    _accounted, estimated = selectors.available_months()
    as_of = estimated[-1]
    year, month = int(as_of[:4]), int(as_of[5:])
    entity = loaded_city.first.entity_id
    last_year = _monthly(entity, year - 1)
    assert sorted(last_year) == list(range(1, 13))
    plan = _plan(year, entity, 1_000_000.0)
    linear = do_monitor(plan, as_of, actor=ACTOR).lines.get(line__line_id="E")
    run = do_monitor(plan, as_of, projection="profile", actor=ACTOR)
    line = run.lines.get(line__line_id="E")
    share = sum(last_year[m] for m in range(1, month + 1)) / sum(last_year.values())
    assert line.actual_to_date == pytest.approx(linear.actual_to_date)
    assert line.projected_year == pytest.approx(line.actual_to_date / share)
    assert line.prorated_budget == pytest.approx(1_000_000.0 * share)


def test_the_profile_projection_without_last_year_s_months_is_refused_in_words(
    loaded_city: LoadedCity, client: Client
) -> None:
    accounted, estimated = selectors.available_months()
    as_of = min(accounted)  # the first month with data: the year before has none
    year = int(as_of[:4])
    assert not any(m.startswith(str(year - 1)) for m in accounted + estimated)
    plan = _plan(year, loaded_city.first.entity_id, 1000.0)
    with pytest.raises(InvalidRequestError):
        do_monitor(plan, as_of, projection="profile", actor=ACTOR)
    answer = _post(
        client,
        f"/api/v1/budgets/plans/{plan.pk}/monitor",
        {"as_of": as_of, "projection": "profile"},
        _key(),
    )
    assert answer.status_code == 422
    assert (
        "monthly profile" in answer.json()["detail"] and "上年月度分布" in answer.json()["detail"]
    )
    login(client, "regulator")
    page = client.post(
        f"/budgets/plans/{plan.pk}/monitor/",
        {"as_of": as_of, "yellow": 0.9, "red": 1.0, "projection": "profile"},
        follow=True,
    )
    assert page.status_code == 200
    assert "无法按上年月度分布预测" in page.content.decode()


# --- 2. an as-of month after the last month with data ------------------------------------


def test_an_as_of_month_after_the_last_month_with_data_is_refused(
    loaded_city: LoadedCity, client: Client
) -> None:
    accounted, estimated = selectors.available_months()
    last = max(accounted + estimated)
    year, month = int(last[:4]), int(last[5:])
    assert month < 12
    plan = _plan(year, loaded_city.first.entity_id, 1000.0)
    assert do_monitor(plan, last, actor=ACTOR).as_of == last  # the last month itself: monitored
    after = f"{year}-{month + 1:02d}"
    with pytest.raises(InvalidRequestError):
        do_monitor(plan, after, actor=ACTOR)
    answer = _post(client, f"/api/v1/budgets/plans/{plan.pk}/monitor", {"as_of": after}, _key())
    assert answer.status_code == 422 and last in answer.json()["detail"]
    login(client, "regulator")
    page = client.post(
        f"/budgets/plans/{plan.pk}/monitor/",
        {"as_of": after, "yellow": 0.9, "red": 1.0, "projection": "linear"},
        follow=True,
    )
    text = page.content.decode()
    assert f"最近有数据的月份：{last}" in text
    # the form offers the last month with data, not December
    assert f'name="as_of" value="{last}"' in text
    assert not plan.monitoring.filter(as_of=after).exists()


# --- 3. lines without data -----------------------------------------------------------------


def test_an_energy_plan_without_monthly_energy_shows_no_data_not_green(
    loaded_city: LoadedCity, client: Client
) -> None:
    _accounted, estimated = selectors.available_months()
    as_of = estimated[-1]
    plan = _plan(int(as_of[:4]), loaded_city.first.entity_id, 1000.0, measure="energy")
    run = do_monitor(plan, as_of, actor=ACTOR)
    line = run.lines.get(line__line_id="E")
    assert line.actual_to_date is None and not line.has_data
    assert run.lines_without_data == 3
    assert not WarningCase.objects.filter(monitoring=run).exists()
    api = client.get(
        f"/api/v1/budgets/plans/{plan.pk}/monitoring",
        {"as_of": as_of},
        headers={"X-API-Key": _key()},
    ).json()
    assert {line["has_data"] for line in api["lines"]} == {False}
    login(client, "regulator")
    text = client.get(f"/budgets/plans/{plan.pk}/?as_of={as_of}").content.decode()
    assert "无数据" in text and "尚无逐月能耗数据" in text
    assert 'class="light light-green"' not in text


# --- 4. allocation by history relative to the parent --------------------------------------


def test_a_district_s_key_enterprises_get_their_share_of_the_district_not_all_of_it(
    loaded_city: LoadedCity, client: Client
) -> None:
    accounted, _estimated = selectors.available_months()
    year = int(accounted[-1][:4]) + 1
    district = loaded_city.first.district
    emitters = Emission.objects.filter(
        run=published_accounting_run(),
        period__startswith=str(year - 1),
        enterprise__district=district,
        total_tco2__gt=0,
    ).values_list("enterprise_id", flat=True)
    first, second = Enterprise.objects.filter(pk__in=emitters).order_by("pk")[:2]
    frame = pl.DataFrame(
        [
            _row("C", "city", "339900", None, 10_000.0),
            _row("D", "district", district.code, "C", 4_000.0, district.pk),
            _row("E1", "enterprise", first.entity_id, "D", 1.0, district.pk, first.pk),
            _row("E2", "enterprise", second.entity_id, "D", 1.0, district.pk, second.pk),
        ],
        schema_overrides={"monthly_profile": pl.List(pl.Float64), "parent_id": pl.String},
    )
    plan = do_create_plan(year, "carbon", "分解", frame, actor=ACTOR)
    run = published_accounting_run()
    last_year = Emission.objects.filter(run=run, period__startswith=str(year - 1))

    def emitted(**where: object) -> float:
        return float(sum(last_year.filter(**where).values_list("total_tco2", flat=True)))

    whole = emitted(enterprise__district=district)
    e1, e2 = emitted(enterprise=first), emitted(enterprise=second)
    assert 0 < e1 + e2 < whole
    login(client, "regulator")
    page = client.post(f"/budgets/plans/{plan.pk}/allocate/", {"parent_id": "D"}, follow=True)
    assert "已按上年排放分解 2 个下级预算行" in page.content.decode()
    got = dict(plan.lines.filter(parent__line_id="D").values_list("line_id", "budget_tco2"))
    assert got == pytest.approx({"E1": 4_000.0 * e1 / whole, "E2": 4_000.0 * e2 / whole})
    assert sum(got.values()) < 4_000.0  # the rest stays with the district


# --- 5, 6. the drill-down's counts and record links ---------------------------------------


def test_a_cut_drill_down_says_how_many_and_the_sum_of_all_and_links_accepted_years(
    loaded_city: LoadedCity, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    _accounted, estimated = selectors.available_months()
    as_of = estimated[-1]
    plan = _plan(int(as_of[:4]), loaded_city.first.entity_id, 1000.0)
    run = do_monitor(plan, as_of, actor=ACTOR)
    city = plan.lines.get(line_id="C")
    every = selectors.enterprise_figures(run, city, limit=10_000)
    behind = selectors.enterprise_figures(run, city, limit=3)
    assert len(behind.rows) == 3 and behind.count == every.count > 3 and behind.cut
    assert behind.total == pytest.approx(sum(r["actual"] for r in every.rows))
    assert behind.total == pytest.approx(run.lines.get(line=city).actual_to_date)
    monkeypatch.setattr(selectors, "BEHIND_LIMIT", 3)
    login(client, "regulator")
    text = client.get(f"/budgets/lines/{city.pk}/").content.decode()
    assert f"显示前 3 家，共 {every.count} 家" in text
    # a records link names only a year the records page offers
    links = re.findall(r'href="(/enterprises/\d+/records/[^"]*)"', text)
    assert len(links) == 3
    for link in links:
        page = client.get(link.replace("&amp;", "&"))
        assert page.status_code == 200, link
        assert "不在可用的选项中" not in page.content.decode()


# --- 7. the annual report's owners and outcomes --------------------------------------------


def test_the_annual_report_names_the_owners_and_shows_what_closed_cases_came_to(
    loaded_city: LoadedCity, client: Client
) -> None:
    cases = WarningCase.objects.filter(status__in=("open", "answered")).select_related("plan")
    by_year: dict[int, list[WarningCase]] = {}
    for c in cases:
        if c.plan.measure == "carbon":
            by_year.setdefault(c.plan.year, []).append(c)
    year, found = max(by_year.items(), key=lambda kv: len(kv[1]))
    assert len(found) >= 2
    closed, left = found[0], found[1:]
    WarningCase.objects.filter(pk=closed.pk).update(
        status="closed", explanation="原料价格上涨致产量提前", closing_note="已核实，督促整改"
    )
    login(client, "regulator")
    text = client.get("/reports/budget-annual/", {"year": year}).content.decode()
    assert "原料价格上涨致产量提前" in text and "已核实，督促整改" in text
    owners = text[text.index("各责任方尚未关闭的事项") :]
    for c in left:
        if c.owner_role == "enterprise":
            assert c.enterprise.name in owners and f">{c.enterprise.entity_id}<" not in owners
        else:
            assert c.district.name_zh in owners and f">{c.district.code}<" not in owners


# --- 9. links to the reports and the districts' views ---------------------------------------


def test_the_budgets_page_links_the_year_s_reports_and_each_district_s_view(
    loaded_city: LoadedCity, client: Client
) -> None:
    login(client, "regulator")
    text = client.get("/budgets/").content.decode()
    plan = selectors.plans().filter(replaced_by__isnull=True).exclude(status="draft").first()
    assert plan is not None
    index = client.get(f"/budgets/?plan={plan.pk}").content.decode()
    for page in (index, client.get(f"/budgets/plans/{plan.pk}/").content.decode()):
        for q in range(1, 5):
            link = f"/reports/budget-quarterly/?year={plan.year}&amp;quarter={q}"
            assert link in page
        assert f"/reports/budget-annual/?year={plan.year}&amp;measure={plan.measure}" in page
    for district in District.objects.all():
        assert f'href="/budgets/districts/{district.pk}/"' in text
    annual = client.get(f"/reports/budget-annual/?year={plan.year}&measure={plan.measure}")
    assert annual.status_code == 200


# --- 10. one unresolved case per owner subject ---------------------------------------------


def test_a_new_version_with_other_budget_ids_refreshes_the_open_case_not_a_second(
    loaded_city: LoadedCity,
) -> None:
    _accounted, estimated = selectors.available_months()
    as_of = estimated[-1]
    year = int(as_of[:4])
    enterprise = loaded_city.first
    district = enterprise.district

    def version(prefix: str) -> BudgetPlan:
        frame = pl.DataFrame(
            [
                _row(f"{prefix}C", "city", "339900", None, 10.0),
                _row(f"{prefix}D", "district", district.code, f"{prefix}C", 5.0, district.pk),
            ],
            schema_overrides={"monthly_profile": pl.List(pl.Float64), "parent_id": pl.String},
        )
        return do_approve(do_create_plan(year, "carbon", "测试", frame, actor=ACTOR), actor=ACTOR)

    key = f"{year}:carbon:district:{district.code}"
    unresolved = WarningCase.objects.filter(line_key=key, status__in=("open", "answered"))
    first = do_monitor(version("A"), as_of, actor=ACTOR)
    assert first.lines.get(line__line_id="AD").status == "red"
    assert unresolved.count() == 1
    second = do_monitor(version("B"), as_of, actor=ACTOR)
    assert second.lines.get(line__line_id="BD").status == "red"
    assert unresolved.count() == 1
    case = unresolved.get()
    assert case.monitoring == second and case.line.line_id == "BD"
    assert selectors.open_case_for(case.line) == case


# --- 11. the case and line forms' messages --------------------------------------------------


def _answerable_case() -> WarningCase:
    case = WarningCase.objects.filter(status="open", owner_role="district").first()
    assert case is not None
    return case


def test_an_answer_or_closing_note_too_long_says_so_and_keeps_the_text(
    loaded_city: LoadedCity, client: Client
) -> None:
    case = _answerable_case()
    officer = User.objects.get(username="district")
    officer.profile.subject_id = case.district_id
    officer.profile.save()
    login(client, "district")
    long = "原" * 4001
    page = client.post(
        f"/budgets/cases/{case.pk}/answer/", {"explanation": long, "measures": "节能改造"}
    )
    text = page.content.decode()
    assert page.status_code == 400
    assert "4000" in text and "4001" in text and "答复须说明原因" not in text
    assert long in text and "节能改造" in text
    case.refresh_from_db()
    assert case.status == "open"
    ok = client.post(
        f"/budgets/cases/{case.pk}/answer/", {"explanation": "产量提前", "measures": ""}
    )
    assert ok.status_code == 302
    login(client, "regulator")
    page = client.post(f"/budgets/cases/{case.pk}/close/", {"note": long})
    assert page.status_code == 400
    assert "4001" in page.content.decode() and long in page.content.decode()
    case.refresh_from_db()
    assert case.status == "answered"


def test_a_draft_line_figure_refused_names_the_field_and_why(
    loaded_city: LoadedCity, client: Client
) -> None:
    enterprise = loaded_city.first
    frame = pl.DataFrame(
        [
            _row("C", "city", "339900", None, 100.0),
            _row("E", "enterprise", enterprise.entity_id, "C", 10.0, None, enterprise.pk),
        ],
        schema_overrides={"monthly_profile": pl.List(pl.Float64), "parent_id": pl.String},
    )
    plan = do_create_plan(2031, "carbon", "草案", frame, actor=ACTOR)
    login(client, "regulator")
    for value, why in (("abc", "不是数字"), ("-1", "不能为负数")):
        page = client.post(
            f"/budgets/plans/{plan.pk}/line/", {"line_id": "E", "budget_tco2": value}, follow=True
        )
        text = page.content.decode()
        assert why in text and "该预算行的数值无效" not in text
        assert f"预算（吨二氧化碳）：{why}" in text


# --- 12. no machine strings on Chinese pages -----------------------------------------------


def test_an_over_parent_refusal_names_the_measure_in_chinese_with_formatted_numbers(
    loaded_city: LoadedCity,
) -> None:
    frame = pl.DataFrame(
        [
            _row("C", "city", "339900", None, 1_000_000.0),
            _row("D", "district", loaded_city.first.district.code, "C", 1_800_000.0),
        ],
        schema_overrides={"monthly_profile": pl.List(pl.Float64), "parent_id": pl.String},
    )
    (error,) = tree_errors(frame, 2030)
    assert error["reason_zh"] == (
        "下级预算合计超过上级（碳排放预算：下级合计 1,800,000 吨二氧化碳，"
        "上级 1,000,000 吨二氧化碳）"
    )
    assert "tco2" not in error["reason_zh"] and "1800000.0" not in error["reason_zh"]


def test_an_enterprise_line_without_a_name_shows_the_register_s_name(
    loaded_city: LoadedCity, client: Client
) -> None:
    _accounted, estimated = selectors.available_months()
    as_of = estimated[-1]
    enterprise = loaded_city.first
    plan = _plan(int(as_of[:4]), enterprise.entity_id, 1000.0)
    line = plan.lines.get(line_id="E")
    assert line.name == "" and line.label == enterprise.name
    login(client, "regulator")
    text = client.get(f"/budgets/plans/{plan.pk}/").content.decode()
    assert enterprise.name in text
    assert f">{enterprise.entity_id}<" not in text


def test_an_approved_new_version_s_reason_is_chinese_only(loaded_city: LoadedCity) -> None:
    _accounted, estimated = selectors.available_months()
    plan = _plan(int(estimated[-1][:4]), loaded_city.first.entity_id, 1000.0)
    assert plan.replaces is not None and plan.reason == "新版本草案经批准"
