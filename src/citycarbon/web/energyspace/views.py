"""Pages: the city overview of every district's energy-use space, and one district's
ledger (balance, sources, uses, running balance, the target's backward-scheduled timeline)
with the forms to record, allocate, reverse and set the target. Writes go through
``actions``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from citycarbon.web.access.pages import current, page
from citycarbon.web.access.policy import allows
from citycarbon.web.audit.actions import Actor
from citycarbon.web.energyspace import actions, selectors
from citycarbon.web.energyspace.forms import ReverseForm, SourceForm, TargetForm, UseForm
from citycarbon.web.energyspace.models import SpaceEntry
from citycarbon.web.enterprises.models import Enterprise
from citycarbon.web.regions.models import District

STATUS = {
    "met": gettext_lazy("met"),
    "behind": gettext_lazy("behind"),
    "due": gettext_lazy("due"),
}


def _actor(request: HttpRequest) -> Actor:
    return Actor.of(request.user)  # type: ignore[arg-type]


@page("energyspace")
@require_GET
def overview_page(request: HttpRequest) -> HttpResponse:
    rows = selectors.overview(selectors.visible_districts(current(request)))
    total = sum((r.balance_tce for r in rows), selectors.ZERO)
    return render(request, "energyspace/overview.html", {"rows": rows, "total": total})


def _district_context(request: HttpRequest, district: District, **forms: Any) -> dict[str, Any]:
    principal = current(request)
    rows = selectors.ledger_rows(district)
    target, frame = selectors.schedule(district)
    milestones = (
        [{**m, "status_label": STATUS[m["status"]]} for m in frame.to_dicts()]
        if frame is not None
        else []
    )
    totals = selectors.overview(District.objects.filter(pk=district.pk))[0]
    return {
        "district": district,
        "totals": totals,
        "rows": rows,
        "sources": [r for r in rows if selectors.is_source(r.entry)],
        "uses": [r for r in rows if selectors.is_use(r.entry)],
        "target": target,
        "milestones": milestones,
        "may_submit": allows(principal, "energyspace", "submit"),
        "may_review": allows(principal, "energyspace", "review"),
        "source_form": forms.get("source_form") or SourceForm(),
        "use_form": forms.get("use_form") or UseForm(),
        "reverse_form": forms.get("reverse_form") or ReverseForm(),
        "target_form": forms.get("target_form") or TargetForm(),
    }


@page("energyspace")
@require_GET
def district_page(request: HttpRequest, district_id: int) -> HttpResponse:
    district = get_object_or_404(District, pk=district_id)
    return render(request, "energyspace/district.html", _district_context(request, district))


def _again(request: HttpRequest, district: District, **forms: Any) -> HttpResponse:
    context = _district_context(request, district, **forms)
    return render(request, "energyspace/district.html", context, status=400)


def _enterprise(form: Any, district: District) -> tuple[bool, Enterprise | None]:
    key = (form.cleaned_data.get("enterprise") or "").strip()
    if not key:
        return True, None
    found = Enterprise.objects.filter(district=district).filter(entity_id=key).first()
    found = found or Enterprise.objects.filter(district=district, uscc=key).first()
    if found is None:
        form.add_error("enterprise", _("No enterprise of this district has this id or USCC."))
        return False, None
    return True, found


def _post_entry(
    request: HttpRequest,
    district_id: int,
    form_class: type[SourceForm] | type[UseForm],
    form_key: str,
    write: Callable[..., object],
    done: str,
) -> HttpResponse:
    """A freed-space or use form posted: checked, written with ``write`` (the action, given
    the form's fields), or shown again with its errors (a refusal of the ledger among them)."""
    district = get_object_or_404(District, pk=district_id)
    form = form_class(request.POST)
    ok = form.is_valid()
    ok, enterprise = _enterprise(form, district) if ok else (False, None)
    if not ok:
        return _again(request, district, **{form_key: form})
    d = form.cleaned_data
    try:
        write(
            district,
            kind=d["kind"],
            amount_tce=d["amount_tce"],
            project_name=d["project_name"],
            evidence=d.get("evidence") or "",
            effective_on=d["effective_on"],
            enterprise=enterprise,
            reason=d.get("reason") or "",
            actor=_actor(request),
        )
    except actions.SpaceRefusedError as exc:
        form.add_error(None, str(exc))
        return _again(request, district, **{form_key: form})
    messages.success(request, done)
    return redirect("energyspace-district", district_id=district.pk)


@page("energyspace", "submit")
@require_POST
def record_source(request: HttpRequest, district_id: int) -> HttpResponse:
    return _post_entry(
        request,
        district_id,
        SourceForm,
        "source_form",
        actions.do_record_source,
        _("Freed space recorded."),
    )


@page("energyspace", "review")
@require_POST
def use_space(request: HttpRequest, district_id: int) -> HttpResponse:
    return _post_entry(
        request,
        district_id,
        UseForm,
        "use_form",
        actions.do_use_space,
        _("Space assigned to the project."),
    )


@page("energyspace", "review")
@require_POST
def reverse_entry(request: HttpRequest, district_id: int) -> HttpResponse:
    district = get_object_or_404(District, pk=district_id)
    form = ReverseForm(request.POST)
    if not form.is_valid():
        return _again(request, district, reverse_form=form)
    entry = SpaceEntry.objects.filter(district=district, seq=form.cleaned_data["entry"]).first()
    if entry is None:
        form.add_error("entry", _("This district's ledger has no entry with this number."))
        return _again(request, district, reverse_form=form)
    try:
        actions.do_reverse(entry, reason=form.cleaned_data["reason"], actor=_actor(request))
    except actions.SpaceRefusedError as exc:
        form.add_error(None, str(exc))
        return _again(request, district, reverse_form=form)
    messages.success(request, _("Entry reversed."))
    return redirect("energyspace-district", district_id=district.pk)


@page("energyspace", "review")
@require_POST
def set_target(request: HttpRequest, district_id: int) -> HttpResponse:
    district = get_object_or_404(District, pk=district_id)
    form = TargetForm(request.POST)
    if not form.is_valid():
        return _again(request, district, target_form=form)
    d = form.cleaned_data
    try:
        actions.do_set_target(
            district,
            target_tce=d["target_tce"],
            start_on=d["start_on"],
            deadline=d["deadline"],
            note=d.get("note") or "",
            actor=_actor(request),
        )
    except actions.SpaceRefusedError as exc:
        form.add_error(None, str(exc))
        return _again(request, district, target_form=form)
    messages.success(request, _("Target set."))
    return redirect("energyspace-district", district_id=district.pk)
