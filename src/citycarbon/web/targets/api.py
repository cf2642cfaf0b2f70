"""API: the targets registry, progress against each target, the assessment, observations
(read and append) and the path to the peak (scenarios and their projection)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.db.models import F
from django.http import HttpRequest
from ninja import Field, Query, Router, Status
from ninja.errors import HttpError

from citycarbon.core.peak import LIMITS, MAX_END_YEAR, scenario_problems
from citycarbon.web.access.policy import scoped
from citycarbon.web.api.common import (
    Id,
    NoQuery,
    OutSchema,
    Page,
    Paging,
    PrincipalAuth,
    Text,
    page_of_queryset,
    principal,
)
from citycarbon.web.api.errors import ERROR_RESPONSES
from citycarbon.web.audit.actions import Actor
from citycarbon.web.targets import actions, selectors
from citycarbon.web.targets.models import Scenario, Target

router = Router(tags=["plan targets"])

PCT_DECIMALS = 2
"""Percentages in the answers are rounded to 2 decimals, as the pages show them."""
SCORE_DECIMALS = 1
"""Scores and deductions are rounded to 1 decimal, as the pages show them."""


def _round(value: float | None, decimals: int) -> float | None:
    return None if value is None else round(value, decimals)


TARGET_FIELDS = (
    "id",
    "code",
    "city",
    "subject_type",
    "subject_name",
    "district_code",
    "indicator",
    "indicator_name",
    "unit",
    "base_year",
    "target_year",
    "value",
    "comparison",
    "basic_value",
    "incentive_value",
    "source_doc",
    "source_title",
    "quote",
    "confidence",
)


class TargetOut(OutSchema):
    id: int
    """The target's internal id."""
    code: str
    """Its id in the registry (``target_id`` of the files)."""
    city: str
    """The city whose plan sets the target."""
    subject_type: str
    """city, district, department or park."""
    subject_name: str
    """Who the target is set for: the city, a district, a department or a park."""
    district_code: str | None = None
    """The district's GB/T 2260 code when the subject is a platform district."""
    indicator: str
    """A stable key of the indicator (``co2_per_iva``: tCO2 per 万元 industrial value added)."""
    indicator_name: str
    """The indicator's Chinese name."""
    unit: str
    """Unit of ``value``: % for a change or a share, else a count or capacity unit."""
    base_year: int | None = None
    """Set for a change against a base year (``value`` in percent, negative: a decrease)."""
    target_year: int
    """The year by which the target is to be reached."""
    value: float
    """The target value (percent against the base year for a change target)."""
    comparison: str
    """le (at most), ge (at least), lt (before), approx (about)."""
    basic_value: float | None = None
    """The basic threshold of the two-target assessment (基本目标)."""
    incentive_value: float | None = None
    """The incentive threshold (激励目标); None when the source publishes none."""
    source_doc: str
    """The source document's id (a seed document 000–004, or another)."""
    source_title: str
    """The source document's title."""
    quote: str
    """The verbatim Chinese sentence of the source the figure is read from."""
    confidence: str
    """C confirmed, S secondary, I placeholder."""


class TargetsQuery(Paging):
    subject_type: Text | None = None
    """city, district, department or park."""
    city: Text | None = None
    """The city whose plan sets the target (e.g. 湖州市)."""


@router.get(
    "/targets",
    auth=PrincipalAuth("targets"),
    response={200: Page[TargetOut], **ERROR_RESPONSES},
    summary="Plan targets (规划目标) with their source quotes",
)
def list_targets(request: HttpRequest, query: Query[TargetsQuery]) -> dict[str, Any]:
    targets = selectors.visible_targets(principal(request))
    if query.subject_type:
        targets = targets.filter(subject_type=query.subject_type)
    if query.city:
        targets = targets.filter(city=query.city)
    targets = targets.annotate(district_code=F("district__code"))
    return page_of_queryset(targets, TARGET_FIELDS, query.page, query.page_size)


class ProgressOut(OutSchema):
    target_id: str
    """The target's code."""
    observed: bool | None = None
    """A change target has at least one observation that counts (None: a level target)."""
    per_year: bool = False
    """The target value is a rate per year (年均, unit %/年)."""
    target_cumulative_pct: float | None = None
    """The target as a cumulative change from the base year, in percent (a rate target's
    (1 + r)^(target_year − base_year) − 1); 2 decimals."""
    latest_year: int | None = None
    """The last year observed (the base year when none is)."""
    cumulative_change_pct: float | None = None
    """Π(1 + cᵢ) − 1 of the observed changes since the base year, in percent; 2 decimals."""
    remaining_years: int | None = None
    """target_year − latest_year."""
    required_annual_change_pct: float | None = None
    """((1 + target) ÷ (1 + cumulative))^(1 ÷ remaining) − 1, in percent; 2 decimals."""
    average_annual_change_pct: float | None = None
    """(1 + cumulative)^(1 ÷ years observed) − 1, in percent; 2 decimals."""
    on_track: bool | None = None
    """Met, or the required change is no steeper than the average achieved so far."""
    problem: str = ""
    """Why it cannot be computed (a gap or overlap of the observations)."""
    latest_value: float | None = None
    """A level target's latest observed value."""
    level_met: bool | None = None
    """Whether a level target's latest value reaches it."""


@router.get(
    "/targets/progress",
    auth=PrincipalAuth("targets"),
    response={200: list[ProgressOut], **ERROR_RESPONSES},
    summary="Actual against target: cumulative change, required annual change, on track",
)
def list_progress(request: HttpRequest, query: Query[NoQuery]) -> list[dict[str, Any]]:
    out = []
    for row in selectors.progress_rows(selectors.visible_targets(principal(request))):
        p = row.progress or {}
        out.append(
            {
                "target_id": row.target.code,
                "observed": p.get("observed"),
                "per_year": row.target.per_year,
                "target_cumulative_pct": _round(p.get("target_change_pct"), PCT_DECIMALS),
                "latest_year": p.get("latest_year", row.latest_year),
                "cumulative_change_pct": _round(p.get("cumulative_change_pct"), PCT_DECIMALS),
                "remaining_years": p.get("remaining_years"),
                "required_annual_change_pct": _round(
                    p.get("required_annual_change_pct"), PCT_DECIMALS
                ),
                "average_annual_change_pct": _round(
                    p.get("average_annual_change_pct"), PCT_DECIMALS
                ),
                "on_track": p.get("on_track"),
                "problem": row.problem,
                "latest_value": row.latest_value,
                "level_met": row.level_met,
            }
        )
    return out


class AssessmentOut(OutSchema):
    subject_id: str
    """``district:<code>`` or ``<subject type>:<name>``."""
    label: str
    """The subject's name."""
    targets: int
    """Its change targets assessed."""
    incentive_met: int
    """Targets at or beyond their incentive threshold."""
    basic_met: int
    """Targets at or beyond their basic threshold only."""
    missed: int
    """Targets short of their basic threshold."""
    no_data: int
    """Targets with no observation yet or whose observations do not chain (score 0)."""
    target_score: float
    """The mean of its targets' scores: 100 at the incentive threshold, 60 at the basic one,
    0 without usable data; 1 decimal."""
    unresolved_cases: int
    """Its unresolved warning cases (monitoring → warning → assessment)."""
    deduction: float
    """5 points per unresolved case, at most 20; 1 decimal."""
    score: float
    """target_score − deduction, never below 0 (from the unrounded figures); 1 decimal."""
    level: str
    """incomplete (a target has no usable data), else incentive, basic or missed (its
    weakest target's)."""


@router.get(
    "/targets/assessment",
    auth=PrincipalAuth("targets"),
    response={200: list[AssessmentOut], **ERROR_RESPONSES},
    summary="District and department assessment against basic and incentive targets",
)
def list_assessment(request: HttpRequest, query: Query[NoQuery]) -> list[dict[str, Any]]:
    found = selectors.assessment(selectors.visible_targets(principal(request)))
    return [
        {
            **a.row,
            **{k: round(a.row[k], SCORE_DECIMALS) for k in ("target_score", "deduction", "score")},
            "label": a.label,
        }
        for a in found
    ]


class ValueOut(OutSchema):
    id: int
    """The observation's id."""
    year_from: int
    """First year covered."""
    year_to: int
    """Last year covered (= year_from for one year)."""
    change_pct: float | None = None
    """The change over the years covered, in percent (cumulative over a span)."""
    value: float | None = None
    """An absolute value in ``year_to`` instead of a change."""
    source: str
    """seed, import or accounted (from a published run, named in ``provenance``)."""
    provenance: str
    """Where the figure comes from."""
    actor_label: str
    """Who recorded it."""
    standing: str = "current"
    """current (it counts), superseded (a newer observation of the same years counts) or
    withdrawn (recorded in error; it no longer counts)."""
    withdrawal_reason: str = ""
    """Why it was withdrawn ("" unless withdrawn)."""


VALUE_COLUMNS = ("id", "year_from", "year_to", "change_pct", "value", "source", "provenance")


def _value_out(o: selectors.Observation) -> dict[str, Any]:
    v = o.value
    return {
        **{f: getattr(v, f) for f in VALUE_COLUMNS},
        "actor_label": v.actor_label,
        "standing": o.status,
        "withdrawal_reason": o.reason,
    }


class WithdrawIn(OutSchema):
    reason: str = Field(min_length=1, max_length=200, pattern=r"^[^\x00]*$")
    """Why the observation is withdrawn (kept with the audit)."""


class ValueIn(OutSchema):
    year_from: int
    year_to: int | None = None
    change_pct: float | None = None
    value: float | None = None
    provenance: Text = ""


def _target(request: HttpRequest, target_id: int, action: str = "read") -> Target:
    found = scoped(
        principal(request),
        "targets",
        Target.objects.filter(pk=target_id),
        via="district",
        action=action,  # type: ignore[arg-type]
    ).first()
    if found is None:
        raise HttpError(404, "no such target")
    return found


@router.get(
    "/targets/{target_id}/values",
    auth=PrincipalAuth("targets"),
    response={200: list[ValueOut], **ERROR_RESPONSES},
    summary="The observations of one target (append-only)",
)
def list_values(request: HttpRequest, target_id: Id, query: Query[NoQuery]) -> list[Any]:
    target = _target(request, target_id)
    return [_value_out(o) for o in reversed(selectors.observations(target))]


@router.post(
    "/targets/{target_id}/values",
    auth=PrincipalAuth("targets", "submit"),
    response={201: ValueOut, **ERROR_RESPONSES},
    summary="Append an observation: a change over a year or span, or an absolute value",
)
def add_value(request: HttpRequest, target_id: Id, body: ValueIn) -> Status[dict[str, Any]]:
    target = _target(request, target_id, "submit")
    who = principal(request)
    try:
        row = actions.do_record_value(
            target,
            year_from=body.year_from,
            year_to=body.year_to or body.year_from,
            change_pct=body.change_pct,
            value=body.value,
            provenance=body.provenance,
            actor=Actor(label=who.label),
        )
    except ValueError as exc:
        raise HttpError(422, str(exc)) from exc
    mine = next(o for o in selectors.observations(target) if o.value.pk == row.pk)
    return Status(201, _value_out(mine))


@router.post(
    "/targets/{target_id}/values/{value_id}/withdrawal",
    auth=PrincipalAuth("targets", "submit"),
    response={201: ValueOut, **ERROR_RESPONSES},
    summary="Withdraw an observation recorded in error, with the reason (append-only)",
)
def withdraw_value(
    request: HttpRequest, target_id: Id, value_id: Id, body: WithdrawIn
) -> Status[dict[str, Any]]:
    target = _target(request, target_id, "submit")
    value = target.values.filter(pk=value_id).first()
    if value is None:
        raise HttpError(404, "no such observation")
    try:
        actions.do_withdraw_value(
            value, reason=body.reason, actor=Actor(label=principal(request).label)
        )
    except ValueError as exc:
        raise HttpError(422, str(exc)) from exc
    mine = next(o for o in selectors.observations(target) if o.value.pk == value.pk)
    return Status(201, _value_out(mine))


class ScenarioOut(OutSchema):
    id: int
    """The scenario version's id."""
    name: str
    """The scenario's name."""
    version: int
    """Its version under the name, from 1."""
    base_year: int
    """The latest accounted year when it was saved."""
    end_year: int
    """The last year projected."""
    parameters: dict[str, Any]
    """green_share_base_pct, green_share_target_pct, switch_ratio and levers (per industry
    division, ``*`` for all: activity_growth_pct, intensity_decline_pct, fuel_switch_pct)."""


def _limited(name: str, default: float) -> Any:
    low, high = LIMITS[name]
    return Field(default, ge=low, le=high)


class LeverIn(OutSchema):
    industry_code: str = Field(min_length=1, max_length=4, pattern=r"^(\*|[0-9A-Z]{2,4})$")
    """A GB/T 4754 division (2 digits, e.g. 26) or ``*`` for every industry without a row."""
    activity_growth_pct: float = _limited("activity_growth_pct", 0.0)
    """Activity growth per year, percent (platform limits −20…20)."""
    intensity_decline_pct: float = _limited("intensity_decline_pct", 0.0)
    """Energy-intensity decline per year, percent (−10…20; negative: rising)."""
    fuel_switch_pct: float = _limited("fuel_switch_pct", 0.0)
    """Share of the base year's fuel use switched to electricity each year, percent (0…20)."""


class ParametersIn(OutSchema):
    green_share_base_pct: float = _limited("green_share_base_pct", 0.0)
    """Green-power share in the base year, percent (0…99)."""
    green_share_target_pct: float = _limited("green_share_target_pct", 0.0)
    """Green-power share in the end year, percent (0…100)."""
    switch_ratio: float = _limited("switch_ratio", 1.0)
    """tCO2 of electricity per tCO2 of fuel replaced (0…3)."""
    levers: list[LeverIn] = Field(default_factory=list, max_length=200)
    """Levers per industry division (``*`` for the rest)."""


class ScenarioIn(OutSchema):
    name: str = Field(min_length=1, max_length=64, pattern=r"^[^\x00]*$")
    """The scenario's name; saving under a name already used makes its next version."""
    end_year: int = Field(2030, ge=2000, le=MAX_END_YEAR)
    """The last year projected: after the latest accounted year, at most 2060."""
    parameters: ParametersIn
    """The city-wide settings and the levers, each within the platform limits
    (``core.peak.LIMITS``, docs/targets.md); a value outside them is refused with 422
    ("outside the platform limits" or the field's bound)."""


@router.get(
    "/peak/scenarios",
    auth=PrincipalAuth("peak"),
    response={200: list[ScenarioOut], **ERROR_RESPONSES},
    summary="Saved scenarios of the path to the peak (every version)",
)
def list_scenarios(request: HttpRequest, query: Query[NoQuery]) -> list[Any]:
    return list(Scenario.objects.values(*ScenarioOut.model_fields))


@router.post(
    "/peak/scenarios",
    auth=PrincipalAuth("peak", "submit"),
    response={201: ScenarioOut, **ERROR_RESPONSES},
    summary="Save a scenario (a new version under its name)",
)
def save_scenario(request: HttpRequest, body: ScenarioIn) -> Status[dict[str, Any]]:
    parameters = body.parameters.model_dump()
    levers = selectors.levers_frame(parameters)
    settings = selectors.scenario_settings(parameters, base_year=0, end_year=0)
    year, _base = selectors.base_emissions()
    if year is not None and body.end_year <= year:
        raise HttpError(
            422, f"end_year {body.end_year} is not after the latest accounted year {year}"
        )
    checked = replace(settings, base_year=year or body.end_year - 1, end_year=body.end_year)
    problems = [(n, v) for n, v in scenario_problems(levers, checked) if n in LIMITS]
    if problems:
        named = ", ".join(
            f"{name} {value:g} outside {LIMITS[name][0]:g}…{LIMITS[name][1]:g}"
            for name, value in problems
        )
        raise HttpError(422, f"outside the platform limits: {named}")
    scenario = actions.do_save_scenario(
        body.name[:64],
        end_year=body.end_year,
        base_year=year or body.end_year,
        parameters=parameters,
        actor=Actor(label=principal(request).label),
    )
    return Status(201, {f: getattr(scenario, f) for f in ScenarioOut.model_fields})


class ProjectionRow(OutSchema):
    year: int
    """The projected year."""
    scope1_tco2: float
    """Direct (fuel) emissions of every industry."""
    scope2_tco2: float
    """Emissions of purchased electricity and heat, net of green power."""
    total_tco2: float
    """scope1_tco2 + scope2_tco2."""


class ProjectionOut(OutSchema):
    scenario: int
    """The scenario version's id."""
    base_year: int | None = None
    """The latest accounted year of the published run (None: nothing published yet)."""
    peak_year: int | None = None
    """The year of the largest total (the first such year)."""
    peak_tco2: float | None = None
    """The largest total."""
    peaked: bool = False
    """The largest total is the base year's: on this path emissions only fall."""
    years: list[ProjectionRow]
    """The city's totals per year."""


@router.get(
    "/peak/scenarios/{scenario_id}/projection",
    auth=PrincipalAuth("peak"),
    response={200: ProjectionOut, **ERROR_RESPONSES},
    summary="A scenario's projection to its end year, with the peak year and value",
)
def scenario_projection(request: HttpRequest, scenario_id: Id, query: Query[NoQuery]) -> Any:
    scenario = Scenario.objects.filter(pk=scenario_id).first()
    if scenario is None:
        raise HttpError(404, "no such scenario")
    found, year = selectors.projection(scenario)
    if found is None:
        return {"scenario": scenario.pk, "base_year": None, "years": []}
    return {
        "scenario": scenario.pk,
        "base_year": year,
        "peak_year": found.peak_year,
        "peak_tco2": found.peak_tco2,
        "peaked": found.peaked,
        "years": found.city.to_dicts(),
    }


class ForecastOut(OutSchema):
    available: bool
    """False before an estimate run is built over the published accounting run."""
    estimate_run: int | None = None
    """The estimate run whose months (accounted where the forms have arrived, else rapid
    estimates) the forecast is made from."""
    year: int | None = None
    """The latest year with monthly figures."""
    months: int | None = None
    """Its months so far (1 to the latest month)."""
    ytd_tco2: float | None = None
    """The year's emissions so far."""
    prorated_tco2: float | None = None
    """ytd × 12 ÷ months."""
    profiled_tco2: float | None = None
    """ytd × last year's total ÷ last year's same months (None without a full last year)."""


@router.get(
    "/peak/forecast",
    auth=PrincipalAuth("peak"),
    response={200: ForecastOut, **ERROR_RESPONSES},
    summary="This year's emissions forecast from the months so far",
)
def this_year_forecast(request: HttpRequest, query: Query[NoQuery]) -> dict[str, Any]:
    found = selectors.current_forecast()
    if found is None:
        return {"available": False}
    return {"available": True, **found.__dict__}
