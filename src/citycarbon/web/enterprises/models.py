"""Enterprises and their yearly economics."""

from __future__ import annotations

from django.conf import settings
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


class OnboardingKind(models.TextChoices):
    REGIONS = "regions", _("districts")
    ENTERPRISES = "enterprises", _("enterprises")
    ECONOMICS = "economics", _("economics")


class OnboardingStatus(models.TextChoices):
    PENDING = "pending", _("waiting to be read")
    RUNNING = "running", _("being read")
    IMPORTED = "imported", _("imported")
    UNCHANGED = "unchanged", _("already imported, nothing changed")
    REJECTED = "rejected", _("rejected, nothing imported")
    FAILED = "failed", _("failed, nothing imported")


ONBOARDING_FINISHED = frozenset(
    {
        OnboardingStatus.IMPORTED,
        OnboardingStatus.UNCHANGED,
        OnboardingStatus.REJECTED,
        OnboardingStatus.FAILED,
    }
)


class OnboardingUpload(models.Model):
    """A districts, enterprises or economics file uploaded on the onboarding page or the API:
    kept until its background job (``onboarding.upload``) has read and imported it, all rows
    or none; the counts or the row errors say what came of it."""

    kind = models.CharField(_("kind"), max_length=16, choices=OnboardingKind.choices)
    source = models.CharField(_("file"), max_length=300)
    sha256 = models.CharField(_("file SHA-256"), max_length=64)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=OnboardingStatus.choices,
        default=OnboardingStatus.PENDING,
    )
    bytes_total = models.PositiveBigIntegerField(_("file size"), default=0)
    bytes_read = models.PositiveBigIntegerField(_("bytes read"), default=0)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    created = models.PositiveIntegerField(_("rows created"), default=0)
    updated = models.PositiveIntegerField(_("rows updated"), default=0)
    unchanged = models.PositiveIntegerField(_("rows unchanged"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("errors found"), default=0)
    problem = models.TextField(_("problem"), blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(_("actor label"), max_length=150)
    at = models.DateTimeField(_("time"), auto_now_add=True)
    stored_name = models.CharField(_("stored file"), max_length=100, blank=True)
    job = models.ForeignKey(
        "jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("-at", "-id")
        verbose_name = _("onboarding upload")
        verbose_name_plural = _("onboarding uploads")

    def __str__(self) -> str:
        return f"{self.kind} {self.source} {self.status}"

    @property
    def finished(self) -> bool:
        return self.status in ONBOARDING_FINISHED

    @property
    def percent_read(self) -> int:
        if not self.bytes_total:
            return 0
        return min(100, int(100 * self.bytes_read / self.bytes_total))


class Consent(models.Model):
    """An enterprise lets a bank read its codes and portraits, until it revokes. (Its table
    keeps the name it had when consents lived with access.)"""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="consents")
    bank = models.ForeignKey("access.Bank", on_delete=models.PROTECT, related_name="consents")
    granted_at = models.DateTimeField(_("granted"), auto_now_add=True)
    granted_by = models.CharField(_("granted by"), max_length=150)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.CharField(_("revoked by"), max_length=150, blank=True)

    class Meta:
        db_table = "access_consent"
        ordering = ("-granted_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=("enterprise", "bank"),
                condition=models.Q(revoked_at__isnull=True),
                name="consent_one_active",
            )
        ]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self) -> str:
        return f"{self.enterprise_id} → {self.bank_id}"
