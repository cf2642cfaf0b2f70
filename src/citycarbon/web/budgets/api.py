"""API: budget plans and their lines, their monitoring, and the warning cases (list,
answer, close), narrowed by the policy as the pages are; approving, adjusting and
monitoring a plan for the regulator."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import polars as pl
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from pydantic import Field

from citycarbon.core.budgets import Bands
from citycarbon.web.access.policy import Principal
from citycarbon.web.api.common import (
    Id,
    NoQuery,
    OutSchema,
    Page,
    Paging,
    PrincipalAuth,
    QuerySchema,
    Text,
    Year,
    page_of_objects,
    principal,
)
from citycarbon.web.api.errors import ERROR_RESPONSES, ErrorOut, problem
from citycarbon.web.audit.actions import Actor
from citycarbon.web.budgets import selectors
from citycarbon.web.budgets.actions import (
    InvalidRequestError,
    PlanRejectedError,
    StateError,
    do_adjust,
    do_allocate,
    do_allocate_by_history,
    do_answer_case,
    do_approve,
    do_close_case,
    do_monitor,
    may_answer,
)
from citycarbon.web.budgets.models import BudgetLine, BudgetPlan, MonitoringRun, WarningCase
from citycarbon.web.enterprises.models import Enterprise

router = Router(tags=["budgets"])
Month = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
LongText = Annotated[str, Field(max_length=4000, pattern=r"^[^\x00]*$")]
Amount = Annotated[float, Field(ge=0, le=1e12)]
WRITE_RESPONSES: dict[int, Any] = {**ERROR_RESPONSES, 409: ErrorOut}


class PlanOut(OutSchema):
    id: int
    """The plan version's id."""
    year: int
    """The budget year."""
    measure: str
    """``carbon`` (tCO2) or ``energy`` (tce, excluding feedstock and renewables)."""
    version: int
    """The version number, from 1, within the year and measure."""
    name: str
    """The plan's name."""
    status: str
    """``draft``, ``approved`` or ``adjusted`` (an approved later version)."""
    in_force: bool
    """Approved and not replaced by a later version."""
    replaces: int | None
    """The id of the version this one replaces."""
    reason: str
    """Why it was adjusted (empty for a first version)."""
    created_by: str
    """Who made the version."""
    created_at: datetime
    """When it was made."""
    approved_by: str
    """Who approved it (empty for a draft)."""
    approved_at: datetime | None
    """When it was approved (null for a draft)."""


class LineOut(OutSchema):
    id: int
    """The line's id."""
    budget_id: str
    """The line's id within its plan (the BUDGETS file's budget_id)."""
    level: str
    """city, district, industry, enterprise or project."""
    subject_id: str
    """A district's GB/T 2260 code, an industry's GB/T 4754 code, an enterprise's entity id
    or a project's name."""
    name: str
    """The line's name."""
    parent_id: str | None
    """The budget_id of its parent line (null for the city line)."""
    district_code: str | None
    """The district the line sits in (inherited down the tree)."""
    enterprise_id: int | None
    """The enterprise of an enterprise or project line."""
    budget_tco2: float
    """The annual total budget, tCO2."""
    budget_intensity_tco2_per_10k_yuan: float | None
    """The intensity budget, tCO2 per 万元 value added."""
    budget_energy_tce: float | None
    """The energy-use budget, tce (excluding feedstock and renewables)."""
    monthly_profile: list[float] | None
    """Twelve shares of the year for proration (null: equal months)."""


class PlanDetailOut(PlanOut):
    lines: list[LineOut]
    """The lines the caller may read."""


class MonitoredOut(OutSchema):
    budget_id: str
    """The line's budget_id."""
    subject_id: str
    """The line's subject."""
    level: str
    """The line's level."""
    months_elapsed: int
    """Months of the budget year up to the as-of month."""
    prorated_budget: float
    """In the plan's unit (tCO2, or tce for an energy-use plan), as every figure here."""
    actual_to_date: float | None
    """Actual to date (the line's own, or its children's added up)."""
    accounted: float | None
    """The part of the actual from the published accounting run."""
    estimated: float | None
    """The part only estimated (rapid estimates, months not yet accounted)."""
    used_of_annual_pct: float | None
    """Actual to date as a share of the annual budget, %."""
    projected_year: float | None
    """The projected year."""
    projected_overshoot: float | None
    """How far the projected year exceeds the annual budget (0 when it does not)."""
    intensity_tco2_per_10k_yuan: float | None
    """The intensity to date, tCO2 per 万元 value added (null without value added)."""
    status: str
    """green, yellow or red: the core's judgement; read it only where ``has_data``."""
    has_data: bool
    """Whether any actual figure stood behind the line; false: no data (``actual_to_date``
    null, e.g. an energy-use plan without monthly energy data), its status means nothing."""
    judged_by: str
    """intensity (a line with an intensity budget) or total."""


class MonitoringOut(OutSchema):
    id: int
    """The monitoring's id."""
    plan: int
    """The plan version monitored."""
    as_of: str
    """The as-of month, YYYY-MM."""
    accounting_run: int | None
    """The published accounting run the accounted figures come from."""
    estimate_run: int | None
    """The estimate run the estimated figures come from."""
    accounted_months: list[str]
    """Months whose figures are all accounted."""
    estimated_months: list[str]
    """Months with estimated figures."""
    yellow: float
    """Yellow at or above this share of the annual budget."""
    red: float
    """Red above this share (or when the actual exceeds the annual budget)."""
    projection: str
    """linear (actual × 12 ÷ months) or profile (by the monthly profile)."""
    input_fingerprint: str
    """SHA-256 of the budgets and actuals monitored."""
    at: datetime
    """When it was made."""
    lines: list[MonitoredOut]
    """The lines the caller may read."""


class CaseOut(OutSchema):
    id: int
    """The case's id."""
    plan: int
    """The plan version whose monitoring opened it."""
    year: int
    """The budget year."""
    measure: str
    """carbon or energy."""
    budget_id: str
    """The line's budget_id."""
    line_name: str
    """The line's name."""
    as_of: str
    """The as-of month of the monitoring that opened it."""
    light: str
    """yellow or red, when opened."""
    reason: str
    """Why (``core.budgets.WARNING_REASONS``: intensity_red, total_yellow, actual_over_annual,
    energy_red …; empty for a case opened without one)."""
    reason_zh: str
    """The reason in Chinese."""
    reason_en: str
    """The reason in English."""
    status: str
    """open, answered or closed."""
    owner_role: str
    """district or enterprise: who answers."""
    district_code: str | None
    """The district of the line."""
    enterprise_id: int | None
    """The enterprise of an enterprise-owned case."""
    explanation: str
    """The owner's explanation."""
    measures: str
    """The measures the owner gives."""
    closing_note: str
    """The regulator's note on closing."""
    opened_by: str
    """Who opened it."""
    opened_at: datetime
    """When it was opened."""
    answered_by: str
    """Who answered last."""
    answered_at: datetime | None
    """When it was answered last."""
    closed_by: str
    """Who closed it."""
    closed_at: datetime | None
    """When it was closed."""


class EnterpriseBudgetOut(OutSchema):
    enterprise_id: int
    """The enterprise's internal id."""
    lines: list[LineOut]
    """Its enterprise lines in plans in force."""
    cases: list[CaseOut]
    """Its warning cases, newest first."""


class PlansQuery(Paging):
    year: Year | None = None
    """The budget year."""
    measure: Literal["carbon", "energy"] | None = None
    """carbon or energy."""


class MonitoringQuery(QuerySchema):
    as_of: Month | None = None
    """The as-of month (latest monitoring when not given)."""


class CasesQuery(Paging):
    year: Year | None = None
    """The budget year."""
    status: Literal["open", "answered", "closed"] | None = None
    """open, answered or closed."""
    district: Text | None = None
    """A district's GB/T 2260 code."""


class AnswerIn(Schema):
    explanation: LongText
    """Why the line is over (required)."""
    measures: LongText = ""
    """What is done about it."""


class CloseIn(Schema):
    note: LongText = ""
    """The regulator's note."""


class MonitorIn(Schema):
    as_of: Month
    """The as-of month, YYYY-MM, in the plan's year."""
    yellow: Annotated[float, Field(gt=0, le=10)] = 0.9
    """Yellow at or above this share (projected year ÷ annual budget)."""
    red: Annotated[float, Field(gt=0, le=10)] = 1.0
    """Red above this share, or when the actual to date exceeds the annual budget."""
    projection: Literal["linear", "profile"] = "linear"
    """linear or profile."""


class ChangeIn(Schema):
    budget_id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^\x00]*$")]
    """The line changed."""
    budget_tco2: Amount | None = None
    """Its new total, tCO2."""
    budget_intensity_tco2_per_10k_yuan: Amount | None = None
    """Its new intensity budget."""
    budget_energy_tce: Amount | None = None
    """Its new energy-use budget, tce."""


class ChildIn(Schema):
    budget_id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^\x00]*$")]
    """A child line of the parent."""
    historic_tco2: Amount | None = None
    """Its emissions of a base year (rule history)."""
    benchmark_intensity_tco2_per_10k_yuan: Amount | None = None
    """Its industry's benchmark intensity (rule benchmark)."""
    budget_intensity_tco2_per_10k_yuan: Amount | None = None
    """Its own intensity budget (rule intensity)."""
    planned_output_10k_yuan: Amount | None = None
    """Its planned value added, 万元 (rules benchmark and intensity)."""


class AllocateIn(Schema):
    parent_id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^\x00]*$")]
    """The draft line whose budget is shared among its children."""
    rule: Literal["history", "benchmark", "intensity"]
    """history, benchmark (industry benchmark × planned output) or intensity (intensity
    budget × planned output)."""
    children: Annotated[list[ChildIn], Field(max_length=10_000)] = []
    """The children's figures; for history, empty: last year's emissions from the published
    run."""


class AllocatedOut(OutSchema):
    budget_id: str
    """A child line."""
    budget_tco2: float
    """Its new budget, tCO2."""


class AdjustIn(Schema):
    reason: LongText
    """Why (required)."""
    changes: Annotated[list[ChangeIn], Field(min_length=1, max_length=10_000)]
    """The lines changed."""


def _plan(plan: BudgetPlan) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "year": plan.year,
        "measure": plan.measure,
        "version": plan.version,
        "name": plan.name,
        "status": plan.status,
        "in_force": plan.in_force,
        "replaces": plan.replaces_id,
        "reason": plan.reason,
        "created_by": plan.created_by,
        "created_at": plan.created_at,
        "approved_by": plan.approved_by,
        "approved_at": plan.approved_at,
    }


def _line(line: BudgetLine) -> dict[str, Any]:
    return {
        "id": line.pk,
        "budget_id": line.line_id,
        "level": line.level,
        "subject_id": line.subject_code,
        "name": line.name,
        "parent_id": line.parent.line_id if line.parent else None,
        "district_code": line.district.code if line.district else None,
        "enterprise_id": line.enterprise_id,
        "budget_tco2": line.budget_tco2,
        "budget_intensity_tco2_per_10k_yuan": line.budget_intensity_tco2_per_10k_yuan,
        "budget_energy_tce": line.budget_energy_tce,
        "monthly_profile": line.monthly_profile,
    }


def _case(case: WarningCase) -> dict[str, Any]:
    return {
        "id": case.pk,
        "plan": case.plan_id,
        "year": case.plan.year,
        "measure": case.plan.measure,
        "budget_id": case.line.line_id,
        "line_name": case.line.label,
        "as_of": case.as_of,
        "light": case.light,
        "reason": case.reason,
        "reason_zh": case.reason_zh,
        "reason_en": case.reason_en,
        "status": case.status,
        "owner_role": case.owner_role,
        "district_code": case.district.code if case.district else None,
        "enterprise_id": case.enterprise_id,
        "explanation": case.explanation,
        "measures": case.measures,
        "closing_note": case.closing_note,
        "opened_by": case.opened_by,
        "opened_at": case.opened_at,
        "answered_by": case.answered_by,
        "answered_at": case.answered_at,
        "closed_by": case.closed_by,
        "closed_at": case.closed_at,
    }


def _conflict(error: StateError) -> Any:
    return problem(409, f"{error.reason_en} / {error.reason_zh}", "conflict")


def _rejected(error: PlanRejectedError) -> Any:
    fields = [
        {
            "field": e["column"] or "",
            "value": e["value"],
            "code": e["code"],
            "reason_zh": e["reason_zh"],
            "reason_en": e["reason_en"],
        }
        for e in error.errors[:200]
    ]
    return problem(409, "the budgets do not add up", "conflict", errors=fields)


def _actor(request: HttpRequest) -> Actor:
    who = principal(request)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and not who.is_key:
        return Actor.of(user)
    return Actor(label=who.label)


@router.get(
    "/budgets/plans",
    auth=PrincipalAuth("budgets"),
    response={200: Page[PlanOut], **ERROR_RESPONSES},
    summary="Budget plan versions (碳预算 / 用能预算), newest first",
)
def list_plans(request: HttpRequest, query: Query[PlansQuery]) -> dict[str, Any]:
    plans = selectors.plans()
    if query.year is not None:
        plans = plans.filter(year=query.year)
    if query.measure is not None:
        plans = plans.filter(measure=query.measure)
    return page_of_objects(plans, _plan, query.page, query.page_size)


@router.get(
    "/budgets/plans/{plan_id}",
    auth=PrincipalAuth("budgets"),
    response={200: PlanDetailOut, **ERROR_RESPONSES},
    summary="A plan version with the lines the caller may read",
)
def get_plan(request: HttpRequest, plan_id: Id, query: Query[NoQuery]) -> dict[str, Any]:
    plan = get_object_or_404(BudgetPlan, pk=plan_id)
    lines = selectors.visible_lines(principal(request), plan.lines.all()).select_related(
        "parent", "district"
    )
    return {**_plan(plan), "lines": [_line(x) for x in lines.order_by("id")]}


@router.get(
    "/budgets/plans/{plan_id}/monitoring",
    auth=PrincipalAuth("budgets"),
    response={200: MonitoringOut, **ERROR_RESPONSES},
    summary="A plan version's monitoring as of a month, with its provenance",
)
def get_monitoring(
    request: HttpRequest, plan_id: Id, query: Query[MonitoringQuery]
) -> dict[str, Any]:
    plan = get_object_or_404(BudgetPlan, pk=plan_id)
    run = selectors.latest_monitoring(plan, query.as_of)
    if run is None:
        raise Http404
    return _monitoring(run, principal(request))


def _monitoring(run: MonitoringRun, who: Principal) -> dict[str, Any]:
    lines = selectors.monitored_lines(run, who)
    return {
        "id": run.pk,
        "plan": run.plan_id,
        "as_of": run.as_of,
        "accounting_run": run.accounting_run_id,
        "estimate_run": run.estimate_run_id,
        "accounted_months": run.accounted_months,
        "estimated_months": run.estimated_months,
        "yellow": run.yellow,
        "red": run.red,
        "projection": run.projection,
        "input_fingerprint": run.input_fingerprint,
        "at": run.at,
        "lines": [
            {
                "budget_id": m.line.line_id,
                "subject_id": m.line.subject_code,
                "level": m.line.level,
                "months_elapsed": m.months_elapsed,
                "prorated_budget": m.prorated_budget,
                "actual_to_date": m.actual_to_date,
                "accounted": m.accounted,
                "estimated": m.estimated,
                "used_of_annual_pct": m.used_of_annual_pct,
                "projected_year": m.projected_year,
                "projected_overshoot": m.projected_overshoot,
                "intensity_tco2_per_10k_yuan": m.intensity_tco2_per_10k_yuan,
                "status": m.status,
                "has_data": m.has_data,
                "judged_by": m.judged_by,
            }
            for m in lines
        ],
    }


@router.post(
    "/budgets/plans/{plan_id}/approve",
    auth=PrincipalAuth("budgets", "publish"),
    response={200: PlanOut, **WRITE_RESPONSES},
    summary="Approve a draft plan version (the regulator)",
)
def approve_plan(request: HttpRequest, plan_id: Id, query: Query[NoQuery]) -> Any:
    plan = get_object_or_404(BudgetPlan, pk=plan_id)
    try:
        return _plan(do_approve(plan, actor=_actor(request)))
    except StateError as exc:
        return _conflict(exc)
    except PlanRejectedError as exc:
        return _rejected(exc)


@router.post(
    "/budgets/plans/{plan_id}/allocate",
    auth=PrincipalAuth("budgets", "review"),
    response={200: list[AllocatedOut], **WRITE_RESPONSES},
    summary="Share a draft line's budget among its children by a rule",
)
def allocate_plan(
    request: HttpRequest, plan_id: Id, body: AllocateIn, query: Query[NoQuery]
) -> Any:
    """History without children given: each child gets its emissions of the year before ÷
    the parent subject's own × the parent's budget (the rest stays with the parent); history
    with children given: the children then add up to the parent; benchmark or intensity: at
    most the parent (scaled down by one factor when they would exceed it)."""
    plan = get_object_or_404(BudgetPlan, pk=plan_id)
    if not plan.lines.filter(line_id=body.parent_id).exists():
        raise Http404
    try:
        if body.rule == "history" and not body.children:
            result = do_allocate_by_history(plan, body.parent_id, actor=_actor(request))
        else:
            rows = [c.model_dump() for c in body.children]
            children = pl.DataFrame(rows, schema=CHILD_SCHEMA)
            result = do_allocate(plan, body.parent_id, children, body.rule, actor=_actor(request))
    except StateError as exc:
        return _conflict(exc)
    except PlanRejectedError as exc:
        return _rejected(exc)
    return [{"budget_id": k, "budget_tco2": v} for k, v in result.items()]


CHILD_SCHEMA: dict[str, Any] = {
    "budget_id": pl.String,
    "historic_tco2": pl.Float64,
    "benchmark_intensity_tco2_per_10k_yuan": pl.Float64,
    "budget_intensity_tco2_per_10k_yuan": pl.Float64,
    "planned_output_10k_yuan": pl.Float64,
}


@router.post(
    "/budgets/plans/{plan_id}/adjust",
    auth=PrincipalAuth("budgets", "publish"),
    response={200: PlanOut, **WRITE_RESPONSES},
    summary="Adjust the version in force: a new version with a reason",
)
def adjust_plan(request: HttpRequest, plan_id: Id, body: AdjustIn, query: Query[NoQuery]) -> Any:
    """Each change names a line (``budget_id``) and the figures it changes; the children of
    every parent must still add up to at most the parent (else 409 with the lines)."""
    plan = get_object_or_404(BudgetPlan, pk=plan_id)
    changes: dict[str, dict[str, float | None]] = {}
    for change in body.changes:
        given = change.model_dump(exclude_unset=True)
        given.pop("budget_id", None)
        changes[change.budget_id] = given
    try:
        return _plan(do_adjust(plan, changes, reason=body.reason, actor=_actor(request)))
    except StateError as exc:
        return _conflict(exc)
    except PlanRejectedError as exc:
        return _rejected(exc)


@router.post(
    "/budgets/plans/{plan_id}/monitor",
    auth=PrincipalAuth("budgets", "review"),
    response={200: MonitoringOut, **WRITE_RESPONSES},
    summary="Monitor an approved version as of a month; opens warning cases",
)
def monitor_plan(request: HttpRequest, plan_id: Id, body: MonitorIn, query: Query[NoQuery]) -> Any:
    plan = get_object_or_404(BudgetPlan, pk=plan_id)
    if body.yellow >= body.red:
        return problem(422, "the yellow band must be below the red band", "invalid")
    try:
        run = do_monitor(
            plan,
            body.as_of,
            bands=Bands(yellow=body.yellow, red=body.red),
            projection=body.projection,
            actor=_actor(request),
        )
    except InvalidRequestError as exc:
        return problem(422, f"{exc.reason_en} / {exc.reason_zh}", "invalid")
    except StateError as exc:
        return _conflict(exc)
    return _monitoring(run, principal(request))


@router.get(
    "/budgets/cases",
    auth=PrincipalAuth("budget_warnings"),
    response={200: Page[CaseOut], **ERROR_RESPONSES},
    summary="Warning cases the caller may read, newest first",
)
def list_cases(request: HttpRequest, query: Query[CasesQuery]) -> dict[str, Any]:
    cases = selectors.visible_cases(principal(request))
    if query.year is not None:
        cases = cases.filter(plan__year=query.year)
    if query.status is not None:
        cases = cases.filter(status=query.status)
    if query.district:
        cases = cases.filter(district__code=query.district)
    return page_of_objects(cases, _case, query.page, query.page_size)


@router.get(
    "/budgets/cases/{case_id}",
    auth=PrincipalAuth("budget_warnings"),
    response={200: CaseOut, **ERROR_RESPONSES},
    summary="One warning case",
)
def get_case(request: HttpRequest, case_id: Id, query: Query[NoQuery]) -> dict[str, Any]:
    return _case(get_object_or_404(selectors.visible_cases(principal(request)), pk=case_id))


@router.post(
    "/budgets/cases/{case_id}/answer",
    auth=PrincipalAuth("budget_warnings", "submit"),
    response={200: CaseOut, **WRITE_RESPONSES},
    summary="Answer a warning case (its owner: the district officer or the enterprise)",
)
def answer_case(request: HttpRequest, case_id: Id, body: AnswerIn, query: Query[NoQuery]) -> Any:
    who = principal(request)
    case = get_object_or_404(selectors.visible_cases(who), pk=case_id)
    if not may_answer(who, case):
        raise Http404
    try:
        answered = do_answer_case(
            case,
            explanation=body.explanation,
            measures=body.measures,
            principal=who,
            actor=_actor(request),
        )
    except StateError as exc:
        return _conflict(exc)
    return _case(answered)


@router.post(
    "/budgets/cases/{case_id}/close",
    auth=PrincipalAuth("budgets", "review"),
    response={200: CaseOut, **WRITE_RESPONSES},
    summary="Close an answered warning case (the regulator)",
)
def close_case(request: HttpRequest, case_id: Id, body: CloseIn, query: Query[NoQuery]) -> Any:
    case = get_object_or_404(selectors.visible_cases(principal(request)), pk=case_id)
    try:
        return _case(do_close_case(case, note=body.note, actor=_actor(request)))
    except StateError as exc:
        return _conflict(exc)


@router.get(
    "/budgets/enterprises/{enterprise_id}",
    auth=PrincipalAuth("budget_warnings"),
    response={200: EnterpriseBudgetOut, **ERROR_RESPONSES},
    summary="An enterprise's own budget lines and warning cases",
)
def enterprise_budget(
    request: HttpRequest, enterprise_id: Id, query: Query[NoQuery]
) -> dict[str, Any]:
    who = principal(request)
    enterprise = get_object_or_404(Enterprise, pk=enterprise_id)
    panel = selectors.enterprise_panel(who, enterprise.pk)
    if panel is None or not selectors.may_read_enterprise(who, enterprise.pk):
        raise Http404
    return {
        "enterprise_id": enterprise.pk,
        "lines": [_line(b["line"]) for b in panel.lines],
        "cases": [_case(c) for c in panel.cases],
    }
