"""Reads of the budgets app: plan versions and the one in force, lines narrowed to what a
principal reaches, the actuals monitoring is made of (the published accounting run and,
for months not yet accounted, the rapid estimates, each marked), the stored monitoring, the
warning cases, and ``unresolved_cases`` for the assessment."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, Final

import polars as pl
from django.db.models import Q, QuerySet

from citycarbon.core import budgets as core
from citycarbon.web.access.policy import Principal, allows, may_read, scoped
from citycarbon.web.budgets.models import (
    BudgetLine,
    BudgetPlan,
    CaseStatus,
    Level,
    Measure,
    MonitoredLine,
    MonitoringRun,
    PlanStatus,
    WarningCase,
)
from citycarbon.web.energy.models import AccountingRun, Emission, EnergyRecord
from citycarbon.web.enterprises.models import EconomicYear, Enterprise
from citycarbon.web.estimates import selectors as estimates
from citycarbon.web.estimates.models import Estimate, EstimateRun, Grain
from citycarbon.web.grading.selectors import published_accounting_run

ACCOUNTED: Final = "accounted"
ESTIMATED: Final = "estimated"


# --- plans and lines ------------------------------------------------------------------------


def in_force(year: int, measure: str) -> BudgetPlan | None:
    """The approved (or adjusted) version of ``year`` and ``measure`` no later version
    replaces."""
    return (
        BudgetPlan.objects.filter(year=year, measure=measure)
        .exclude(status=PlanStatus.DRAFT)
        .filter(replaced_by__isnull=True)
        .order_by("-version")
        .first()
    )


def plans() -> QuerySet[BudgetPlan]:
    return BudgetPlan.objects.select_related("replaces").order_by("-year", "measure", "-version")


def versions(plan: BudgetPlan) -> QuerySet[BudgetPlan]:
    """Every version of ``plan``'s year and measure, newest first."""
    return plans().filter(year=plan.year, measure=plan.measure)


def reads_budgets(principal: Principal | None) -> bool:
    """Whether ``principal`` reads lines through ``budgets`` (the city roles and district
    officers) rather than only its own enterprise's (``budget_warnings``)."""
    return allows(principal, "budgets")


def visible_lines(principal: Principal | None, lines: QuerySet[BudgetLine]) -> QuerySet[BudgetLine]:
    """``lines`` narrowed to what ``principal`` reaches: every line for the city roles; a
    district officer's district (the district line and every line under it); an enterprise
    user's own enterprise line and its projects."""
    if reads_budgets(principal):
        return scoped(principal, "budgets", lines, via="district")
    return scoped(principal, "budget_warnings", lines, via="enterprise")


def visible_cases(
    principal: Principal | None, cases: QuerySet[WarningCase] | None = None
) -> QuerySet[WarningCase]:
    """Warning cases narrowed as their lines are (``visible_lines``)."""
    cases = cases if cases is not None else WarningCase.objects.all()
    cases = cases.select_related(
        "line", "line__enterprise", "line__district", "plan", "district", "enterprise"
    )
    if reads_budgets(principal):
        return scoped(principal, "budgets", cases, via="district")
    return scoped(principal, "budget_warnings", cases, via="enterprise")


def core_budgets(plan: BudgetPlan) -> pl.DataFrame:
    """The plan's lines in the ``core.budgets`` BUDGETS shape. For an energy-use plan the
    quantity monitored is the energy budget (tce): it stands in ``budget_tco2``, as the
    actuals' energy stands in ``tco2`` (``actuals``), so that one monitoring serves both."""
    rows = []
    for line in plan.lines.select_related("parent").order_by("id"):
        amount = line.budget_tco2
        if plan.measure == Measure.ENERGY:
            amount = line.budget_energy_tce if line.budget_energy_tce is not None else 0.0
        rows.append(
            {
                "budget_id": line.line_id,
                "level": line.level,
                "subject_id": line.subject_code,
                "parent_id": line.parent.line_id if line.parent else None,
                "year": plan.year,
                "budget_tco2": amount,
                "budget_intensity_tco2_per_10k_yuan": (
                    line.budget_intensity_tco2_per_10k_yuan
                    if plan.measure == Measure.CARBON
                    else None
                ),
                "budget_energy_tce": line.budget_energy_tce,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "budget_id": pl.String,
            "level": pl.String,
            "subject_id": pl.String,
            "parent_id": pl.String,
            "year": pl.Int64,
            "budget_tco2": pl.Float64,
            "budget_intensity_tco2_per_10k_yuan": pl.Float64,
            "budget_energy_tce": pl.Float64,
        },
    )


def profile_frame(plan: BudgetPlan) -> pl.DataFrame | None:
    """The lines' monthly profiles (``budget_id, month, share``), None when no line has
    one (equal months)."""
    rows = [
        {"budget_id": line_id, "month": m, "share": float(share)}
        for line_id, profile in plan.lines.exclude(monthly_profile=None).values_list(
            "line_id", "monthly_profile"
        )
        if profile
        for m, share in enumerate(profile, start=1)
    ]
    if not rows:
        return None
    return pl.DataFrame(
        rows, schema={"budget_id": pl.String, "month": pl.Int64, "share": pl.Float64}
    )


def history_profile(plan: BudgetPlan, given: pl.DataFrame | None = None) -> pl.DataFrame | None:
    """Last year's monthly profile of each line (``budget_id, month, share``) for the
    projection by last year's distribution (seeds D4): a line's own monthly profile when
    ``given`` has it; else the monthly actuals of the year before of the line's subject
    (``actuals``), when it has all twelve months and a total above zero; else the city's (the
    root line's subject). None when the city has no such year either."""
    root = plan.lines.filter(parent__isnull=True).order_by("id").first()
    if root is None:
        return None
    year = plan.year - 1
    frame = actuals(year, f"{year}-12", plan.measure, city_code=root.subject_code).frame
    full = (
        frame.filter(pl.col("period").str.starts_with(str(year)), pl.col("tco2").is_not_null())
        .group_by("subject_id")
        .agg(
            pl.col("period").str.slice(5, 2).cast(pl.Int64).alias("month"),
            pl.col("tco2"),
            pl.col("tco2").sum().alias("total"),
        )
        .filter(pl.col("month").list.n_unique() == 12, pl.col("total") > 0)
        .explode("month", "tco2")
        .group_by("subject_id", "month")
        .agg((pl.col("tco2").sum() / pl.col("total").first()).alias("share"))
    )
    shares: dict[str, list[tuple[int, float]]] = {}
    for subject, month, share in full.iter_rows():
        shares.setdefault(subject, []).append((int(month), float(share)))
    city = shares.get(root.subject_code)
    if city is None:
        return None
    own = set(given["budget_id"].to_list()) if given is not None else set()
    rows = [
        {"budget_id": line_id, "month": m, "share": share}
        for line_id, subject in plan.lines.values_list("line_id", "subject_code")
        if line_id not in own
        for m, share in shares.get(subject, city)
    ]
    made = pl.DataFrame(
        rows, schema={"budget_id": pl.String, "month": pl.Int64, "share": pl.Float64}
    )
    return made if given is None else pl.concat([given, made])


# --- actuals --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Actuals:
    """What monitoring is made of: ``frame`` (``subject_id, period, tco2,
    value_added_10k_yuan, energy_tce, source``) per enterprise and month, and added up per
    district and for the city; where it came from; which months were accounted and which
    only estimated (a month is estimated when any enterprise's figure of it is)."""

    frame: pl.DataFrame
    accounting_run: AccountingRun | None
    estimate_run: EstimateRun | None
    accounted_months: list[str] = field(default_factory=list)
    estimated_months: list[str] = field(default_factory=list)


ACTUALS_SCHEMA: Final[dict[str, pl.DataType]] = {
    "subject_id": pl.String(),
    "period": pl.String(),
    "tco2": pl.Float64(),
    "value_added_10k_yuan": pl.Float64(),
    "energy_tce": pl.Float64(),
    "source": pl.String(),
}


def enterprise_months(
    year: int, as_of: str, entities: Collection[str] | None = None
) -> tuple[pl.DataFrame, AccountingRun | None, EstimateRun | None]:
    """``entity_id, district_code, period, tco2, energy_tce, source`` for the months of
    ``year`` up to ``as_of``: the published accounting run's monthly emissions where it is
    monthly, else the estimate run's accounted months (the monthly records accounted with
    the published run's factor set); for an enterprise-month neither has, the rapid
    estimate (``source`` = estimated), as ``core.budgets.combine_sources`` puts them
    together. ``entities``: only these enterprises (entity ids)."""
    accounting_run = published_accounting_run()
    only = Q() if entities is None else Q(enterprise__entity_id__in=list(entities))
    run = estimates.shown().run
    months = [f"{year}-{m:02d}" for m in range(1, int(as_of[5:]) + 1)]
    accounted: dict[tuple[str, str], tuple[float, float | None]] = {}
    estimated: list[tuple[str, str, float]] = []
    if accounting_run is not None and accounting_run.grain == "month":
        for entity, period, tco2, energy, feedstock, renewable in (
            Emission.objects.filter(only, run=accounting_run, period__in=months)
            .values_list(
                "enterprise__entity_id",
                "period",
                "total_tco2",
                "energy_tce",
                "feedstock_tce",
                "renewable_tce",
            )
            .iterator(chunk_size=20_000)
        ):
            accounted[(entity, period)] = (tco2, max(energy - feedstock - renewable, 0.0))
    if run is not None:
        for entity, period, estimate, accounted_tco2 in (
            Estimate.objects.filter(only, run=run, grain=Grain.MONTH, period__in=months)
            .values_list("enterprise__entity_id", "period", "estimated_tco2", "accounted_tco2")
            .iterator(chunk_size=20_000)
        ):
            if accounted_tco2 is not None:
                accounted.setdefault((entity, period), (accounted_tco2, None))
            elif estimate is not None:
                estimated.append((entity, period, estimate))
    schema = {"subject_id": pl.String, "period": pl.String, "tco2": pl.Float64}
    combined = core.combine_sources(
        pl.DataFrame(
            [(e, p, t, energy) for (e, p), (t, energy) in accounted.items()],
            schema={**schema, "energy_tce": pl.Float64},
            orient="row",
        ),
        pl.DataFrame(estimated, schema=schema, orient="row"),
    )
    districts = pl.DataFrame(
        list(Enterprise.objects.values_list("entity_id", "district__code")),
        schema={"entity_id": pl.String, "district_code": pl.String},
        orient="row",
    )
    frame = combined.select(
        pl.col("subject_id").alias("entity_id"),
        "period",
        "tco2",
        pl.col("energy_tce").cast(pl.Float64),
        "source",
    ).join(districts, on="entity_id", how="left")
    return (
        frame.select("entity_id", "district_code", "period", "tco2", "energy_tce", "source"),
        accounting_run,
        run,
    )


def available_months() -> tuple[list[str], list[str]]:
    """The months with accounted figures and the months with only estimated ones (for some
    enterprise), over every year: what monitoring can be made of."""
    run = estimates.shown().run
    accounting_run = published_accounting_run()
    accounted: set[str] = set()
    if accounting_run is not None and accounting_run.grain == "month":
        accounted |= set(
            Emission.objects.filter(run=accounting_run).values_list("period", flat=True).distinct()
        )
    estimated: set[str] = set()
    if run is not None:
        rows = Estimate.objects.filter(run=run, grain=Grain.MONTH)
        accounted |= set(
            rows.filter(accounted_tco2__isnull=False).values_list("period", flat=True).distinct()
        )
        estimated = set(
            rows.filter(accounted_tco2__isnull=True, estimated_tco2__isnull=False)
            .values_list("period", flat=True)
            .distinct()
        )
    return sorted(accounted), sorted(estimated - accounted)


def value_added(year: int) -> pl.DataFrame:
    """``entity_id, monthly_value_added_10k_yuan``: the enterprise's value added of ``year``
    (or its latest year before, when ``year``'s is not in yet) spread evenly over twelve
    months — the statistics are yearly."""
    latest: dict[str, float] = {}
    for entity, value in (
        EconomicYear.objects.filter(year__lte=year, value_added_10k_yuan__isnull=False)
        .order_by("year")
        .values_list("enterprise__entity_id", "value_added_10k_yuan")
    ):
        if value is not None:
            latest[entity] = float(value)
    return pl.DataFrame(
        {
            "entity_id": list(latest),
            "monthly_value_added_10k_yuan": [v / 12 for v in latest.values()],
        },
        schema={"entity_id": pl.String, "monthly_value_added_10k_yuan": pl.Float64},
    )


def actuals(year: int, as_of: str, measure: str, city_code: str | None = None) -> Actuals:
    """The actuals of ``core.budgets.monitor`` (``ACTUALS_SCHEMA``): one row per enterprise
    and month (``subject_id`` its entity id), and the same added up per district (its
    GB/T 2260 code) and for the city (``city_code``, the root line's subject; default every
    plan root of the year) — a district or city line is judged on everything in it, not only
    on its key enterprises. For an energy-use plan ``tco2`` carries the energy (tce,
    excluding feedstock and renewables)."""
    months, accounting_run, run = enterprise_months(year, as_of)
    if measure == Measure.ENERGY:
        months = months.with_columns(pl.col("energy_tce").alias("tco2")).filter(
            pl.col("tco2").is_not_null()
        )
    per_enterprise = months.join(value_added(year), on="entity_id", how="left").select(
        pl.col("entity_id").alias("subject_id"),
        "district_code",
        "period",
        "tco2",
        pl.col("monthly_value_added_10k_yuan").alias("value_added_10k_yuan"),
        "energy_tce",
        "source",
    )

    def added_up(key: pl.Expr) -> pl.DataFrame:
        return per_enterprise.group_by(key.alias("subject_id"), "period").agg(
            pl.col("tco2").sum(),
            pl.col("value_added_10k_yuan").sum(),
            pl.when(pl.col("energy_tce").is_not_null().all())
            .then(pl.col("energy_tce").sum())
            .alias("energy_tce"),
            pl.when((pl.col("source") == ESTIMATED).any())
            .then(pl.lit(ESTIMATED))
            .otherwise(pl.lit(ACCOUNTED))
            .alias("source"),
        )

    roots = (
        [city_code]
        if city_code
        else sorted(
            set(
                BudgetLine.objects.filter(plan__year=year, level=Level.CITY).values_list(
                    "subject_code", flat=True
                )
            )
        )
    )
    parts = [per_enterprise.drop("district_code"), added_up(pl.col("district_code"))]
    parts.extend(added_up(pl.lit(root)) for root in roots)
    schema = pl.Schema(ACTUALS_SCHEMA)
    frame = pl.concat([p.select(list(ACTUALS_SCHEMA)).cast(schema) for p in parts])
    sources = months.group_by("period").agg((pl.col("source") == ESTIMATED).any().alias("est"))
    estimated = sorted(sources.filter(pl.col("est"))["period"].to_list())
    accounted = sorted(sources.filter(~pl.col("est"))["period"].to_list())
    return Actuals(frame.sort("subject_id", "period"), accounting_run, run, accounted, estimated)


def historic_tco2(line: BudgetLine) -> dict[str, float]:
    """Each child line of ``line`` with its emissions of the year before the plan's, from
    the published accounting run (its yearly totals; a monthly run's months added up): an
    enterprise child its own, a district child its district's, an industry child its
    industry's enterprises within the parent's district (or the city); the base of
    allocation by history. A child with no emissions that year has 0."""
    accounting_run = published_accounting_run()
    year = str(line.plan.year - 1)
    totals: dict[str, float] = {}
    rows: list[tuple[str, str, str, float]] = []
    if accounting_run is not None:
        rows = list(
            Emission.objects.filter(run=accounting_run, period__startswith=year).values_list(
                "enterprise__entity_id",
                "enterprise__district__code",
                "enterprise__industry__code",
                "total_tco2",
            )
        )
    for child in line.children.all():
        totals[child.line_id] = _emitted(child, rows, line)
    return totals


def _emitted(
    line: BudgetLine, rows: list[tuple[str, str, str, float]], parent: BudgetLine | None
) -> float:
    """What ``line``'s subject emitted of ``rows`` (entity, district code, industry code,
    tCO2): the city everything, a district its enterprises, an industry its enterprises
    within ``parent``'s district (or the city), an enterprise or project its own."""
    code = line.subject_code
    within = parent if parent is not None else line
    district = within.district.code if within.district is not None else None
    if line.level == Level.CITY:
        picked = [t for *_rest, t in rows]
    elif line.level in (Level.ENTERPRISE, Level.PROJECT):
        picked = [t for e, _d, _i, t in rows if e == code]
    elif line.level == Level.DISTRICT:
        picked = [t for _e, d, _i, t in rows if d == code]
    else:
        picked = [t for _e, d, i, t in rows if i.startswith(code) and district in (None, d)]
    return float(sum(picked))


def historic_of(line: BudgetLine) -> float:
    """``line``'s own subject's emissions of the year before the plan's (as
    ``historic_tco2`` reads its children's): everything in the city, the district or the
    industry, not only the lines listed under it; the base the children's shares of
    allocation by history are taken of."""
    accounting_run = published_accounting_run()
    if accounting_run is None:
        return 0.0
    rows = list(
        Emission.objects.filter(
            run=accounting_run, period__startswith=str(line.plan.year - 1)
        ).values_list(
            "enterprise__entity_id",
            "enterprise__district__code",
            "enterprise__industry__code",
            "total_tco2",
        )
    )
    return _emitted(line, rows, line.parent)


# --- monitoring -----------------------------------------------------------------------------


def latest_monitoring(plan: BudgetPlan, as_of: str | None = None) -> MonitoringRun | None:
    runs = MonitoringRun.objects.filter(plan=plan)
    if as_of:
        runs = runs.filter(as_of=as_of)
    return (
        runs.order_by("-as_of", "-at", "-id")
        .select_related("accounting_run", "estimate_run")
        .first()
    )


def monitored_lines(run: MonitoringRun, principal: Principal | None) -> QuerySet[MonitoredLine]:
    lines = visible_lines(principal, BudgetLine.objects.filter(plan=run.plan))
    return (
        run.lines.filter(line__in=lines)
        .select_related("line", "line__parent", "line__district", "line__enterprise")
        .order_by("line_id")
    )


def tree_rows(
    run: MonitoringRun | None, plan: BudgetPlan, principal: Principal | None
) -> list[dict[str, Any]]:
    """The visible lines of ``plan`` in tree order (parents first, depth given), each with
    its monitored figures from ``run`` when there is one."""
    lines = list(
        visible_lines(principal, plan.lines.all()).select_related(
            "parent", "district", "enterprise"
        )
    )
    figures: dict[int, MonitoredLine] = {}
    if run is not None:
        figures = {m.line_id: m for m in run.lines.filter(line__in=[x.pk for x in lines])}
    ids = {line.pk for line in lines}
    children: dict[int | None, list[BudgetLine]] = {}
    for line in lines:
        parent = line.parent_id if line.parent_id in ids else None
        children.setdefault(parent, []).append(line)
    out: list[dict[str, Any]] = []

    def walk(parent: int | None, depth: int) -> None:
        for line in children.get(parent, []):
            out.append({"line": line, "depth": depth, "m": figures.get(line.pk)})
            walk(line.pk, depth + 1)

    walk(None, 0)
    return out


def enterprises_behind(line: BudgetLine) -> QuerySet[Enterprise]:
    """The enterprises a line's actual figure is made of: its own enterprise; the enterprise
    lines under it; for a district line every enterprise of the district, for the city line
    every enterprise (the actuals of those lines add up everything in them)."""
    if line.enterprise_id is not None:
        return Enterprise.objects.filter(pk=line.enterprise_id)
    if line.level == Level.CITY:
        return Enterprise.objects.all()
    if line.level == Level.DISTRICT and line.district_id is not None:
        return Enterprise.objects.filter(district_id=line.district_id)
    below = _descendants(line)
    return Enterprise.objects.filter(
        pk__in=[x.enterprise_id for x in below if x.enterprise_id is not None]
    )


def _descendants(line: BudgetLine) -> list[BudgetLine]:
    found: list[BudgetLine] = []
    frontier = [line.pk]
    while frontier:
        step = list(BudgetLine.objects.filter(parent_id__in=frontier))
        found.extend(step)
        frontier = [x.pk for x in step]
    return found


@dataclass(frozen=True)
class Behind:
    """The enterprises behind a line's actual figure: the first ``rows`` (largest first),
    how many there are in all (``count``) and the sum of all of them (``total``), so that a
    list cut at its limit still says what it leaves out."""

    rows: list[dict[str, Any]]
    count: int
    total: float

    @property
    def cut(self) -> bool:
        return self.count > len(self.rows)


BEHIND_LIMIT = 200
"""How many enterprises a line's drill-down lists (largest first)."""


def enterprise_figures(run: MonitoringRun, line: BudgetLine, limit: int | None = None) -> Behind:
    """Per enterprise behind ``line``: its actual to date and how much of it is estimated,
    recomputed from the same sources (``enterprise_months``) the run used; each row's
    ``records_year`` is the plan's year when the enterprise has energy records of it (the
    records page offers only such years), else None."""
    entities = dict(enterprises_behind(line).values_list("entity_id", "pk"))
    narrow = None if line.level == Level.CITY else list(entities)
    frame, _run, _est = enterprise_months(run.plan.year, run.as_of, narrow)
    if run.plan.measure == Measure.ENERGY:
        frame = frame.with_columns(pl.col("energy_tce").alias("tco2"))
    summed = (
        frame.filter(pl.col("entity_id").is_in(list(entities)))
        .group_by("entity_id")
        .agg(
            pl.col("tco2").sum().alias("actual"),
            pl.col("tco2").filter(pl.col("source") == ESTIMATED).sum().alias("estimated"),
            pl.col("period").filter(pl.col("source") == ESTIMATED).sort().alias("months"),
        )
        .sort("actual", descending=True)
    )
    shown = summed.head(BEHIND_LIMIT if limit is None else limit)
    pks = [entities[e] for e in shown["entity_id"]]
    names = dict(Enterprise.objects.filter(pk__in=pks).values_list("pk", "name"))
    year = run.plan.year
    with_records = set(
        EnergyRecord.objects.filter(enterprise_id__in=pks, period__startswith=str(year))
        .values_list("enterprise_id", flat=True)
        .distinct()
    )
    rows = [
        {
            **row,
            "enterprise_id": entities[row["entity_id"]],
            "name": names.get(entities[row["entity_id"]], ""),
            "records_year": year if entities[row["entity_id"]] in with_records else None,
        }
        for row in shown.to_dicts()
    ]
    total = float(summed["actual"].sum() or 0.0) if summed.height else 0.0
    return Behind(rows, summed.height, total)


# --- cases ----------------------------------------------------------------------------------


UNRESOLVED: Final = (CaseStatus.OPEN, CaseStatus.ANSWERED)


def unresolved_cases(year: int | None = None, *, by_district: bool = False) -> dict[str, int]:
    """Warning cases of ``year``'s plans (every year's when ``None``; either measure, any
    version) not yet closed — open,
    or answered but not closed by the regulator — counted per owner: the district's GB/T 2260
    code for a district-owned case (district and industry lines), the enterprise's entity id
    for an enterprise-owned one (enterprise and project lines). ``by_district``: an
    enterprise-owned case counts for its enterprise's district instead (every key a district
    code). The assessment counts them (监测—预警—考核闭环)."""
    counts: Counter[str] = Counter()
    cases = WarningCase.objects.filter(status__in=UNRESOLVED)
    if year is not None:
        cases = cases.filter(plan__year=year)
    for role, district, entity in cases.values_list(
        "owner_role", "district__code", "enterprise__entity_id"
    ):
        key = entity if role == "enterprise" and not by_district else district
        if key:
            counts[key] += 1
    return dict(counts)


def open_case_for(line: BudgetLine) -> WarningCase | None:
    """The unresolved case of ``line``'s year, measure, level and subject (whichever
    version's monitoring opened it)."""
    key = f"{line.plan.year}:{line.plan.measure}:{line.level}:{line.subject_code}"
    return WarningCase.objects.filter(line_key=key, status__in=UNRESOLVED).first()


@dataclass(frozen=True)
class EnterprisePanel:
    """An enterprise's own budget lines (of plans in force) with their latest monitoring,
    and its warning cases, for its page."""

    lines: list[dict[str, Any]]
    cases: list[WarningCase]


def enterprise_panel(principal: Principal | None, enterprise_id: int) -> EnterprisePanel | None:
    """What the enterprise page shows of budgets (None: the principal may read none)."""
    if not allows(principal, "budget_warnings"):
        return None
    lines = scoped(
        principal,
        "budget_warnings",
        BudgetLine.objects.filter(enterprise_id=enterprise_id, level=Level.ENTERPRISE),
        via="enterprise",
    ).select_related("plan")
    shown = []
    for line in lines:
        if not line.plan.in_force:
            continue
        run = latest_monitoring(line.plan)
        m = run.lines.filter(line=line).first() if run is not None else None
        shown.append({"line": line, "plan": line.plan, "run": run, "m": m})
    cases = list(
        scoped(
            principal,
            "budget_warnings",
            WarningCase.objects.filter(enterprise_id=enterprise_id),
            via="enterprise",
        ).select_related("line", "plan")[:50]
    )
    return EnterprisePanel(shown, cases)


def may_read_enterprise(principal: Principal | None, enterprise_id: int) -> bool:
    return may_read(principal, "budget_warnings", enterprise_id)
