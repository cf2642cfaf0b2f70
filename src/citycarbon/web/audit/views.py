"""The audit log, for regulators: filter by action, object type, actor and date."""

from __future__ import annotations

from datetime import datetime

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from citycarbon.web.access.pages import page
from citycarbon.web.audit.models import AuditEvent


def _date(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


@page("audit")
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    qs = AuditEvent.objects.all()
    action = request.GET.get("action", "")
    object_type = request.GET.get("object_type", "")
    actor = request.GET.get("actor", "").strip()
    since = _date(request.GET.get("since", ""))
    until = _date(request.GET.get("until", ""))
    if action:
        qs = qs.filter(action=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if actor:
        qs = qs.filter(actor_label__icontains=actor)
    if since:
        qs = qs.filter(at__date__gte=since.date())
    if until:
        qs = qs.filter(at__date__lte=until.date())
    page_obj = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/log.html",
        {
            "page_obj": page_obj,
            "actions": AuditEvent.objects.values_list("action", flat=True)
            .distinct()
            .order_by("action"),
            "object_types": AuditEvent.objects.values_list("object_type", flat=True)
            .distinct()
            .order_by("object_type"),
            "filters": request.GET,
            "query": query.urlencode(),
        },
    )
