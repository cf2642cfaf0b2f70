"""Page: one shipped factor set (排放因子集) and its numbers with their sources, read-only:
what a derived figure's "factor set" links to."""

from __future__ import annotations

import polars as pl
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from citycarbon import data
from citycarbon.core.factors import FactorSetError, load_factor_set
from citycarbon.web.access.pages import page
from citycarbon.web.regions.names import page_language


@page("emissions")
@require_GET
def factor_set_page(request: HttpRequest, set_id: str) -> HttpResponse:
    try:
        factors = load_factor_set(set_id)
    except FactorSetError as exc:
        raise Http404 from exc
    english = page_language() == "en"
    catalogue = data.energy_catalogue().select(
        "energy_code",
        pl.col("name_en" if english else "name_zh").alias("name"),
        pl.col("unit" if english else "unit_zh").alias("unit_name"),
        pl.col("source").alias("tce_source"),
    )
    fuel = (
        data.fuel_parameters()
        .filter(pl.col("vintage") == factors.fuel_vintage)
        .select("energy_code", pl.col("source").alias("fuel_source"))
    )
    rows = (
        factors.energy.join(catalogue, on="energy_code", how="left")
        .join(fuel, on="energy_code", how="left")
        .sort("energy_code")
        .to_dicts()
    )
    grid = data.electricity_factors().filter(pl.col("factor_id") == factors.electricity_factor_id)
    heat = data.parameters().filter(pl.col("parameter") == "heat_tco2_per_gj")
    context = {
        "factors": factors,
        "description": factors.description_en if english else factors.description_zh,
        "rows": rows,
        "grid": grid.row(0, named=True) if grid.height else None,
        "heat": heat.row(0, named=True) if heat.height else None,
    }
    return render(request, "energy/factor_set.html", context)
