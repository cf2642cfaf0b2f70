"""Pages of the budgets app: the plans and the budget tree with traffic lights, a plan
version (its tree, history and the regulator's forms), a line's drill-down to the
enterprises behind its figure, a district's view, the warning cases and a case with its
answer and closing forms, and an enterprise's own budget. Thin: form → guard → selector
or action → render."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from citycarbon.core.budgets import Bands
from citycarbon.web.access.pages import current, page
from citycarbon.web.access.policy import allows
from citycarbon.web.audit.actions import Actor
from citycarbon.web.budgets import selectors
from citycarbon.web.budgets.actions import (
    PlanRejectedError,
    StateError,
    do_adjust,
    do_allocate_by_history,
    do_answer_case,
    do_approve,
    do_close_case,
    do_import_plan,
    do_monitor,
    do_set_line,
    may_answer,
)
from citycarbon.web.budgets.forms import (
    AdjustForm,
    AllocateForm,
    AnswerForm,
    CloseForm,
    LineFiguresForm,
    MonitorForm,
    PlanUploadForm,
    errors_text,
)
from citycarbon.web.budgets.imports import SUFFIXES
from citycarbon.web.budgets.models import (
    BudgetLine,
    BudgetPlan,
    CaseStatus,
    PlanStatus,
    WarningCase,
)
from citycarbon.web.enterprises.models import Enterprise
from citycarbon.web.forms import Choices
from citycarbon.web.regions.models import District
from citycarbon.web.uploads import keep_file, refusal


def _actor(request: HttpRequest) -> Actor:
    return Actor.of(request.user)  # type: ignore[arg-type]


def _line_choices(plan: BudgetPlan) -> Choices:
    return [
        (line.line_id, f"{line.line_id} {line.label}")
        for line in plan.lines.select_related("enterprise", "district").order_by("id")
    ]


def _state_error(request: HttpRequest, error: StateError) -> None:
    lang = getattr(request, "LANGUAGE_CODE", "zh-hans")
    messages.error(request, error.reason_en if lang.startswith("en") else error.reason_zh)


@page("budgets")
@require_GET
def budgets_page(request: HttpRequest) -> HttpResponse:
    """The plan versions, and the tree of the version in force of the newest year (or the
    one asked by ``?plan=``) with its latest monitoring."""
    principal = current(request)
    plans = list(selectors.plans())
    plan = None
    asked = request.GET.get("plan", "")
    if asked.isdigit():
        plan = next((p for p in plans if p.pk == int(asked)), None)
    if plan is None:
        plan = next((p for p in plans if p.in_force), plans[0] if plans else None)
    run = selectors.latest_monitoring(plan) if plan is not None else None
    own = principal.bound("district")
    context: dict[str, Any] = {
        "plans": plans,
        "plan": plan,
        "run": run,
        "rows": selectors.tree_rows(run, plan, principal) if plan is not None else [],
        "may_review": allows(principal, "budgets", "review"),
        "upload_form": PlanUploadForm(),
        "own_district": District.objects.filter(pk=own).first() if own else None,
        "districts": District.objects.order_by("code") if principal.city_wide else [],
    }
    return render(request, "budgets/index.html", context)


@page("budgets", "review")
@require_POST
def plan_upload(request: HttpRequest) -> HttpResponse:
    """A draft plan from a BUDGETS file (``do_import_plan``); row errors shown, nothing
    made."""
    form = PlanUploadForm(request.POST, request.FILES)
    file = request.FILES.get("file")
    problem = refusal(file, SUFFIXES)
    if not form.is_valid() or problem is not None:
        if problem == "suffix":
            form.add_error("file", _("Only .csv and .xlsx files are read."))
        return render(request, "budgets/upload.html", {"form": form}, status=400)
    kept = keep_file(file)  # type: ignore[arg-type]
    try:
        plan = do_import_plan(
            kept.path,
            year=form.cleaned_data["year"],
            measure=form.cleaned_data["measure"],
            name=form.cleaned_data["name"],
            actor=_actor(request),
            source=kept.name,
        )
    except PlanRejectedError as exc:
        upload = {"errors": exc.errors[:200], "error_count": len(exc.errors)}
        return render(request, "budgets/upload.html", {"form": form, "upload": upload}, status=400)
    except StateError as exc:
        form.add_error(None, exc.reason_zh)
        return render(request, "budgets/upload.html", {"form": form}, status=400)
    finally:
        Path(kept.path).unlink(missing_ok=True)
    return redirect("budget-plan", plan_id=plan.pk)


@page("budgets")
@require_GET
def plan_page(request: HttpRequest, plan_id: int) -> HttpResponse:
    principal = current(request)
    plan = get_object_or_404(BudgetPlan, pk=plan_id)
    run = selectors.latest_monitoring(plan, request.GET.get("as_of") or None)
    may_review = allows(principal, "budgets", "review")
    may_publish = allows(principal, "budgets", "publish")
    choices = _line_choices(plan)
    context = {
        "plan": plan,
        "run": run,
        "runs": plan.monitoring.order_by("-as_of", "-at")[:24],
        "rows": selectors.tree_rows(run, plan, principal),
        "versions": selectors.versions(plan),
        "may_review": may_review,
        "may_publish": may_publish,
        "line_form": LineFiguresForm(lines=choices) if plan.status == PlanStatus.DRAFT else None,
        "allocate_form": AllocateForm(lines=_parent_choices(plan))
        if plan.status == PlanStatus.DRAFT
        else None,
        "adjust_form": AdjustForm(lines=choices) if plan.in_force else None,
        "monitor_form": MonitorForm(
            initial={"as_of": _default_as_of(plan.year), "projection": "linear"}
        )
        if plan.status != PlanStatus.DRAFT
        else None,
    }
    return render(request, "budgets/plan.html", context)


def _default_as_of(year: int) -> str:
    """The monitoring form's month: December of ``year``, or the last month with data when
    that is earlier in the year (a later one is refused)."""
    accounted, estimated = selectors.available_months()
    last = max([*accounted, *estimated], default="")
    return last if last.startswith(str(year)) else f"{year}-12"


def _plan_post(request: HttpRequest, plan_id: int) -> BudgetPlan:
    return get_object_or_404(BudgetPlan, pk=plan_id)


@page("budgets", "review")
@require_POST
def plan_line(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan_post(request, plan_id)
    form = LineFiguresForm(request.POST, lines=_line_choices(plan))
    if form.is_valid():
        data = form.cleaned_data
        try:
            do_set_line(
                plan,
                data["line_id"],
                budget_tco2=data["budget_tco2"],
                budget_intensity_tco2_per_10k_yuan=data["budget_intensity_tco2_per_10k_yuan"],
                budget_energy_tce=data["budget_energy_tce"],
                actor=_actor(request),
            )
        except StateError as exc:
            _state_error(request, exc)
        except PlanRejectedError as exc:
            messages.error(request, "; ".join(e["reason_zh"] for e in exc.errors))
    else:
        messages.error(request, errors_text(form))
    return redirect("budget-plan", plan_id=plan.pk)


@page("budgets", "review")
@require_POST
def plan_allocate(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Share a draft line's budget among its children by last year's emissions."""
    plan = _plan_post(request, plan_id)
    form = AllocateForm(request.POST, lines=_parent_choices(plan))
    if form.is_valid():
        try:
            shares = do_allocate_by_history(
                plan, form.cleaned_data["parent_id"], actor=_actor(request)
            )
        except StateError as exc:
            _state_error(request, exc)
        except PlanRejectedError as exc:
            messages.error(request, "; ".join(e["reason_zh"] for e in exc.errors))
        else:
            messages.success(
                request,
                _(
                    "Allocated %(n)s lines by last year's emissions: %(total)s %(unit)s in all; "
                    "the rest stays with the line allocated."
                )
                % {
                    "n": len(shares),
                    "total": number_format(round(sum(shares.values())), force_grouping=True),
                    "unit": "tCO2",
                },
            )
    return redirect("budget-plan", plan_id=plan.pk)


def _parent_choices(plan: BudgetPlan) -> Choices:
    return [
        (line.line_id, f"{line.line_id} {line.label}")
        for line in plan.lines.filter(children__isnull=False)
        .select_related("enterprise", "district")
        .distinct()
        .order_by("id")
    ]


@page("budgets", "publish")
@require_POST
def plan_approve(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan_post(request, plan_id)
    try:
        do_approve(plan, actor=_actor(request))
    except StateError as exc:
        _state_error(request, exc)
    except PlanRejectedError as exc:
        messages.error(request, "; ".join(e["reason_zh"] for e in exc.errors))
    return redirect("budget-plan", plan_id=plan.pk)


@page("budgets", "publish")
@require_POST
def plan_adjust(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan_post(request, plan_id)
    form = AdjustForm(request.POST, lines=_line_choices(plan))
    if not form.is_valid():
        messages.error(request, errors_text(form))
        return redirect("budget-plan", plan_id=plan.pk)
    data = form.cleaned_data
    change = {
        "budget_tco2": data["budget_tco2"],
        "budget_intensity_tco2_per_10k_yuan": data["budget_intensity_tco2_per_10k_yuan"],
        "budget_energy_tce": data["budget_energy_tce"],
    }
    try:
        adjusted = do_adjust(
            plan, {data["line_id"]: change}, reason=data["reason"], actor=_actor(request)
        )
    except StateError as exc:
        _state_error(request, exc)
        return redirect("budget-plan", plan_id=plan.pk)
    except PlanRejectedError as exc:
        messages.error(request, "; ".join(e["reason_zh"] for e in exc.errors))
        return redirect("budget-plan", plan_id=plan.pk)
    return redirect("budget-plan", plan_id=adjusted.pk)


@page("budgets", "review")
@require_POST
def plan_monitor(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan_post(request, plan_id)
    form = MonitorForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("budget-plan", plan_id=plan.pk)
    data = form.cleaned_data
    try:
        run = do_monitor(
            plan,
            data["as_of"],
            bands=Bands(yellow=data["yellow"], red=data["red"]),
            projection=data["projection"],
            actor=_actor(request),
        )
    except StateError as exc:
        _state_error(request, exc)
        return redirect("budget-plan", plan_id=plan.pk)
    return redirect(f"{reverse('budget-plan', args=[plan.pk])}?as_of={run.as_of}")


@page("budgets")
@require_GET
def line_page(request: HttpRequest, line_id: int) -> HttpResponse:
    """A line's drill-down: its figures, its children, and the enterprises behind its
    actual figure with links to their pages and records."""
    principal = current(request)
    line = get_object_or_404(
        selectors.visible_lines(principal, BudgetLine.objects.all()).select_related(
            "plan", "parent", "district", "enterprise"
        ),
        pk=line_id,
    )
    run = selectors.latest_monitoring(line.plan, request.GET.get("as_of") or None)
    monitored = run.lines.filter(line=line).first() if run is not None else None
    children = selectors.visible_lines(principal, line.children.all())
    figures = {m.line_id: m for m in run.lines.filter(line__in=children)} if run else {}
    context = {
        "line": line,
        "plan": line.plan,
        "run": run,
        "m": monitored,
        "children": [{"line": c, "m": figures.get(c.pk)} for c in children],
        "behind": selectors.enterprise_figures(run, line) if run is not None else None,
        "case": selectors.open_case_for(line),
    }
    return render(request, "budgets/line.html", context)


@page("budgets")
@require_GET
def district_page(request: HttpRequest, district_id: int) -> HttpResponse:
    """A district's lines of the plans in force, with their latest monitoring, and its
    warning cases: what a district officer watches."""
    principal = current(request)
    district = get_object_or_404(District, pk=district_id)
    blocks = []
    for plan in selectors.plans():
        if not plan.in_force:
            continue
        run = selectors.latest_monitoring(plan)
        rows = [
            r
            for r in selectors.tree_rows(run, plan, principal)
            if r["line"].district_id == district.pk
        ]
        if rows:
            blocks.append({"plan": plan, "run": run, "rows": rows})
    cases = selectors.visible_cases(principal).filter(district=district)[:200]
    return render(
        request,
        "budgets/district.html",
        {"district": district, "blocks": blocks, "cases": cases},
    )


@page("budget_warnings")
@require_GET
def cases_page(request: HttpRequest) -> HttpResponse:
    principal = current(request)
    status = request.GET.get("status", "")
    cases = selectors.visible_cases(principal)
    if status in CaseStatus.values:
        cases = cases.filter(status=status)
    return render(
        request,
        "budgets/cases.html",
        {"cases": cases[:500], "status": status, "statuses": CaseStatus.choices},
    )


def _visible_case(request: HttpRequest, case_id: int) -> WarningCase:
    return get_object_or_404(selectors.visible_cases(current(request)), pk=case_id)


def _case_page(
    request: HttpRequest,
    case: WarningCase,
    *,
    answer_form: AnswerForm | None = None,
    close_form: CloseForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The case with its history and the forms its reader may use; a refused form comes
    back bound, with its errors and the text as typed."""
    principal = current(request)
    answerable = case.status != CaseStatus.CLOSED and may_answer(principal, case)
    closable = case.status == CaseStatus.ANSWERED and allows(principal, "budgets", "review")
    if answerable and answer_form is None:
        answer_form = AnswerForm(
            initial={"explanation": case.explanation, "measures": case.measures}
        )
    if closable and close_form is None:
        close_form = CloseForm()
    context = {
        "case": case,
        "events": case.events.all(),
        "monitored": case.monitoring.lines.filter(line=case.line).first()
        if case.monitoring
        else None,
        "answer_form": answer_form if answerable else None,
        "close_form": close_form if closable else None,
        "may_open_line": allows(principal, "budgets"),
    }
    return render(request, "budgets/case.html", context, status=status)


@page("budget_warnings")
@require_GET
def case_page(request: HttpRequest, case_id: int) -> HttpResponse:
    return _case_page(request, _visible_case(request, case_id))


@page("budget_warnings", "submit")
@require_POST
def case_answer(request: HttpRequest, case_id: int) -> HttpResponse:
    principal = current(request)
    case = _visible_case(request, case_id)
    if not may_answer(principal, case):
        raise Http404
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return _case_page(request, case, answer_form=form, status=400)
    try:
        do_answer_case(
            case,
            explanation=form.cleaned_data["explanation"],
            measures=form.cleaned_data["measures"],
            principal=principal,
            actor=_actor(request),
        )
    except StateError as exc:
        _state_error(request, exc)
    return redirect("budget-case", case_id=case.pk)


@page("budgets", "review")
@require_POST
def case_close(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _visible_case(request, case_id)
    form = CloseForm(request.POST)
    if not form.is_valid():
        return _case_page(request, case, close_form=form, status=400)
    try:
        do_close_case(case, note=form.cleaned_data["note"], actor=_actor(request))
    except StateError as exc:
        _state_error(request, exc)
    return redirect("budget-case", case_id=case.pk)


@page("budget_warnings")
@require_GET
def enterprise_budget_page(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    """An enterprise's own budget lines and warning cases (the same panel as on its
    enterprise page)."""
    enterprise = get_object_or_404(Enterprise, pk=enterprise_id)
    panel = selectors.enterprise_panel(current(request), enterprise.pk)
    return render(
        request, "budgets/enterprise.html", {"enterprise": enterprise, "budget_panel": panel}
    )
