from __future__ import annotations

from django.contrib import admin

from citycarbon.web.audit.admin import ReadOnlyAdmin
from citycarbon.web.energy.models import AccountingRun


@admin.register(AccountingRun)
class AccountingRunAdmin(ReadOnlyAdmin):
    """Runs are written by ``do_account`` only."""

    list_display = ("id", "at", "factor_set", "grain", "records", "actor_label")
