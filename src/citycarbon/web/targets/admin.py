from __future__ import annotations

from django.contrib import admin

from citycarbon.web.audit.admin import ReadOnlyAdmin
from citycarbon.web.targets.models import Scenario, Target, TargetValue


@admin.register(Target)
class TargetAdmin(ReadOnlyAdmin):
    """Targets are written by ``do_import_targets`` only (and the seed migration)."""

    list_display = ("code", "city", "subject_name", "indicator_name", "target_year", "value")
    search_fields = ("code", "subject_name", "indicator_name")


@admin.register(TargetValue)
class TargetValueAdmin(ReadOnlyAdmin):
    """Observations are appended by ``do_record_value`` only."""

    list_display = ("target", "year_from", "year_to", "change_pct", "value", "source", "at")


@admin.register(Scenario)
class ScenarioAdmin(ReadOnlyAdmin):
    """Scenario versions are saved by ``do_save_scenario`` only."""

    list_display = ("name", "version", "base_year", "end_year", "at", "actor_label")
