"""Pages: the enterprise list (drill-down target of the dashboard), the enterprise page with
its code, QR, portrait, trend, energy mix, what-if and downloads, its energy records, and
the consents it gives banks."""

from __future__ import annotations

from typing import Any

import polars as pl
import segno
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from citycarbon.core.whatif import Changes, what_if
from citycarbon.io.safecells import csv_text
from citycarbon.web.access.models import Bank
from citycarbon.web.access.pages import current, page
from citycarbon.web.access.policy import Principal, allows, may_read, scoped
from citycarbon.web.audit.actions import Actor
from citycarbon.web.budgets.selectors import enterprise_panel as budget_panel
from citycarbon.web.energy.models import EnergyRecord
from citycarbon.web.energy.selectors import (
    accounted_records,
    enterprise_records,
    factors_of,
    filtered_records,
    record_years,
    with_units,
)
from citycarbon.web.enterprises.actions import do_grant_consent, do_revoke_consent
from citycarbon.web.enterprises.forms import (
    ConsentForm,
    EnterpriseFilters,
    RecordFilters,
    WhatIfForm,
)
from citycarbon.web.enterprises.models import Consent, Enterprise, KeyEnergyUser
from citycarbon.web.enterprises.selectors import active_consents, ranked_ids, search
from citycarbon.web.forms import invalid_filters
from citycarbon.web.grading.models import CarbonCode
from citycarbon.web.grading.selectors import latest_published, portraits_for, published_view
from citycarbon.web.grading.views import code_status, valid_until, verify_url
from citycarbon.web.regions.models import District

PAGE_SIZE = 50


SORT_COLUMNS = {
    "emissions": "total_tco2",
    "energy": "energy_tce",
    "intensity": "intensity_tco2_per_10k_yuan",
}
"""The published figure each sort orders by (intensity from the portraits, the rest from the
yearly emissions)."""
NO_FIGURES = pl.DataFrame(
    schema={
        "enterprise_pk": pl.Int64,
        "year": pl.Int32,
        **dict.fromkeys(SORT_COLUMNS.values(), pl.Float64),
    }
)


@page("enterprises")
@require_GET
def enterprise_list(request: HttpRequest) -> HttpResponse:
    """Enterprises the user may see, filtered by district, industry prefix, grade and year
    (grade and year read the published codes), with the year's emissions and energy of the
    published run where the role may read them, in the order asked (the drill-down of the
    dashboard's bars: which enterprises make a district's total). An enterprise user, who
    may see one, goes to its own page instead."""
    principal = current(request)
    if (own := principal.bound("enterprise")) is not None:
        return redirect("enterprise", enterprise_id=own)
    run = latest_published()
    view = published_view(run) if run is not None else None
    flagged = KeyEnergyUser.objects.order_by().values_list("year", flat=True).distinct()
    years = {*(view.years if view else ()), *flagged}
    form = EnterpriseFilters(request.GET, districts=District.objects.all(), years=sorted(years))
    if not form.is_valid():
        return invalid_filters(request, form)
    f = form.cleaned_data
    qs = scoped(principal, "enterprises", Enterprise.objects.all(), via="")
    qs = qs.select_related("district", "industry")
    qs = search(
        qs,
        district=f["district"],
        industry=f["industry"],
        q=f["q"],
        key_energy_user=f["key_energy_user"],
        year=f["year"],
    )
    codes: dict[int, CarbonCode] = {}
    code_qs = CarbonCode.objects.filter(run=run)
    if f["year"] is not None:
        code_qs = code_qs.filter(year=f["year"])
    if f["grade"] is not None:
        qs = qs.filter(pk__in=code_qs.filter(grade=f["grade"]).values("enterprise_id"))
        code_qs = code_qs.filter(grade=f["grade"])
    # the figures of the year asked, else of the published run's latest year
    figure_year = f["year"] or (view.years[-1] if view and view.years else None)
    show_figures = view is not None and allows(principal, "emissions")
    figures = (
        view.emissions.filter(pl.col("year") == figure_year)  # type: ignore[union-attr]
        if show_figures
        else NO_FIGURES
    )
    column = SORT_COLUMNS.get(f["sort"])
    if column is not None and not show_figures:
        form.add_error("sort", _("Your role may not read emissions."))
        return invalid_filters(request, form)
    ranked = (
        view.portraits.filter(pl.col("year") == figure_year)  # type: ignore[union-attr]
        if column == "intensity_tco2_per_10k_yuan"
        else figures
    )
    ordered: Any = (
        ranked_ids(qs, ranked, column)
        if column is not None
        else qs.order_by("name", "entity_id")
        if f["sort"] == "name"
        else qs.order_by("entity_id")
    )
    paginator = Paginator(ordered, PAGE_SIZE)
    page_obj = form.page_of(paginator)
    if page_obj is None:
        return invalid_filters(request, form)
    if column is not None:
        shown = qs.in_bulk(list(page_obj))
        enterprises = [shown[pk] for pk in page_obj]
    else:
        enterprises = list(page_obj)
    ids = [e.pk for e in enterprises]
    if run is not None:
        for c in code_qs.filter(enterprise_id__in=ids).order_by("year"):
            codes[c.enterprise_id] = c
    by_pk = {
        row["enterprise_pk"]: row
        for row in figures.filter(pl.col("enterprise_pk").is_in(ids)).to_dicts()
    }
    rows = [(e, codes.get(e.pk), by_pk.get(e.pk)) for e in enterprises]
    return render(
        request,
        "enterprises/list.html",
        {
            "form": form,
            "rows": rows,
            "page_obj": page_obj,
            "count": paginator.count,
            "query": form.query(),
            "show_figures": show_figures,
            "figure_year": figure_year,
        },
    )


def _portrait(
    enterprise_id: int, principal: Principal | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The enterprise's portraits and yearly emissions; for ``principal``, what it may read
    of them (``portraits_for``: a bank gets no emissions), else everything."""
    run = latest_published()
    if run is None:
        return [], []
    view = published_view(run)
    portraits = view.portraits.filter(pl.col("enterprise_pk") == enterprise_id).sort("year")
    emissions = view.emissions.filter(pl.col("enterprise_pk") == enterprise_id).sort("year")
    if principal is not None:
        portraits = portraits_for(principal, portraits)
        if not allows(principal, "emissions"):
            emissions = emissions.clear()
    return portraits.to_dicts(), emissions.to_dicts()


MIX = (
    ("coal_tce", gettext_lazy("coal")),
    ("oil_tce", gettext_lazy("oil")),
    ("gas_tce", gettext_lazy("gas")),
    ("electricity_heat_tce", gettext_lazy("electricity & heat")),
    ("other_tce", gettext_lazy("other")),
)


@page("enterprises")
@require_GET
def enterprise_page(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    principal = current(request)
    enterprise = get_object_or_404(
        Enterprise.objects.select_related("district", "industry"), pk=enterprise_id
    )
    run = latest_published()
    code = None
    qr_svg = ""
    if run is not None and allows(principal, "codes"):
        code = CarbonCode.objects.filter(run=run, enterprise=enterprise).order_by("-year").first()
    if code is not None:
        qr = segno.make(verify_url(request, code), error="m")
        qr_svg = qr.svg_inline(scale=4, dark="#1b3a2b", title=_("Scan to verify this code"))
    portraits, emissions = (
        _portrait(enterprise.pk, principal) if allows(principal, "portraits") else ([], [])
    )
    latest = emissions[-1] if emissions else None
    mix = (
        {"labels": [str(lbl) for _c, lbl in MIX], "values": [round(latest[c], 1) for c, _l in MIX]}
        if latest and allows(principal, "emissions")
        else None
    )
    trend = {
        "labels": [str(e["year"]) for e in emissions or portraits],
        "values": [round(e["total_tco2"], 1) for e in emissions],
        "intensity": [round(p["intensity_tco2_per_10k_yuan"], 3) for p in portraits],
    }
    is_owner = may_read(principal, "consents", enterprise.pk, "submit")
    consents = list(active_consents(enterprise.pk)) if is_owner else []
    context = {
        "run": run,
        "enterprise": enterprise,
        "key_years": list(enterprise.key_energy_years.values_list("year", flat=True)),
        "code": code,
        "valid_until": valid_until(code.year) if code else None,
        "code_status": code_status(code) if code else None,
        "qr_svg": qr_svg,
        "verify_link": verify_url(request, code) if code else "",
        "portrait": portraits[-1] if portraits else None,
        "portraits": portraits,
        "mix": mix,
        "trend": trend,
        "can_energy": allows(principal, "energy"),
        "can_emissions": allows(principal, "emissions"),
        "can_whatif": code is not None and allows(principal, "energy"),
        "is_owner": is_owner,
        "consents": consents,
        "banks": Bank.objects.exclude(pk__in=[c.bank_id for c in consents]) if is_owner else [],
        "budget_panel": budget_panel(principal, enterprise.pk),
    }
    return render(request, "enterprises/detail.html", context)


@page("energy")
@require_GET
def enterprise_records_page(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    """The enterprise's records, each with its unit, the tCO2 and factor of the published
    run's accounting, and the import it came in with."""
    enterprise = get_object_or_404(Enterprise, pk=enterprise_id)
    qs = EnergyRecord.objects.filter(enterprise=enterprise).select_related("data_import")
    form = RecordFilters(request.GET, years=record_years(qs))
    if not form.is_valid():
        return invalid_filters(request, form)
    qs = filtered_records(qs, year=form.cleaned_data["year"]).order_by("period", "energy_code")
    page_obj = form.page_of(Paginator(qs, 100))
    if page_obj is None:
        return invalid_filters(request, form)
    run = latest_published()
    accounting = run.accounting_run if run is not None else None
    return render(
        request,
        "enterprises/records.html",
        {
            "enterprise": enterprise,
            "page_obj": page_obj,
            "rows": accounted_records(list(page_obj), accounting),
            "accounting": accounting,
            "form": form,
            "query": form.query(),
        },
    )


DOWNLOADS = {"records": "energy", "emissions": "emissions", "codes": "codes"}


@page("enterprises")
@require_GET
def enterprise_download(request: HttpRequest, enterprise_id: int, kind: str) -> HttpResponse:
    """The enterprise's energy records, yearly emissions or published codes as CSV."""
    if kind not in DOWNLOADS:
        raise Http404
    principal = current(request)
    if not allows(principal, DOWNLOADS[kind]):
        raise Http404
    enterprise = get_object_or_404(Enterprise, pk=enterprise_id)
    if kind == "records":
        frame = with_units(enterprise_records(enterprise.pk))
    elif kind == "emissions":
        _p, rows = _portrait(enterprise.pk)
        frame = pl.DataFrame(rows).drop("enterprise_pk", strict=False)
    else:
        run = latest_published()
        values = CarbonCode.objects.filter(run=run, enterprise=enterprise).values()
        frame = pl.DataFrame(list(values))
    response = HttpResponse("\ufeff" + csv_text(frame), content_type="text/csv; charset=utf-8")
    name = f"{enterprise.entity_id}_{kind}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@page("energy")
@require_http_methods(["POST"])
def enterprise_whatif(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    """htmx: the code after the changes in the form, industry average held fixed."""
    run = latest_published()
    code = (
        CarbonCode.objects.filter(run=run, enterprise_id=enterprise_id).order_by("-year").first()
        if run is not None
        else None
    )
    if code is None:
        raise Http404
    form = WhatIfForm(request.POST)
    problems = form.problems() if not form.is_valid() else []
    changes = Changes(**form.changes()) if not problems else Changes()
    problems = problems or changes.problems()
    result = None
    if not problems:
        records = enterprise_records(enterprise_id, code.year)
        frame = what_if(
            records,
            code.value_added_10k_yuan,
            code.industry_avg_intensity,
            changes,
            factors_of(run.accounting_run),  # type: ignore[union-attr]
        )
        result = frame.to_dicts()
    return render(
        request,
        "enterprises/_whatif.html",
        {"result": result, "problems": problems, "year": code.year},
        status=200 if not problems else 422,
    )


@page("consents", "submit")
@require_POST
def consent_change(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    """An enterprise user grants a bank consent, or revokes one."""
    enterprise = get_object_or_404(Enterprise, pk=enterprise_id)
    actor = Actor.of(request.user)  # type: ignore[arg-type]
    form = ConsentForm(request.POST, consents=Consent.objects.filter(enterprise=enterprise))
    if not form.is_valid():
        raise Http404  # no such bank or consent of this enterprise
    if form.cleaned_data["grant"]:
        bank = form.cleaned_data["bank"]
        do_grant_consent(enterprise, bank, actor=actor)
        messages.success(
            request, _("%(bank)s may now read your codes and portraits.") % {"bank": bank.name}
        )
    elif form.cleaned_data["revoke"]:
        consent = form.cleaned_data["consent"]
        do_revoke_consent(consent, actor=actor)
        messages.success(
            request, _("%(bank)s may no longer read your data.") % {"bank": consent.bank.name}
        )
    return redirect("enterprise", enterprise_id=enterprise_id)
