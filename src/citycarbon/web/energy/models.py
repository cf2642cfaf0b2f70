"""Energy records and the accounting runs that turn them into emissions."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from citycarbon.core.schemas import PURPOSES
from citycarbon.web.audit.models import DataImport
from citycarbon.web.enterprises.models import Enterprise


class EnergyRecord(models.Model):
    """One 205-1 record, quantity in the standard unit of its energy code.

    Bulk-loaded by the millions (``ingest``): the two foreign keys are kept by the import
    action, which maps every record to an enterprise and its import in the same transaction,
    not by database constraints, whose per-row checks at commit cost more than the load
    itself. The unique key's index also serves look-ups by enterprise."""

    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        related_name="energy_records",
        db_constraint=False,
        db_index=False,
    )
    period = models.CharField(_("period"), max_length=10)
    energy_code = models.CharField(_("205-1 energy code"), max_length=2)
    purpose = models.CharField(_("purpose"), max_length=16, choices=[(p, p) for p in PURPOSES])
    quantity = models.FloatField(_("quantity (standard unit)"))
    data_import = models.ForeignKey(
        DataImport,
        on_delete=models.PROTECT,
        related_name="energy_records",
        db_constraint=False,
        db_index=False,
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("enterprise", "period", "energy_code", "purpose"),
                name="energy_record_key",
            )
        ]
        verbose_name = _("energy record")
        verbose_name_plural = _("energy records")

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.period} {self.energy_code} {self.purpose}"


class EnergyRecordHistory(models.Model):
    """A record that a later import replaced: a corrected form or file for the same enterprise
    and period supersedes every record of that pair. Rows are only ever added."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+")
    period = models.CharField(_("period"), max_length=10)
    energy_code = models.CharField(_("205-1 energy code"), max_length=2)
    purpose = models.CharField(_("purpose"), max_length=16, choices=[(p, p) for p in PURPOSES])
    quantity = models.FloatField(_("quantity (standard unit)"))
    data_import = models.ForeignKey(DataImport, on_delete=models.PROTECT, related_name="+")
    replaced_by = models.ForeignKey(
        DataImport, on_delete=models.PROTECT, related_name="replaced_energy_records"
    )

    class Meta:
        indexes = [models.Index(fields=("enterprise", "period"), name="energy_history_pair")]
        verbose_name = _("replaced energy record")
        verbose_name_plural = _("replaced energy records")

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.period} {self.energy_code} {self.purpose}"


class UploadStatus(models.TextChoices):
    PENDING = "pending", _("waiting to be read")
    RUNNING = "running", _("being read")
    IMPORTED = "imported", _("imported")
    PARTIAL = "partial", _("partly imported, rest in quarantine")
    QUARANTINED = "quarantined", _("nothing imported, every row in quarantine")
    UNCHANGED = "unchanged", _("already imported, nothing changed")
    REJECTED = "rejected", _("rejected, nothing imported")
    FAILED = "failed", _("failed, nothing imported")


FINISHED_STATUSES = frozenset(
    {
        UploadStatus.IMPORTED,
        UploadStatus.PARTIAL,
        UploadStatus.QUARANTINED,
        UploadStatus.UNCHANGED,
        UploadStatus.REJECTED,
        UploadStatus.FAILED,
    }
)


class EnergyUpload(models.Model):
    """One file brought in by a person or a command, and what became of it. A page upload
    is a row at once (pending), read by a background job; a command's rejected
    all-or-nothing import writes nothing, so it has no row here. Only an upload that
    imported records has a ``data_import``: one that imported nothing (rejected, failed,
    every row quarantined) does not block the same file later."""

    source = models.CharField(_("file"), max_length=300)
    sha256 = models.CharField(_("file SHA-256"), max_length=64)
    file_format = models.CharField(_("format"), max_length=16)
    status = models.CharField(_("status"), max_length=16, choices=UploadStatus.choices)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    rows_imported = models.PositiveIntegerField(_("rows imported"), default=0)
    rows_quarantined = models.PositiveIntegerField(_("rows in quarantine"), default=0)
    pairs_superseded = models.PositiveIntegerField(_("enterprise-periods superseded"), default=0)
    warnings = models.JSONField(_("warnings"), default=list, blank=True)
    data_import = models.ForeignKey(
        DataImport, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    enterprise = models.ForeignKey(
        Enterprise,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Set when an enterprise uploaded its own data."),
    )
    actor_label = models.CharField(_("actor label"), max_length=150)
    at = models.DateTimeField(_("time"), auto_now_add=True)
    partial = models.BooleanField(_("partial import"), default=False)
    stored_name = models.CharField(
        _("stored file"),
        max_length=100,
        blank=True,
        help_text=_("The file under the upload folder until its job has read it."),
    )
    job = models.ForeignKey(
        "jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    errors = models.JSONField(_("errors"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("errors found"), default=0)
    problem = models.TextField(_("problem"), blank=True)

    class Meta:
        ordering = ("-at", "-id")
        verbose_name = _("energy upload")
        verbose_name_plural = _("energy uploads")

    def __str__(self) -> str:
        return f"{self.source} {self.status}"


class QuarantinedRow(models.Model):
    """A row that a partial import set aside, as it was read, with why: the uploader downloads
    these, fixes them and uploads them again."""

    upload = models.ForeignKey(EnergyUpload, on_delete=models.CASCADE, related_name="quarantine")
    row = models.PositiveIntegerField(_("row"))
    fields = models.JSONField(_("fields as read"))
    error_columns = models.CharField(_("columns"), max_length=300)
    error_codes = models.CharField(_("error codes"), max_length=300)
    reason_zh = models.TextField(_("reason (Chinese)"))
    reason_en = models.TextField(_("reason (English)"))

    class Meta:
        ordering = ("upload", "row")
        verbose_name = _("quarantined row")
        verbose_name_plural = _("quarantined rows")

    def __str__(self) -> str:
        return f"{self.upload_id}:{self.row}"

    @property
    def as_read(self) -> dict[str, Any]:
        """The row's fields in the order of the file's columns. ``fields`` holds them as a
        list of ``[column, value]`` pairs, since PostgreSQL's jsonb keeps no key order in an
        object; a row stored as an object (before) gives its keys as stored."""
        if isinstance(self.fields, list):
            return {str(column): value for column, value in self.fields}
        return dict(self.fields)


class AccountingRun(models.Model):
    """One accounting of every energy record in the database with one factor set. Its key
    (factor set hash, method version, grain, records fingerprint) makes reruns idempotent."""

    factor_set = models.CharField(_("factor set"), max_length=120)
    factor_set_hash = models.CharField(_("factor set SHA-256"), max_length=64)
    method_version = models.CharField(_("method version"), max_length=32)
    grain = models.CharField(_("grain"), max_length=8)
    records_fingerprint = models.CharField(
        _("records fingerprint"),
        max_length=64,
        help_text=_("SHA-256 over the imports whose records were accounted."),
    )
    records = models.PositiveIntegerField(_("records"))
    at = models.DateTimeField(_("time"), auto_now_add=True)
    actor_label = models.CharField(_("actor label"), max_length=150)
    job = models.ForeignKey(
        "jobs.Job",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The background job that made the run: its status, timings and reason."),
    )

    class Meta:
        ordering = ("-at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=("factor_set_hash", "method_version", "grain", "records_fingerprint"),
                name="accounting_run_key",
            )
        ]
        verbose_name = _("accounting run")
        verbose_name_plural = _("accounting runs")

    def __str__(self) -> str:
        return f"#{self.pk} {self.factor_set} {self.grain}"


class Emission(models.Model):
    """Energy and CO2 of an enterprise in a period, from one accounting run (the detailed
    output of ``citycarbon emissions --detail``)."""

    run = models.ForeignKey(AccountingRun, on_delete=models.CASCADE, related_name="emissions")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+")
    period = models.CharField(_("period"), max_length=10)
    energy_tce = models.FloatField()
    scope1_tco2 = models.FloatField()
    scope2_tco2 = models.FloatField()
    total_tco2 = models.FloatField()
    feedstock_tce = models.FloatField()
    renewable_tce = models.FloatField()
    green_purchase_mwh = models.FloatField()
    self_generated_mwh = models.FloatField()
    netted_tco2 = models.FloatField()
    coal_tce = models.FloatField()
    oil_tce = models.FloatField()
    gas_tce = models.FloatField()
    electricity_heat_tce = models.FloatField()
    other_tce = models.FloatField()
    largest_sources = models.CharField(max_length=120, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("run", "enterprise", "period"), name="emission_key")
        ]
        verbose_name = _("emissions")
        verbose_name_plural = _("emissions")

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.period}"
