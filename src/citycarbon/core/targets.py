"""Plan targets (规划目标): progress against a target, and the district/department assessment.

Method (methods reference §8; seeds inventory D12, D13, D17 and the calibration case T23):

- A target is a change of an indicator from ``base_year`` to ``target_year``, in percent
  (negative: a decrease, e.g. −15.5 % energy per unit GDP over the 14th FYP).
- Observed changes are compounded, never added: cumulative = Π(1 + cᵢ) − 1. A change given
  for a span ``YYYY-YYYY`` is already cumulative over the span (e.g. "+3.3 % over 2021–22").
  Absolute values are turned into changes against the base year's value first
  (``changes_from_values``).
- **Rate targets** (``per_year``, e.g. "年均增长10%以上", unit "%/年"): the target value r is
  a change per year, so the target judged is the cumulative one it amounts to,
  (1 + r)^(target_year − base_year) − 1 (10 %/年 over 2020–2025: 61.051 %), and likewise its
  incentive threshold; the required annual change is then compared with r itself (with no
  observation it equals r). A year at +12 % is on track, not met.
- remaining years = target_year − latest observed year; the annual change still required is
  ((1 + target) ÷ (1 + cumulative))^(1 ÷ remaining) − 1.
- **On track (platform rule, ``targets/1``)**: the cumulative change already meets the target,
  or the annual change still required is no steeper than the average annual change achieved
  so far, (1 + cumulative)^(1 ÷ elapsed) − 1: keeping the pace so far reaches the target.
  With no observed year there is no pace, so a target not already met is not on track. The
  seeds publish no such rule; this one is the platform's.
- A target is met when the cumulative change is at or beyond it ("下降20%以上" includes −20 %,
  the statutory reading of 以上); values are compared after rounding to 9 decimals.

Worked example (seed 000, T23): +3.3 % over 2021–22, −5.9 % in 2023, −5.7 % in the first half
of 2024 taken as 2024's change, target −15.5 % by 2025 against 2020: cumulative
1.033 × 0.941 × 0.943 − 1 = −8.336 %, one year left, required 0.845 ÷ 0.91664 − 1 = −7.816 %,
average so far 0.91664^(1/4) − 1 = −2.15 %: not on track. Adding the changes instead would
give −8.3 % to date and −7.2 % required.

Assessment (基本目标和激励目标双目标考核, D12; platform rule ``assessment/2``): a target scores
100 at or beyond its incentive threshold, 60 (pass) at its basic threshold, linearly between,
and below the basic threshold 60 × (achieved ÷ basic) (0 when the change went the wrong way).
A target with no incentive threshold scores 100 at its basic one. A subject's score is the
mean of its targets' scores less ``points_per_case`` for each unresolved warning case
(监测—预警—考核闭环, D14), at most ``max_deduction`` in all, never below 0.

Incomplete data (platform rule ``assessment/2``): a target with no observation yet, or whose
observations leave a gap or overlap, cannot be judged; it stays in its subject's
assessment at level ``no_data`` (数据不全) with score 0 and counts in the mean, so that a
subject cannot raise its score by not reporting, and the subject's level is then
``incomplete``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import polars as pl

METHOD_VERSION: Final = "targets/1"
ASSESSMENT_VERSION: Final = "assessment/2"
COMPARE_DECIMALS: Final = 9
NO_DATA: Final = "no_data"

TARGETS: Final = pl.Schema(
    {
        "target_id": pl.String(),
        "subject_id": pl.String(),
        "indicator": pl.String(),
        "base_year": pl.Int32(),
        "target_year": pl.Int32(),
        "target_change_pct": pl.Float64(),
        "incentive_change_pct": pl.Float64(),
        "per_year": pl.Boolean(),
    }
)
"""A target: the change of ``indicator`` of ``subject_id`` from base to target year, in
percent; ``incentive_change_pct`` the incentive threshold (null: none); ``per_year``: both
are rates per year (年均), compounded over the years (a missing column or null: false)."""

CHANGES: Final = pl.Schema(
    {
        "subject_id": pl.String(),
        "indicator": pl.String(),
        "year_from": pl.Int32(),
        "year_to": pl.Int32(),
        "change_pct": pl.Float64(),
    }
)
"""An observed change over the years ``year_from``…``year_to`` (both included, one year when
equal), relative to the end of ``year_from − 1``, in percent."""

VALUES: Final = pl.Schema(
    {
        "subject_id": pl.String(),
        "indicator": pl.String(),
        "year": pl.Int32(),
        "value": pl.Float64(),
    }
)
"""An observed absolute value of an indicator in a year."""

PROGRESS_COLUMNS: Final = (
    "target_id",
    "latest_year",
    "cumulative_change_pct",
    "remaining_years",
    "required_annual_change_pct",
    "on_track",
)
"""Output contract of ``citycarbon targets progress``."""

PROGRESS: Final = pl.Schema(
    {
        **TARGETS,
        "annual_target_pct": pl.Float64(),
        "observed": pl.Boolean(),
        "latest_year": pl.Int32(),
        "elapsed_years": pl.Int32(),
        "cumulative_change_pct": pl.Float64(),
        "average_annual_change_pct": pl.Float64(),
        "remaining_years": pl.Int32(),
        "required_annual_change_pct": pl.Float64(),
        "met": pl.Boolean(),
        "incentive_met": pl.Boolean(),
        "on_track": pl.Boolean(),
    }
)

PROBLEMS: Final = pl.Schema(
    {"target_id": pl.String(), "code": pl.String(), "year": pl.Int32(), "detail": pl.String()}
)
"""Why a target's observed values cannot be compounded: ``gap`` (a year between the base
year and the latest observation has no value), ``overlap`` (two values cover the same
year)."""

PROBLEM_REASONS: Final[dict[str, tuple[str, str]]] = {
    "gap": ("观测值不连续，缺少该年份的变化", "the observed changes miss this year"),
    "overlap": ("两条观测值覆盖了同一年份", "two observed changes cover this year"),
    "no_base_value": ("缺少基准年的数值", "no value in the base year"),
}


def _pct(factor: pl.Expr) -> pl.Expr:
    return (factor - 1.0) * 100.0


def _met(change: pl.Expr, threshold: pl.Expr) -> pl.Expr:
    """``change`` at or beyond ``threshold``: ≤ for a decrease target (the basic target
    ≤ 0), ≥ for an increase."""
    c, t = change.round(COMPARE_DECIMALS), threshold.round(COMPARE_DECIMALS)
    return pl.when(pl.col("target_change_pct") <= 0).then(c <= t).otherwise(c >= t)


def changes_from_values(values: pl.DataFrame, base_years: pl.DataFrame) -> pl.DataFrame:
    """Absolute values → ``CHANGES`` against each (subject, indicator)'s base year: the change
    from one observed year to the next observed one, as a span over the years between, so
    that compounding them gives value_latest ÷ value_base − 1. ``base_years``: ``subject_id,
    indicator, base_year``. Values before the base year are dropped; a series without a
    base-year value gives no change (``progress`` then reports it as a gap)."""
    keys = ["subject_id", "indicator"]
    joined = (
        values.join(base_years.unique(), on=keys, how="inner")
        .filter(pl.col("year") >= pl.col("base_year"))
        .sort([*keys, "base_year", "year"])
    )
    group = [*keys, "base_year"]
    with_prev = joined.with_columns(
        pl.col("year").shift(1).over(group).alias("prev_year"),
        pl.col("value").shift(1).over(group).alias("prev_value"),
        pl.col("year").min().over(group).alias("first_year"),
    ).filter(
        (pl.col("first_year") == pl.col("base_year"))
        & pl.col("prev_year").is_not_null()
        & (pl.col("prev_value") > 0)
        & (pl.col("value") > 0)
    )
    return with_prev.select(
        "subject_id",
        "indicator",
        (pl.col("prev_year") + 1).cast(pl.Int32).alias("year_from"),
        pl.col("year").cast(pl.Int32).alias("year_to"),
        _pct(pl.col("value") / pl.col("prev_value")).alias("change_pct"),
    ).unique(maintain_order=True)


@dataclass(frozen=True)
class Progress:
    progress: pl.DataFrame
    """``PROGRESS``, one row per target that could be computed."""
    problems: pl.DataFrame
    """``PROBLEMS``: targets whose observations do not chain (left out of ``progress``)."""


def _coverage_problems(spans: pl.DataFrame) -> pl.DataFrame:
    """Gaps and overlaps of each target's spans, which must tile base_year+1…latest."""
    ordered = spans.sort("target_id", "year_from", "year_to").with_columns(
        pl.col("year_to").shift(1).over("target_id").alias("prev_to")
    )
    expected = pl.coalesce(pl.col("prev_to"), pl.col("base_year")) + 1
    return pl.concat(
        [
            ordered.filter(pl.col("year_from") > expected).select(
                "target_id",
                pl.lit("gap").alias("code"),
                expected.cast(pl.Int32).alias("year"),
                pl.format("{}–{}", expected, pl.col("year_from") - 1).alias("detail"),
            ),
            ordered.filter(pl.col("year_from") < expected).select(
                "target_id",
                pl.lit("overlap").alias("code"),
                pl.col("year_from").cast(pl.Int32).alias("year"),
                pl.format("{}–{}", pl.col("year_from"), pl.col("year_to")).alias("detail"),
            ),
        ]
    ).cast(PROBLEMS)


def cumulative_targets(targets: pl.DataFrame) -> pl.DataFrame:
    """``TARGETS`` with a rate target's thresholds turned into the cumulative change they
    amount to, (1 + r)^(target_year − base_year) − 1, and its rate kept as
    ``annual_target_pct`` (null for a target that is not a rate)."""
    if "per_year" not in targets.columns:
        targets = targets.with_columns(pl.lit(False).alias("per_year"))
    targets = targets.select(TARGETS.names()).cast(TARGETS)
    rate = pl.col("per_year").fill_null(False)
    years = pl.col("target_year") - pl.col("base_year")

    def compounded(col: str) -> pl.Expr:
        return (
            pl.when(rate)
            .then(_pct((1.0 + pl.col(col) / 100.0).pow(years)))
            .otherwise(pl.col(col))
            .alias(col)
        )

    return targets.with_columns(
        rate.alias("per_year"),
        pl.when(rate).then(pl.col("target_change_pct")).alias("annual_target_pct"),
    ).with_columns(compounded("target_change_pct"), compounded("incentive_change_pct"))


def progress(targets: pl.DataFrame, changes: pl.DataFrame) -> Progress:
    """Progress of each target (``TARGETS``) from the observed changes (``CHANGES``) of its
    subject and indicator inside (base_year, target_year]; see the module docstring for the
    formulas, rate targets and the on-track rule. ``target_change_pct`` and
    ``incentive_change_pct`` of the result are cumulative (a rate target's compounded)."""
    targets = cumulative_targets(targets)
    changes = changes.select(CHANGES.names()).cast(CHANGES)
    spans = targets.join(changes, on=["subject_id", "indicator"], how="inner").filter(
        (pl.col("year_from") > pl.col("base_year")) & (pl.col("year_to") <= pl.col("target_year"))
    )
    problems = _coverage_problems(spans)
    bad = problems.get_column("target_id").unique().implode()
    observed = (
        spans.filter(~pl.col("target_id").is_in(bad))
        .group_by("target_id")
        .agg(
            pl.col("year_to").max().alias("latest_year"),
            (1.0 + pl.col("change_pct") / 100.0).product().alias("factor"),
        )
    )
    t = targets.filter(~pl.col("target_id").is_in(bad)).join(observed, on="target_id", how="left")
    factor = pl.col("factor").fill_null(1.0)
    latest = pl.col("latest_year").fill_null(pl.col("base_year"))
    target_factor = 1.0 + pl.col("target_change_pct") / 100.0
    out = t.with_columns(
        pl.col("latest_year").is_not_null().alias("observed"),
        latest.cast(pl.Int32).alias("latest_year"),
        (latest - pl.col("base_year")).cast(pl.Int32).alias("elapsed_years"),
        (pl.col("target_year") - latest).cast(pl.Int32).alias("remaining_years"),
        _pct(factor).alias("cumulative_change_pct"),
    ).with_columns(
        pl.when(pl.col("elapsed_years") > 0)
        .then(_pct(factor.pow(1.0 / pl.col("elapsed_years"))))
        .alias("average_annual_change_pct"),
        pl.when(pl.col("remaining_years") > 0)
        .then(_pct((target_factor / factor).pow(1.0 / pl.col("remaining_years"))))
        .alias("required_annual_change_pct"),
        _met(pl.col("cumulative_change_pct"), pl.col("target_change_pct")).alias("met"),
        pl.when(pl.col("incentive_change_pct").is_not_null())
        .then(_met(pl.col("cumulative_change_pct"), pl.col("incentive_change_pct")))
        .alias("incentive_met"),
    )
    decrease = pl.col("target_change_pct") <= 0
    required = pl.col("required_annual_change_pct").round(COMPARE_DECIMALS)
    average = pl.col("average_annual_change_pct").round(COMPARE_DECIMALS)
    keeps_pace = pl.when(decrease).then(required >= average).otherwise(required <= average)
    on_track = pl.col("met") | (
        (pl.col("remaining_years") > 0)
        & pl.col("average_annual_change_pct").is_not_null()
        & keeps_pace.fill_null(False)
    )
    out = out.with_columns(on_track.alias("on_track"))
    return Progress(
        progress=out.select(PROGRESS.names()).cast(PROGRESS).sort("target_id"),
        problems=problems.sort("target_id", "year"),
    )


@dataclass(frozen=True)
class AssessmentRule:
    """Scores of the two-target assessment (platform rule ``assessment/2``; the seeds publish
    the two thresholds, D12, but no scores)."""

    full_marks: float = 100.0
    pass_marks: float = 60.0
    points_per_case: float = 5.0
    """Deducted for each unresolved warning case of the subject."""
    max_deduction: float = 20.0


DEFAULT_RULE: Final = AssessmentRule()

UNRESOLVED: Final = pl.Schema({"subject_id": pl.String(), "unresolved_cases": pl.Int64()})
"""Unresolved warning cases per subject (the monitoring → warning → assessment loop)."""

TARGET_SCORES: Final = pl.Schema(
    {
        "target_id": pl.String(),
        "subject_id": pl.String(),
        "cumulative_change_pct": pl.Float64(),
        "target_change_pct": pl.Float64(),
        "incentive_change_pct": pl.Float64(),
        "level": pl.String(),
        "target_score": pl.Float64(),
    }
)
"""``level``: ``incentive`` (met the incentive threshold), ``basic``, ``missed`` or
``no_data`` (no observation yet, or the observations do not chain; score 0)."""

INCOMPLETE: Final = pl.Schema(
    {
        "target_id": pl.String(),
        "subject_id": pl.String(),
        "target_change_pct": pl.Float64(),
        "incentive_change_pct": pl.Float64(),
    }
)
"""Targets left out of ``PROGRESS`` because their observations do not chain (a gap or an
overlap, ``Progress.problems``), to be assessed as ``no_data``."""

ASSESSMENT: Final = pl.Schema(
    {
        "subject_id": pl.String(),
        "targets": pl.UInt32(),
        "incentive_met": pl.UInt32(),
        "basic_met": pl.UInt32(),
        "missed": pl.UInt32(),
        "no_data": pl.UInt32(),
        "target_score": pl.Float64(),
        "unresolved_cases": pl.Int64(),
        "deduction": pl.Float64(),
        "score": pl.Float64(),
        "level": pl.String(),
    }
)
"""A subject's assessment: its targets by level, the mean target score, the deduction for
unresolved cases and the score; ``level`` is ``incomplete`` when a target has no usable
data, else ``incentive`` when every target met its incentive threshold, ``basic`` when
every target met at least its basic one, else ``missed``."""


def target_scores(
    progress: pl.DataFrame,
    rule: AssessmentRule = DEFAULT_RULE,
    incomplete: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Each target's score (``TARGET_SCORES``) from its progress (``PROGRESS``); a target
    not observed yet, and each target of ``incomplete`` (``INCOMPLETE``), is ``no_data``
    with score 0."""
    achieved = pl.col("cumulative_change_pct").round(COMPARE_DECIMALS)
    basic = pl.col("target_change_pct")
    incentive = pl.coalesce(pl.col("incentive_change_pct"), basic)
    span = incentive - basic
    between = pl.when(span.abs() > 0).then((achieved - basic) / span).otherwise(1.0)
    below = pl.when(basic != 0).then((achieved / basic).clip(0.0, 1.0)).otherwise(0.0)
    full, passing = rule.full_marks, rule.pass_marks
    observed = pl.col("observed") if "observed" in progress.columns else pl.lit(True)
    scored = progress.with_columns(
        pl.when(~observed.fill_null(False))
        .then(pl.lit(NO_DATA))
        .when(_met(achieved, incentive))
        .then(pl.lit("incentive"))
        .when(_met(achieved, basic))
        .then(pl.lit("basic"))
        .otherwise(pl.lit("missed"))
        .alias("level")
    ).with_columns(
        pl.when(pl.col("level") == NO_DATA)
        .then(pl.lit(0.0))
        .when(pl.col("level") == "incentive")
        .then(pl.lit(full))
        .when(pl.col("level") == "basic")
        .then(passing + (full - passing) * between.clip(0.0, 1.0))
        .otherwise(pl.min_horizontal(passing * below, pl.lit(passing)))
        .alias("target_score"),
        pl.when(pl.col("level") != NO_DATA).then(pl.col("cumulative_change_pct")),
    )
    out = scored.select(TARGET_SCORES.names()).cast(TARGET_SCORES)
    if incomplete is None or incomplete.is_empty():
        return out
    missing = (
        incomplete.select(INCOMPLETE.names())
        .cast(INCOMPLETE)
        .with_columns(
            pl.lit(None, pl.Float64).alias("cumulative_change_pct"),
            pl.lit(NO_DATA).alias("level"),
            pl.lit(0.0).alias("target_score"),
        )
    )
    return pl.concat([out, missing.select(TARGET_SCORES.names()).cast(TARGET_SCORES)])


def assess(
    progress: pl.DataFrame,
    unresolved: pl.DataFrame | None = None,
    rule: AssessmentRule = DEFAULT_RULE,
    incomplete: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The assessment of every subject with a target (``ASSESSMENT``), from the targets'
    progress, the targets whose observations do not chain (``INCOMPLETE``) and the
    unresolved warning cases per subject (``UNRESOLVED``; a subject not in it has none)."""
    cases = (
        pl.DataFrame(schema=UNRESOLVED)
        if unresolved is None
        else unresolved.select(UNRESOLVED.names()).cast(UNRESOLVED)
    )
    cases = cases.group_by("subject_id").agg(pl.col("unresolved_cases").sum())
    scores = target_scores(progress, rule, incomplete)
    per_subject = scores.group_by("subject_id").agg(
        pl.len().alias("targets"),
        (pl.col("level") == "incentive").sum().alias("incentive_met"),
        (pl.col("level") == "basic").sum().alias("basic_met"),
        (pl.col("level") == "missed").sum().alias("missed"),
        (pl.col("level") == NO_DATA).sum().alias("no_data"),
        pl.col("target_score").mean().alias("target_score"),
    )
    out = (
        per_subject.join(cases, on="subject_id", how="left")
        .with_columns(pl.col("unresolved_cases").fill_null(0).clip(0))
        .with_columns(
            (pl.col("unresolved_cases") * rule.points_per_case)
            .clip(0.0, rule.max_deduction)
            .cast(pl.Float64)
            .alias("deduction")
        )
        .with_columns(
            (pl.col("target_score") - pl.col("deduction")).clip(0.0).alias("score"),
            pl.when(pl.col("no_data") > 0)
            .then(pl.lit("incomplete"))
            .when(pl.col("missed") > 0)
            .then(pl.lit("missed"))
            .when(pl.col("basic_met") > 0)
            .then(pl.lit("basic"))
            .otherwise(pl.lit("incentive"))
            .alias("level"),
        )
    )
    return out.select(ASSESSMENT.names()).cast(ASSESSMENT).sort("subject_id")
