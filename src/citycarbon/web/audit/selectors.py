"""Reading the audit trail."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from citycarbon.web.audit.models import AuditEvent


def events(
    *,
    action: str | None = None,
    object_type: str | None = None,
    actor_label: str | None = None,
    since: datetime | None = None,
) -> QuerySet[AuditEvent]:
    """Audit events, newest first, filtered by any of the arguments given."""
    qs = AuditEvent.objects.all()
    if action:
        qs = qs.filter(action=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if actor_label:
        qs = qs.filter(actor_label=actor_label)
    if since:
        qs = qs.filter(at__gte=since)
    return qs
