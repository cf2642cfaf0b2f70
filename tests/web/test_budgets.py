"""Budget plans on a hand-sized city: reading a BUDGETS file (every refusal), versions
(approve, adjust with a reason, approved versions immutable), warning cases opened,
answered and closed with their history and audit events, who answers, and who sees which
lines and cases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.utils import timezone

from citycarbon.web.access.policy import Principal
from citycarbon.web.audit.actions import Actor
from citycarbon.web.audit.models import AuditEvent
from citycarbon.web.budgets import selectors
from citycarbon.web.budgets.actions import (
    PlanRejectedError,
    StateError,
    do_adjust,
    do_allocate,
    do_answer_case,
    do_approve,
    do_close_case,
    do_import_plan,
    do_monitor,
    do_open_cases,
    do_set_line,
    read_plan_file,
)
from citycarbon.web.budgets.models import (
    BudgetLine,
    BudgetPlan,
    CaseStatus,
    Light,
    MonitoredLine,
    MonitoringRun,
    PlanStatus,
    WarningCase,
)
from citycarbon.web.energy.models import AccountingRun, Emission
from citycarbon.web.enterprises.models import Enterprise
from citycarbon.web.grading.models import GradingRun
from citycarbon.web.grading.selectors import forget_views
from citycarbon.web.regions.models import District, Industry

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")
HEADER = "budget_id,level,subject_id,parent_id,year,budget_tco2,budget_intensity_tco2_per_10k_yuan"
TREE = [
    "C,city,339900,,2026,1000,",
    "DA,district,339901,C,2026,600,",
    "DB,district,339902,C,2026,300,",
    "EA,enterprise,E1,DA,2026,200,0.5",
    "EB,enterprise,E2,DB,2026,100,",
    "PA,project,扩建项目,EA,2026,50,",
]


@pytest.fixture
def city() -> dict[str, Any]:
    return make_city()


def make_city() -> dict[str, Any]:
    """Two districts of the city 339900, an enterprise in each."""
    a = District.objects.create(code="339901", name_zh="甲区", parent_code="339900")
    b = District.objects.create(code="339902", name_zh="乙区", parent_code="339900")
    industry = Industry.objects.get_or_create(code="1711")[0]
    e1 = Enterprise.objects.create(entity_id="E1", name="甲企业", district=a, industry=industry)
    e2 = Enterprise.objects.create(entity_id="E2", name="乙企业", district=b, industry=industry)
    return {"a": a, "b": b, "e1": e1, "e2": e2}


def _file(tmp_path: Path, rows: list[str], header: str = HEADER) -> Path:
    path = tmp_path / "budgets.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _plan(tmp_path: Path, rows: list[str] = TREE) -> BudgetPlan:
    return do_import_plan(
        _file(tmp_path, rows), year=2026, measure="carbon", name="2026 年度碳预算", actor=ACTOR
    )


def _codes(tmp_path: Path, rows: list[str]) -> list[tuple[int, str, str]]:
    read = read_plan_file(_file(tmp_path, rows), "budgets.csv", 2026)
    return [(e["row"], e["column"], e["code"]) for e in read.errors]


# --- reading the file -----------------------------------------------------------------------


def test_a_file_becomes_a_draft_with_its_tree_and_where_each_line_sits(
    city: dict[str, Any], tmp_path: Path
) -> None:
    plan = _plan(tmp_path)
    assert (plan.status, plan.version, plan.year, plan.measure) == ("draft", 1, 2026, "carbon")
    lines = {x.line_id: x for x in plan.lines.all()}
    assert lines["EA"].parent == lines["DA"] and lines["C"].parent is None
    assert lines["DA"].district == city["a"] and lines["C"].district is None
    assert lines["EA"].enterprise == city["e1"] and lines["EA"].district == city["a"]
    # a project sits under its enterprise and in its district
    assert lines["PA"].enterprise == city["e1"] and lines["PA"].district == city["a"]
    assert lines["EA"].budget_intensity_tco2_per_10k_yuan == 0.5
    assert AuditEvent.objects.filter(action="budgets.create_plan", object_id=str(plan.pk)).exists()


def test_children_over_their_parent_are_refused_on_the_parent_s_row(
    city: dict[str, Any], tmp_path: Path
) -> None:
    over = [*TREE[:2], "DB,district,339902,C,2026,401,", *TREE[3:]]
    assert _codes(tmp_path, over) == [(2, "parent_id", "over_parent")]
    with pytest.raises(PlanRejectedError):
        _plan(tmp_path, over)
    assert not BudgetPlan.objects.exists()


def test_exactly_at_the_parent_is_accepted(city: dict[str, Any], tmp_path: Path) -> None:
    assert _codes(tmp_path, [*TREE[:2], "DB,district,339902,C,2026,400,", *TREE[3:]]) == []


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("X,county,339901,C,2026,1,", (8, "level", "unknown_level")),
        ("X,district,339999,C,2026,1,", (8, "subject_id", "unknown_district")),
        ("X,enterprise,NOPE,DA,2026,1,", (8, "subject_id", "unknown_enterprise")),
        ("X,enterprise,E1,ZZ,2026,1,", (8, "parent_id", "unknown_parent")),
        ("X,enterprise,E1,DA,2025,1,", (8, "year", "bad_year")),
        ("X,enterprise,E1,DA,2026,-1,", (8, "budget_tco2", "bad_number")),
        ("X,enterprise,E1,DA,2026,abc,", (8, "budget_tco2", "bad_number")),
        ("X,enterprise,E1,DA,2026,,", (8, "budget_tco2", "bad_number")),
        ("X,enterprise,E1,DA,2026,1,inf", (8, "budget_intensity_tco2_per_10k_yuan", "bad_number")),
        ("EA,enterprise,E1,DA,2026,1,", (8, "budget_id", "duplicate_budget_id")),
        ("X,enterprise,E1,DA,2026,1,", (8, "subject_id", "duplicate_subject")),
        ("X,city,339900,,2026,1,", (8, "parent_id", "multiple_roots")),
        (",enterprise,E1,DA,2026,1,", (8, "budget_id", "empty_id")),
        ("X,district,339901,,2026,1,", (8, "parent_id", "root")),
        ("X,district,339901,EA,2026,1,", (8, "level", "level_not_deeper")),
    ],
)
def test_each_bad_row_is_named(
    city: dict[str, Any], tmp_path: Path, row: str, expected: tuple[int, str, str]
) -> None:
    assert expected in _codes(tmp_path, [*TREE, row])


def test_a_monthly_profile_must_add_up_to_one(city: dict[str, Any], tmp_path: Path) -> None:
    header = HEADER + "," + ",".join(f"profile_{m:02d}" for m in range(1, 13))
    even = ",".join(["0.08"] * 11 + ["0.12"])
    short = ",".join(["0.08"] * 12)
    rows = [r + "," * 12 for r in TREE]
    good = read_plan_file(_file(tmp_path, [*rows[:-1], TREE[-1] + "," + even], header), "f", 2026)
    assert good.errors == []
    assert good.lines.filter(pl.col("budget_id") == "PA")["monthly_profile"][0][-1] == 0.12
    bad = read_plan_file(_file(tmp_path, [*rows[:-1], TREE[-1] + "," + short], header), "f", 2026)
    assert [e["code"] for e in bad.errors] == ["bad_profile"]


def test_a_file_without_required_columns_is_refused_whole(
    city: dict[str, Any], tmp_path: Path
) -> None:
    read = read_plan_file(_file(tmp_path, ["C,city"], "budget_id,level"), "f", 2026)
    assert {e["code"] for e in read.errors} == {"missing_column"}
    assert all(e["reason_zh"] and e["reason_en"] for e in read.errors)


# --- versions -------------------------------------------------------------------------------


def test_approve_then_immutable_then_adjust_makes_a_new_version(
    city: dict[str, Any], tmp_path: Path
) -> None:
    draft = _plan(tmp_path)
    do_set_line(draft, "DB", budget_tco2=250.0, actor=ACTOR)
    approved = do_approve(draft, actor=Actor.system("regulator"))
    assert approved.status == PlanStatus.APPROVED and approved.approved_by == "system:regulator"
    assert selectors.in_force(2026, "carbon") == approved
    with pytest.raises(StateError):
        do_set_line(approved, "DB", budget_tco2=260.0, actor=ACTOR)
    with pytest.raises(StateError):
        do_approve(approved, actor=ACTOR)
    with pytest.raises(StateError):
        do_adjust(approved, {"DB": {"budget_tco2": 260.0}}, reason="  ", actor=ACTOR)
    adjusted = do_adjust(approved, {"DB": {"budget_tco2": 260.0}}, reason="新项目投产", actor=ACTOR)
    assert (adjusted.version, adjusted.status, adjusted.replaces) == (2, "adjusted", approved)
    assert adjusted.reason == "新项目投产" and adjusted.approved_by == ACTOR.label
    approved.refresh_from_db()
    assert approved.status == PlanStatus.APPROVED and not approved.in_force
    assert approved.lines.get(line_id="DB").budget_tco2 == 250.0
    assert adjusted.lines.get(line_id="DB").budget_tco2 == 260.0
    assert adjusted.lines.count() == approved.lines.count()
    assert selectors.in_force(2026, "carbon") == adjusted
    with pytest.raises(StateError):
        do_adjust(approved, {"DB": {"budget_tco2": 1.0}}, reason="旧版本", actor=ACTOR)
    event = AuditEvent.objects.get(action="budgets.adjust")
    assert event.after["replaces"] == approved.pk and event.after["reason"] == "新项目投产"


def test_an_adjustment_that_breaks_the_tree_is_refused(
    city: dict[str, Any], tmp_path: Path
) -> None:
    approved = do_approve(_plan(tmp_path), actor=ACTOR)
    with pytest.raises(PlanRejectedError) as refused:
        do_adjust(approved, {"DA": {"budget_tco2": 800.0}}, reason="多给", actor=ACTOR)
    assert [e["code"] for e in refused.value.errors] == ["over_parent"]
    assert BudgetPlan.objects.count() == 1


def test_a_second_draft_waits_for_approval_and_then_replaces_the_first(
    city: dict[str, Any], tmp_path: Path
) -> None:
    first = do_approve(_plan(tmp_path), actor=ACTOR)
    second = _plan(tmp_path)
    with pytest.raises(StateError):
        _plan(tmp_path)
    assert second.version == 2 and selectors.in_force(2026, "carbon") == first
    second = do_approve(second, actor=ACTOR)
    assert second.replaces == first and second.status == PlanStatus.ADJUSTED


# --- warning cases --------------------------------------------------------------------------


def _monitored(plan: BudgetPlan, lights: dict[str, str], as_of: str = "2026-06") -> MonitoringRun:
    """A stored monitoring with the given lights (the figures are the core's business,
    tested there and in test_budgets_monitoring)."""
    run = MonitoringRun.objects.create(
        plan=plan, as_of=as_of, yellow=0.9, red=1.0, projection="linear", actor_label="t"
    )
    for line in plan.lines.all():
        MonitoredLine.objects.create(
            run=run,
            line=line,
            months_elapsed=6,
            prorated_budget=line.budget_tco2 / 2,
            actual_to_date=line.budget_tco2 / 2,
            status=lights.get(line.line_id, Light.GREEN),
            judged_by="total",
        )
    return run


def _principal(role: str, subject: str | None = None, pk: int | None = None) -> Principal:
    return Principal(label=role, role=role, subject_type=subject, subject_id=pk, user_id=1)


def test_a_case_is_opened_for_each_warned_line_with_an_owner_once(
    city: dict[str, Any], tmp_path: Path
) -> None:
    plan = do_approve(_plan(tmp_path), actor=ACTOR)
    lights = {"C": "red", "DA": "yellow", "EB": "red", "PA": "yellow", "DB": "green"}
    opened = do_open_cases(_monitored(plan, lights), actor=ACTOR)
    owners = {(c.line.line_id, c.owner_role, c.light) for c in opened}
    # the city line is the regulator's own: no case; a project is its enterprise's
    assert owners == {
        ("DA", "district", "yellow"),
        ("EB", "enterprise", "red"),
        ("PA", "enterprise", "yellow"),
    }
    assert AuditEvent.objects.filter(action="budgets.open_case").count() == 3
    # monitoring again opens nothing while the cases are unresolved, even on a new version
    assert do_open_cases(_monitored(plan, lights, "2026-07"), actor=ACTOR) == []
    adjusted = do_adjust(plan, {"EB": {"budget_tco2": 90.0}}, reason="核减", actor=ACTOR)
    assert do_open_cases(_monitored(adjusted, lights, "2026-08"), actor=ACTOR) == []
    assert selectors.unresolved_cases(2026) == {"339901": 1, "E2": 1, "E1": 1}
    assert selectors.unresolved_cases(2026, by_district=True) == {"339901": 2, "339902": 1}
    assert selectors.unresolved_cases(2025) == {}


def test_the_owner_answers_the_regulator_closes_and_the_history_is_kept(
    city: dict[str, Any], tmp_path: Path
) -> None:
    plan = do_approve(_plan(tmp_path), actor=ACTOR)
    do_open_cases(_monitored(plan, {"DA": "red", "EB": "red"}), actor=ACTOR)
    district_case = WarningCase.objects.get(line__line_id="DA")
    enterprise_case = WarningCase.objects.get(line__line_id="EB")
    officer_a = _principal("district", "district", city["a"].pk)
    officer_b = _principal("district", "district", city["b"].pk)
    user_e1 = _principal("enterprise", "enterprise", city["e1"].pk)
    user_e2 = _principal("enterprise", "enterprise", city["e2"].pk)
    regulator = _principal("regulator")
    for wrong in (officer_b, user_e1, regulator):
        with pytest.raises(StateError):
            do_answer_case(
                district_case, explanation="x", measures="", principal=wrong, actor=ACTOR
            )
    # the district officer of the enterprise's district is not its owner either
    with pytest.raises(StateError):
        do_answer_case(
            enterprise_case, explanation="x", measures="", principal=officer_b, actor=ACTOR
        )
    with pytest.raises(StateError):
        do_answer_case(
            district_case, explanation=" ", measures="", principal=officer_a, actor=ACTOR
        )
    with pytest.raises(StateError):
        do_close_case(district_case, note="", actor=ACTOR)
    do_answer_case(
        district_case,
        explanation="新建产能集中投产",
        measures="推进节能技改",
        principal=officer_a,
        actor=Actor.system("officer"),
    )
    do_answer_case(
        enterprise_case, explanation="订单增加", measures="", principal=user_e2, actor=ACTOR
    )
    closed = do_close_case(district_case, note="措施可行", actor=Actor.system("regulator"))
    assert closed.status == CaseStatus.CLOSED and closed.closed_by == "system:regulator"
    assert closed.answered_by == "system:officer" and closed.explanation == "新建产能集中投产"
    assert [(e.from_status, e.to_status) for e in closed.events.all()] == [
        ("", "open"),
        ("open", "answered"),
        ("answered", "closed"),
    ]
    with pytest.raises(StateError):
        do_answer_case(closed, explanation="再答", measures="", principal=officer_a, actor=ACTOR)
    actions = list(
        AuditEvent.objects.filter(object_type="WarningCase", object_id=str(closed.pk))
        .order_by("sequence")
        .values_list("action", flat=True)
    )
    assert actions == ["budgets.open_case", "budgets.answer_case", "budgets.close_case"]
    # answered but not closed still counts; closed no longer does
    assert selectors.unresolved_cases(2026) == {"E2": 1}
    # a closed line may warn again
    assert len(do_open_cases(_monitored(plan, {"DA": "red"}, "2026-09"), actor=ACTOR)) == 1


# --- who sees what --------------------------------------------------------------------------


def test_district_officers_and_enterprise_users_see_only_their_own(
    city: dict[str, Any], tmp_path: Path
) -> None:
    plan = do_approve(_plan(tmp_path), actor=ACTOR)
    do_open_cases(
        _monitored(plan, {"DA": "red", "DB": "red", "EA": "red", "EB": "red"}), actor=ACTOR
    )
    lines = BudgetLine.objects.filter(plan=plan)

    def ids(principal: Principal) -> tuple[set[str], set[str]]:
        seen = set(selectors.visible_lines(principal, lines).values_list("line_id", flat=True))
        cases = set(selectors.visible_cases(principal).values_list("line__line_id", flat=True))
        return seen, cases

    assert ids(_principal("regulator")) == (
        {"C", "DA", "DB", "EA", "EB", "PA"},
        {"DA", "DB", "EA", "EB"},
    )
    assert ids(_principal("district", "district", city["a"].pk)) == (
        {"DA", "EA", "PA"},
        {"DA", "EA"},
    )
    assert ids(_principal("enterprise", "enterprise", city["e2"].pk)) == ({"EB"}, {"EB"})
    panel = selectors.enterprise_panel(
        _principal("enterprise", "enterprise", city["e1"].pk), city["e2"].pk
    )
    assert panel is not None and panel.lines == [] and panel.cases == []


# --- allocation -----------------------------------------------------------------------------


def test_allocation_by_history_shares_the_parent_in_proportion(
    city: dict[str, Any], tmp_path: Path
) -> None:
    plan = _plan(tmp_path)
    children = pl.DataFrame({"budget_id": ["DA", "DB"], "historic_tco2": [300.0, 100.0]})
    assert do_allocate(plan, "C", children, "history", actor=ACTOR) == {"DA": 750.0, "DB": 250.0}
    lines = {x.line_id: x.budget_tco2 for x in plan.lines.all()}
    assert (lines["DA"], lines["DB"], lines["C"]) == (750.0, 250.0, 1000.0)
    event = AuditEvent.objects.get(action="budgets.allocate")
    assert event.before["budgets"] == {"DA": 600.0, "DB": 300.0}
    assert event.after["rule"] == "history"


def test_allocation_by_intensity_is_scaled_down_to_the_parent(
    city: dict[str, Any], tmp_path: Path
) -> None:
    plan = _plan(tmp_path)
    children = pl.DataFrame(
        {
            "budget_id": ["DA", "DB"],
            "budget_intensity_tco2_per_10k_yuan": [0.5, 1.0],
            "planned_output_10k_yuan": [1200.0, 600.0],
        }
    )
    # 600 + 600 = 1200 > 1000: both scaled by 1000 / 1200
    got = do_allocate(plan, "C", children, "intensity", actor=ACTOR)
    assert got == pytest.approx({"DA": 500.0, "DB": 500.0})
    with pytest.raises(StateError):
        do_allocate(plan, "C", children.drop("planned_output_10k_yuan"), "intensity", actor=ACTOR)
    approved = do_approve(plan, actor=ACTOR)
    with pytest.raises(StateError):
        do_allocate(approved, "C", children, "intensity", actor=ACTOR)


def test_monitoring_with_nothing_published_stores_lines_without_actuals(
    city: dict[str, Any], tmp_path: Path
) -> None:
    plan = do_approve(_plan(tmp_path), actor=ACTOR)
    with pytest.raises(StateError):
        do_monitor(plan, "2025-12", actor=ACTOR)
    run = do_monitor(plan, "2026-03", actor=ACTOR)
    assert run.accounting_run is None and run.estimate_run is None
    assert run.accounted_months == [] and run.estimated_months == []
    lines = {m.line.line_id: m for m in run.lines.select_related("line")}
    assert set(lines) == {"C", "DA", "DB", "EA", "EB", "PA"}
    assert lines["EB"].prorated_budget == pytest.approx(25.0) and lines["EB"].months_elapsed == 3
    assert all(m.actual_to_date in (None, 0.0) for m in lines.values())
    assert not WarningCase.objects.exists()


# --- monitoring from a monthly published run --------------------------------------------------


def _published_monthly(rows: list[tuple[Enterprise, str, float, float]]) -> AccountingRun:
    """A published accounting run of monthly grain with the given (enterprise, month, tCO2,
    energy tce) and, on each row, 10 tce of feedstock and 5 of renewables."""
    run = AccountingRun.objects.create(
        factor_set="test",
        factor_set_hash="0" * 64,
        method_version="t",
        grain="month",
        records_fingerprint="f" * 64,
        records=len(rows),
        actor_label="test",
    )
    for enterprise, period, tco2, tce in rows:
        Emission.objects.create(
            run=run,
            enterprise=enterprise,
            period=period,
            energy_tce=tce,
            scope1_tco2=tco2,
            scope2_tco2=0.0,
            total_tco2=tco2,
            feedstock_tce=10.0,
            renewable_tce=5.0,
            green_purchase_mwh=0.0,
            self_generated_mwh=0.0,
            netted_tco2=0.0,
            coal_tce=0.0,
            oil_tce=0.0,
            gas_tce=tce,
            electricity_heat_tce=0.0,
            other_tce=0.0,
        )
    GradingRun.objects.create(
        accounting_run=run,
        economics_fingerprint="e",
        scheme="s",
        industry_average="ratio",
        min_peers=5,
        confidence_samples=0,
        graded=0,
        ungraded=0,
        actor_label="test",
        published_at=timezone.now(),
        published_by="test",
    )
    forget_views()
    return run


def test_an_energy_plan_is_monitored_on_the_published_monthly_energy(
    city: dict[str, Any], tmp_path: Path
) -> None:
    e1, e2 = city["e1"], city["e2"]
    run = _published_monthly(
        [
            (e1, "2026-01", 100.0, 115.0),  # 115 − 10 − 5 = 100 tce counted
            (e1, "2026-02", 100.0, 115.0),
            (e2, "2026-01", 40.0, 55.0),  # 40 tce
            (e2, "2026-03", 99.0, 99.0),  # after the as-of month: not counted
        ]
    )
    header = HEADER + ",budget_energy_tce"
    rows = [
        "C,city,339900,,2026,1000,,2400",
        "DA,district,339901,C,2026,600,,1200",
        "DB,district,339902,C,2026,300,,1200",
        "EA,enterprise,E1,DA,2026,200,,1100",
        "EB,enterprise,E2,DB,2026,100,,240",
    ]
    plan = do_import_plan(
        _file(tmp_path, rows, header), year=2026, measure="energy", name="用能", actor=ACTOR
    )
    plan = do_approve(plan, actor=ACTOR)
    monitoring = do_monitor(plan, "2026-02", actor=ACTOR)
    assert monitoring.accounting_run == run and monitoring.accounted_months == [
        "2026-01",
        "2026-02",
    ]
    got = {m.line.line_id: m for m in monitoring.lines.select_related("line")}
    # EA: 200 tce by February of 1,100: 200 × 12 / 2 = 1,200 projected → 1.09 > 1.0: red
    assert got["EA"].actual_to_date == pytest.approx(200.0)
    assert got["EA"].prorated_budget == pytest.approx(1100 * 2 / 12)
    assert got["EA"].projected_year == pytest.approx(1200.0) and got["EA"].status == "red"
    # EB: 40 of 240: 240 projected → exactly 1.0 of the annual budget: yellow, not red
    assert got["EB"].projected_year == pytest.approx(240.0) and got["EB"].status == "yellow"
    # the district lines are judged on their districts' enterprises; the city on all
    assert got["DA"].actual_to_date == pytest.approx(200.0) and got["DA"].status == "yellow"
    assert got["C"].actual_to_date == pytest.approx(240.0)
    cases = {c.line.line_id: (c.light, c.reason) for c in WarningCase.objects.all()}
    assert cases == {
        "EA": ("red", "energy_red"),
        "EB": ("yellow", "energy_yellow"),
        "DA": ("yellow", "energy_yellow"),
    }
