"""Page: the rapid-estimate dashboard (速算) for the city or one district."""

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
    view = selectors.estimates_view()
    own_code = district_code_scope(principal)
    district = own_code or (request.GET.get("district") or None)
    industry = request.GET.get("industry") or None
    frame = selectors.narrowed(view.monthly, district=district, industry=industry)
    months = sorted(frame.get_column("period").unique().to_list())
    month = request.GET.get("month")
    month = month if month in months else (months[-1] if months else None)
    divisions = division_choices(Industry.objects.values_list("code", flat=True))
    names = {d: industry_name(d) for d, _label in divisions}
    district_names = dict(District.objects.values_list("code", "name_zh"))
    chosen = frame.filter(pl.col("period") == month) if month else frame.clear()
    by_district = selectors.breakdown(chosen, "district_code")
    for row in by_district:
        row["name"] = district_names.get(str(row["district_code"]), "")
    by_division = selectors.breakdown(chosen, "division")
    for row in by_division:
        row["name"] = names.get(str(row["division"])) or industry_name(str(row["division"]))
    daily = selectors.narrowed(view.daily, period=month or "", district=district, industry=industry)
    districts = (
        District.objects.all() if own_code is None else District.objects.filter(code=own_code)
    )
    chart = selectors.month_chart(frame)
    for series, name in zip(chart["series"], (_("Estimated"), _("Accounted")), strict=True):
        series["name"] = name
    context = {
        "view": view,
        "district": district,
        "industry": industry or "",
        "districts": districts,
        "divisions": sorted(names.items()),
        "months": months,
        "month": month,
        "chart": chart,
        "daily_chart": selectors.day_chart(daily) if not daily.is_empty() else None,
        "daily_enterprises": daily.get_column("entity_id").n_unique(),
        "month_enterprises": chosen.get_column("entity_id").n_unique(),
        "by_district": by_district,
        "by_division": by_division,
        "backtest": (
            selectors.backtest_rows(view.backtest, district=own_code) if view.backtest else None
        ),
    }
    return render(request, "estimates/dashboard.html", context)
