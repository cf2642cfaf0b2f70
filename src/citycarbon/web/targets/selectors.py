"""Reads of the targets app: the targets a principal may see, their observations, progress
(``core.targets.progress``), the assessment (``core.targets.assess``), the accounted
intensity by district and year of the published run, and the path to the peak
(``core.peak.project``) over the published run's emissions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db.models import QuerySet
from django.utils.translation import gettext

from citycarbon.core.peak import Peak, forecast_year, project
from citycarbon.core.peak import Scenario as PeakScenario
from citycarbon.core.targets import (
    CHANGES,
    UNRESOLVED,
    VALUES,
    assess,
    changes_from_values,
    cumulative_targets,
    progress,
    target_scores,
)
from citycarbon.web.access.policy import Principal, scoped
from citycarbon.web.budgets.selectors import unresolved_cases as budget_cases
from citycarbon.web.estimates import selectors as estimates
from citycarbon.web.grading.selectors import latest_published, published_view
from citycarbon.web.targets.models import Comparison, Scenario, SubjectType, Target, TargetValue

CO2_PER_IVA = "co2_per_iva"
"""The indicator the published runs give by district and year: tCO2 per 万元 industrial value
added (碳效, the graded enterprises' ΣCO2 ÷ Σvalue added)."""


def visible_targets(principal: Principal) -> QuerySet[Target]:
    """The targets ``principal`` may read: all of them city-wide, a district officer only
    its own district's."""
    return scoped(principal, "targets", Target.objects.select_related("district"), via="district")


def unresolved_cases() -> pl.DataFrame:
    """Unresolved warning cases per assessed subject (``core.targets.UNRESOLVED``, subject
    ids as ``assessment_subject`` names them): the budget warning cases of every year not
    yet closed by the regulator, each counted for its district (an enterprise's case for the
    enterprise's district) — the closed loop of monitoring, warning and assessment
    (监测—预警—考核闭环, D14). Departments own no budget line and lose no points here."""
    counts = budget_cases(None, by_district=True)
    return pl.DataFrame(
        [(f"district:{code}", n) for code, n in sorted(counts.items())],
        schema=UNRESOLVED,
        orient="row",
    )


def assessment_subject(target: Target) -> str:
    """The subject a target is assessed under: ``district:<GB/T 2260 code>`` for a platform
    district, else ``<subject type>:<name>`` (``department:市经信局``)."""
    if target.district is not None:
        return f"district:{target.district.code}"
    return f"{target.subject_type}:{target.subject_name}"


def _latest_values(targets: list[Target]) -> list[TargetValue]:
    """Each target's newest observation per span that is not withdrawn (a later one
    supersedes an earlier one)."""
    rows = TargetValue.objects.filter(target__in=targets, withdrawal__isnull=True).order_by(
        "target_id", "id"
    )
    newest: dict[tuple[int, int, int], TargetValue] = {}
    for row in rows:
        newest[(row.target_id, row.year_from, row.year_to)] = row
    return list(newest.values())


def _frames(targets: list[Target]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``core.targets`` frames of the change targets and their observations, keyed by the
    target's code (as subject and indicator both: observations belong to one target)."""
    change_targets = [t for t in targets if t.is_change]
    frame = pl.DataFrame(
        [
            {
                "target_id": t.code,
                "subject_id": t.code,
                "indicator": t.code,
                "base_year": t.base_year,
                "target_year": t.target_year,
                "target_change_pct": t.basic_value if t.basic_value is not None else t.value,
                "incentive_change_pct": t.incentive_value,
                "per_year": t.per_year,
            }
            for t in change_targets
        ],
        schema={
            "target_id": pl.String,
            "subject_id": pl.String,
            "indicator": pl.String,
            "base_year": pl.Int32,
            "target_year": pl.Int32,
            "target_change_pct": pl.Float64,
            "incentive_change_pct": pl.Float64,
            "per_year": pl.Boolean,
        },
    )
    codes = {t.pk: t.code for t in change_targets}
    observed = [v for v in _latest_values(change_targets) if v.target_id in codes]
    changes = pl.DataFrame(
        [
            {
                "subject_id": codes[v.target_id],
                "indicator": codes[v.target_id],
                "year_from": v.year_from,
                "year_to": v.year_to,
                "change_pct": v.change_pct,
            }
            for v in observed
            if v.change_pct is not None
        ],
        schema=CHANGES,
    )
    values = pl.DataFrame(
        [
            {
                "subject_id": codes[v.target_id],
                "indicator": codes[v.target_id],
                "year": v.year_to,
                "value": v.value,
            }
            for v in observed
            if v.value is not None
        ],
        schema=VALUES,
    )
    bases = frame.select("subject_id", "indicator", "base_year")
    return frame, pl.concat([changes, changes_from_values(values, bases)])


@dataclass(frozen=True)
class Observation:
    """An observation as the target's page lists it, with its standing."""

    value: TargetValue
    status: str
    """``current`` (it counts), ``superseded`` (a newer one of the same years counts) or
    ``withdrawn``."""
    reason: str = ""
    """Why it was withdrawn."""


def observations(target: Target) -> list[Observation]:
    """Every observation of ``target``, newest first, each with its standing."""
    rows = list(target.values.select_related("withdrawal").order_by("-id"))
    counted = {v.pk for v in _latest_values([target])}
    out = []
    for v in rows:
        withdrawal = getattr(v, "withdrawal", None)
        if withdrawal is not None:
            out.append(Observation(v, "withdrawn", withdrawal.reason))
        elif v.pk in counted:
            out.append(Observation(v, "current"))
        else:
            out.append(Observation(v, "superseded"))
    return out


@dataclass(frozen=True)
class Row:
    """A target with its progress (change targets) or its latest observed level."""

    target: Target
    progress: dict[str, Any] | None
    problem: str
    """Why the progress cannot be computed (a gap or overlap in the observations), or ""."""
    latest_value: float | None = None
    latest_year: int | None = None
    level_met: bool | None = None


def _problem(code: str, years: str) -> str:
    if code == "gap":
        return gettext("No observation covers %(years)s.") % {"years": years}
    return gettext("Two observations cover %(years)s.") % {"years": years}


def _level_met(target: Target, value: float) -> bool | None:
    if target.comparison == Comparison.LE:
        return value <= target.value
    if target.comparison in (Comparison.GE, Comparison.APPROX):
        return value >= target.value
    return None


def progress_rows(targets: QuerySet[Target]) -> list[Row]:
    """Every target of ``targets`` with its progress, in the queryset's order."""
    found = list(targets)
    frame, changes = _frames(found)
    result = progress(frame, changes)
    by_code = {r["target_id"]: r for r in result.progress.iter_rows(named=True)}
    problems = {
        r["target_id"]: _problem(r["code"], r["detail"])
        for r in result.problems.iter_rows(named=True)
    }
    levels: dict[int, TargetValue] = {}
    for v in _latest_values([t for t in found if not t.is_change]):
        if v.value is not None and (
            v.target_id not in levels or v.year_to >= levels[v.target_id].year_to
        ):
            levels[v.target_id] = v
    rows = []
    for t in found:
        if t.is_change:
            rows.append(Row(t, by_code.get(t.code), problems.get(t.code, "")))
            continue
        level = levels.get(t.pk)
        rows.append(
            Row(
                t,
                None,
                "",
                latest_value=level.value if level else None,
                latest_year=level.year_to if level else None,
                level_met=_level_met(t, level.value) if level and level.value is not None else None,
            )
        )
    return rows


@dataclass(frozen=True)
class Assessed:
    subject: str
    """``assessment_subject``'s id."""
    label: str
    row: dict[str, Any]
    """``core.targets.ASSESSMENT``."""
    targets: list[dict[str, Any]]
    """``core.targets.TARGET_SCORES`` of its targets, with ``target`` (the model) and
    ``unchained`` (its observations leave a gap or overlap)."""


def assessed_here(target: Target) -> bool:
    """Whether the platform assesses ``target``'s subject: one of its own districts (a
    target on a platform district) or a department. The seed documents' other subjects
    (other cities, parks, the city itself) stay in the registry as references only."""
    return target.is_change and (
        target.district is not None or target.subject_type == SubjectType.DEPARTMENT
    )


def assessment(targets: QuerySet[Target], unresolved: pl.DataFrame | None = None) -> list[Assessed]:
    """The two-target assessment of every platform subject (``assessed_here``) with a change
    target in ``targets``, from their progress and the unresolved warning cases (default
    ``unresolved_cases()``). A target with no observation yet, or whose observations do not
    chain, is counted as ``no_data`` (``core.targets`` rule ``assessment/2``)."""
    found = [t for t in targets if assessed_here(t)]
    frame, changes = _frames(found)
    computed = progress(frame, changes)
    result = computed.progress
    subject = {t.code: assessment_subject(t) for t in found}
    label = {assessment_subject(t): _subject_label(t) for t in found}
    model = {t.code: t for t in found}
    result = result.with_columns(
        pl.col("target_id").replace_strict(subject, return_dtype=pl.String).alias("subject_id")
    )
    bad = computed.problems.get_column("target_id").unique().to_list()
    incomplete = cumulative_targets(frame.filter(pl.col("target_id").is_in(bad))).select(
        "target_id",
        pl.col("target_id").replace_strict(subject, return_dtype=pl.String).alias("subject_id"),
        "target_change_pct",
        "incentive_change_pct",
    )
    cases = unresolved_cases() if unresolved is None else unresolved
    scores = target_scores(result, incomplete=incomplete)
    out = []
    for row in assess(result, cases, incomplete=incomplete).iter_rows(named=True):
        mine = [
            {**s, "target": model[s["target_id"]], "unchained": s["target_id"] in bad}
            for s in scores.filter(pl.col("subject_id") == row["subject_id"]).iter_rows(named=True)
        ]
        out.append(Assessed(row["subject_id"], label[row["subject_id"]], row, mine))
    return out


def _subject_label(target: Target) -> str:
    if target.district is not None:
        return target.district.name_zh
    return target.subject_name


def accounted_intensity() -> tuple[int | None, pl.DataFrame]:
    """The latest published grading run's id and its tCO2 per 万元 value added by district and
    year (``district_code, year, intensity_tco2_per_10k_yuan``), over the graded
    enterprises; (None, empty) before any run is published."""
    run = latest_published()
    empty = pl.DataFrame(
        schema={
            "district_code": pl.String,
            "year": pl.Int32,
            "intensity_tco2_per_10k_yuan": pl.Float64,
        }
    )
    if run is None:
        return None, empty
    portraits = published_view(run).portraits
    frame = (
        portraits.group_by("district_code", "year")
        .agg(
            (pl.col("total_tco2").sum() / pl.col("value_added_10k_yuan").sum()).alias(
                "intensity_tco2_per_10k_yuan"
            )
        )
        .filter(pl.col("intensity_tco2_per_10k_yuan").is_finite())
        .sort("district_code", "year")
    )
    return run.pk, frame.cast({"year": pl.Int32})


# --- path to the peak -----------------------------------------------------------------------


def base_emissions() -> tuple[int | None, pl.DataFrame]:
    """The latest accounted year of the published run and its emissions by industry division
    (``core.peak.BASE``); (None, empty) before any run is published."""
    run = latest_published()
    empty = pl.DataFrame(
        schema={"industry_code": pl.String, "scope1_tco2": pl.Float64, "scope2_tco2": pl.Float64}
    )
    if run is None:
        return None, empty
    emissions = published_view(run).emissions
    if emissions.is_empty():
        return None, empty
    year = int(emissions.get_column("year").max())  # type: ignore[arg-type]
    frame = (
        emissions.filter(pl.col("year") == year)
        .group_by(pl.col("industry_code").str.slice(0, 2).alias("industry_code"))
        .agg(pl.col("scope1_tco2", "scope2_tco2").sum())
        .sort("industry_code")
    )
    return year, frame


def levers_frame(parameters: dict[str, Any]) -> pl.DataFrame:
    """The per-industry levers of a scenario's stored parameters (``core.peak.LEVERS``)."""
    rows = parameters.get("levers", [])
    return pl.DataFrame(
        rows,
        schema={
            "industry_code": pl.String,
            "activity_growth_pct": pl.Float64,
            "intensity_decline_pct": pl.Float64,
            "fuel_switch_pct": pl.Float64,
        },
    )


def scenario_settings(parameters: dict[str, Any], *, base_year: int, end_year: int) -> PeakScenario:
    """The city-wide settings of a scenario's stored parameters (``core.peak.Scenario``)."""
    return PeakScenario(
        base_year=base_year,
        end_year=end_year,
        green_share_base_pct=float(parameters.get("green_share_base_pct", 0.0)),
        green_share_target_pct=float(parameters.get("green_share_target_pct", 0.0)),
        switch_ratio=float(parameters.get("switch_ratio", 1.0)),
    )


def projection(scenario: Scenario) -> tuple[Peak | None, int | None]:
    """The scenario projected over the published run's latest year (the scenario's base
    year when nothing is published)."""
    year, base = base_emissions()
    if year is None:
        return None, None
    p = scenario.parameters
    settings = scenario_settings(p, base_year=year, end_year=max(scenario.end_year, year))
    return project(base, levers_frame(p), settings), year


def latest_scenarios() -> list[Scenario]:
    """The newest version of each saved scenario, by name."""
    newest: dict[str, Scenario] = {}
    for s in Scenario.objects.order_by("name", "-version"):
        newest.setdefault(s.name, s)
    return list(newest.values())


def _monthly_city() -> tuple[int | None, pl.DataFrame]:
    """The city's emissions per month from the newest estimate run over the published
    accounting run: the accounted figure where the forms have arrived, else the rapid
    estimate (``reported_tco2``), as ``core.peak.MONTHLY``."""
    run = estimates.shown().run
    empty = pl.DataFrame(schema={"subject_id": pl.String, "period": pl.String, "tco2": pl.Float64})
    if run is None:
        return None, empty
    monthly = estimates.added_up(estimates.sums(run, grain="month"), "period")
    frame = monthly.filter(pl.col("reported_tco2").is_not_null()).select(
        pl.lit("city").alias("subject_id"), "period", pl.col("reported_tco2").alias("tco2")
    )
    return run.pk, frame


@dataclass(frozen=True)
class Forecast:
    """The latest year's total forecast from its months so far."""

    estimate_run: int
    """The estimate run whose months (accounted or estimated) it is made from."""
    year: int
    months: int
    ytd_tco2: float
    prorated_tco2: float
    """ytd × 12 ÷ months."""
    profiled_tco2: float | None
    """From last year's monthly profile (None without a full last year)."""


def current_forecast() -> Forecast | None:
    """The forecast of the latest year with monthly figures (``core.peak.forecast_year``, both
    methods) from the months of the newest estimate run; None before there is one."""
    run_id, monthly = _monthly_city()
    if run_id is None or monthly.is_empty():
        return None
    last = str(monthly.get_column("period").max())
    year, month = int(last[:4]), int(last[5:7])
    prorated = forecast_year(monthly, year=year, through_month=month).row(0, named=True)
    profiled = forecast_year(monthly, year=year, through_month=month, method="profile").row(
        0, named=True
    )
    return Forecast(
        estimate_run=run_id,
        year=year,
        months=month,
        ytd_tco2=prorated["ytd_tco2"],
        prorated_tco2=prorated["forecast_tco2"],
        profiled_tco2=profiled["forecast_tco2"] if profiled["method"] == "profile" else None,
    )
