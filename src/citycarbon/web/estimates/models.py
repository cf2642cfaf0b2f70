"""Estimate runs (速算批次) and their rows: the rapid estimates built by a job over the
published accounting run (``runs``), read by the pages and the API. Rows are only ever
added, one set per run."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from citycarbon.web.energy.models import AccountingRun
from citycarbon.web.enterprises.models import Enterprise
from citycarbon.web.jobs.models import DerivedRun


class EstimateRun(DerivedRun):
    """One build of the rapid estimates: ratios fitted on ``fit_year`` from the monthly
    emissions of the published accounting run's factor set, applied to the readings."""

    accounting_run = models.ForeignKey(
        AccountingRun, on_delete=models.PROTECT, related_name="estimate_runs"
    )
    fit_year = models.PositiveSmallIntegerField(_("fit year"), null=True, blank=True)
    backtest_fit_year = models.PositiveSmallIntegerField(null=True, blank=True)
    backtest_test_year = models.PositiveSmallIntegerField(null=True, blank=True)
    enterprises = models.PositiveIntegerField(_("enterprises estimated"), default=0)

    class Meta(DerivedRun.Meta):
        verbose_name = _("estimate run")
        verbose_name_plural = _("estimate runs")


class Grain(models.TextChoices):
    MONTH = "month", _("month")
    DAY = "day", _("day")


class Estimate(models.Model):
    """``core.rapid.ESTIMATES`` for one enterprise and month (or day)."""

    run = models.ForeignKey(EstimateRun, on_delete=models.CASCADE, related_name="estimates")
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    grain = models.CharField(_("grain"), max_length=8, choices=Grain.choices)
    period = models.CharField(_("period"), max_length=10)
    district_code = models.CharField(max_length=12, blank=True)
    industry_code = models.CharField(max_length=4, blank=True)
    kwh = models.FloatField(null=True)
    tco2_per_mwh = models.FloatField(null=True)
    ratio_level = models.CharField(max_length=16, blank=True)
    estimated_tco2 = models.FloatField(null=True)
    accounted_tco2 = models.FloatField(null=True)
    reported_tco2 = models.FloatField(null=True)
    reported_source = models.CharField(max_length=12, blank=True)

    class Meta:
        indexes = [models.Index(fields=("run", "grain", "period"), name="estimate_run_period")]
        verbose_name = _("estimate")
        verbose_name_plural = _("estimates")

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.period}"


class EstimateSum(models.Model):
    """Sums of a run's estimates by period, district and industry division (the cells the
    pages add up): MWh, tCO2 and the enterprises behind them; for a month also the
    enterprises with daily readings in it."""

    run = models.ForeignKey(EstimateRun, on_delete=models.CASCADE, related_name="sums")
    grain = models.CharField(_("grain"), max_length=8, choices=Grain.choices)
    period = models.CharField(_("period"), max_length=10)
    district_code = models.CharField(max_length=12, blank=True)
    division = models.CharField(max_length=2, blank=True)
    kwh = models.FloatField(null=True)
    estimated_tco2 = models.FloatField(null=True)
    accounted_tco2 = models.FloatField(null=True)
    reported_tco2 = models.FloatField(null=True)
    estimated_enterprises = models.PositiveIntegerField(default=0)
    accounted_enterprises = models.PositiveIntegerField(default=0)
    daily_enterprises = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=("run", "grain", "period"), name="estimate_sum_period")]
        verbose_name = _("estimate sum")
        verbose_name_plural = _("estimate sums")

    def __str__(self) -> str:
        return f"{self.run_id} {self.period} {self.district_code} {self.division}"


class EstimateRatio(models.Model):
    """A fitted ratio (``core.rapid.RATIOS``): tCO2 per MWh of an industry level."""

    run = models.ForeignKey(EstimateRun, on_delete=models.CASCADE, related_name="ratios")
    level = models.CharField(max_length=16)
    district_code = models.CharField(max_length=12, blank=True)
    industry_key = models.CharField(max_length=4, blank=True)
    enterprises = models.PositiveIntegerField()
    tco2 = models.FloatField()
    mwh = models.FloatField()
    tco2_per_mwh = models.FloatField()

    class Meta:
        verbose_name = _("estimate ratio")
        verbose_name_plural = _("estimate ratios")

    def __str__(self) -> str:
        return f"{self.level} {self.district_code} {self.industry_key}"


class BacktestRow(models.Model):
    """``core.rapid.BACKTEST_SUMMARY``: one scope and key of a run's back-test."""

    run = models.ForeignKey(EstimateRun, on_delete=models.CASCADE, related_name="backtest")
    scope = models.CharField(max_length=12)
    key = models.CharField(max_length=40, blank=True)
    points = models.PositiveIntegerField()
    mape_pct = models.FloatField(null=True)
    max_ape_pct = models.FloatField(null=True)
    bias_pct = models.FloatField(null=True)
    estimated_tco2 = models.FloatField(null=True)
    accounted_tco2 = models.FloatField(null=True)

    class Meta:
        verbose_name = _("back-test row")
        verbose_name_plural = _("back-test rows")

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"
