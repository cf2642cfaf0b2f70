from __future__ import annotations

from django.contrib import admin

from citycarbon.web.audit.admin import ReadOnlyAdmin
from citycarbon.web.grading.models import GradingRun


@admin.register(GradingRun)
class GradingRunAdmin(ReadOnlyAdmin):
    """Runs are written by ``do_grade`` and published by ``do_publish`` only."""

    list_display = ("id", "at", "scheme", "industry_average", "graded", "ungraded", "published_at")
