"""Pages: the targets registry with its quotes, progress against each target, the district
and department assessment, one district's targets, one target with its observations, and
the path to the peak. Writes go through ``actions``."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import polars as pl
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from citycarbon.io.errors import InputFileError
from citycarbon.io.targets_inputs import read_registry
from citycarbon.web.access.pages import current, page
from citycarbon.web.access.policy import allows
from citycarbon.web.audit.actions import Actor
from citycarbon.web.regions.models import District
from citycarbon.web.targets import actions, selectors
from citycarbon.web.targets.forms import ImportForm, ScenarioForm, ValueForm, WithdrawForm
from citycarbon.web.targets.models import Scenario, SubjectType, Target, TargetValue

LEVELS = {
    "incentive": gettext_lazy("incentive target met"),
    "basic": gettext_lazy("basic target met"),
    "missed": gettext_lazy("target missed"),
    "no_data": gettext_lazy("incomplete data"),
    "incomplete": gettext_lazy("incomplete data"),
}


def _may_submit(request: HttpRequest) -> bool:
    return allows(current(request), "targets", "submit")


def _actor(request: HttpRequest) -> Actor:
    return Actor.of(request.user)  # type: ignore[arg-type]


def _filtered(request: HttpRequest) -> Any:
    targets = selectors.visible_targets(current(request))
    kind = request.GET.get("subject_type", "")
    if kind in SubjectType.values:
        targets = targets.filter(subject_type=kind)
    city = request.GET.get("city", "")
    if city:
        targets = targets.filter(city=city[:32])
    return targets


@page("targets")
@require_GET
def registry_page(request: HttpRequest) -> HttpResponse:
    targets = _filtered(request)
    cities = sorted(set(selectors.visible_targets(current(request)).values_list("city", flat=True)))
    context = {
        "targets": targets,
        "cities": cities,
        "subject_types": SubjectType.choices,
        "chosen_type": request.GET.get("subject_type", ""),
        "chosen_city": request.GET.get("city", ""),
        "import_form": ImportForm(),
        "may_submit": _may_submit(request),
    }
    return render(request, "targets/registry.html", context)


@page("targets", "submit")
@require_POST
def import_targets(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a targets file to import."))
        return redirect("targets")
    upload = form.cleaned_data["file"]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "targets.csv"
        path.write_bytes(upload.read())
        try:
            frame, errors = read_registry(path)
        except InputFileError as exc:
            errors = exc.errors
    if errors:
        context = {"errors": errors[:200], "error_count": len(errors)}
        return render(request, "targets/import_errors.html", context, status=400)
    done = actions.do_import_targets(frame, actor=_actor(request))
    messages.success(
        request,
        _("%(created)s targets added, %(updated)s updated, %(unchanged)s unchanged.")
        % {"created": done.created, "updated": done.updated, "unchanged": done.unchanged},
    )
    return redirect("targets")


@page("targets")
@require_GET
def progress_page(request: HttpRequest) -> HttpResponse:
    rows = selectors.progress_rows(_filtered(request))
    change = [r for r in rows if r.target.is_change]
    level = [r for r in rows if not r.target.is_change]
    return render(
        request,
        "targets/progress.html",
        {"change_rows": change, "level_rows": level, "may_submit": _may_submit(request)},
    )


@page("targets", "submit")
@require_POST
def take_accounted(request: HttpRequest) -> HttpResponse:
    added = actions.do_record_accounted_values(actor=_actor(request))
    messages.success(
        request, _("%(count)s accounted values recorded from the published run.") % {"count": added}
    )
    return redirect("targets-progress")


def _assessed(rows: list[selectors.Assessed]) -> list[dict[str, Any]]:
    return [
        {
            "label": a.label,
            "row": a.row,
            "level": LEVELS[a.row["level"]],
            "targets": [{**t, "level_label": LEVELS[t["level"]]} for t in a.targets],
        }
        for a in rows
    ]


@page("targets")
@require_GET
def assessment_page(request: HttpRequest) -> HttpResponse:
    found = selectors.assessment(selectors.visible_targets(current(request)))
    return render(request, "targets/assessment.html", {"subjects": _assessed(found)})


@page("targets")
@require_GET
def district_page(request: HttpRequest, district_id: int) -> HttpResponse:
    district = get_object_or_404(District, pk=district_id)
    targets = selectors.visible_targets(current(request)).filter(district=district)
    context = {
        "district": district,
        "rows": selectors.progress_rows(targets),
        "subjects": _assessed(selectors.assessment(targets)),
    }
    return render(request, "targets/district.html", context)


def _visible_target(request: HttpRequest, target_id: int) -> Target:
    found = selectors.visible_targets(current(request)).filter(pk=target_id).first()
    if found is None:
        raise Http404
    return found


@page("targets")
@require_GET
def target_page(request: HttpRequest, target_id: int) -> HttpResponse:
    target = _visible_target(request, target_id)
    initial = {
        k: int(request.GET[k])
        for k in ("year_from", "year_to")
        if request.GET.get(k, "").isdigit() and len(request.GET[k]) == 4
    }
    return _target(request, target, ValueForm(initial=initial or None, target=target))


def _target(
    request: HttpRequest,
    target: Target,
    form: ValueForm,
    status: int = 200,
    withdraw: WithdrawForm | None = None,
) -> HttpResponse:
    row = selectors.progress_rows(Target.objects.filter(pk=target.pk).select_related("district"))[0]
    context = {
        "t": target,
        "row": row,
        "observations": selectors.observations(target),
        "form": form,
        "withdraw_form": withdraw or WithdrawForm(auto_id=False),
        "may_submit": _may_submit(request),
    }
    return render(request, "targets/target.html", context, status=status)


@page("targets", "submit")
@require_POST
def withdraw_value(request: HttpRequest, target_id: int, value_id: int) -> HttpResponse:
    target = _visible_target(request, target_id)
    value = get_object_or_404(TargetValue, pk=value_id, target=target)
    form = WithdrawForm(request.POST, auto_id=False)
    if not form.is_valid():
        return _target(request, target, ValueForm(target=target), 400, withdraw=form)
    try:
        actions.do_withdraw_value(value, reason=form.cleaned_data["reason"], actor=_actor(request))
    except ValueError:
        messages.error(request, _("This observation is withdrawn already."))
    return redirect("target", target_id=target.pk)


@page("targets", "submit")
@require_POST
def record_value(request: HttpRequest, target_id: int) -> HttpResponse:
    target = _visible_target(request, target_id)
    form = ValueForm(request.POST, target=target)
    if not form.is_valid():
        return _target(request, target, form, status=400)
    d = form.cleaned_data
    actions.do_record_value(
        target,
        year_from=d["year_from"],
        year_to=d["year_to"],
        change_pct=d.get("change_pct"),
        value=d.get("value"),
        provenance=d.get("provenance") or "",
        actor=_actor(request),
    )
    return redirect("target", target_id=target.pk)


def _peak_context(scenario: Scenario | None, form: ScenarioForm) -> dict[str, Any]:
    context: dict[str, Any] = {"form": form, "scenario": scenario, "scenarios": []}
    context["forecast"] = selectors.current_forecast()
    context["scenarios"] = selectors.latest_scenarios()
    if scenario is None:
        return context
    found, year = selectors.projection(scenario)
    context["base_year"] = year
    if found is None:
        return context
    city = found.city
    context["peak"] = found
    forecast = context["forecast"]
    if forecast is not None:
        path = city.filter(pl.col("year") == forecast.year).get_column("total_tco2").to_list()
        if path and forecast.prorated_tco2 > path[0]:
            context["above_path"] = {
                "year": forecast.year,
                "forecast": forecast.prorated_tco2,
                "path": path[0],
            }
    context["rows"] = city.to_dicts()
    context["chart"] = {
        "labels": [str(y) for y in city.get_column("year").to_list()],
        "series": [
            {"name": _("Total"), "values": [round(v, 1) for v in city["total_tco2"].to_list()]},
            {"name": _("Scope 1"), "values": [round(v, 1) for v in city["scope1_tco2"].to_list()]},
            {"name": _("Scope 2"), "values": [round(v, 1) for v in city["scope2_tco2"].to_list()]},
        ],
    }
    return context


@page("peak")
@require_GET
def peak_page(request: HttpRequest) -> HttpResponse:
    chosen = request.GET.get("scenario", "")
    scenario = None
    if chosen.isdigit():
        scenario = Scenario.objects.filter(pk=int(chosen)).first()
    if scenario is None:
        latest = selectors.latest_scenarios()
        scenario = latest[0] if latest else None
    initial: dict[str, Any] = {}
    if scenario is not None:
        p = scenario.parameters
        lever = (p.get("levers") or [{}])[0]
        initial = {
            "name": scenario.name,
            "end_year": scenario.end_year,
            **{
                k: p[k]
                for k in ("green_share_base_pct", "green_share_target_pct", "switch_ratio")
                if k in p
            },
            **{k: v for k, v in lever.items() if k != "industry_code"},
        }
    return render(
        request, "targets/peak.html", _peak_context(scenario, ScenarioForm(initial=initial or None))
    )


@page("peak", "submit")
@require_POST
def save_scenario(request: HttpRequest) -> HttpResponse:
    year, _base = selectors.base_emissions()
    form = ScenarioForm(request.POST, base_year=year)
    if not form.is_valid():
        return render(request, "targets/peak.html", _peak_context(None, form), status=400)
    scenario = actions.do_save_scenario(
        form.cleaned_data["name"],
        end_year=form.cleaned_data["end_year"],
        base_year=year or form.cleaned_data["end_year"],
        parameters=form.parameters(),
        actor=_actor(request),
    )
    return redirect(f"{reverse('peak')}?scenario={scenario.pk}")
