"""Audit events: who did what to which object, when, with the state before and after."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One write. Written by the action function in the same transaction as the write, so a
    failed action leaves neither its data nor its event.

    Events form a hash chain (``audit.chain``): ``sequence`` counts them from 1 without gaps,
    ``prev_hash`` is the previous event's ``hash``, and ``hash`` is the SHA-256 of the event's
    canonical form. The actor's id stays when the user is deleted (no database constraint,
    nothing done on delete), so the event still says who acted and its hash still holds."""

    sequence = models.PositiveBigIntegerField(_("sequence"), unique=True, editable=False)
    at = models.DateTimeField(_("time"), default=timezone.now, editable=False, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(
        _("actor label"),
        max_length=150,
        help_text=_("User name, or system:<job> for the platform's own jobs."),
    )
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64, blank=True, editable=False)
    hash = models.CharField(_("hash"), max_length=64, editable=False)

    class Meta:
        ordering = ("-at", "-id")
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.object_type}"


class AuditChainHead(models.Model):
    """The chain's last link, one row: appending an event locks it, so concurrent writers
    append one after the other and never fork the chain; ``audit verify`` compares it with
    the last event, so deleting events at the end is noticed too."""

    sequence = models.PositiveBigIntegerField(_("sequence"), default=0)
    hash = models.CharField(_("hash"), max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain head")

    def __str__(self) -> str:
        return f"{self.sequence} {self.hash[:12]}"


class DataImport(models.Model):
    """One imported batch of data, by the SHA-256 of its content: importing the same content
    of the same kind again finds this row and changes nothing."""

    kind = models.CharField(_("kind"), max_length=32)
    source = models.CharField(_("source"), max_length=300)
    sha256 = models.CharField(_("content SHA-256"), max_length=64)
    rows = models.PositiveIntegerField(_("rows"))
    at = models.DateTimeField(_("time"), auto_now_add=True)
    actor_label = models.CharField(_("actor label"), max_length=150)

    class Meta:
        ordering = ("-at", "-id")
        constraints = [
            models.UniqueConstraint(fields=("kind", "sha256"), name="data_import_unique")
        ]
        verbose_name = _("data import")
        verbose_name_plural = _("data imports")

    def __str__(self) -> str:
        return f"{self.kind} {self.source} ({self.rows} rows)"
