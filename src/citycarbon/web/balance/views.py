"""Pages: the energy balance (能源平衡表) and its Excel download, read from the newest
balance run of the published accounting run."""

from __future__ import annotations

import io

import polars as pl
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from citycarbon.core.balance import COLUMNS, in_tce
from citycarbon.io.balance_xlsx import write_balance_xlsx
from citycarbon.web.access.pages import current, page
from citycarbon.web.balance import selectors
from citycarbon.web.regions.models import District
from citycarbon.web.regions.names import page_language
from citycarbon.web.regions.scopes import district_code_scope

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _year(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _rows(frame: pl.DataFrame, english: bool) -> list[dict[str, object]]:
    return [
        {
            "code": r["energy_code"],
            "name": (r["name_en"] or r["name_zh"]) if english else r["name_zh"],
            "unit": r["unit"] if english else r["unit_zh"],
            "values": [r[c] for c, _, _ in COLUMNS],
        }
        for r in frame.iter_rows(named=True)
    ]


@page("balance")
@require_GET
def balance_page(request: HttpRequest) -> HttpResponse:
    shown = selectors.shown()
    found = None
    if shown.run is not None:
        found = selectors.balance(
            shown.run,
            _year(request.GET.get("year")),
            district=district_code_scope(current(request)),
        )
    if found is None:
        return render(request, "balance/balance.html", {"b": None, "shown": shown})
    english = page_language() == "en"
    tce = in_tce(found.table)
    blocks = []
    for scope in dict.fromkeys(found.table.get_column("scope").to_list()):
        physical = found.table.filter(pl.col("scope") == scope)
        standard = tce.filter(pl.col("scope") == scope)
        blocks.append(
            {
                "scope": scope,
                "name": found.scope_names.get(scope, ""),
                "physical": _rows(physical, english),
                "tce": _rows(standard, english),
                "tce_total": [standard.get_column(c).sum() for c, _, _ in COLUMNS],
            }
        )
    headers = [(c, en if english else zh) for c, zh, en in COLUMNS]
    context = {"b": found, "blocks": blocks, "headers": headers, "shown": shown}
    return render(request, "balance/balance.html", context)


@page("balance")
@require_GET
def balance_download(request: HttpRequest, year: int) -> HttpResponse:
    run = selectors.shown().run
    found = (
        selectors.balance(run, year, district=district_code_scope(current(request)))
        if run is not None
        else None
    )
    if found is None or found.year != year:
        raise Http404
    buffer = io.BytesIO()
    write_balance_xlsx(
        found.table,
        buffer,
        year=year,
        factor_set=found.run.factor_set,
        input_sha256=found.run.input_fingerprint,
        scope_names={
            code: f"{zh} {en}".strip()
            for code, zh, en in District.objects.values_list("code", "name_zh", "name_en")
        },
    )
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="energy-balance-{year}.xlsx"'
    return response
