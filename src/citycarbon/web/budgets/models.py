"""Carbon and energy-use budgets (碳预算 / 用能预算): plan versions, their lines on the tree
city → district → industry → key enterprise → key project, the monitoring results stored per
version and as-of month with their provenance, and the warning cases of the monitoring →
warning → assessment loop (监测—预警—考核闭环) with their append-only history.

A plan version is immutable once approved: an adjustment is a new version row that points at
the one it replaces (``replaces``), with its reason, approver and time; the older row is
never edited. Only a draft's lines may change."""

from __future__ import annotations

from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from citycarbon.core.budgets import WARNING_REASONS
from citycarbon.web.energy.models import AccountingRun
from citycarbon.web.enterprises.models import Enterprise
from citycarbon.web.estimates.models import EstimateRun
from citycarbon.web.regions.models import District


class Measure(models.TextChoices):
    CARBON = "carbon", _("carbon budget (tCO2)")
    ENERGY = "energy", _("energy-use budget (tce)")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("budget", "draft")
    APPROVED = "approved", pgettext_lazy("budget", "approved")
    ADJUSTED = "adjusted", pgettext_lazy("budget", "adjusted")


class Level(models.TextChoices):
    CITY = "city", pgettext_lazy("budget level", "city")
    DISTRICT = "district", pgettext_lazy("budget level", "district")
    INDUSTRY = "industry", pgettext_lazy("budget level", "industry")
    ENTERPRISE = "enterprise", _("key enterprise")
    PROJECT = "project", _("key project")


class Light(models.TextChoices):
    GREEN = "green", pgettext_lazy("budget", "green")
    YELLOW = "yellow", pgettext_lazy("budget", "yellow")
    RED = "red", pgettext_lazy("budget", "red")


class JudgedBy(models.TextChoices):
    INTENSITY = "intensity", pgettext_lazy("budget", "intensity")
    TOTAL = "total", pgettext_lazy("budget", "total")


class CaseStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("budget", "open")
    ANSWERED = "answered", pgettext_lazy("budget", "answered")
    CLOSED = "closed", pgettext_lazy("budget", "closed")


class BudgetPlan(models.Model):
    """One version of a year's budget plan (年度碳预算方案 / 用能预算) for one measure.
    Versions of the same year and measure are numbered from 1; an approved or adjusted
    version is never edited (an adjustment is the next version, ``replaces`` pointing back)."""

    year = models.PositiveSmallIntegerField(_("year"))
    measure = models.CharField(
        pgettext_lazy("budget", "measure"), max_length=8, choices=Measure.choices
    )
    version = models.PositiveSmallIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=PlanStatus.choices)
    replaces = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
        verbose_name=_("replaces version"),
    )
    reason = models.TextField(_("reason for the adjustment"), blank=True)
    created_by = models.CharField(_("created by"), max_length=150)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    approved_by = models.CharField(_("approved by"), max_length=150, blank=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    source = models.CharField(_("file"), max_length=300, blank=True)
    sha256 = models.CharField(_("file SHA-256"), max_length=64, blank=True)

    class Meta:
        ordering = ("-year", "measure", "-version")
        constraints = [
            models.UniqueConstraint(fields=("year", "measure", "version"), name="plan_version")
        ]
        verbose_name = _("budget plan version")
        verbose_name_plural = _("budget plan versions")

    def __str__(self) -> str:
        return f"{self.year} {self.get_measure_display()} v{self.version}"

    @property
    def in_force(self) -> bool:
        """Approved (or adjusted) and not replaced by a later version."""
        return self.status != PlanStatus.DRAFT and not hasattr(self, "replaced_by")

    @property
    def unit(self) -> str:
        return "tce" if self.measure == Measure.ENERGY else "tCO2"


class BudgetLine(models.Model):
    """One line of a plan version's tree: a level, its subject (a district code, a GB/T 4754
    industry code, an enterprise's entity id or a project's name), its parent line, the total
    (tCO2), the intensity (tCO2 per 万元 value added) and the energy use (tce, excluding
    feedstock and renewables, as the carbon-efficiency method counts it), and optionally a
    monthly profile (twelve shares of the year) for proration. ``district`` and ``enterprise``
    are where the line sits (inherited down the tree), by which it is scoped."""

    plan = models.ForeignKey(BudgetPlan, on_delete=models.CASCADE, related_name="lines")
    line_id = models.CharField(_("budget id"), max_length=64)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    subject_code = models.CharField(_("subject"), max_length=200)
    name = models.CharField(_("name"), max_length=200, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    district = models.ForeignKey(
        District, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    enterprise = models.ForeignKey(
        Enterprise, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    budget_tco2 = models.FloatField(_("budget, tCO2"))
    budget_intensity_tco2_per_10k_yuan = models.FloatField(
        _("intensity budget, tCO2 per 10k yuan"), null=True, blank=True
    )
    budget_energy_tce = models.FloatField(_("energy-use budget, tce"), null=True, blank=True)
    monthly_profile = models.JSONField(_("monthly profile"), null=True, blank=True)

    class Meta:
        ordering = ("plan", "id")
        constraints = [models.UniqueConstraint(fields=("plan", "line_id"), name="line_key")]
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")

    def __str__(self) -> str:
        return f"{self.line_id} {self.label}"

    @property
    def label(self) -> str:
        """What a reader calls the line: its name; else its enterprise's name (from the
        register), its district's, or its subject's code (an industry's)."""
        if self.name:
            return self.name
        if self.level in (Level.ENTERPRISE, Level.PROJECT) and self.enterprise is not None:
            return self.enterprise.name
        if self.level in (Level.DISTRICT, Level.CITY) and self.district is not None:
            return self.district.name_zh
        return self.subject_code


class MonitoringRun(models.Model):
    """The monitoring of one plan version as of a month (进度监测), with what it was made
    from: the published accounting run and the estimate run its actuals came from, which
    months of the year were accounted and which only estimated, and the bands."""

    plan = models.ForeignKey(BudgetPlan, on_delete=models.PROTECT, related_name="monitoring")
    as_of = models.CharField(_("as of month"), max_length=7)
    accounting_run = models.ForeignKey(
        AccountingRun, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    estimate_run = models.ForeignKey(
        EstimateRun, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    accounted_months = models.JSONField(_("accounted months"), default=list)
    estimated_months = models.JSONField(_("estimated months"), default=list)
    yellow = models.FloatField(_("yellow band"))
    red = models.FloatField(_("red band"))
    projection = models.CharField(pgettext_lazy("budget", "projection"), max_length=8)
    input_fingerprint = models.CharField(_("input SHA-256"), max_length=64)
    actor_label = models.CharField(_("actor label"), max_length=150)
    at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ("-at", "-id")
        verbose_name = _("budget monitoring")
        verbose_name_plural = _("budget monitorings")

    def __str__(self) -> str:
        return f"{self.plan} @ {self.as_of}"

    @cached_property
    def lines_without_data(self) -> int:
        """How many of its lines had no actual figure behind them (shown as no data)."""
        return self.lines.filter(actual_to_date__isnull=True).count()


class MonitoredLine(models.Model):
    """One line's figures in a monitoring run (``core.budgets.monitor``), in the plan's unit
    (tCO2 for a carbon plan, tce for an energy-use plan)."""

    run = models.ForeignKey(MonitoringRun, on_delete=models.CASCADE, related_name="lines")
    line = models.ForeignKey(BudgetLine, on_delete=models.PROTECT, related_name="monitored")
    months_elapsed = models.PositiveSmallIntegerField()
    prorated_budget = models.FloatField()
    actual_to_date = models.FloatField(null=True)
    accounted = models.FloatField(null=True)
    estimated = models.FloatField(null=True)
    used_of_annual_pct = models.FloatField(null=True)
    projected_year = models.FloatField(null=True)
    projected_overshoot = models.FloatField(null=True)
    intensity_tco2_per_10k_yuan = models.FloatField(null=True)
    status = models.CharField(max_length=8, choices=Light.choices)
    judged_by = models.CharField(max_length=10, choices=JudgedBy.choices)

    class Meta:
        ordering = ("run", "line")
        verbose_name = _("monitored budget line")
        verbose_name_plural = _("monitored budget lines")

    def __str__(self) -> str:
        return f"{self.run_id} {self.line_id} {self.status}"

    @property
    def has_data(self) -> bool:
        """Whether any actual figure stood behind the line (the core's ``actual_basis`` not
        ``none``): a line without is shown as no data, not by its light."""
        return self.actual_to_date is not None


class WarningCase(models.Model):
    """A warning case (预警) opened for a yellow or red line: its owner (the district officer
    of a district line, the enterprise user of an enterprise line) answers with an
    explanation and measures, the regulator closes it. One case not yet closed per line
    key (year, measure, budget id) at a time."""

    line = models.ForeignKey(BudgetLine, on_delete=models.PROTECT, related_name="cases")
    plan = models.ForeignKey(BudgetPlan, on_delete=models.PROTECT, related_name="cases")
    monitoring = models.ForeignKey(
        MonitoringRun, on_delete=models.PROTECT, related_name="cases", null=True, blank=True
    )
    line_key = models.CharField(max_length=120)
    """``year:measure:level:subject``, the same across versions of the plan whatever their
    budget ids (one unresolved case per owner subject, level, year and measure)."""
    as_of = models.CharField(_("as of month"), max_length=7)
    light = models.CharField(
        pgettext_lazy("budget", "warning"), max_length=8, choices=Light.choices
    )
    reason = models.CharField(max_length=24, blank=True)
    """Why the line warned (``core.budgets.WARNING_REASONS``: intensity, total or energy)."""
    status = models.CharField(_("status"), max_length=10, choices=CaseStatus.choices)
    district = models.ForeignKey(
        District, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    enterprise = models.ForeignKey(
        Enterprise, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner_role = models.CharField(pgettext_lazy("budget", "owner"), max_length=16)
    explanation = models.TextField(_("explanation"), blank=True)
    measures = models.TextField(pgettext_lazy("budget", "measures"), blank=True)
    closing_note = models.TextField(_("closing note"), blank=True)
    opened_by = models.CharField(_("opened by"), max_length=150)
    opened_at = models.DateTimeField(pgettext_lazy("budget", "opened"), auto_now_add=True)
    answered_by = models.CharField(_("answered by"), max_length=150, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    closed_by = models.CharField(_("closed by"), max_length=150, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        ordering = ("-opened_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=("line_key",),
                condition=~models.Q(status="closed"),
                name="one_unresolved_case_per_line",
            )
        ]
        verbose_name = _("warning case")
        verbose_name_plural = _("warning cases")

    def __str__(self) -> str:
        return f"{self.line_key} {self.as_of}"

    @property
    def reason_zh(self) -> str:
        return WARNING_REASONS.get(self.reason, ("", ""))[0]

    @property
    def reason_en(self) -> str:
        return WARNING_REASONS.get(self.reason, ("", ""))[1]


class CaseEvent(models.Model):
    """One transition of a warning case (append-only): from which status to which, who,
    when, and the text given."""

    case = models.ForeignKey(WarningCase, on_delete=models.PROTECT, related_name="events")
    from_status = models.CharField(max_length=10, blank=True, choices=CaseStatus.choices)
    to_status = models.CharField(max_length=10, choices=CaseStatus.choices)
    actor_label = models.CharField(_("actor label"), max_length=150)
    at = models.DateTimeField(_("time"), auto_now_add=True)
    text = models.TextField(blank=True)

    class Meta:
        ordering = ("case", "id")
        verbose_name = _("warning case event")
        verbose_name_plural = _("warning case events")

    def __str__(self) -> str:
        return f"{self.case_id} {self.from_status}→{self.to_status}"
