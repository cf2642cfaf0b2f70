"""A background job: what to run, its state and, when it failed, why (zh and en)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    PENDING = "pending", _("waiting")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class Job(models.Model):
    """One run of a registered job kind (``registry.job``) with its JSON parameters. The
    django-tasks result is the transport; this row is what pages show and what survives a
    worker that died mid-job (``recover``)."""

    kind = models.CharField(_("kind"), max_length=60)
    params = models.JSONField(_("parameters"), default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING
    )
    reason_zh = models.TextField(_("reason (Chinese)"), blank=True)
    reason_en = models.TextField(_("reason (English)"), blank=True)
    worker = models.CharField(_("worker"), max_length=120, blank=True)
    actor_label = models.CharField(_("actor label"), max_length=150)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    progress_done = models.PositiveIntegerField(_("steps done"), default=0)
    progress_total = models.PositiveIntegerField(_("steps"), default=0)
    progress_label = models.CharField(_("step"), max_length=120, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=("status",), name="job_status")]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.status}"

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)
