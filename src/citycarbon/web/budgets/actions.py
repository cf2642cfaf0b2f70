"""Writes of the budgets app, each one transaction with its audit event: a draft plan from a
file or a page, allocation of a line's children (``core.budgets.allocate``), approval,
adjustment as a new version, monitoring as of a month (``core.budgets.monitor`` over the
published accounting run and, for months not yet accounted, the rapid estimates), and the
warning cases: opened for yellow and red lines, answered by their owner, closed by the
regulator, each transition kept in ``CaseEvent``."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl
from django.db import transaction
from django.utils import timezone

from citycarbon.core import budgets as core
from citycarbon.io.energy_import import file_sha256
from citycarbon.io.errors import InputFileError
from citycarbon.web.access.policy import Principal
from citycarbon.web.audit.actions import Actor, record
from citycarbon.web.budgets import selectors
from citycarbon.web.budgets.imports import (
    PLAN_LINES,
    ReadPlan,
    checked,
    inherited,
    line_error,
    of_row_error,
)
from citycarbon.web.budgets.imports import read_table as read_budget_table
from citycarbon.web.budgets.models import (
    BudgetLine,
    BudgetPlan,
    CaseEvent,
    CaseStatus,
    Level,
    Light,
    Measure,
    MonitoredLine,
    MonitoringRun,
    PlanStatus,
    WarningCase,
)
from citycarbon.web.bulk import content_sha256
from citycarbon.web.enterprises.models import Enterprise
from citycarbon.web.regions.models import District


class PlanRejectedError(Exception):
    """A plan that cannot be made as given; ``errors``: row errors (``imports.line_error``)."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("; ".join(f"{e['row']}/{e['column']}: {e['reason_en']}" for e in errors))
        self.errors = errors


class StateError(Exception):
    """An action the object's state does not allow (approving an approved plan, answering a
    closed case); ``args``: the reason in Chinese and in English."""

    @property
    def reason_zh(self) -> str:
        return str(self.args[0])

    @property
    def reason_en(self) -> str:
        return str(self.args[1])


class InvalidRequestError(StateError):
    """A request whose input cannot be served as given (a month with no data yet, a
    projection with nothing to project by): the API answers 422, not 409."""


# --- plans ----------------------------------------------------------------------------------


def _subjects() -> tuple[dict[str, int], dict[str, tuple[int, int | None]]]:
    districts = dict(District.objects.values_list("code", "pk"))
    enterprises: dict[str, tuple[int, int | None]] = {
        entity: (pk, district)
        for entity, pk, district in Enterprise.objects.values_list("entity_id", "pk", "district_id")
    }
    return districts, enterprises


def read_plan_file(path: Path, name: str, year: int) -> ReadPlan:
    """The lines of a BUDGETS file checked, with the tree's sums (``core.budgets.check_tree``)
    refused line by line."""
    try:
        table = read_budget_table(path, name)
    except InputFileError as exc:
        return ReadPlan(pl.DataFrame(), [of_row_error(e) for e in exc.errors])
    districts, enterprises = _subjects()
    read = checked(table, name=name, year=year, districts=districts, enterprises=enterprises)
    if read.errors:
        return read
    return ReadPlan(read.lines, tree_errors(read.lines, year))


def tree_errors(lines: pl.DataFrame, year: int) -> list[dict[str, Any]]:
    """Each parent whose children add up to more than it (``core.budgets.check_tree``), as a
    row error on the parent's row."""
    frame = lines.select(
        "budget_id",
        "level",
        pl.col("subject_id"),
        pl.when(pl.col("parent_id") == "")
        .then(None)
        .otherwise(pl.col("parent_id"))
        .alias("parent_id"),
        pl.lit(year, pl.Int64).alias("year"),
        "budget_tco2",
        "budget_intensity_tco2_per_10k_yuan",
        "budget_energy_tce",
    )
    over = core.check_tree(frame)
    rows = (
        dict(zip(lines["budget_id"], lines["row"], strict=True)) if "row" in lines.columns else {}
    )
    errors = []
    for problem in over.to_dicts():
        parent = str(problem.get("parent_id") or "")
        measure = str(problem.get("measure", ""))
        children, budget = (
            _amount(problem.get("children_sum")),
            _amount(problem.get("parent_budget")),
        )
        name_zh, unit = MEASURE_NAMES.get(measure, (measure, ""))
        detail = f"{measure}: {children} > {budget}"
        detail_zh = f"{name_zh}：下级合计 {children} {unit}，上级 {budget} {unit}"
        errors.append(
            line_error(
                int(rows.get(parent, 0)), "parent_id", "over_parent", parent, detail, detail_zh
            )
        )
    return errors


MEASURE_NAMES = {"tco2": ("碳排放预算", "吨二氧化碳"), "energy_tce": ("用能预算", "吨标准煤")}
"""The Chinese name and unit of each measure ``core.budgets.check_tree`` checks."""


def _amount(value: object) -> str:
    """A budget figure with thousands separators and at most two decimals."""
    number = float(value) if isinstance(value, int | float) else 0.0
    return f"{number:,.2f}".rstrip("0").rstrip(".")


@transaction.atomic
def do_create_plan(
    year: int,
    measure: str,
    name: str,
    lines: pl.DataFrame,
    *,
    actor: Actor,
    source: str = "",
    sha256: str = "",
) -> BudgetPlan:
    """A draft plan version with ``lines`` (checked by ``imports.checked`` and the tree
    check). A year and measure with a draft already: refused (edit that draft); with an
    approved version: the draft is the next version, approved later in its place."""
    if measure not in Measure.values:
        raise StateError("未知预算类别", f"unknown measure {measure!r}")
    versions = BudgetPlan.objects.select_for_update().filter(year=year, measure=measure)
    if versions.filter(status=PlanStatus.DRAFT).exists():
        raise StateError(
            "该年度已有草案，请先修改或批准草案", "a draft of this year and measure exists already"
        )
    errors = tree_errors(lines, year)
    if errors:
        raise PlanRejectedError(errors)
    last = versions.order_by("-version").first()
    plan = BudgetPlan.objects.create(
        year=year,
        measure=measure,
        version=(last.version + 1) if last else 1,
        name=name,
        status=PlanStatus.DRAFT,
        created_by=actor.label,
        source=source,
        sha256=sha256,
    )
    made = _write_lines(plan, lines.to_dicts())
    record(
        actor,
        "budgets.create_plan",
        "BudgetPlan",
        plan.pk,
        after={
            "year": year,
            "measure": measure,
            "version": plan.version,
            "lines": made,
            "source": source,
            "sha256": sha256,
        },
    )
    return plan


def _write_lines(plan: BudgetPlan, lines: list[dict[str, Any]]) -> int:
    made: dict[str, BudgetLine] = {}
    for line in inherited(lines):
        parent = made.get(line["parent_id"]) if line["parent_id"] else None
        made[line["budget_id"]] = BudgetLine.objects.create(
            plan=plan,
            line_id=line["budget_id"],
            level=line["level"],
            subject_code=line["subject_id"],
            name=line.get("name") or "",
            parent=parent,
            district_id=line["district_id"],
            enterprise_id=line["enterprise_id"],
            budget_tco2=float(line["budget_tco2"]),
            budget_intensity_tco2_per_10k_yuan=line.get("budget_intensity_tco2_per_10k_yuan"),
            budget_energy_tce=line.get("budget_energy_tce"),
            monthly_profile=line.get("monthly_profile"),
        )
    return len(made)


def do_import_plan(
    path: Path, *, year: int, measure: str, name: str, actor: Actor, source: str = ""
) -> BudgetPlan:
    """A draft plan from a BUDGETS file (CSV or ``.xlsx``); the whole file or nothing."""
    read = read_plan_file(path, source or path.name, year)
    if read.errors:
        raise PlanRejectedError(read.errors)
    return do_create_plan(
        year,
        measure,
        name,
        read.lines,
        actor=actor,
        source=source or path.name,
        sha256=file_sha256(path),
    )


def plan_lines_frame(plan: BudgetPlan) -> pl.DataFrame:
    """A plan's lines in the BUDGETS shape plus what the tables carry (``district_id``,
    ``enterprise_id``, ``name``, ``monthly_profile``, ``row`` = 0)."""
    rows = [
        {
            "row": 0,
            "budget_id": line.line_id,
            "level": line.level,
            "subject_id": line.subject_code,
            "parent_id": line.parent.line_id if line.parent else None,
            "name": line.name,
            "budget_tco2": line.budget_tco2,
            "budget_intensity_tco2_per_10k_yuan": line.budget_intensity_tco2_per_10k_yuan,
            "budget_energy_tce": line.budget_energy_tce,
            "monthly_profile": line.monthly_profile,
            "district_id": line.district_id,
            "enterprise_id": line.enterprise_id,
        }
        for line in plan.lines.select_related("parent").order_by("id")
    ]
    return pl.DataFrame(
        rows,
        schema=PLAN_LINES,
    )


def _draft(plan: BudgetPlan) -> BudgetPlan:
    plan = BudgetPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != PlanStatus.DRAFT:
        raise StateError(
            "已批准的预算方案不可修改，请调整（生成新版本）",
            "an approved plan version is immutable: adjust it (a new version)",
        )
    return plan


@transaction.atomic
def do_set_line(
    plan: BudgetPlan,
    line_id: str,
    *,
    budget_tco2: float,
    budget_intensity_tco2_per_10k_yuan: float | None = None,
    budget_energy_tce: float | None = None,
    actor: Actor,
) -> BudgetLine:
    """Change one line of a draft (the page form); the tree must still add up."""
    plan = _draft(plan)
    line = plan.lines.get(line_id=line_id)
    before = _line_figures(line)
    line.budget_tco2 = budget_tco2
    line.budget_intensity_tco2_per_10k_yuan = budget_intensity_tco2_per_10k_yuan
    line.budget_energy_tce = budget_energy_tce
    line.save()
    errors = tree_errors(plan_lines_frame(plan), plan.year)
    if errors:
        raise PlanRejectedError(errors)
    record(
        actor,
        "budgets.set_line",
        "BudgetLine",
        line.pk,
        before=before,
        after=_line_figures(line),
    )
    return line


def _line_figures(line: BudgetLine) -> dict[str, Any]:
    return {
        "plan": line.plan_id,
        "line_id": line.line_id,
        "budget_tco2": line.budget_tco2,
        "budget_intensity_tco2_per_10k_yuan": line.budget_intensity_tco2_per_10k_yuan,
        "budget_energy_tce": line.budget_energy_tce,
    }


@transaction.atomic
def do_allocate(
    plan: BudgetPlan,
    parent_line_id: str,
    children: pl.DataFrame,
    rule: str,
    *,
    actor: Actor,
    parent_historic: float | None = None,
) -> dict[str, float]:
    """Share a draft line's budget among its children by ``rule`` (``history``,
    ``benchmark`` or ``intensity``; ``core.budgets.allocate``); ``children`` is the
    allocation frame the core takes (one row per child line, ``budget_id`` its line id).
    ``parent_historic``: the parent's own emissions for ``history`` (shares relative to it).
    Returns each child's new budget (tCO2)."""
    plan = _draft(plan)
    parent = plan.lines.get(line_id=parent_line_id)
    try:
        shares = core.allocate(parent.budget_tco2, children, rule, parent_historic=parent_historic)
    except ValueError as exc:
        raise StateError(f"无法分解：{exc}", f"cannot allocate: {exc}") from exc
    result = dict(zip(shares["budget_id"], shares["budget_tco2"], strict=True))
    lines = {line.line_id: line for line in parent.children.all()}
    unknown = sorted(set(result) - set(lines))
    if unknown:
        raise StateError(
            f"不是该行的下级：{'、'.join(unknown)}",
            f"not children of the line: {', '.join(unknown)}",
        )
    before = {k: lines[k].budget_tco2 for k in result}
    for key, value in result.items():
        lines[key].budget_tco2 = float(value)
        lines[key].save(update_fields=["budget_tco2"])
    errors = tree_errors(plan_lines_frame(plan), plan.year)
    if errors:
        raise PlanRejectedError(errors)
    record(
        actor,
        "budgets.allocate",
        "BudgetPlan",
        plan.pk,
        before={"parent": parent_line_id, "budgets": before},
        after={
            "parent": parent_line_id,
            "rule": rule,
            "parent_historic": parent_historic,
            "budgets": result,
        },
    )
    return {k: float(v) for k, v in result.items()}


def do_allocate_by_history(
    plan: BudgetPlan, parent_line_id: str, *, actor: Actor
) -> dict[str, float]:
    """Share a draft line's budget among its children by their emissions of the year before
    (``selectors.historic_tco2``, the published run) as a share of the parent subject's own
    (``selectors.historic_of``): a district's key enterprises get what they emitted of the
    district, and the rest of the district's budget stays with the district line."""
    parent = plan.lines.select_related("district", "parent__district").get(line_id=parent_line_id)
    history = selectors.historic_tco2(parent)
    own = selectors.historic_of(parent)
    if not history or sum(history.values()) <= 0:
        raise StateError(
            "下级预算行没有上年排放，无法按历史分解",
            "the child lines have no emissions the year before: nothing to allocate by",
        )
    children = pl.DataFrame(
        {"budget_id": list(history), "historic_tco2": list(history.values())},
        schema={"budget_id": pl.String, "historic_tco2": pl.Float64},
    )
    return do_allocate(
        plan,
        parent_line_id,
        children,
        "history",
        actor=actor,
        parent_historic=max(own, sum(history.values())),
    )


@transaction.atomic
def do_approve(plan: BudgetPlan, *, actor: Actor) -> BudgetPlan:
    """Approve a draft (the regulator): it is then immutable and, when an earlier version of
    its year and measure is in force, replaces it."""
    plan = _draft(plan)
    errors = tree_errors(plan_lines_frame(plan), plan.year)
    if errors:
        raise PlanRejectedError(errors)
    previous = selectors.in_force(plan.year, plan.measure)
    plan.status = PlanStatus.APPROVED if previous is None else PlanStatus.ADJUSTED
    plan.replaces = previous
    plan.approved_by = actor.label
    plan.approved_at = timezone.now()
    if previous is not None and not plan.reason:
        plan.reason = "新版本草案经批准"
    plan.save()
    record(
        actor,
        "budgets.approve",
        "BudgetPlan",
        plan.pk,
        before={"status": PlanStatus.DRAFT},
        after={
            "status": plan.status,
            "version": plan.version,
            "replaces": previous.pk if previous else None,
            "approved_at": plan.approved_at.isoformat(),
        },
    )
    return plan


@transaction.atomic
def do_adjust(
    plan: BudgetPlan,
    changes: Mapping[str, Mapping[str, float | None]],
    *,
    reason: str,
    actor: Actor,
) -> BudgetPlan:
    """Adjust an approved version in force (预算调整): a new version with every line copied
    and ``changes`` (line id → figures among ``budget_tco2``,
    ``budget_intensity_tco2_per_10k_yuan``, ``budget_energy_tce``) applied, ``reason``
    required, approved by ``actor`` at once and pointing at the version it replaces. The
    older version is not touched."""
    reason = reason.strip()
    if not reason:
        raise StateError("调整须说明理由", "an adjustment needs a reason")
    plan = BudgetPlan.objects.select_for_update().get(pk=plan.pk)
    if not plan.in_force:
        raise StateError(
            "只能调整现行的已批准版本", "only the approved version in force may be adjusted"
        )
    if BudgetPlan.objects.filter(
        year=plan.year, measure=plan.measure, status=PlanStatus.DRAFT
    ).exists():
        raise StateError("该年度有未批准的草案", "a draft of this year and measure is pending")
    lines = plan_lines_frame(plan).to_dicts()
    known = {line["budget_id"] for line in lines}
    unknown = sorted(set(changes) - known)
    if unknown:
        raise StateError(
            f"未知预算行：{'、'.join(unknown)}", f"unknown lines: {', '.join(unknown)}"
        )
    allowed = ("budget_tco2", "budget_intensity_tco2_per_10k_yuan", "budget_energy_tce")
    for line in lines:
        for field, value in changes.get(line["budget_id"], {}).items():
            if field in allowed:
                line[field] = value
    frame = pl.DataFrame(lines, schema=plan_lines_frame(plan).schema)
    errors = tree_errors(frame, plan.year)
    if errors:
        raise PlanRejectedError(errors)
    last = BudgetPlan.objects.filter(year=plan.year, measure=plan.measure).order_by("-version")[0]
    now = timezone.now()
    adjusted = BudgetPlan.objects.create(
        year=plan.year,
        measure=plan.measure,
        version=last.version + 1,
        name=plan.name,
        status=PlanStatus.ADJUSTED,
        replaces=plan,
        reason=reason,
        created_by=actor.label,
        approved_by=actor.label,
        approved_at=now,
    )
    _write_lines(adjusted, lines)
    record(
        actor,
        "budgets.adjust",
        "BudgetPlan",
        adjusted.pk,
        before={"version": plan.version, "plan": plan.pk},
        after={
            "version": adjusted.version,
            "replaces": plan.pk,
            "reason": reason,
            "changes": {k: dict(v) for k, v in changes.items()},
        },
    )
    return adjusted


# --- monitoring -----------------------------------------------------------------------------


@transaction.atomic
def do_monitor(
    plan: BudgetPlan,
    as_of: str,
    *,
    actor: Actor,
    bands: core.Bands | None = None,
    projection: str = "linear",
) -> MonitoringRun:
    """Monitor an approved version as of ``as_of`` (YYYY-MM, in the plan's year): actuals
    from the published accounting run and, for months not yet accounted, the rapid estimates
    (``selectors.actuals``), each marked; ``core.budgets.monitor`` line by line; the result
    stored with its provenance. Then a warning case is opened for each yellow or red line
    that has none unresolved (``do_open_cases``). Refused (``InvalidRequestError``): an
    as-of month after the last month with any actual data (the months elapsed would count
    empty months and understate the year), and ``projection="profile"`` when last year's
    monthly profile cannot be made (``selectors.history_profile``). A line with no actual
    data (``actual_basis`` none) is stored without an actual and opens no case."""
    if plan.status == PlanStatus.DRAFT:
        raise StateError("草案不能监测，请先批准", "a draft is not monitored: approve it first")
    if (
        len(as_of) != 7
        or as_of[:4] != str(plan.year)
        or not as_of[5:].isdigit()
        or not (1 <= int(as_of[5:]) <= 12)
    ):
        raise StateError(
            f"监测月份须为 {plan.year}-01 至 {plan.year}-12",
            f"the as-of month must be {plan.year}-01 to {plan.year}-12",
        )
    accounted_months, estimated_months = selectors.available_months()
    last = max([*accounted_months, *estimated_months], default=None)
    if last is not None and as_of > last:
        raise InvalidRequestError(
            f"{as_of} 尚无实际数据（最近有数据的月份：{last}），不能按该月监测，"
            "否则按已过月数推算会低估全年",
            f"{as_of} has no actual data yet (the last month with data is {last}): "
            "monitoring as of it would understate the year",
        )
    if projection not in core.PROJECTIONS:
        raise InvalidRequestError(
            "未知的全年预测方法", f"projection must be linear or profile, got {projection!r}"
        )
    bands = bands or core.Bands()
    actuals = selectors.actuals(plan.year, as_of, plan.measure)
    budgets = selectors.core_budgets(plan)
    profile = selectors.profile_frame(plan)
    if projection == "profile":
        profile = selectors.history_profile(plan, profile)
        if profile is None:
            raise InvalidRequestError(
                f"没有 {plan.year - 1} 年完整的逐月实际数据，无法按上年月度分布预测，"
                "请改用“截至当月实际 × 12 ÷ 已过月数”",
                f"no complete monthly actuals of {plan.year - 1}: there is no last year's "
                "monthly profile to project by; use the linear projection",
            )
    monitored = core.monitor(
        budgets,
        actuals.frame,
        as_of=as_of,
        bands=bands,
        profile=profile,
        projection=projection,
    )
    run = MonitoringRun.objects.create(
        plan=plan,
        as_of=as_of,
        accounting_run=actuals.accounting_run,
        estimate_run=actuals.estimate_run,
        accounted_months=actuals.accounted_months,
        estimated_months=actuals.estimated_months,
        yellow=bands.yellow,
        red=bands.red,
        projection=projection,
        input_fingerprint=content_sha256(budgets, actuals.frame),
        actor_label=actor.label,
    )
    lines = {line.line_id: line for line in plan.lines.all()}
    rows = []
    for r in monitored.to_dicts():
        # a line with no actual data has no figure to judge: stored without an actual (the
        # pages show 无数据, not the core's green of nothing spent)
        none = r.get("actual_basis") == "none"
        rows.append(
            MonitoredLine(
                run=run,
                line=lines[str(r["budget_id"])],
                months_elapsed=int(r["months_elapsed"]),
                prorated_budget=float(r["prorated_budget_tco2"]),
                actual_to_date=None if none else _float(r.get("actual_to_date_tco2")),
                accounted=_float(r.get("accounted_tco2")),
                estimated=_float(r.get("estimated_tco2")),
                used_of_annual_pct=None if none else _float(r.get("used_of_annual_pct")),
                projected_year=None if none else _float(r.get("projected_year_tco2")),
                projected_overshoot=None if none else _float(r.get("projected_overshoot_tco2")),
                intensity_tco2_per_10k_yuan=_float(r.get("intensity_to_date_tco2_per_10k_yuan")),
                status=str(r["status"]),
                judged_by=str(r.get("judged_by") or "total"),
            )
        )
    MonitoredLine.objects.bulk_create(rows)
    warned = {
        str(w["budget_id"]): (str(w["status"]), _reason(plan, str(w["reason"])))
        for w in core.warning_lines(monitored.filter(pl.col("actual_basis") != "none")).iter_rows(
            named=True
        )
    }
    counts = {light: sum(1 for r in rows if r.status == light) for light in Light.values}
    record(
        actor,
        "budgets.monitor",
        "MonitoringRun",
        run.pk,
        after={
            "plan": plan.pk,
            "as_of": as_of,
            "accounting_run": run.accounting_run_id,
            "estimate_run": run.estimate_run_id,
            "estimated_months": run.estimated_months,
            "bands": {"yellow": bands.yellow, "red": bands.red},
            "projection": projection,
            "lines": counts,
        },
    )
    do_open_cases(run, actor=actor, warned=warned)
    return run


ENERGY_REASONS = {
    "actual_over_annual": "energy_over_annual",
    "total_red": "energy_red",
    "total_yellow": "energy_yellow",
}
"""An energy-use plan is monitored with its energy in the core's total columns
(``selectors.core_budgets``): its total reasons are energy reasons."""


def _reason(plan: BudgetPlan, reason: str) -> str:
    return ENERGY_REASONS.get(reason, reason) if plan.measure == Measure.ENERGY else reason


def _float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def owner_of(line: BudgetLine) -> tuple[str, int | None, int | None] | None:
    """Who answers a warning on ``line``: the enterprise user of an enterprise or project
    line, the district officer of a district or industry line in a district; None for the
    city line and lines in no district (the regulator's own)."""
    if line.level in (Level.ENTERPRISE, Level.PROJECT) and line.enterprise_id is not None:
        return ("enterprise", line.district_id, line.enterprise_id)
    if line.level in (Level.DISTRICT, Level.INDUSTRY) and line.district_id is not None:
        return ("district", line.district_id, None)
    return None


def line_key(plan: BudgetPlan, line: BudgetLine) -> str:
    """What one unresolved case stands for: the year, the measure, the line's level and its
    subject (the owner's district or enterprise, or the industry) — not the line's budget
    id, which a new plan version may change."""
    return f"{plan.year}:{plan.measure}:{line.level}:{line.subject_code}"


@transaction.atomic
def do_open_cases(
    run: MonitoringRun,
    *,
    actor: Actor,
    warned: Mapping[str, tuple[str, str]] | None = None,
) -> list[WarningCase]:
    """Open a warning case for each warned line of ``run`` that has an owner and no case not
    yet closed (one unresolved case per subject, level, year and measure at a time, across
    versions and their budget ids: ``line_key``); a case not yet closed is refreshed with
    this monitoring instead (``_refresh_case``). ``warned``: budget
    id → (light, reason) from ``core.budgets.warning_lines`` (the worse of the carbon and the
    energy judgement); default the stored yellow and red lines, without a reason."""
    if warned is None:
        warned = {
            m.line.line_id: (m.status, "")
            for m in run.lines.select_related("line").filter(status__in=(Light.YELLOW, Light.RED))
        }
    opened = []
    lines = {line.line_id: line for line in run.plan.lines.filter(line_id__in=list(warned))}
    for line_id, (light, reason) in sorted(warned.items()):
        line = lines[line_id]
        owner = owner_of(line)
        if owner is None:
            continue
        key = line_key(run.plan, line)
        unresolved = (
            WarningCase.objects.select_for_update()
            .filter(line_key=key)
            .exclude(status=CaseStatus.CLOSED)
            .first()
        )
        if unresolved is not None:
            _refresh_case(unresolved, run, line, light, reason, actor=actor)
            continue
        role, district, enterprise = owner
        case = WarningCase.objects.create(
            line=line,
            plan=run.plan,
            monitoring=run,
            line_key=key,
            as_of=run.as_of,
            light=light,
            reason=reason,
            status=CaseStatus.OPEN,
            district_id=district,
            enterprise_id=enterprise,
            owner_role=role,
            opened_by=actor.label,
        )
        CaseEvent.objects.create(
            case=case, from_status="", to_status=CaseStatus.OPEN, actor_label=actor.label
        )
        record(
            actor,
            "budgets.open_case",
            "WarningCase",
            case.pk,
            after={
                "line": line.line_id,
                "plan": run.plan_id,
                "as_of": run.as_of,
                "light": light,
                "reason": reason,
                "owner": role,
            },
        )
        opened.append(case)
    return opened


def _refresh_case(
    case: WarningCase,
    run: MonitoringRun,
    line: BudgetLine,
    light: str,
    reason: str,
    *,
    actor: Actor,
) -> None:
    """The newer monitoring of an unresolved case's subject attaches to it (its line of the
    version monitored, the as-of month, light and reason) instead of opening another; its
    status and answer stay."""
    before = {"monitoring": case.monitoring_id, "line": case.line_id, "as_of": case.as_of}
    if case.monitoring_id == run.pk:
        return
    case.monitoring, case.line, case.plan = run, line, run.plan
    case.as_of, case.light, case.reason = run.as_of, light, reason
    case.save(update_fields=["monitoring", "line", "plan", "as_of", "light", "reason"])
    record(
        actor,
        "budgets.refresh_case",
        "WarningCase",
        case.pk,
        before=before,
        after={"monitoring": run.pk, "line": line.pk, "as_of": run.as_of, "light": light},
    )


def may_answer(principal: Principal, case: WarningCase) -> bool:
    """The owner answers: the officer of the case's district for a district-owned case, the
    enterprise's user for an enterprise-owned one."""
    if case.owner_role == "enterprise":
        return (
            case.enterprise_id is not None and principal.bound("enterprise") == case.enterprise_id
        )
    return case.district_id is not None and principal.bound("district") == case.district_id


@transaction.atomic
def do_answer_case(
    case: WarningCase, *, explanation: str, measures: str, principal: Principal, actor: Actor
) -> WarningCase:
    """The owner's answer (an explanation, and measures); an answered case may be answered
    again until it is closed."""
    case = WarningCase.objects.select_for_update().get(pk=case.pk)
    if not may_answer(principal, case):
        raise StateError("只有该预警的责任方可以答复", "only the case's owner may answer it")
    if case.status == CaseStatus.CLOSED:
        raise StateError("预警已关闭", "the case is closed")
    explanation, measures = explanation.strip(), measures.strip()
    if not explanation:
        raise StateError("答复须说明原因", "an answer needs an explanation")
    before = case.status
    case.explanation, case.measures = explanation, measures
    case.status = CaseStatus.ANSWERED
    case.answered_by, case.answered_at = actor.label, timezone.now()
    case.save()
    CaseEvent.objects.create(
        case=case,
        from_status=before,
        to_status=CaseStatus.ANSWERED,
        actor_label=actor.label,
        text=f"{explanation}\n{measures}".strip(),
    )
    record(
        actor,
        "budgets.answer_case",
        "WarningCase",
        case.pk,
        before={"status": before},
        after={"status": case.status, "explanation": explanation, "measures": measures},
    )
    return case


@transaction.atomic
def do_close_case(case: WarningCase, *, note: str, actor: Actor) -> WarningCase:
    """The regulator closes an answered case (the loop's end); an open case is answered
    first."""
    case = WarningCase.objects.select_for_update().get(pk=case.pk)
    if case.status != CaseStatus.ANSWERED:
        raise StateError("只能关闭已答复的预警", "only an answered case may be closed")
    case.status = CaseStatus.CLOSED
    case.closing_note = note.strip()
    case.closed_by, case.closed_at = actor.label, timezone.now()
    case.save()
    CaseEvent.objects.create(
        case=case,
        from_status=CaseStatus.ANSWERED,
        to_status=CaseStatus.CLOSED,
        actor_label=actor.label,
        text=case.closing_note,
    )
    record(
        actor,
        "budgets.close_case",
        "WarningCase",
        case.pk,
        before={"status": CaseStatus.ANSWERED},
        after={"status": CaseStatus.CLOSED, "note": case.closing_note},
    )
    return case
