"""Page: the rapid-estimate dashboard (速算) for the city or one district, read from the
newest estimate run of the published accounting run."""

from __future__ import annotations

import polars as pl
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from citycarbon.web.access.pages import current, page
from citycarbon.web.estimates import selectors
from citycarbon.web.regions.models import District, Industry
from citycarbon.web.regions.names import division_choices, industry_name
from citycarbon.web.regions.scopes import district_code_scope


@page("estimates")
@require_GET
def estimates_page(request: HttpRequest) -> HttpResponse:
    principal = current(request)
    shown = selectors.shown()
    run = shown.run
    own_code = district_code_scope(principal)
    district = own_code or (request.GET.get("district") or None)
    industry = (request.GET.get("industry") or "")[:2] or None
    context: dict[str, object] = {"shown": shown, "run": run}
    if run is None:
        return render(request, "estimates/dashboard.html", context)
    monthly = selectors.sums(run, grain="month", district=district, division=industry)
    months = sorted(monthly.get_column("period").unique().to_list())
    month = request.GET.get("month")
    month = month if month in months else (months[-1] if months else None)
    divisions = division_choices(Industry.objects.values_list("code", flat=True))
    names = {d: industry_name(d) for d, _label in divisions}
    district_names = dict(District.objects.values_list("code", "name_zh"))
    chosen = monthly.filter(pl.col("period") == month) if month else monthly.clear()
    by_district = selectors.added_up(chosen, "district_code").to_dicts()
    for row in by_district:
        row["name"] = district_names.get(str(row["district_code"]), "")
    by_division = selectors.added_up(chosen, "division").to_dicts()
    for row in by_division:
        row["name"] = names.get(str(row["division"])) or industry_name(str(row["division"]))
    daily = selectors.sums(run, grain="day", district=district, division=industry, period=month)
    districts = (
        District.objects.all() if own_code is None else District.objects.filter(code=own_code)
    )
    chart = selectors.month_chart(monthly)
    for series, name in zip(chart["series"], (_("Estimated"), _("Accounted")), strict=True):
        series["name"] = name
    context |= {
        "district": district,
        "industry": industry or "",
        "districts": districts,
        "divisions": sorted(names.items()),
        "months": months,
        "month": month,
        "chart": chart,
        "daily_chart": selectors.day_chart(daily) if not daily.is_empty() else None,
        "daily_enterprises": int(chosen.get_column("daily_enterprises").sum()),
        "month_enterprises": int(chosen.get_column("estimated_enterprises").sum()),
        "by_district": by_district,
        "by_division": by_division,
        "backtest": (
            selectors.backtest_rows(run, district=own_code)
            if run.backtest_test_year is not None
            else None
        ),
    }
    return render(request, "estimates/dashboard.html", context)
