"""The audit log, for regulators: filter by action, object type, actor and date."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from citycarbon.web.access.pages import page
from citycarbon.web.audit.forms import AuditFilters
from citycarbon.web.audit.models import AuditEvent
from citycarbon.web.forms import invalid_filters


@page("audit")
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    events = AuditEvent.objects.all()
    form = AuditFilters(
        request.GET,
        actions=list(events.values_list("action", flat=True).distinct().order_by("action")),
        object_types=list(
            events.values_list("object_type", flat=True).distinct().order_by("object_type")
        ),
    )
    if not form.is_valid():
        return invalid_filters(request, form)
    f = form.cleaned_data
    qs = events
    if f["action"]:
        qs = qs.filter(action=f["action"])
    if f["object_type"]:
        qs = qs.filter(object_type=f["object_type"])
    if f["actor"]:
        qs = qs.filter(actor_label__icontains=f["actor"])
    if f["since"]:
        qs = qs.filter(at__date__gte=f["since"])
    if f["until"]:
        qs = qs.filter(at__date__lte=f["until"])
    page_obj = form.page_of(Paginator(qs, 50))
    if page_obj is None:
        return invalid_filters(request, form)
    return render(
        request, "audit/log.html", {"page_obj": page_obj, "form": form, "query": form.query()}
    )
