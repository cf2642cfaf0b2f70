"""Balance runs and their rows: the energy balance (能源平衡表) of every year with records,
built by a job over the published accounting run (``runs``), read by the pages. Rows are
only ever added, one set per run."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from citycarbon.web.energy.models import AccountingRun
from citycarbon.web.jobs.models import DerivedRun


class BalanceRun(DerivedRun):
    """One build of the balances of every year, with the coefficients of the published
    accounting run's factor set."""

    accounting_run = models.ForeignKey(
        AccountingRun, on_delete=models.PROTECT, related_name="balance_runs"
    )

    class Meta(DerivedRun.Meta):
        verbose_name = _("energy balance run")
        verbose_name_plural = _("energy balance runs")


class BalanceYear(models.Model):
    """How completely a year is reported (``selectors.Coverage``)."""

    run = models.ForeignKey(BalanceRun, on_delete=models.CASCADE, related_name="years")
    year = models.PositiveSmallIntegerField(_("year"))
    months = models.PositiveSmallIntegerField()
    all_months = models.BooleanField()
    reporting = models.PositiveIntegerField()
    full_year = models.PositiveIntegerField()
    enterprises = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("run", "year"), name="balance_year_key"),
        ]
        verbose_name = _("energy balance year")
        verbose_name_plural = _("energy balance years")

    def __str__(self) -> str:
        return f"{self.run_id} {self.year}"


class BalanceRow(models.Model):
    """``core.balance.BALANCE`` for one year, scope (``city`` or a district code) and energy
    code, in physical units."""

    run = models.ForeignKey(BalanceRun, on_delete=models.CASCADE, related_name="rows")
    year = models.PositiveSmallIntegerField(_("year"))
    scope = models.CharField(max_length=12)
    category = models.CharField(max_length=24, blank=True)
    energy_code = models.CharField(max_length=2)
    name_zh = models.CharField(max_length=200, blank=True)
    name_en = models.CharField(max_length=200, blank=True)
    unit = models.CharField(max_length=24, blank=True)
    unit_zh = models.CharField(max_length=24, blank=True)
    tce_per_unit = models.FloatField(null=True)
    supply = models.FloatField()
    transformation_input = models.FloatField()
    transformation_output = models.FloatField()
    final_mining = models.FloatField()
    final_intensive = models.FloatField()
    final_manufacturing_other = models.FloatField()
    final_utilities = models.FloatField()
    final_other = models.FloatField()
    final_total = models.FloatField()
    non_industrial = models.FloatField()
    feedstock = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=("run", "year", "scope"), name="balance_row_scope")]
        verbose_name = _("energy balance row")
        verbose_name_plural = _("energy balance rows")

    def __str__(self) -> str:
        return f"{self.run_id} {self.year} {self.scope} {self.energy_code}"
