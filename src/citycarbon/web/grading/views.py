"""Pages: the regulator dashboard, the benchmark lists and the public verification page."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core import signing
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from citycarbon.web.access.pages import current, page
from citycarbon.web.access.policy import (
    district_code_scope,
    district_scope,
    visible_enterprise_ids,
)
from citycarbon.web.audit.actions import Actor
from citycarbon.web.grading import runs
from citycarbon.web.grading.actions import do_publish
from citycarbon.web.grading.models import CarbonCode, GradingRun
from citycarbon.web.grading.selectors import (
    GRADES,
    compare,
    dashboard,
    latest_published,
    narrowed,
    published_view,
)
from citycarbon.web.jobs.models import Job
from citycarbon.web.regions.models import District, Industry
from citycarbon.web.regions.names import division_choices, industry_name

VERIFY_SALT = "citycarbon.verify"


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


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@page("dashboard")
@require_GET
def dashboard_page(request: HttpRequest) -> HttpResponse:
    principal = current(request)
    run = latest_published()
    if run is None:
        return render(request, "grading/no_run.html")
    view = published_view(run)
    year = _int(request.GET.get("year"))
    year = year if year in view.years else view.years[-1]
    own = district_scope(principal)
    own_code = district_code_scope(principal)
    district = own_code or (request.GET.get("district") or None)
    industry = request.GET.get("industry") or None
    divisions = division_choices(Industry.objects.values_list("code", flat=True))
    names = {d: industry_name(d) for d, _label in divisions}
    figures = dashboard(view, year=year, district=district, industry=industry, industry_names=names)
    districts = District.objects.all() if own is None else District.objects.filter(pk=own)
    context = {
        "run": run,
        "years": view.years,
        "year": year,
        "district": district,
        "industry": industry or "",
        "districts": districts,
        "divisions": sorted(names.items()),
        "f": figures,
    }
    return render(request, "grading/dashboard.html", context)


LIST_KINDS = {"poor-efficiency": "poor_efficiency", "low-green": "low_green"}


@page("lists")
@require_GET
def list_page(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in LIST_KINDS:
        raise Http404
    run = latest_published()
    if run is None:
        return render(request, "grading/no_run.html")
    view = published_view(run)
    year = _int(request.GET.get("year"))
    year = year if year in view.years else view.years[-1]
    frame = narrowed(
        getattr(view, LIST_KINDS[kind]),
        ids=visible_enterprise_ids(current(request), "lists"),
        year=year,
        district=request.GET.get("district"),
        industry=request.GET.get("industry"),
    )
    order = "worst_ratio_to_threshold" if kind == "poor-efficiency" else "energy_tce"
    frame = frame.sort(order, descending=True)
    return render(
        request,
        "grading/list.html",
        {
            "kind": kind,
            "year": year,
            "years": view.years,
            "count": frame.height,
            "rows": frame.head(500).to_dicts(),
        },
    )


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
