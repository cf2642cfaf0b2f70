"""Pages: the enterprise list (drill-down target of the dashboard), the enterprise page with
its code, QR, portrait, trend, energy mix, what-if and downloads, its energy records, and
the consents it gives banks."""

from __future__ import annotations

import math
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
from citycarbon.web.access.actions import do_grant_consent, do_revoke_consent
from citycarbon.web.access.models import Bank, Consent, Role
from citycarbon.web.access.pages import current, page
from citycarbon.web.access.policy import Principal, allows, scoped
from citycarbon.web.access.selectors import active_consents
from citycarbon.web.audit.actions import Actor
from citycarbon.web.energy.models import EnergyRecord
from citycarbon.web.energy.selectors import (
    accounted_records,
    enterprise_records,
    factors_of,
    with_units,
)
from citycarbon.web.enterprises.models import Enterprise
from citycarbon.web.enterprises.selectors import search
from citycarbon.web.grading.models import CarbonCode
from citycarbon.web.grading.selectors import latest_published, portraits_for, published_view
from citycarbon.web.grading.views import code_status, valid_until, verify_url
from citycarbon.web.regions.models import District, Industry
from citycarbon.web.regions.names import division_choices

PAGE_SIZE = 50


@page("enterprises")
@require_GET
def enterprise_list(request: HttpRequest) -> HttpResponse:
    """Enterprises the user may see, filtered by district, industry prefix, grade and year
    (grade and year read the published codes). An enterprise user, who may see one, goes to
    its own page instead."""
    principal = current(request)
    if principal.role == Role.ENTERPRISE and principal.enterprise_id is not None:
        return redirect("enterprise", enterprise_id=principal.enterprise_id)
    qs = scoped(principal, "enterprises", Enterprise.objects.all(), via="")
    qs = qs.select_related("district", "industry")
    district = request.GET.get("district", "")
    industry = request.GET.get("industry", "")
    grade = request.GET.get("grade", "")
    year = request.GET.get("year", "")
    q = request.GET.get("q", "").strip()
    key = request.GET.get("key_energy_user", "").lower()
    key_energy_user = {"true": True, "1": True, "false": False, "0": False}.get(key)
    qs = search(
        qs,
        district=district,
        industry=industry,
        q=q,
        key_energy_user=key_energy_user,
        year=int(year) if year.isdigit() and len(year) == 4 else None,
    )
    run = latest_published()
    codes: dict[int, CarbonCode] = {}
    if run is not None:
        code_qs = CarbonCode.objects.filter(run=run)
        if year.isdigit():
            code_qs = code_qs.filter(year=int(year))
        if grade.isdigit():
            code_qs = code_qs.filter(grade=int(grade))
            qs = qs.filter(pk__in=code_qs.values("enterprise_id"))
    paginator = Paginator(qs.order_by("entity_id"), PAGE_SIZE)
    page_obj = paginator.get_page(request.GET.get("page"))
    if run is not None:
        ids = [e.pk for e in page_obj]
        for c in code_qs.filter(enterprise_id__in=ids).order_by("year"):
            codes[c.enterprise_id] = c
    rows = [(e, codes.get(e.pk)) for e in page_obj]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "enterprises/list.html",
        {
            "rows": rows,
            "page_obj": page_obj,
            "count": paginator.count,
            "filters": {
                "district": district,
                "industry": industry,
                "grade": grade,
                "year": year,
                "key_energy_user": "" if key_energy_user is None else str(key_energy_user).lower(),
            },
            "q": q,
            "query": query.urlencode(),
            "districts": District.objects.all(),
            "divisions": division_choices(Industry.objects.values_list("code", flat=True)),
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
    is_owner = principal.role == Role.ENTERPRISE and principal.enterprise_id == enterprise.pk
    consents = list(active_consents(enterprise.pk)) if is_owner else []
    context = {
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
    }
    return render(request, "enterprises/detail.html", context)


@page("energy")
@require_GET
def enterprise_records_page(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    """The enterprise's records, each with its unit, the tCO2 and factor of the published
    run's accounting, and the import it came in with."""
    enterprise = get_object_or_404(Enterprise, pk=enterprise_id)
    qs = EnergyRecord.objects.filter(enterprise=enterprise).select_related("data_import")
    qs = qs.order_by("period", "energy_code")
    year = request.GET.get("year", "")
    if year.isdigit():
        qs = qs.filter(period__startswith=year)
    page_obj = Paginator(qs, 100).get_page(request.GET.get("page"))
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
            "year": year,
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
    if not allows(principal, DOWNLOADS[kind]):  # type: ignore[arg-type]
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


def _number(value: str | None, default: float = 0.0) -> float:
    try:
        return float(value) if value not in (None, "") else default
    except ValueError:
        return float("nan")


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
    fields = (
        "coal_to_electricity_tce",
        "coal_to_gas_tce",
        "green_electricity_mwh",
        "energy_cut_pct",
        "value_added_increase_pct",
    )
    values = {f: _number(request.POST.get(f)) for f in fields}
    values["substitution_efficiency"] = _number(request.POST.get("substitution_efficiency"), 1.0)
    problems = [f"{k}: {_('not a number')}" for k, v in values.items() if not math.isfinite(v)]
    changes = Changes(**values) if not problems else Changes()
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


@page("enterprises")
@require_POST
def consent_change(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    """An enterprise user grants a bank consent, or revokes one."""
    principal = current(request)
    if principal.role != Role.ENTERPRISE or principal.enterprise_id != enterprise_id:
        raise Http404
    enterprise = get_object_or_404(Enterprise, pk=enterprise_id)
    actor = Actor.of(request.user)  # type: ignore[arg-type]
    if "grant" in request.POST:
        bank = get_object_or_404(Bank, pk=request.POST.get("bank"))
        do_grant_consent(enterprise, bank, actor=actor)
        messages.success(
            request, _("%(bank)s may now read your codes and portraits.") % {"bank": bank.name}
        )
    elif "revoke" in request.POST:
        consent = get_object_or_404(Consent, pk=request.POST.get("consent"), enterprise=enterprise)
        do_revoke_consent(consent, actor=actor)
        messages.success(
            request, _("%(bank)s may no longer read your data.") % {"bank": consent.bank.name}
        )
    return redirect("enterprise", enterprise_id=enterprise_id)
