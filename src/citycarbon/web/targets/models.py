"""Plan targets (规划目标), their observed values (append-only) and the saved scenarios of
the path to the peak (each save a new version)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from citycarbon.web.regions.models import District

PER_YEAR_UNIT = "%/年"
"""The unit of a target whose value is a rate per year (年均增长, 年均下降)."""


def _figure(v: float) -> str:
    """A figure with at most two decimals and no trailing zeros (10, 15.5)."""
    return f"{v:.2f}".rstrip("0").rstrip(".")


class SubjectType(models.TextChoices):
    CITY = "city", _("city")
    DISTRICT = "district", _("district")
    DEPARTMENT = "department", _("department")
    PARK = "park", _("park")


class Comparison(models.TextChoices):
    LE = "le", _("at most")
    GE = "ge", _("at least")
    LT = "lt", _("before")
    APPROX = "approx", _("about")


class Confidence(models.TextChoices):
    CONFIRMED = "C", _("confirmed")
    SECONDARY = "S", _("secondary")
    PLACEHOLDER = "I", _("placeholder")


class Target(models.Model):
    """One plan target: an indicator of a subject (the city, a district, a department or a
    park) to reach ``value`` by ``target_year``; with a base year, ``value`` is a change in
    percent against it (negative: a decrease). ``basic_value`` and ``incentive_value`` are
    the two thresholds of the two-target assessment (基本目标 / 激励目标)."""

    code = models.CharField(_("target id"), max_length=64, unique=True)
    city = models.CharField(_("city"), max_length=32)
    subject_type = models.CharField(_("subject type"), max_length=12, choices=SubjectType.choices)
    subject_name = models.CharField(_("subject"), max_length=64)
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, null=True, blank=True, related_name="targets"
    )
    indicator = models.CharField(_("indicator key"), max_length=64)
    indicator_name = models.CharField(_("indicator"), max_length=128)
    unit = models.CharField(_("unit"), max_length=16)
    base_year = models.PositiveSmallIntegerField(_("base year"), null=True, blank=True)
    target_year = models.PositiveSmallIntegerField(_("target year"))
    value = models.FloatField(_("target value"))
    comparison = models.CharField(_("comparison"), max_length=8, choices=Comparison.choices)
    basic_value = models.FloatField(_("basic target"), null=True, blank=True)
    incentive_value = models.FloatField(_("incentive target"), null=True, blank=True)
    source_doc = models.CharField(_("source document id"), max_length=16)
    source_title = models.CharField(_("source document"), max_length=200)
    quote = models.TextField(_("quote"))
    confidence = models.CharField(_("confidence"), max_length=1, choices=Confidence.choices)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ("city", "subject_type", "subject_name", "target_year", "code")
        verbose_name = _("plan target")
        verbose_name_plural = _("plan targets")

    def __str__(self) -> str:
        return f"{self.code} {self.indicator_name}"

    def statement(self, value: float | None = None) -> str:
        """``value`` (default the target value) as the plans word it: a decrease target
        "下降 20% 以上", an increase "增长 10% 以上", a rate "年均增长 10% 以上", a year
        "2030 年前", else the comparison, the figure and the unit ("不低于 400 家")."""
        v = self.value if value is None else value
        figure = _figure(abs(v))
        if self.comparison == Comparison.LT and v == int(v):
            return gettext("by %(year)s") % {"year": _figure(v)}
        if self.is_change and self.unit.replace(" ", "") in ("%", PER_YEAR_UNIT):
            decrease = self.comparison == Comparison.LE and v <= 0
            increase = self.comparison == Comparison.GE and v >= 0
            if self.per_year and decrease:
                return gettext("an average decrease of %(v)s%% a year or more") % {"v": figure}
            if self.per_year and increase:
                return gettext("an average increase of %(v)s%% a year or more") % {"v": figure}
            if decrease:
                return gettext("a decrease of %(v)s%% or more") % {"v": figure}
            if increase:
                return gettext("an increase of %(v)s%% or more") % {"v": figure}
        return f"{self.get_comparison_display()} {_figure(v)} {self.unit}".strip()

    @property
    def target_text(self) -> str:
        """The target as the plans word it (``statement``)."""
        return self.statement()

    @property
    def incentive_text(self) -> str:
        """The incentive threshold as the plans word it, or ""."""
        return "" if self.incentive_value is None else self.statement(self.incentive_value)

    @property
    def per_year(self) -> bool:
        """The value is a rate per year (年均, unit ``%/年``): judged as the cumulative change
        it compounds to over base year → target year (``core.targets.cumulative_targets``)."""
        return self.is_change and self.unit.replace(" ", "") == PER_YEAR_UNIT

    @property
    def is_change(self) -> bool:
        """A change against a base year (progress compounds), not a level to reach."""
        return self.base_year is not None


class ValueSource(models.TextChoices):
    SEED = "seed", _("seed document")
    IMPORT = "import", _("import")
    ACCOUNTED = "accounted", _("published accounting run")


class TargetValue(models.Model):
    """An observation of a target's indicator, never edited: a change in percent over the
    years ``year_from``…``year_to`` (one year when equal) or an absolute ``value`` in
    ``year_to``. A later observation of the same years supersedes an earlier one."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="values")
    year_from = models.PositiveSmallIntegerField(_("from year"))
    year_to = models.PositiveSmallIntegerField(_("to year"))
    change_pct = models.FloatField(_("change (%)"), null=True, blank=True)
    value = models.FloatField(_("value"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=12, choices=ValueSource.choices)
    provenance = models.CharField(_("provenance"), max_length=200, blank=True)
    at = models.DateTimeField(_("time"), auto_now_add=True)
    actor_label = models.CharField(_("actor label"), max_length=150)

    class Meta:
        ordering = ("target", "year_from", "id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(change_pct__isnull=True) ^ models.Q(value__isnull=True),
                name="target_value_change_or_value",
            )
        ]
        verbose_name = _("target value")
        verbose_name_plural = _("target values")

    def __str__(self) -> str:
        return f"{self.target_id} {self.year_from}-{self.year_to}"

    @property
    def provenance_label(self) -> str:
        """``provenance`` as a reader sees it: a published run by its number."""
        kind, _colon, number = self.provenance.partition(":")
        if kind == "grading-run" and number.isdigit():
            return str(_("published run #%(id)s") % {"id": number})
        return self.provenance


class ValueWithdrawal(models.Model):
    """An observation withdrawn as recorded in error, with the reason; never edited. The
    observation stays (append-only) but no longer counts: the newest observation of the same
    years that is not withdrawn counts instead."""

    value = models.OneToOneField(
        TargetValue, on_delete=models.CASCADE, related_name="withdrawal", verbose_name=_("value")
    )
    reason = models.CharField(_("reason"), max_length=200)
    at = models.DateTimeField(_("time"), auto_now_add=True)
    actor_label = models.CharField(_("actor label"), max_length=150)

    class Meta:
        verbose_name = _("withdrawn observation")
        verbose_name_plural = _("withdrawn observations")

    def __str__(self) -> str:
        return f"{self.value_id} withdrawn"


class Scenario(models.Model):
    """Saved parameters of a path-to-the-peak projection; saving under the same name makes
    a new version, the old ones stay."""

    name = models.CharField(_("name"), max_length=64)
    version = models.PositiveIntegerField(_("version"))
    base_year = models.PositiveSmallIntegerField(_("base year"))
    end_year = models.PositiveSmallIntegerField(_("end year"))
    parameters = models.JSONField(_("parameters"))
    at = models.DateTimeField(_("time"), auto_now_add=True)
    actor_label = models.CharField(_("actor label"), max_length=150)

    class Meta:
        ordering = ("name", "-version")
        constraints = [
            models.UniqueConstraint(fields=("name", "version"), name="scenario_name_version")
        ]
        verbose_name = _("scenario")
        verbose_name_plural = _("scenarios")

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"
