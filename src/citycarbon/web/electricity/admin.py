from __future__ import annotations

from django.contrib import admin

from citycarbon.web.audit.admin import ReadOnlyAdmin
from citycarbon.web.electricity.models import ElectricityAccount, ElectricityBatch


@admin.register(ElectricityBatch)
class ElectricityBatchAdmin(ReadOnlyAdmin):
    """Batches are written by ``do_ingest_readings`` only."""

    list_display = ("id", "at", "source", "rows", "inserted", "corrected", "unchanged")


@admin.register(ElectricityAccount)
class ElectricityAccountAdmin(ReadOnlyAdmin):
    """Accounts are mapped on the accounts page (``do_map_account``), which audits it."""

    list_display = ("account_no", "name", "enterprise", "first_seen", "mapped_at")
    list_filter = ("mapped_at",)
    search_fields = ("account_no", "name", "enterprise__entity_id")
