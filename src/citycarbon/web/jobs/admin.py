from __future__ import annotations

from django.contrib import admin

from citycarbon.web.audit.admin import ReadOnlyAdmin
from citycarbon.web.jobs.models import Job


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    """Jobs are written by ``do_enqueue_job`` and the worker only."""

    list_display = ("id", "kind", "status", "created_at", "finished_at", "actor_label")
    list_filter = ("kind", "status")
