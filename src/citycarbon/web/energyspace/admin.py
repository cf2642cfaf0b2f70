from __future__ import annotations

from django.contrib import admin

from citycarbon.web.audit.admin import ReadOnlyAdmin
from citycarbon.web.energyspace.models import SpaceEntry, SpaceTarget


@admin.register(SpaceEntry)
class SpaceEntryAdmin(ReadOnlyAdmin):
    """Entries are appended by the ``do_*`` actions only; a correction is a reversal."""

    list_display = ("district", "seq", "kind", "amount_tce", "project_name", "effective_on", "at")


@admin.register(SpaceTarget)
class SpaceTargetAdmin(ReadOnlyAdmin):
    """Targets are set by ``do_set_target`` only (a new row each time)."""

    list_display = ("district", "target_tce", "start_on", "deadline", "at")
