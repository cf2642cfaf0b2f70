"""Pages: the regulator dashboard, the benchmark lists and the public verification page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
from django.conf import settings
from django.core import signing
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from citycarbon import data
from citycarbon.io.list_export import list_csv, list_xlsx
from citycarbon.web.access.pages import current, page
from citycarbon.web.access.policy import visible_ids
from citycarbon.web.audit.actions import Actor
from citycarbon.web.forms import invalid_filters
from citycarbon.web.grading import runs
from citycarbon.web.grading.actions import do_publish
from citycarbon.web.grading.forms import PublishedFilters
from citycarbon.web.grading.models import CarbonCode, GradingRun
from citycarbon.web.grading.selectors import (
    GRADES,
    compare,
    dashboard,
    district_ranks,
    latest_published,
    narrowed,
    published_view,
)
from citycarbon.web.jobs.models import Job
from citycarbon.web.regions.models import District, Industry
from citycarbon.web.regions.names import division_choices, industry_name
from citycarbon.web.regions.scopes import district_code_scope

VERIFY_SALT = "citycarbon.verify"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def verify_token(code: CarbonCode) -> str:
    """The unguessable token in a code's QR link (a signed code id)."""
    return signing.Signer(salt=VERIFY_SALT).sign(str(code.pk))


def verify_url(request: HttpRequest, code: CarbonCode) -> str:
    return request.build_absolute_uri(reverse("verify", args=[verify_token(code)]))


def valid_until(year: int) -> date:
    """A code graded on a year's data stands until the end of the following year, when the
    next year's code replaces it."""
    return date(year + 1, 12, 31)


def code_status(code: CarbonCode) -> str:
    """ "replaced" when a newer published code exists for the enterprise (a later year, or the
    same year in a later published run), else "expired" once its validity has passed (today
    in the platform's time zone), else "valid"."""
    published_at = code.run.published_at
    newer = Q(year__gt=code.year)
    if published_at is not None:
        newer |= Q(year=code.year, run__published_at__gt=published_at)
    if (
        CarbonCode.objects.filter(enterprise_id=code.enterprise_id, run__published_at__isnull=False)
        .filter(newer)
        .exists()
    ):
        return "replaced"
    if timezone.localdate() > valid_until(code.year):
        return "expired"
    return "valid"


@page("dashboard")
@require_GET
def dashboard_page(request: HttpRequest) -> HttpResponse:
    run = latest_published()
    if run is None:
        return render(request, "grading/no_run.html")
    view = published_view(run)
    form = _filters(request, view.years)
    if not form.is_valid():
        return invalid_filters(request, form)
    year = form.cleaned_data["year"]
    district = form.cleaned_data["district"] or None
    industry = form.cleaned_data["industry"] or None
    divisions = division_choices(Industry.objects.values_list("code", flat=True))
    names = {d: industry_name(d) for d, _label in divisions}
    figures = dashboard(view, year=year, district=district, industry=industry, industry_names=names)
    own = current(request).bound("district")
    districts = list(District.objects.all() if own is None else District.objects.filter(pk=own))
    context = {
        "own_district": districts[0] if own is not None and districts else None,
        "ranks": district_ranks(view, year=year, industry=industry) if own is not None else None,
        "run": run,
        "form": form,
        "districts": districts,
        "year": year,
        "district": district,
        "industry": industry or "",
        "f": figures,
    }
    return render(request, "grading/dashboard.html", context)


def _filters(request: HttpRequest, years: tuple[int, ...]) -> PublishedFilters:
    """The dashboard's and lists' filters, bound to the request; a district official's
    district fixed to their own."""
    principal = current(request)
    own = principal.bound("district")
    districts = District.objects.all() if own is None else District.objects.filter(pk=own)
    return PublishedFilters(
        request.GET, years=years, districts=districts, own_district=district_code_scope(principal)
    )


LIST_KINDS = {"poor-efficiency": "poor_efficiency", "low-green": "low_green"}
LIST_PAGE_SIZE = 100
"""Rows per page of a list page (the export holds the whole list)."""

_LIST_ORDER = {
    "poor-efficiency": ["worst_ratio_to_threshold", "entity_id"],
    "low-green": ["switchable_mwh", "entity_id"],
}
_EXPORT_COLUMNS: dict[str, list[tuple[str, str]]] = {
    "poor-efficiency": [
        ("year", "年份 year"),
        ("entity_id", "企业编号 entity id"),
        ("uscc", "统一社会信用代码 USCC"),
        ("name", "企业名称 name"),
        ("district_name", "区县 district"),
        ("industry_code", "行业代码 industry code"),
        ("industry_name", "行业 industry"),
        ("grade", "碳效等级 grade"),
        ("measures", "超标指标 measures"),
        ("worst_ratio_to_threshold", "最大超标倍数 worst ratio to threshold"),
        ("energy_tce_per_10k_yuan", "单位增加值能耗 tce/万元"),
        ("energy_threshold", "行业阈值 industry threshold tce/万元"),
        ("industry_percentile", "行业百分位 industry percentile"),
        ("reasons_zh", "原因"),
        ("reasons_en", "reasons"),
    ],
    "low-green": [
        ("year", "年份 year"),
        ("entity_id", "企业编号 entity id"),
        ("uscc", "统一社会信用代码 USCC"),
        ("name", "企业名称 name"),
        ("district_name", "区县 district"),
        ("industry_code", "行业代码 industry code"),
        ("industry_name", "行业 industry"),
        ("grade", "碳效等级 grade"),
        ("electricity_heat_mwh", "用电用热 MWh electricity and heat"),
        ("green_share", "绿色能源占比 green share"),
        ("switchable_mwh", "可转换绿电 MWh switchable"),
        ("target_share", "目标占比 target share"),
        ("rule_version", "规则版本 rule version"),
        ("reason_zh", "原因"),
        ("reason_en", "reason"),
    ],
}
_LIST_TITLES = {
    "poor-efficiency": "二维能效对标较差企业清单",
    "low-green": "三维绿能低使用率企业清单",
}


class _Rows:
    """A frame as the sequence ``Paginator`` slices: only a page's rows become dicts."""

    def __init__(self, frame: pl.DataFrame) -> None:
        self.frame = frame

    def __len__(self) -> int:
        return self.frame.height

    def __getitem__(self, index: slice) -> list[dict[str, Any]]:
        return self.frame[index].to_dicts()


@dataclass(frozen=True)
class _Listed:
    run: GradingRun
    form: PublishedFilters
    year: int
    district: str | None
    industry: str | None
    frame: pl.DataFrame


def _listed(request: HttpRequest, kind: str) -> _Listed | PublishedFilters | None:
    """The list ``kind`` of the published run as the request filters it (year, district,
    industry), limited to what the caller may see, in list order; None without a run, the
    form when its filters are not valid."""
    if kind not in LIST_KINDS:
        raise Http404
    run = latest_published()
    if run is None:
        return None
    view = published_view(run)
    form = _filters(request, view.years)
    if not form.is_valid():
        return form
    year = form.cleaned_data["year"]
    district = form.cleaned_data["district"] or None
    industry = form.cleaned_data["industry"] or None
    principal = current(request)
    frame = narrowed(
        getattr(view, LIST_KINDS[kind]),
        ids=visible_ids(principal, "lists"),
        year=year,
        district=district,
        industry=industry,
    ).sort(_LIST_ORDER[kind], descending=[True, False])
    return _Listed(run, form, year, district, industry, frame)


@page("lists")
@require_GET
def list_page(request: HttpRequest, kind: str) -> HttpResponse:
    listed = _listed(request, kind)
    if listed is None:
        return render(request, "grading/no_run.html")
    if isinstance(listed, PublishedFilters):
        return invalid_filters(request, listed)
    form = listed.form
    paginator: Paginator[dict[str, Any]] = Paginator(_Rows(listed.frame), LIST_PAGE_SIZE)  # type: ignore[arg-type]
    rows = form.page_of(paginator)
    if rows is None:
        return invalid_filters(request, form)
    own = current(request).bound("district")
    return render(
        request,
        "grading/list.html",
        {
            "run": listed.run,
            "kind": kind,
            "form": form,
            "year": listed.year,
            # a district official's district is implied, not sent
            "query": form.query(district=None) if own is not None else form.query(),
            "count": listed.frame.height,
            "page_obj": rows,
            "rows": rows.object_list,
        },
    )


@page("lists")
@require_GET
def list_export(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    """The whole filtered list as CSV or XLSX (the same rows as the pages, every page)."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    listed = _listed(request, kind)
    if listed is None:
        raise Http404
    if isinstance(listed, PublishedFilters):
        return invalid_filters(request, listed)
    columns = _EXPORT_COLUMNS[kind]
    parts = [str(listed.year), listed.district or "", listed.industry or ""]
    stem = "-".join(p for p in [kind, *parts] if p)
    if fmt == "csv":
        body = list_csv(listed.frame, columns)
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    else:
        where = "; ".join(
            f"{label} {value}"
            for label, value in (
                ("区县 district", listed.district),
                ("行业 industry", listed.industry),
            )
            if value
        )
        provenance = (
            f"{_LIST_TITLES[kind]} {listed.year} — 发布批次 published run {listed.run.pk}"
            + (f"; {where}" if where else "")
            + f"; 共 {listed.frame.height} 家 rows"
        )
        if "rule_version" in listed.frame.columns:
            provenance += f"; 规则 rule {LIST_KINDS[kind]} {data.list_rules(LIST_KINDS[kind])[0]}"
        body = list_xlsx(listed.frame, columns, sheet=str(listed.year), provenance=provenance)
        response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response


@require_GET
def verify_page(request: HttpRequest, token: str) -> HttpResponse:
    """Public: the name, USCC, level, grade, year, validity and issuer of a published code,
    nothing else."""
    try:
        pk = int(signing.Signer(salt=VERIFY_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return render(request, "grading/verify.html", {"code": None}, status=404)
    code = (
        CarbonCode.objects.filter(pk=pk, run__published_at__isnull=False)
        .select_related("enterprise", "run")
        .first()
    )
    if code is None:
        return render(request, "grading/verify.html", {"code": None}, status=404)
    return render(
        request,
        "grading/verify.html",
        {
            "code": {
                "name": code.enterprise.name,
                "uscc": code.enterprise.uscc,
                "level": code.level,
                "grade": code.grade,
                "year": code.year,
                "valid_until": valid_until(code.year),
                "status": code_status(code),
            },
            "issuer": settings.CITYCARBON_ISSUER,
        },
    )


@page("runs")
@require_GET
def runs_page(request: HttpRequest) -> HttpResponse:
    """Accounting and grading runs: waiting, running and ended jobs, and the grading runs."""
    jobs = list(Job.objects.filter(kind=runs.KIND).order_by("-created_at", "-id")[:100])
    return render(
        request,
        "grading/runs.html",
        {
            "jobs": [(job, runs.grading_run_of(job)) for job in jobs],
            "grading_runs": GradingRun.objects.select_related("accounting_run", "job")[:50],
            "published": latest_published(),
        },
    )


@page("runs")
@require_GET
def run_page(request: HttpRequest, run_id: int) -> HttpResponse:
    """One grading run: its provenance and how its codes differ from the published run's."""
    run = get_object_or_404(GradingRun.objects.select_related("accounting_run", "job"), pk=run_id)
    published = latest_published()
    comparison = compare(run, published)
    rows = [
        (old, [comparison.transitions[old][new] for new in GRADES], comparison.removed[old])
        for old in GRADES
    ]
    return render(
        request,
        "grading/run.html",
        {
            "run": run,
            "published": published,
            "comparison": comparison,
            "grades": GRADES,
            "rows": rows,
            "added": [comparison.added[g] for g in GRADES],
        },
    )


@page("runs")
@require_POST
def run_publish(request: HttpRequest, run_id: int) -> HttpResponse:
    """Publish a reviewed grading run (``do_publish``, audited)."""
    run = get_object_or_404(GradingRun, pk=run_id)
    do_publish(run, actor=Actor.of(request.user))  # type: ignore[arg-type]
    return redirect("run", run_id=run.pk)
