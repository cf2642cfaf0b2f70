"""The budgets app's reports, registered with the report service (``web.reports``), after
the "quarterly monitoring, annual analysis" of the budget process (季监测、年分析, seeds D4):

- ``budget-quarterly``: a plan in force as of a quarter's last month — the city's (or a
  district's) lines with prorated budget, actual to date (accounted and estimated), share of
  the annual budget used, projected year and light; the yellow and red lines; the warning
  cases of the quarter and those not yet closed;
- ``budget-annual``: the year's analysis as of its latest monitoring — the same lines, the
  versions and their adjustments with reasons, and every warning case of the year with its
  outcome, counted per owner as the assessment counts them.

Both read stored monitoring (``MonitoringRun``); a report writes nothing but itself. Who may
read them is the access policy's: the ``budgets`` readers, a district officer only its own
district's report."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from citycarbon.web.access.policy import Principal, allows
from citycarbon.web.budgets import selectors
from citycarbon.web.budgets.models import (
    BudgetPlan,
    CaseStatus,
    Measure,
    MonitoredLine,
    MonitoringRun,
    WarningCase,
)
from citycarbon.web.enterprises.models import Enterprise
from citycarbon.web.formatting import in_language, percent, thousands
from citycarbon.web.regions.models import District
from citycarbon.web.regions.scopes import district_code_scope
from citycarbon.web.reports.registry import (
    Document,
    ReportInputError,
    ReportKind,
    Section,
    facts,
    note,
    register,
    table,
)

TOP: Final = 20
"""Warned lines and cases listed in full in a report (then a count)."""


class QuarterlyForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    quarter = forms.IntegerField(label=gettext_lazy("Quarter (1-4)"), min_value=1, max_value=4)
    measure = forms.ChoiceField(
        label=gettext_lazy("Budget type"), choices=Measure.choices, required=False
    )
    district = forms.CharField(
        label=gettext_lazy("District code (empty: the whole city)"), max_length=12, required=False
    )


class AnnualForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    measure = forms.ChoiceField(
        label=gettext_lazy("Budget type"), choices=Measure.choices, required=False
    )
    district = forms.CharField(
        label=gettext_lazy("District code (empty: the whole city)"), max_length=12, required=False
    )


def _may_read(principal: Principal | None, params: Mapping[str, Any]) -> bool:
    if principal is None or not allows(principal, "budgets"):
        return False
    if principal.city_wide:
        return True
    own = district_code_scope(principal)
    return own is not None and params.get("district") == own


def _own_district(principal: Principal | None, data: Mapping[str, Any]) -> Mapping[str, Any]:
    """A district officer who leaves the district blank reads its own district's report."""
    if principal is None or principal.city_wide or data.get("district"):
        return data
    own = district_code_scope(principal)
    if own is None:
        return data
    return {**{key: data.get(key) for key in data}, "district": own}


def _plan(params: Mapping[str, Any]) -> BudgetPlan:
    year, measure = int(params["year"]), params.get("measure") or Measure.CARBON
    plan = selectors.in_force(year, measure)
    if plan is None:
        raise ReportInputError(
            f"{year} 年没有已批准的预算方案", f"no approved budget plan for {year}"
        )
    return plan


def _district(params: Mapping[str, Any]) -> District | None:
    code = params.get("district") or None
    if not code:
        return None
    district = District.objects.filter(code=code).first()
    if district is None:
        raise ReportInputError(f"没有区县代码 {code}", f"no district with code {code}")
    return district


def _lines(run: MonitoringRun, district: District | None) -> list[MonitoredLine]:
    lines = run.lines.select_related("line", "line__enterprise", "line__district").order_by(
        "line_id"
    )
    if district is not None:
        lines = lines.filter(line__district=district)
    return list(lines)


def _figure(value: float | None) -> str:
    return thousands(value) if value is not None else "—"


def _line_rows(lines: list[MonitoredLine]) -> list[list[str]]:
    return [
        [
            m.line.label,
            str(m.line.get_level_display()),
            _figure(m.line.budget_tco2),
            _figure(m.prorated_budget),
            _figure(m.actual_to_date),
            _figure(m.estimated) if m.estimated else "—",
            percent(m.used_of_annual_pct / 100) if m.used_of_annual_pct is not None else "—",
            _figure(m.projected_year),
            str(m.get_status_display()) if m.has_data else pgettext("budget", "no data"),
        ]
        for m in lines
    ]


def _line_table(heading: str, lines: list[MonitoredLine], unit: str) -> Section:
    return table(
        heading,
        [
            _("Budget line"),
            pgettext("budget", "Level"),
            f"{_('Annual budget')} ({unit})",
            _("Prorated to date"),
            _("Actual to date"),
            _("of which estimated"),
            _("Used of annual budget"),
            _("Projected year"),
            _("Warning"),
        ],
        _line_rows(lines),
        numeric=(2, 3, 4, 5, 6, 7),
    )


def _provenance(run: MonitoringRun) -> Section:
    parts = [_("Monitored as of %(as_of)s (%(at)s).") % {"as_of": run.as_of, "at": run.at.date()}]
    if run.accounting_run is not None:
        parts.append(
            _("Accounted figures: published accounting run %(id)s (factor set %(fs)s).")
            % {"id": run.accounting_run_id, "fs": run.accounting_run.factor_set}
        )
    if run.estimate_run_id is not None:
        parts.append(_("Rapid estimates: estimate run %(id)s.") % {"id": run.estimate_run_id})
    if run.estimated_months:
        parts.append(f"{_('Months only estimated')}: {'、'.join(run.estimated_months)}.")
    parts.append(
        _("Bands: yellow at %(y)s, red at %(r)s (configurable; the sources publish none).")
        % {"y": run.yellow, "r": run.red}
    )
    return note(" ".join(parts))


def _owner(c: WarningCase) -> str:
    if c.owner_role == "enterprise":
        return c.enterprise.name if c.enterprise else ""
    return c.district.name_zh if c.district else ""


def _cases_table(heading: str, cases: list[WarningCase], *, outcome: bool = False) -> Section:
    """The cases (the first ``TOP``); ``outcome``: with the owner's answer (explanation and
    measures) and the regulator's closing note (处理结果)."""
    headers = [_("Budget line"), _("As of month"), _("Warning"), _("Status"), _("Owner")]
    if outcome:
        headers += [_("Answer"), _("Closing note")]
    rows = []
    for c in cases[:TOP]:
        row = [
            c.line.label,
            c.as_of,
            str(c.get_light_display()) + (f"（{in_language(c, 'reason')}）" if c.reason else ""),
            str(c.get_status_display()),
            _owner(c),
        ]
        if outcome:
            answer = c.explanation + (
                f"；{_('Measures taken or planned')}：{c.measures}" if c.measures else ""
            )
            row += [answer or "—", c.closing_note or "—"]
        rows.append(row)
    return table(heading, headers, rows)


def _owner_names(keys: list[str]) -> dict[str, tuple[str, str]]:
    """Each owner key of ``selectors.unresolved_cases`` (a district code or an enterprise's
    entity id) → (district name, enterprise name or "")."""
    names: dict[str, tuple[str, str]] = {
        code: (name, "")
        for code, name in District.objects.filter(code__in=keys).values_list("code", "name_zh")
    }
    for entity, name, district in Enterprise.objects.filter(entity_id__in=keys).values_list(
        "entity_id", "name", "district__name_zh"
    ):
        names[entity] = (district or "", name)
    return names


def _where(district: District | None) -> tuple[str, str]:
    if district is None:
        return "city", _("the whole city")
    return district.code, f"{district.name_zh}（{district.code}）"


def _counts(lines: list[MonitoredLine]) -> list[tuple[str, str]]:
    return [
        (_("Lines monitored"), thousands(len(lines))),
        *(
            (str(label), thousands(sum(1 for m in lines if m.status == value)))
            for value, label in MonitoredLine._meta.get_field("status").choices or []
        ),
    ]


def quarterly(params: Mapping[str, Any]) -> Document:
    plan = _plan(params)
    district = _district(params)
    quarter = int(params["quarter"])
    as_of = f"{plan.year}-{quarter * 3:02d}"
    run = selectors.latest_monitoring(plan, as_of)
    if run is None:
        raise ReportInputError(
            f"该方案尚未监测至 {as_of}，请先运行监测",
            f"the plan has not been monitored as of {as_of}: run the monitoring first",
        )
    lines = _lines(run, district)
    warned = [m for m in lines if m.status != "green"]
    cases = _year_cases(plan, district)
    first = f"{plan.year}-{quarter * 3 - 2:02d}"
    opened = [c for c in cases if first <= c.as_of <= as_of]
    unresolved = [c for c in cases if c.status != CaseStatus.CLOSED]
    subject, label = _where(district)
    return Document(
        title=_("Quarterly budget monitoring report"),
        subject=subject,
        subject_label=label,
        period=f"{plan.year}-Q{quarter}",
        sections=[
            facts(
                _("Plan"),
                [
                    (_("Plan name"), plan.name),
                    (_("Budget type"), str(plan.get_measure_display())),
                    (_("Version"), str(plan.version)),
                    (_("As of month"), as_of),
                    *_counts(lines),
                ],
            ),
            _provenance(run),
            _line_table(_("Budget lines"), lines, plan.unit),
            _line_table(_("Yellow and red lines"), warned, plan.unit),
            _cases_table(_("Warning cases opened this quarter"), opened),
            _cases_table(_("Warning cases not yet closed"), unresolved),
        ],
    )


def _year_cases(plan: BudgetPlan, district: District | None) -> list[WarningCase]:
    """The warning cases of the plan's year and measure (of any version), oldest first, of
    one district when given (``may_read`` has checked the reader may see it)."""
    cases = WarningCase.objects.filter(plan__year=plan.year, plan__measure=plan.measure)
    if district is not None:
        cases = cases.filter(district=district)
    return list(
        cases.select_related(
            "line", "line__enterprise", "line__district", "district", "enterprise"
        ).order_by("opened_at")
    )


def annual(params: Mapping[str, Any]) -> Document:
    plan = _plan(params)
    district = _district(params)
    run = selectors.latest_monitoring(plan)
    if run is None:
        raise ReportInputError(
            "该方案尚未监测，请先运行监测", "the plan has not been monitored: run the monitoring"
        )
    lines = _lines(run, district)
    cases = _year_cases(plan, district)
    versions = list(selectors.versions(plan).order_by("version"))
    subject, label = _where(district)
    mine = {district.code} if district is not None else None
    if mine is not None:
        mine |= {c.enterprise.entity_id for c in cases if c.enterprise is not None}
    owners = sorted(
        (key, n)
        for key, n in selectors.unresolved_cases(plan.year).items()
        if mine is None or key in mine
    )
    names = _owner_names([key for key, _n in owners])
    return Document(
        title=_("Annual budget analysis"),
        subject=subject,
        subject_label=label,
        period=str(plan.year),
        sections=[
            facts(
                _("Plan"),
                [
                    (_("Plan name"), plan.name),
                    (_("Budget type"), str(plan.get_measure_display())),
                    (_("Version in force"), str(plan.version)),
                    (_("As of month"), run.as_of),
                    *_counts(lines),
                    (_("Warning cases"), thousands(len(cases))),
                    (
                        _("Cases not yet closed"),
                        thousands(sum(1 for c in cases if c.status != CaseStatus.CLOSED)),
                    ),
                ],
            ),
            _provenance(run),
            _line_table(_("Budget lines"), lines, plan.unit),
            table(
                _("Version history"),
                [_("Version"), _("Status"), _("Approved by"), _("Approved"), _("Reason")],
                [
                    [
                        str(v.version),
                        str(v.get_status_display()),
                        v.approved_by or "—",
                        v.approved_at.date().isoformat() if v.approved_at else "—",
                        v.reason or "—",
                    ]
                    for v in versions
                ],
            ),
            _cases_table(_("Warning cases of the year"), cases, outcome=True),
            table(
                _("Cases not yet closed, per owner (counted in the assessment)"),
                [_("District"), _("Enterprise"), _("Cases")],
                [
                    [names.get(key, (key, ""))[0], names.get(key, ("", ""))[1] or "—", thousands(n)]
                    for key, n in owners
                ],
                numeric=(2,),
            ),
        ],
    )


QUARTERLY = register(
    ReportKind(
        name="budget-quarterly",
        title=gettext_lazy("Quarterly budget monitoring report"),
        form=QuarterlyForm,
        may_read=_may_read,
        build=quarterly,
        defaults=_own_district,
        description=gettext_lazy(
            "A budget plan as of a quarter's end: lines, lights, accounted and estimated "
            "figures, and the warning cases."
        ),
    )
)
ANNUAL = register(
    ReportKind(
        name="budget-annual",
        title=gettext_lazy("Annual budget analysis"),
        form=AnnualForm,
        may_read=_may_read,
        build=annual,
        defaults=_own_district,
        description=gettext_lazy(
            "A year's budget: lines, versions and adjustments, and every warning case with "
            "its outcome."
        ),
    )
)
