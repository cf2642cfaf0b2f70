"""Enterprises and their yearly economics."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from citycarbon.web.regions.models import District, Industry


class Enterprise(models.Model):
    """An enterprise: ``entity_id`` is the id used in energy and economics files, ``uscc`` its
    统一社会信用代码 where known."""

    entity_id = models.CharField(_("entity id"), max_length=64, unique=True)
    uscc = models.CharField(_("USCC"), max_length=18, unique=True, null=True, blank=True)
    name = models.CharField(_("name"), max_length=200)
    district = models.ForeignKey(
        District, verbose_name=_("district"), on_delete=models.PROTECT, related_name="enterprises"
    )
    industry = models.ForeignKey(
        Industry, verbose_name=_("industry"), on_delete=models.PROTECT, related_name="enterprises"
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    key_energy_user = models.BooleanField(_("key energy user (重点用能单位)"), default=False)
    synthetic = models.BooleanField(
        _("synthetic"), default=False, help_text=_("Demo data, not a real enterprise.")
    )

    class Meta:
        ordering = ("entity_id",)
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")

    def __str__(self) -> str:
        return f"{self.entity_id} {self.name}"


class EconomicYear(models.Model):
    """Value added (工业增加值) of an enterprise in a year; empty when not reported."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="economic_years"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    value_added_10k_yuan = models.FloatField(_("value added (万元)"), null=True, blank=True)
    gross_output_10k_yuan = models.FloatField(_("gross output (万元)"), null=True, blank=True)

    class Meta:
        ordering = ("enterprise", "year")
        constraints = [
            models.UniqueConstraint(fields=("enterprise", "year"), name="economic_year_unique")
        ]
        verbose_name = _("value added")
        verbose_name_plural = _("value added")

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.year}"


class KeyEnergyUser(models.Model):
    """An enterprise flagged a key energy user (重点用能单位) for a year: its accounted energy
    of that year reached the threshold (``core.key_energy_users``). Written after each
    accounting run for the years the run covers; ``Enterprise.key_energy_user`` follows the
    latest of them."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="key_energy_years"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    energy_tce = models.FloatField(_("energy (tce)"))
    threshold_tce = models.FloatField(_("threshold (tce)"))
    rule_version = models.CharField(_("rule version"), max_length=32)
    method_version = models.CharField(_("method version"), max_length=32)
    accounting_run = models.ForeignKey(
        "energy.AccountingRun",
        verbose_name=_("accounting run"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ("enterprise", "year")
        constraints = [
            models.UniqueConstraint(fields=("enterprise", "year"), name="key_energy_user_unique")
        ]
        verbose_name = _("key energy user")
        verbose_name_plural = _("key energy users")

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.year}"
