"""The grading app's reports, registered with the report service (``web.reports``):

- ``certificate``: an enterprise's carbon-efficiency certificate for a year — its code
  (碳效码) with level and grade, the year, validity, L (碳排放强度), K (碳效值) and the
  industry average L it was compared with, from the latest published run;
- ``monthly``: the city's or a district's monthly analysis — the month's energy and
  emissions with the year before and the year to date, the 12-month trend, emissions by
  district and by industry division, the grades and levels of the latest graded year, and
  the heads of both benchmark lists.

Who may read them is the access policy's: a certificate as the enterprise's ``codes``
(an enterprise its own, a district officer its district's, a bank with consent, the city
all); a monthly report as the ``dashboard`` (the city roles any, a district officer only
its own district's)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import polars as pl
from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citycarbon.core.accounting import emissions_by_period
from citycarbon.web.access.policy import Principal, allows, may_read
from citycarbon.web.energy import selectors as energy
from citycarbon.web.enterprises import selectors as enterprises
from citycarbon.web.enterprises.models import Enterprise
from citycarbon.web.formatting import industry_level, percent, thousands, wan
from citycarbon.web.grading.models import CarbonCode
from citycarbon.web.grading.selectors import latest_published, narrowed, published_view
from citycarbon.web.grading.views import code_status, valid_until
from citycarbon.web.regions.models import District
from citycarbon.web.regions.names import industry_label, industry_name
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

TOP: Final = 10
"""Rows of each list in the monthly report (the head of the benchmark lists, the industry
divisions)."""


class CertificateForm(forms.Form):
    entity = forms.CharField(label=gettext_lazy("Entity id"), max_length=40)
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=1900, max_value=9999)


class MonthlyForm(forms.Form):
    month = forms.CharField(
        label=gettext_lazy("Month (YYYY-MM)"),
        max_length=7,
        validators=[
            RegexValidator(r"^\d{4}-(0[1-9]|1[0-2])$", gettext_lazy("Enter a month as YYYY-MM."))
        ],
    )
    district = forms.CharField(
        label=gettext_lazy("District code (empty: the whole city)"), max_length=12, required=False
    )


def _no_run() -> ReportInputError:
    return ReportInputError("尚无已发布的碳效码批次", "no grading run has been published yet")


# -- the certificate ---------------------------------------------------------------------


def _certificate_may_read(principal: Principal | None, params: Mapping[str, Any]) -> bool:
    pk = Enterprise.objects.filter(entity_id=params["entity"]).values_list("pk", flat=True)
    return bool(pk) and may_read(principal, "codes", pk[0])


def _status(code: CarbonCode) -> str:
    status = code_status(code)
    if status == "valid":
        return _("This code is valid.")
    if status == "expired":
        return _("expired")
    return _("This code is no longer valid: a newer code replaces it.")


def certificate(params: Mapping[str, Any]) -> Document:
    """The certificate of ``params["entity"]`` (entity id) for ``params["year"]``."""
    entity, year = params["entity"], params["year"]
    run = latest_published()
    if run is None:
        raise _no_run()
    code = (
        CarbonCode.objects.filter(run=run, enterprise__entity_id=entity, year=year)
        .select_related("run", "enterprise__district", "enterprise__industry")
        .first()
    )
    if code is None:
        raise ReportInputError(
            f"企业 {entity} 没有 {year} 年已发布的碳效码",
            f"enterprise {entity} has no published carbon-efficiency code for {year}",
        )
    e = code.enterprise
    unit = f"tCO2/{_('10,000 yuan')}"
    label = f"{e.name}（{e.uscc}）" if e.uscc else e.name
    return Document(
        title=_("Carbon-efficiency certificate"),
        subject=e.entity_id,
        subject_label=label,
        period=str(year),
        sections=[
            facts(
                _("Enterprise"),
                [
                    (_("Enterprise"), e.name),
                    (_("USCC"), e.uscc or "—"),
                    (_("Entity id"), e.entity_id),
                    (_("District"), e.district.name_zh),
                    (_("Industry"), industry_label(e.industry)),
                ],
            ),
            facts(
                _("Carbon-efficiency code"),
                [
                    (_("Carbon-efficiency code"), f"{code.level}{code.grade}级"),
                    (_("Year graded"), str(code.year)),
                    (_("Valid until"), valid_until(code.year).isoformat()),
                    (_("Status"), _status(code)),
                    (
                        _("Published"),
                        f"{code.run.published_at:%Y-%m-%d}" if code.run.published_at else "—",
                    ),
                ],
            ),
            facts(
                _("Figures"),
                [
                    (
                        _("Carbon intensity L"),
                        f"{thousands(code.intensity_tco2_per_10k_yuan, 3)} {unit}",
                    ),
                    (_("industry average"), f"{thousands(code.industry_avg_intensity, 3)} {unit}"),
                    (_("Carbon-efficiency value K"), thousands(code.k_value, 2)),
                    (
                        _("Compared with"),
                        f"{industry_level(code.industry_level_used)} "
                        f"{code.industry_code_used} {industry_name(code.industry_code_used)}，"
                        + _("%(n)s peers")
                        % {"n": code.peer_count},
                    ),
                ],
            ),
            note(
                _(
                    "L is the enterprise's emissions per 10,000 yuan of value added; K is L "
                    "divided by the industry average L (below 1: better than the industry)."
                )
            ),
        ],
    )


# -- the monthly analysis ----------------------------------------------------------------


def _monthly_may_read(principal: Principal | None, params: Mapping[str, Any]) -> bool:
    if principal is None or not allows(principal, "dashboard"):
        return False
    if principal.city_wide:
        return True
    own = district_code_scope(principal)
    return own is not None and params.get("district") == own


def _months_back(month: str, n: int) -> list[str]:
    """The ``n`` months ending with ``month``, oldest first."""
    year, mon = int(month[:4]), int(month[5:7])
    out = []
    for back in range(n - 1, -1, -1):
        index = year * 12 + (mon - 1) - back
        out.append(f"{index // 12:04d}-{index % 12 + 1:02d}")
    return out


def _monthly_emissions(months: set[str], entity_ids: pl.Series | None) -> pl.DataFrame:
    """The accounted emissions of ``months`` (energy records accounted per month with the
    published run's factor set), per enterprise and month, with names."""
    run = latest_published()
    if run is None:
        raise _no_run()
    records = energy.energy_records(months)
    if entity_ids is not None:
        records = records.filter(pl.col("entity_id").is_in(entity_ids.implode()))
    factors = energy.factors_of(run.accounting_run)
    accounted = (
        emissions_by_period(records.lazy(), factors, "month")
        .select("entity_id", "period", "energy_tce", "total_tco2")
        .collect()
    )
    return accounted.join(enterprises.directory(), on="entity_id", how="inner")


def _change(now: float, before: float) -> str:
    return percent((now - before) / before) if before else "—"


def monthly(params: Mapping[str, Any]) -> Document:
    """The monthly analysis of ``params["month"]`` for the city, or for the district of
    ``params["district"]``."""
    month, code = params["month"], params.get("district") or None
    run = latest_published()
    if run is None:
        raise _no_run()
    district = District.objects.filter(code=code).first() if code else None
    if code and district is None:
        raise ReportInputError(f"没有区县代码 {code}", f"no district with code {code}")
    where = (
        f"{district.name_zh}（{district.code}）" if district is not None else _("the whole city")
    )
    year = int(month[:4])
    trend_months = _months_back(month, 12)
    last_year = f"{year - 1}{month[4:]}"
    year_to_date = {m for m in trend_months if m.startswith(str(year))}
    ids = None
    if district is not None:
        ids = pl.Series(
            list(Enterprise.objects.filter(district=district).values_list("entity_id", flat=True)),
            dtype=pl.String(),
        )
    frame = _monthly_emissions({*trend_months, last_year}, ids)
    this = frame.filter(pl.col("period") == month)
    if this.is_empty():
        raise ReportInputError(
            f"{where} {month} 没有月度能源数据", f"no monthly energy data for {where} in {month}"
        )

    def total(f: pl.DataFrame, col: str) -> float:
        return float(f.get_column(col).sum())

    before = frame.filter(pl.col("period") == last_year)
    ytd = frame.filter(pl.col("period").is_in(sorted(year_to_date)))
    co2, tce = total(this, "total_tco2"), total(this, "energy_tce")
    co2_before = total(before, "total_tco2")
    change = _("change on a year before %(p)s") % {"p": _change(co2, co2_before)}
    t_unit, c_unit = "吨标准煤", "吨CO₂"
    totals = facts(
        _("Totals"),
        [
            (_("Region"), where),
            (_("Month"), month),
            (_("Enterprises reporting"), thousands(this.get_column("entity_id").n_unique())),
            (_("Energy, tce"), wan(tce, t_unit)),
            (_("Emissions, tCO2"), wan(co2, c_unit)),
            (
                _("Emissions in the same month a year before"),
                f"{wan(co2_before, c_unit)}（{change}）" if not before.is_empty() else "—",
            ),
            (_("Emissions in the year to date"), wan(total(ytd, "total_tco2"), c_unit)),
            (_("Energy in the year to date"), wan(total(ytd, "energy_tce"), t_unit)),
        ],
    )
    by_month = (
        frame.filter(pl.col("period").is_in(trend_months))
        .group_by("period")
        .agg(pl.col("energy_tce").sum(), pl.col("total_tco2").sum(), pl.len().alias("n"))
        .sort("period")
    )
    trend = table(
        _("Trend of the last 12 months"),
        [_("Month"), _("Enterprises"), _("Energy, tce"), _("Emissions, tCO2")],
        [
            [
                r["period"],
                thousands(r["n"]),
                wan(r["energy_tce"], t_unit),
                wan(r["total_tco2"], c_unit),
            ]
            for r in by_month.iter_rows(named=True)
        ],
        numeric=(1, 2, 3),
    )
    districts = (
        this.group_by("district_code", "district_name")
        .agg(pl.col("total_tco2").sum(), pl.col("energy_tce").sum())
        .sort("district_code")
    )
    by_district = table(
        _("Emissions by district"),
        [_("District"), _("Energy, tce"), _("Emissions, tCO2"), _("Share")],
        [
            [
                f"{r['district_name']}（{r['district_code']}）",
                wan(r["energy_tce"], t_unit),
                wan(r["total_tco2"], c_unit),
                percent(r["total_tco2"] / co2 if co2 else None),
            ]
            for r in districts.iter_rows(named=True)
        ],
        numeric=(1, 2, 3),
    )
    divisions = (
        this.with_columns(pl.col("industry_code").str.slice(0, 2).alias("division"))
        .group_by("division")
        .agg(pl.col("total_tco2").sum(), pl.col("entity_id").n_unique().alias("n"))
        .sort(["total_tco2", "division"], descending=[True, False])
        .head(TOP)
    )
    by_industry = table(
        _("Emissions by industry division (top %(n)s)") % {"n": TOP},
        [_("Industry"), _("Enterprises"), _("Emissions, tCO2"), _("Share")],
        [
            [
                f"{r['division']} {industry_name(r['division'])}".strip(),
                thousands(r["n"]),
                wan(r["total_tco2"], c_unit),
                percent(r["total_tco2"] / co2 if co2 else None),
            ]
            for r in divisions.iter_rows(named=True)
        ],
        numeric=(1, 2, 3),
    )
    sections: list[Section] = [totals, trend, by_district, by_industry]
    sections += _graded_sections(run, year, district.code if district is not None else None)
    return Document(
        title=_("Monthly carbon analysis"),
        subject=district.code if district is not None else "city",
        subject_label=where,
        period=month,
        sections=sections,
    )


def _graded_sections(run: Any, year: int, district: str | None) -> list[Section]:
    """Grades, levels and the heads of the two benchmark lists of the latest graded year up
    to ``year``."""
    view = published_view(run)
    years = [y for y in view.portraits.get_column("year").unique().to_list() if y <= year]
    if not years:
        return [note(_("No published code for this period."))]
    graded_year = max(years)
    portraits = view.portraits
    here = narrowed(portraits, year=graded_year, district=district)
    grades = dict(here.group_by("grade").len().iter_rows())
    levels = dict(here.group_by("level").len().iter_rows())
    n = here.height
    grade_rows = [
        [f"{g}级", thousands(grades.get(g, 0)), percent(grades.get(g, 0) / n if n else None)]
        for g in range(1, 6)
    ]
    grade_rows += [
        [lv, thousands(levels.get(lv, 0)), percent(levels.get(lv, 0) / n if n else None)]
        for lv in ("低碳", "中碳", "高碳")
    ]
    poor = narrowed(view.poor_efficiency, year=graded_year, district=district).sort(
        ["worst_ratio_to_threshold", "entity_id"], descending=[True, False]
    )
    green = narrowed(view.low_green, year=graded_year, district=district).sort(
        ["switchable_mwh", "entity_id"], descending=[True, False]
    )
    return [
        table(
            _("Grades and levels of %(year)s (published codes)") % {"year": graded_year},
            [_("Grade"), _("Enterprises"), _("Share")],
            grade_rows,
            numeric=(1, 2),
        ),
        table(
            _("Poor energy-efficiency benchmark: %(n)s enterprises (first %(top)s)")
            % {"n": thousands(poor.height), "top": TOP},
            [_("Enterprise"), _("Industry"), _("Grade"), _("Worst ratio to threshold")],
            [
                [
                    r["name"],
                    industry_label(r["industry_code"]),
                    f"{r['grade']}级",
                    thousands(r["worst_ratio_to_threshold"], 2),
                ]
                for r in poor.head(TOP).iter_rows(named=True)
            ],
            numeric=(3,),
        ),
        table(
            _("Low green-energy use: %(n)s enterprises (first %(top)s)")
            % {"n": thousands(green.height), "top": TOP},
            [_("Enterprise"), _("Industry"), _("Green-energy share"), _("Switchable, MWh")],
            [
                [
                    r["name"],
                    industry_label(r["industry_code"]),
                    percent(r["green_share"]),
                    thousands(r["switchable_mwh"]),
                ]
                for r in green.head(TOP).iter_rows(named=True)
            ],
            numeric=(2, 3),
        ),
    ]


CERTIFICATE = register(
    ReportKind(
        name="certificate",
        title=gettext_lazy("Carbon-efficiency certificate"),
        form=CertificateForm,
        may_read=_certificate_may_read,
        build=certificate,
        description=gettext_lazy(
            "An enterprise's published carbon-efficiency code for a year, with L, K and the "
            "industry average."
        ),
    )
)
MONTHLY = register(
    ReportKind(
        name="monthly",
        title=gettext_lazy("Monthly carbon analysis"),
        form=MonthlyForm,
        may_read=_monthly_may_read,
        build=monthly,
        description=gettext_lazy(
            "The city's or a district's month: totals, trend, districts, industries, grades "
            "and the benchmark lists."
        ),
    )
)
