"""Issued reports: what was issued, to whom it refers, and the hash of the PDF handed out."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IssuedReport(models.Model):
    """One issued report, found by its verification id (printed on it and held by its QR).
    The document and the PDF are kept as issued, so the page and the download show what was
    signed for, whatever the data became later."""

    id = models.CharField(_("verification id"), max_length=19, primary_key=True)
    kind = models.CharField(_("kind"), max_length=40)
    subject = models.CharField(_("subject"), max_length=64)
    subject_label = models.CharField(_("subject name"), max_length=300)
    period = models.CharField(_("period"), max_length=10)
    title = models.CharField(_("title"), max_length=200)
    params = models.JSONField(_("parameters"), default=dict)
    document = models.JSONField(_("document"))
    language = models.CharField(_("language"), max_length=10)
    pdf = models.BinaryField(_("PDF"))
    sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64)
    created_at = models.DateTimeField(_("issued"), default=timezone.now)
    actor_label = models.CharField(_("issued by"), max_length=150)

    class Meta:
        ordering = ("-created_at",)
        indexes = [models.Index(fields=("kind", "subject", "period"), name="report_subject")]
        verbose_name = _("issued report")
        verbose_name_plural = _("issued reports")

    def __str__(self) -> str:
        return f"{self.id} {self.kind} {self.subject} {self.period}"
