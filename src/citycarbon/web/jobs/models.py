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


class DerivedRunStatus(models.TextChoices):
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class DerivedRun(models.Model):
    """What every derived run records (estimates, the energy balance): the accounting run
    and factor set it derives from (in the concrete model), the method version, a
    fingerprint of its inputs, who asked, its state, timings and, when it failed, why. Its
    result rows are written in one transaction with the run's end (``derived.build``): a
    failed run has none."""

    factor_set = models.CharField(_("factor set"), max_length=120)
    factor_set_hash = models.CharField(_("factor set SHA-256"), max_length=64)
    method_version = models.CharField(_("method version"), max_length=32)
    input_fingerprint = models.CharField(
        _("input fingerprint"),
        max_length=64,
        help_text=_("SHA-256 over the input frames the run read."),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DerivedRunStatus.choices,
        default=DerivedRunStatus.RUNNING,
    )
    actor_label = models.CharField(_("actor label"), max_length=150)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    reason_zh = models.TextField(_("reason (Chinese)"), blank=True)
    reason_en = models.TextField(_("reason (English)"), blank=True)
    job = models.ForeignKey(
        Job,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The background job that made the run."),
    )

    class Meta:
        abstract = True
        ordering = ("-started_at", "-id")

    def __str__(self) -> str:
        return f"#{self.pk} {self.method_version} {self.status}"

    @property
    def factor_set_id(self) -> str:
        """The named set of the label (``cn-2023`` of ``cn-2023+grid=0.55``)."""
        return self.factor_set.split("+", 1)[0]
