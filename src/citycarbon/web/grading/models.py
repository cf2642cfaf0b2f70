"""Grading runs and the codes (碳效码) they give; a run's codes are public once published."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from citycarbon.web.energy.models import AccountingRun
from citycarbon.web.enterprises.models import Enterprise


class GradingRun(models.Model):
    """One grading of an accounting run's emissions against the economics in the database."""

    accounting_run = models.ForeignKey(
        AccountingRun, on_delete=models.PROTECT, related_name="grading_runs"
    )
    economics_fingerprint = models.CharField(_("economics fingerprint"), max_length=64)
    scheme = models.CharField(_("threshold scheme"), max_length=32)
    industry_average = models.CharField(_("industry average"), max_length=8)
    min_peers = models.PositiveSmallIntegerField(_("fewest peers"))
    confidence_samples = models.PositiveSmallIntegerField(_("bootstrap samples"))
    graded = models.PositiveIntegerField(_("graded"))
    ungraded = models.PositiveIntegerField(_("not graded"))
    at = models.DateTimeField(_("time"), auto_now_add=True)
    actor_label = models.CharField(_("actor label"), max_length=150)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.CharField(_("published by"), max_length=150, blank=True)
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
                fields=(
                    "accounting_run",
                    "economics_fingerprint",
                    "scheme",
                    "industry_average",
                    "min_peers",
                    "confidence_samples",
                ),
                name="grading_run_key",
            )
        ]
        verbose_name = _("grading run")
        verbose_name_plural = _("grading runs")

    def __str__(self) -> str:
        return f"#{self.pk} {self.scheme} ({self.graded} graded)"


class CarbonCode(models.Model):
    """An enterprise's carbon-efficiency code for a year: level (碳效水平) and grade (碳效等级)
    with the figures behind them and how sure the grade is."""

    run = models.ForeignKey(GradingRun, on_delete=models.CASCADE, related_name="codes")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="codes")
    year = models.PositiveSmallIntegerField(_("year"))
    intensity_tco2_per_10k_yuan = models.FloatField(_("intensity L (tCO2/万元)"))
    industry_avg_intensity = models.FloatField(_("industry average L"))
    k_value = models.FloatField(_("carbon-efficiency value K"))
    level = models.CharField(_("level"), max_length=4)
    grade = models.PositiveSmallIntegerField(_("grade"))
    peer_count = models.PositiveIntegerField(_("peers"))
    industry_level_used = models.CharField(_("industry level used"), max_length=8)
    industry_code_used = models.CharField(_("industry code used"), max_length=4)
    total_tco2 = models.FloatField()
    value_added_10k_yuan = models.FloatField()
    grade_confidence = models.FloatField(_("grade confidence"))
    grade_low = models.PositiveSmallIntegerField()
    grade_high = models.PositiveSmallIntegerField()
    grade_may_flip = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("run", "enterprise", "year"), name="carbon_code_key")
        ]
        verbose_name = _("carbon-efficiency code")
        verbose_name_plural = _("carbon-efficiency codes")

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.year} {self.level}{self.grade}级"


class Ungraded(models.Model):
    """An enterprise-year a run could not grade, with the reason code."""

    run = models.ForeignKey(GradingRun, on_delete=models.CASCADE, related_name="ungraded_rows")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    reason = models.CharField(_("reason"), max_length=32)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("run", "enterprise", "year"), name="ungraded_key")
        ]
        verbose_name = _("ungraded enterprise-year")
        verbose_name_plural = _("ungraded enterprise-years")

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.year} {self.reason}"
