"""The energy-use space ledger (腾出用能空间): per district, append-only entries of space
freed (sources) and assigned (uses) in tce, and the district's target for space to free by
a deadline (each setting a new row). On PostgreSQL both tables refuse UPDATE and DELETE."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from citycarbon.web.enterprises.models import Enterprise
from citycarbon.web.regions.models import District

TCE_DIGITS, TCE_PLACES = 16, 4
"""Amounts in tce to 0.0001 (0.1 kgce), up to 10^12 tce: ``core.energyspace.TCE``."""


class EntryKind(models.TextChoices):
    CLOSURE = "closure", _("closure of backward capacity")
    RETROFIT = "retrofit", _("verified energy-saving retrofit")
    OTHER_SOURCE = "other_source", _("other freed space")
    ALLOCATION = "allocation", _("allocation to a project")
    RESERVATION = "reservation", _("reservation for a project")
    RELEASE = "release", _("release of a reservation")
    REVERSAL = "reversal", _("reversal")


SOURCE_KINDS = frozenset({EntryKind.CLOSURE, EntryKind.RETROFIT, EntryKind.OTHER_SOURCE})
"""Kinds that free space (amount > 0)."""
USE_KINDS = frozenset({EntryKind.ALLOCATION, EntryKind.RESERVATION})
"""Kinds that take space (amount < 0)."""
CORRECTION_KINDS = frozenset({EntryKind.RELEASE, EntryKind.REVERSAL})
"""Kinds that undo one earlier entry exactly (``reverses``)."""


class SpaceEntry(models.Model):
    """One entry of a district's ledger, never edited: ``amount_tce`` signed (a source adds,
    a use subtracts, a correction is the opposite of the entry it ``reverses``); ``seq``
    orders the district's entries from 1; ``chain_hash`` chains them
    (``core.ledger.entry_hash``)."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="space_entries")
    seq = models.PositiveIntegerField(_("number"))
    kind = models.CharField(_("kind"), max_length=16, choices=EntryKind.choices)
    amount_tce = models.DecimalField(
        _("amount (tce)"), max_digits=TCE_DIGITS, decimal_places=TCE_PLACES
    )
    project_name = models.CharField(_("project or source"), max_length=200, blank=True)
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="space_entries",
        verbose_name=_("enterprise"),
    )
    evidence = models.CharField(_("evidence"), max_length=300, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    effective_on = models.DateField(_("effective date"))
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name=_("reverses"),
    )
    chain_hash = models.CharField(_("chain hash"), max_length=64)
    at = models.DateTimeField(_("time"), auto_now_add=True)
    actor_label = models.CharField(_("actor label"), max_length=150)

    class Meta:
        ordering = ("district", "seq")
        constraints = [
            models.UniqueConstraint(fields=("district", "seq"), name="space_entry_district_seq"),
        ]
        verbose_name = _("energy-use space entry")
        verbose_name_plural = _("energy-use space entries")

    def __str__(self) -> str:
        return f"{self.district_id} #{self.seq} {self.kind} {self.amount_tce}"


class SpaceTarget(models.Model):
    """A district's target for space to free, ``target_tce`` from ``start_on`` to
    ``deadline`` (明确腾退用能空间目标, 倒排时间任务); a later row supersedes an earlier one."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="space_targets")
    target_tce = models.DecimalField(
        _("space to free (tce)"), max_digits=TCE_DIGITS, decimal_places=TCE_PLACES
    )
    start_on = models.DateField(_("start date"))
    deadline = models.DateField(_("deadline"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    at = models.DateTimeField(_("time"), auto_now_add=True)
    actor_label = models.CharField(_("actor label"), max_length=150)

    class Meta:
        ordering = ("district", "-id")
        verbose_name = _("energy-use space target")
        verbose_name_plural = _("energy-use space targets")

    def __str__(self) -> str:
        return f"{self.district_id} {self.target_tce} by {self.deadline}"
