"""Carbon and energy-use budgets (碳预算, 用能预算) on a tree, and their monitoring (预算执行监测).

Method (methods reference §6.2 and §8; seeds D1–D4, D8, D9, D14):

- A budget line holds, for one subject and year, a total in tCO2 (``budget_tco2``) and
  optionally an intensity in tCO2 per 万元 value added (``budget_intensity_tco2_per_10k_yuan``)
  and an energy-use total in tce (``budget_energy_tce``, excluding feedstock and renewables as
  the carbon-efficiency method counts energy). Lines form a tree per year along
  ``BUDGET_LEVELS``: city → district → industry → enterprise → project (D2, the four-level
  budget of region, industry, key enterprise and key project below the city; §6.2 [I]
  "suggested budget structure"). Children never add up to more than their parent (D2).
- Monitoring per line and as-of month (D4, 季监测): months elapsed ``m`` are the months of the
  budget year up to and including the as-of month (12 for a year before the as-of year, 0 for
  one after it). Prorated budget = annual × m ÷ 12, or annual × the cumulative share of a
  monthly profile. Actual to date = the line's actual rows of its year in months ≤ as-of; a
  line with no such row of its own takes the sum of its children's actuals to date
  (recursively, deepest level first). Projected year = actual to date × 12 ÷ m ("linear"),
  or actual to date ÷ the cumulative share of last year's monthly profile ("profile").
  Projected overshoot = max(projected − annual, 0).
- Status (D3, 强度约束性管理为主、总量为辅 — intensity first, totals second): the total is
  red when the actual to date already exceeds the annual budget or projected ÷ annual is
  above the red band, yellow when it is at or above the yellow band, else green. Where an
  intensity budget and value added are given, the intensity to date (actual tCO2 ÷ value added
  to date; a linear or profile projection scales both alike, so it is also the projected
  intensity) is judged against the intensity budget by the same bands. The line's status is
  the worse of the two, judged by intensity when both are equally bad.

The warning bands are not from any source: §6.2 marks "yellow at x % of the budget" as
searched and not found ([X]) and the suggested bands as an inference ([I]); the seeds publish
none (seeds-inventory, "Not published": budget warning bands). ``Bands`` keeps them
configurable, with yellow 0.9 and red 1.0 of the annual budget as defaults.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Final, Literal

import polars as pl

from citycarbon.core.periods import PERIOD_PATTERN

BUDGET_LEVELS: Final = ("city", "district", "industry", "enterprise", "project")
"""Levels of the budget tree, shallowest first (seeds D2; methods §6.2 [I])."""

STATUSES: Final = ("green", "yellow", "red")
"""Traffic lights, least severe first."""

SOURCES: Final = ("accounted", "estimated")
"""Where an actual comes from: the published accounting run, or the rapid estimate (B3) for
months not yet accounted. A row without a source counts as accounted."""

PROJECTIONS: Final = ("linear", "profile")

BUDGET_COLUMNS: Final = ("budget_id", "level", "subject_id", "parent_id", "year", "budget_tco2")
BUDGET_OPTIONAL: Final = ("budget_intensity_tco2_per_10k_yuan", "budget_energy_tce")
ACTUAL_COLUMNS: Final = ("subject_id", "period", "tco2")
ACTUAL_OPTIONAL: Final = ("value_added_10k_yuan", "energy_tce", "source")

MONITOR_CLI_COLUMNS: Final = (
    "budget_id",
    "subject_id",
    "year",
    "as_of",
    "months_elapsed",
    "prorated_budget_tco2",
    "actual_to_date_tco2",
    "used_of_annual_pct",
    "projected_year_tco2",
    "projected_overshoot_tco2",
    "status",
)
"""Output contract of ``citycarbon budget check``."""

COMPARE_DECIMALS: Final = 9
"""Ratios are compared with the bands after rounding to 9 decimals, so that a ratio computed
as 0.8999999999999999 counts as exactly at a 0.9 band."""

SUM_RELATIVE_TOLERANCE: Final = 1e-9
"""Children over their parent by less than this share of the parent are float rounding (an
allocation scaled to fit sums to the parent only within rounding), not an overshoot."""

PROBLEMS: Final[dict[str, tuple[str, str]]] = {
    "unknown_level": (
        "未知预算层级，应为 city、district、industry、enterprise 或 project",
        "unknown budget level, expected city, district, industry, enterprise or project",
    ),
    "duplicate_budget_id": ("预算编号重复", "duplicate budget_id"),
    "duplicate_subject": (
        "同一主体在同一年有多条预算",
        "the subject has more than one budget line in the year",
    ),
    "unknown_parent": ("上级预算编号不存在", "parent_id names no budget line"),
    "parent_cycle": ("上级关系成环", "the parent links form a cycle"),
    "parent_other_year": ("上级预算属于另一年份", "the parent line is of another year"),
    "multiple_roots": (
        "同一年有多条无上级的根预算",
        "more than one root line (without parent) in the year",
    ),
    "level_not_deeper": (
        "预算层级须低于上级的层级",
        "the level must be deeper than the parent's level",
    ),
    "period_straddles_as_of": (
        "季度或年度期间跨越截止月份，无法确定截至该月的实际值",
        "a quarter or year period runs past the as-of month, so its part to date is unknown",
    ),
    "overlapping_periods": (
        "同一主体的期间重叠（同一月份被多行覆盖）",
        "periods of the subject overlap (a month is covered by more than one row)",
    ),
    "bad_source": (
        "来源应为 accounted（核算）或 estimated（速算）",
        "source must be accounted or estimated",
    ),
}
"""Codes of the problems ``tree_problems`` and ``actuals_problems`` report, in Chinese and
English (the command's row reports use the same codes)."""

WARNING_REASONS: Final[dict[str, tuple[str, str]]] = {
    "intensity_red": ("碳排放强度超过红色预警线", "carbon intensity above the red band"),
    "intensity_yellow": ("碳排放强度达到黄色预警线", "carbon intensity at the yellow band"),
    "actual_over_annual": (
        "累计排放已超过年度预算",
        "emissions to date already exceed the annual budget",
    ),
    "total_red": ("预计全年排放超过红色预警线", "projected year above the red band"),
    "total_yellow": ("预计全年排放达到黄色预警线", "projected year at the yellow band"),
    "energy_over_annual": (
        "累计用能已超过年度用能预算",
        "energy use to date already exceeds the annual energy budget",
    ),
    "energy_red": ("预计全年用能超过红色预警线", "projected energy use above the red band"),
    "energy_yellow": ("预计全年用能达到黄色预警线", "projected energy use at the yellow band"),
}
"""Reason keys of ``warning_lines``: why a line is yellow or red."""

_AS_OF: Final = re.compile(r"^([12][0-9]{3})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Bands:
    """Warning bands as shares of the annual budget (or of the intensity budget).

    Not from any source: the methods reference §6.2 found no published early-warning
    thresholds ([X]) and suggests bands only as an inference ([I]); keep them configurable.
    Red when the ratio is above ``red``, yellow at or above ``yellow``.
    """

    yellow: float = 0.9
    red: float = 1.0

    def __post_init__(self) -> None:
        for name in ("yellow", "red"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise ValueError(f"band {name} must be a positive finite number, got {value!r}")
        if not self.yellow < self.red:
            raise ValueError(f"band yellow ({self.yellow}) must be below red ({self.red})")

    @classmethod
    def parse(cls, text: str) -> Bands:
        """``"yellow=0.9,red=1.0"`` (either may be left out for its default)."""
        values: dict[str, float] = {}
        for part in text.split(","):
            key, sep, raw = part.partition("=")
            key = key.strip()
            if not sep or key not in ("yellow", "red"):
                raise ValueError(
                    f"bands: expected yellow=<number>,red=<number>, got {part.strip()!r}"
                )
            if key in values:
                raise ValueError(f"bands: {key} given twice")
            try:
                values[key] = float(raw.strip())
            except ValueError:
                raise ValueError(f"bands: {key} is not a number: {raw.strip()!r}") from None
        return cls(**values)


def parse_month(as_of: str) -> tuple[int, int]:
    """``YYYY-MM`` as ``(year, month)``; raises ``ValueError`` otherwise."""
    match = _AS_OF.match(as_of.strip()) if isinstance(as_of, str) else None
    if match is None:
        raise ValueError(f"as-of month must be YYYY-MM, got {as_of!r}")
    return int(match.group(1)), int(match.group(2))


# --------------------------------------------------------------------------- tree checks


def _level_rank() -> pl.Expr:
    return pl.col("level").replace_strict(
        {lv: i for i, lv in enumerate(BUDGET_LEVELS)}, default=None, return_dtype=pl.Int8
    )


def _with_row(budgets: pl.DataFrame) -> pl.DataFrame:
    if "row" in budgets.columns:
        return budgets.with_columns(pl.col("row").cast(pl.Int64))
    return budgets.with_row_index("row").with_columns(pl.col("row").cast(pl.Int64))


PROBLEM_SCHEMA: Final = pl.Schema(
    {
        "row": pl.Int64,
        "key": pl.String,
        "column": pl.String,
        "code": pl.String,
        "value": pl.String,
        "detail": pl.String,
    }
)
"""A problem: ``row`` (the input's ``row`` column when it has one, else the 0-based position),
``key`` (budget_id or subject_id), the column at fault, a ``PROBLEMS`` code, the value and a
language-neutral detail."""


def _problems(
    frame: pl.DataFrame,
    cond: pl.Expr,
    key: str,
    column: str,
    code: str,
    detail: pl.Expr | None = None,
) -> pl.DataFrame:
    return frame.filter(cond).select(
        "row",
        pl.col(key).cast(pl.String).alias("key"),
        pl.lit(column).alias("column"),
        pl.lit(code).alias("code"),
        pl.col(column).cast(pl.String).alias("value"),
        (pl.lit(None, pl.String) if detail is None else detail.cast(pl.String)).alias("detail"),
    )


def tree_problems(budgets: pl.DataFrame) -> pl.DataFrame:
    """Structural problems of a budget tree (seeds D2), as rows of ``PROBLEM_SCHEMA``:
    unknown level, duplicate budget_id, a subject budgeted twice in a year, unknown parent,
    parent of another year, more than one root per year, a level not deeper than the parent's,
    and parent links that form a cycle. Empty when the tree is sound."""
    b = _with_row(budgets).with_columns(_level_rank().alias("_rank"))
    ids = b.select("budget_id").unique()
    first = b.unique("budget_id", keep="first", maintain_order=True)
    parents = first.select(
        pl.col("budget_id").alias("parent_id"),
        pl.col("year").alias("_parent_year"),
        pl.col("_rank").alias("_parent_rank"),
    )
    linked = b.join(parents, on="parent_id", how="left")
    has_parent = pl.col("parent_id").is_not_null()
    known_parent = has_parent & pl.col("parent_id").is_in(ids["budget_id"].implode())
    roots = b.filter(pl.col("parent_id").is_null())
    frames = [
        _problems(b, pl.col("_rank").is_null(), "budget_id", "level", "unknown_level"),
        _problems(
            b,
            pl.len().over("budget_id") > 1,
            "budget_id",
            "budget_id",
            "duplicate_budget_id",
            pl.format("rows {}", pl.col("row").cast(pl.String).str.join(", ").over("budget_id")),
        ),
        _problems(
            b,
            pl.len().over("subject_id", "year") > 1,
            "budget_id",
            "subject_id",
            "duplicate_subject",
            pl.format("{} {}", pl.col("subject_id"), pl.col("year")),
        ),
        _problems(linked, has_parent & ~known_parent, "budget_id", "parent_id", "unknown_parent"),
        _problems(
            linked,
            known_parent & (pl.col("_parent_year") != pl.col("year")),
            "budget_id",
            "parent_id",
            "parent_other_year",
            pl.format("{} ≠ {}", pl.col("_parent_year"), pl.col("year")),
        ),
        _problems(
            linked,
            known_parent
            & pl.col("_rank").is_not_null()
            & pl.col("_parent_rank").is_not_null()
            & (pl.col("_rank") <= pl.col("_parent_rank")),
            "budget_id",
            "level",
            "level_not_deeper",
            pl.format(
                "{} ≤ {}",
                pl.col("level"),
                pl.col("_parent_rank").replace_strict(
                    dict(enumerate(BUDGET_LEVELS)), return_dtype=pl.String
                ),
            ),
        ),
        _problems(
            roots,
            pl.len().over("year") > 1,
            "budget_id",
            "parent_id",
            "multiple_roots",
            pl.format("{}", pl.col("budget_id").str.join(", ").over("year")),
        ),
    ]
    cyclic = _cycle_members(first, ids)
    frames.append(
        _problems(
            b, pl.col("budget_id").is_in(cyclic.implode()), "budget_id", "parent_id", "parent_cycle"
        )
    )
    out = pl.concat([f.cast(dict(PROBLEM_SCHEMA)) for f in frames])  # type: ignore[arg-type]
    return out.unique(maintain_order=True).sort("row", "column", maintain_order=True)


def _cycle_members(first: pl.DataFrame, ids: pl.DataFrame) -> pl.Series:
    """Budget ids whose walk up the parent links comes back to them. The walk takes one join
    per step and stops as soon as every line has reached a root (at most the number of levels
    in a sound tree); lines stop once they reach a known cycle member."""
    links = first.select(
        "budget_id",
        pl.when(pl.col("parent_id").is_in(ids["budget_id"].implode()))
        .then(pl.col("parent_id"))
        .alias("_up"),
    )
    cur = links.rename({"_up": "_anc"})
    found: list[str] = []
    for _ in range(links.height):
        cur = cur.filter(pl.col("_anc").is_not_null())
        if cur.is_empty():
            break
        hit = cur.filter(pl.col("_anc") == pl.col("budget_id"))["budget_id"].to_list()
        found.extend(hit)
        cur = cur.filter(
            (pl.col("_anc") != pl.col("budget_id"))
            & ~pl.col("_anc").is_in(pl.Series(found, dtype=pl.String).implode())
        )
        cur = cur.join(links, left_on="_anc", right_on="budget_id", how="left").select(
            "budget_id", pl.col("_up").alias("_anc")
        )
    return pl.Series("budget_id", found, dtype=pl.String)


def check_tree(budgets: pl.DataFrame) -> pl.DataFrame:
    """Parents whose children's budgets add up to more than the parent (seeds D2): one row per
    parent and measure (``tco2``, and ``energy_tce`` where the parent has an energy budget)
    with ``parent_id, year, measure, parent_budget, children_sum, children`` (child budget ids,
    sorted). Excess within ``SUM_RELATIVE_TOLERANCE`` of the parent is rounding. Empty when
    every parent covers its children."""
    measures = [("tco2", "budget_tco2")]
    if "budget_energy_tce" in budgets.columns:
        measures.append(("energy_tce", "budget_energy_tce"))
    frames = []
    for measure, col in measures:
        kids = (
            budgets.filter(pl.col("parent_id").is_not_null())
            .group_by("parent_id")
            .agg(
                pl.col(col).cast(pl.Float64).sum().alias("children_sum"),
                pl.col("budget_id").sort().alias("children"),
            )
        )
        parents = budgets.filter(pl.col(col).is_not_null()).select(
            pl.col("budget_id").alias("parent_id"),
            "year",
            pl.col(col).cast(pl.Float64).alias("parent_budget"),
        )
        over = parents.join(kids, on="parent_id", how="inner").filter(
            pl.col("children_sum")
            > pl.col("parent_budget") + pl.col("parent_budget").abs() * SUM_RELATIVE_TOLERANCE
        )
        frames.append(
            over.select(
                "parent_id",
                pl.col("year").cast(pl.Int32),
                pl.lit(measure).alias("measure"),
                "parent_budget",
                "children_sum",
                "children",
            )
        )
    return pl.concat(frames).sort("year", "parent_id", "measure")


# ---------------------------------------------------------------------------- allocation

AllocationRule = Literal["history", "benchmark", "intensity"]
ALLOCATION_RULES: Final = ("history", "benchmark", "intensity")


def allocate(
    parent_budget: float,
    children: pl.DataFrame,
    rule: str,
    *,
    parent_historic: float | None = None,
) -> pl.DataFrame:
    """Split a parent's budget among its children (seeds D2: history, benchmark, or intensity
    × output). ``children`` keeps its columns and gains ``budget_tco2``, ``scale`` (1.0 when
    the children fit unscaled) and ``rule``:

    - ``history``: parent × the child's share of ``historic_tco2`` (the children then sum to
      the parent, within float rounding). With ``parent_historic`` (the parent subject's
      own emissions of the same year, everything in it and not only the children listed)
      the share is the child's ``historic_tco2 ÷ parent_historic``: the listed children get
      what they emitted of the parent, and the rest stays with the parent, allocated to no
      listed child;
    - ``benchmark``: ``benchmark_intensity_tco2_per_10k_yuan`` (the industry benchmark, 行业
      基准) × ``planned_output_10k_yuan``;
    - ``intensity``: the child's ``budget_intensity_tco2_per_10k_yuan`` ×
      ``planned_output_10k_yuan``.

    Benchmark and intensity budgets that add up to more than the parent are scaled down by
    one common factor so that they sum to the parent; children never add up to more than it.
    Raises ``ValueError`` on an unknown rule, a missing column, a negative or non-finite input,
    history totals of zero, or children's history above ``parent_historic``.
    """
    if not (math.isfinite(parent_budget) and parent_budget >= 0):
        raise ValueError(f"parent budget must be a finite number ≥ 0, got {parent_budget!r}")
    needed = {
        "history": ("historic_tco2",),
        "benchmark": ("benchmark_intensity_tco2_per_10k_yuan", "planned_output_10k_yuan"),
        "intensity": ("budget_intensity_tco2_per_10k_yuan", "planned_output_10k_yuan"),
    }
    if rule not in needed:
        raise ValueError(f"allocation rule must be one of {', '.join(ALLOCATION_RULES)}: {rule!r}")
    missing = [c for c in needed[rule] if c not in children.columns]
    if missing:
        raise ValueError(f"allocation by {rule} needs column(s) {', '.join(missing)}")
    for c in needed[rule]:
        bad = children.filter(
            pl.col(c).is_null() | ~pl.col(c).cast(pl.Float64).is_finite() | (pl.col(c) < 0)
        )
        if bad.height:
            raise ValueError(f"{c} must be a finite number ≥ 0 in every row ({bad.height} not)")
    if rule == "history":
        raw = pl.col("historic_tco2").cast(pl.Float64)
    else:
        raw = pl.col(needed[rule][0]).cast(pl.Float64) * pl.col("planned_output_10k_yuan").cast(
            pl.Float64
        )
    raw_sum = children.select(raw.sum()).item() if children.height else 0.0
    if not math.isfinite(raw_sum):
        raise ValueError(f"allocation by {rule}: the children's figures overflow")
    if rule == "history" and parent_historic is not None:
        if not (math.isfinite(parent_historic) and parent_historic > 0):
            raise ValueError(
                f"parent_historic must be a finite number above zero, got {parent_historic!r}"
            )
        if raw_sum > parent_historic * (1 + 1e-9):
            raise ValueError(
                f"the children's historic emissions ({raw_sum}) exceed the parent's "
                f"({parent_historic})"
            )
        raw_sum = parent_historic
    if rule == "history" and children.height and raw_sum <= 0:
        raise ValueError("allocation by history needs historic emissions above zero")
    fitted = rule == "history" or raw_sum > parent_budget
    # share first, then the parent: a tiny total cannot blow the factor up to infinity
    budget = raw / raw_sum * parent_budget if fitted and children.height else raw
    scale = parent_budget / raw_sum if fitted and children.height else 1.0
    return children.with_columns(
        budget.alias("budget_tco2"),
        pl.lit(scale, pl.Float64).alias("scale"),
        pl.lit(rule).alias("rule"),
    )


# ----------------------------------------------------------------------------- actuals


def _period_parts() -> list[pl.Expr]:
    """``_year``, ``_first``, ``_last`` (months 1-12) of a well-formed period."""
    p = pl.col("period")
    quarter = p.str.slice(6, 1).cast(pl.Int32, strict=False)
    month = p.str.slice(5, 2).cast(pl.Int32, strict=False)
    is_year = p.str.len_bytes() == 4
    is_quarter = p.str.slice(5, 1) == "Q"
    return [
        p.str.slice(0, 4).cast(pl.Int32, strict=False).alias("_year"),
        pl.when(is_year)
        .then(1)
        .when(is_quarter)
        .then(quarter * 3 - 2)
        .otherwise(month)
        .cast(pl.Int32)
        .alias("_first"),
        pl.when(is_year)
        .then(12)
        .when(is_quarter)
        .then(quarter * 3)
        .otherwise(month)
        .cast(pl.Int32)
        .alias("_last"),
    ]


def actuals_problems(actuals: pl.DataFrame, as_of: str) -> pl.DataFrame:
    """Problems of an actuals frame for monitoring at ``as_of`` (``PROBLEM_SCHEMA``, key =
    subject_id): a period that is not ``YYYY``, ``YYYY-Qn`` or ``YYYY-MM`` (``bad_period``, as
    ``citycarbon emissions`` writes them); a quarter or year of the as-of year that runs past
    the as-of month (its part to date is unknown); periods of one subject that cover the same
    month twice (whatever their source); a source other than accounted or estimated."""
    year, month = parse_month(as_of)
    a = _with_row(actuals)
    good = pl.col("period").str.contains(PERIOD_PATTERN).fill_null(False)
    frames = [
        _problems(a, ~good, "subject_id", "period", "bad_period"),
    ]
    if "source" in a.columns:
        frames.append(
            _problems(
                a,
                pl.col("source").is_not_null() & ~pl.col("source").is_in(SOURCES),
                "subject_id",
                "source",
                "bad_source",
            )
        )
    p = a.filter(good).with_columns(_period_parts())
    frames.append(
        _problems(
            p,
            (pl.col("_year") == year) & (pl.col("_first") <= month) & (pl.col("_last") > month),
            "subject_id",
            "period",
            "period_straddles_as_of",
            pl.lit(f"as of {as_of}"),
        )
    )
    covered = (
        p.select("row", "subject_id", "_year", pl.int_ranges("_first", pl.col("_last") + 1))
        .explode("_first")
        .filter(pl.len().over("subject_id", "_year", "_first") > 1)
        .group_by("row")
        .agg(pl.col("_first").min())
    )
    overlapping = p.join(covered.select("row", pl.col("_first").alias("_month")), on="row")
    frames.append(
        _problems(
            overlapping,
            pl.lit(True),
            "subject_id",
            "period",
            "overlapping_periods",
            pl.format("{}-{}", pl.col("_year"), pl.col("_month").cast(pl.String).str.zfill(2)),
        )
    )
    out = pl.concat([f.cast(dict(PROBLEM_SCHEMA)) for f in frames])  # type: ignore[arg-type]
    return out.sort("row", "column", maintain_order=True)


def combine_sources(accounted: pl.DataFrame, estimated: pl.DataFrame) -> pl.DataFrame:
    """Actuals for monitoring from the published accounting and, for months not yet accounted,
    the rapid estimates (seeds D4: "actuals (accounted, or rapid from B3)"): both frames have
    ``subject_id, period, tco2`` (+ optional ``value_added_10k_yuan``, ``energy_tce``) with
    well-formed periods. An estimate row is dropped when any month it covers is accounted for
    its subject; the rows kept carry ``source`` = accounted or estimated."""
    cols = [c for c in (*ACTUAL_COLUMNS, *ACTUAL_OPTIONAL[:2]) if c in accounted.columns]
    acc = accounted.select(cols).with_columns(pl.lit("accounted").alias("source"))
    est = estimated.select(c for c in cols if c in estimated.columns).with_columns(
        pl.lit("estimated").alias("source")
    )
    months = pl.int_ranges("_first", pl.col("_last") + 1).alias("_month")
    taken = (
        acc.lazy()
        .with_columns(_period_parts())
        .select("subject_id", "_year", months)
        .explode("_month")
        .unique()
    )
    clash = (
        est.lazy()
        .with_row_index("_e")
        .with_columns(_period_parts())
        .select("_e", "subject_id", "_year", months)
        .explode("_month")
        .join(taken, on=["subject_id", "_year", "_month"], how="semi")
        .select("_e")
        .unique()
    )
    kept = est.lazy().with_row_index("_e").join(clash, on="_e", how="anti").sort("_e").drop("_e")
    return pl.concat([acc.lazy(), kept], how="diagonal_relaxed").collect()


# ---------------------------------------------------------------------------- monitoring


def _cumulative_profile(profile: pl.DataFrame) -> tuple[str, pl.DataFrame]:
    """The profile's key column and ``key, _m (0-12), _cum`` (share of months ≤ _m)."""
    keys = [c for c in ("budget_id", "level") if c in profile.columns]
    if len(keys) != 1 or not {"month", "share"} <= set(profile.columns):
        raise ValueError("profile needs columns month, share and one of budget_id or level")
    key = keys[0]
    prof = profile.select(
        pl.col(key).cast(pl.String),
        pl.col("month").cast(pl.Int32),
        pl.col("share").cast(pl.Float64),
    )
    bad = prof.filter(
        ~pl.col("month").is_between(1, 12)
        | pl.col("share").is_null()
        | ~pl.col("share").is_finite()
        | (pl.col("share") < 0)
        | (pl.len().over(key, "month") > 1)
    )
    if bad.height:
        raise ValueError(
            "profile: months must be 1-12 once per key, shares finite and ≥ 0 "
            f"({bad.height} rows are not)"
        )
    sums = (
        prof.group_by(key).agg(pl.col("share").sum()).filter((pl.col("share") - 1.0).abs() > 1e-6)
    )
    if sums.height:
        raise ValueError(
            f"profile: shares must sum to 1 per {key}; they do not for "
            f"{', '.join(map(str, sums[key].head(5).to_list()))}"
        )
    grid = (
        prof.select(key)
        .unique()
        .join(pl.DataFrame({"_m": pl.int_range(0, 13, eager=True).cast(pl.Int32)}), how="cross")
    )
    cum = (
        grid.join(prof, left_on=[key, "_m"], right_on=[key, "month"], how="left")
        .sort(key, "_m")
        .with_columns(pl.col("share").fill_null(0.0).cum_sum().over(key).alias("_cum"))
        .select(key, "_m", pl.when(pl.col("_m") == 12).then(1.0).otherwise("_cum").alias("_cum"))
    )
    return key, cum


def _null_if_any_missing(col: str, basis: pl.Expr | None = None) -> pl.Expr:
    """Sum of ``col``, or null if a contributing value is missing (an intensity over part of
    the months or part of the children would be no figure)."""
    c = pl.col(col)
    missing = c.is_null() if basis is None else c.is_null() & basis
    return pl.when(missing.any()).then(None).otherwise(c.fill_null(0.0).sum())


def _status(ratio: pl.Expr, over_annual: pl.Expr, bands: Bands) -> pl.Expr:
    r = ratio.round(COMPARE_DECIMALS)
    return (
        pl.when(over_annual | (r > bands.red))
        .then(pl.lit("red"))
        .when(r >= bands.yellow)
        .then(pl.lit("yellow"))
        .otherwise(pl.lit("green"))
    )


def _ratio(num: pl.Expr, den: pl.Expr) -> pl.Expr:
    """num ÷ den with a zero budget read as: anything above it is infinitely over."""
    return (
        pl.when(num.is_null())
        .then(None)
        .when(den > 0)
        .then(num / den)
        .when(num > 0)
        .then(float("inf"))
        .otherwise(0.0)
    )


def _rank(status: str) -> pl.Expr:
    return pl.col(status).replace_strict(
        {s: i for i, s in enumerate(STATUSES)}, default=-1, return_dtype=pl.Int8
    )


def monitor(
    budgets: pl.DataFrame,
    actuals: pl.DataFrame,
    as_of: str,
    bands: Bands = Bands(),
    profile: pl.DataFrame | None = None,
    projection: str = "linear",
) -> pl.DataFrame:
    """Budget execution at ``as_of`` (``YYYY-MM``), one row per budget line in input order
    (seeds D3, D4, D8; method in the module docstring).

    ``budgets``: ``BUDGET_COLUMNS`` (+ ``BUDGET_OPTIONAL``), a tree as ``tree_problems``
    accepts. ``actuals``: ``subject_id, period, tco2`` (+ ``value_added_10k_yuan``,
    ``energy_tce``, ``source``), as ``actuals_problems`` accepts at ``as_of``: ``period`` is
    ``YYYY-MM``, or a quarter or year that ends by the as-of month. Rows of subjects with no
    budget line, and of years with no line, are not used. ``profile``: monthly shares
    (``month, share`` summing to 1) keyed by ``budget_id`` or ``level``; when given it prorates
    the budget, and with ``projection="profile"`` it also projects the year (lines without a
    profile use equal months). Raises ``ValueError`` on a bad ``as_of``, projection or profile.

    Columns: ``budget_id, level, subject_id, parent_id, year, as_of, months_elapsed,
    budget_tco2, prorated_budget_tco2, actual_to_date_tco2, accounted_tco2, estimated_tco2,
    actual_basis`` (own | children | none), ``used_of_annual_pct, projected_year_tco2,
    projected_overshoot_tco2, projected_ratio, total_status,
    budget_intensity_tco2_per_10k_yuan, value_added_to_date_10k_yuan,
    intensity_to_date_tco2_per_10k_yuan, intensity_ratio, intensity_status, status,
    judged_by`` (intensity | total), ``budget_energy_tce, prorated_budget_energy_tce,
    energy_to_date_tce, projected_year_energy_tce, projected_overshoot_energy_tce,
    energy_ratio, energy_status``. The energy status stands beside the carbon ``status`` and
    does not change it.
    """
    year, month = parse_month(as_of)
    if projection not in PROJECTIONS:
        raise ValueError(f"projection must be linear or profile, got {projection!r}")
    if projection == "profile" and profile is None:
        raise ValueError("projection 'profile' needs a monthly profile")

    opt = {c: pl.col(c).cast(pl.Float64) for c in BUDGET_OPTIONAL if c in budgets.columns}
    lines = budgets.select(
        pl.col("budget_id").cast(pl.String),
        pl.col("level").cast(pl.String),
        pl.col("subject_id").cast(pl.String),
        pl.col("parent_id").cast(pl.String),
        pl.col("year").cast(pl.Int32),
        pl.col("budget_tco2").cast(pl.Float64),
        *(opt.get(c, pl.lit(None, pl.Float64)).alias(c) for c in BUDGET_OPTIONAL),
    ).with_row_index("_i")
    months = (
        pl.when(pl.col("year") < year)
        .then(12)
        .when(pl.col("year") > year)
        .then(0)
        .otherwise(month)
        .cast(pl.Int32)
    )
    lines = lines.with_columns(months.alias("months_elapsed"), _level_rank().alias("_rank"))

    share = pl.col("months_elapsed").cast(pl.Float64) / 12.0
    if profile is not None:
        key, cum = _cumulative_profile(profile)
        lines = lines.join(
            cum, left_on=[key, "months_elapsed"], right_on=[key, "_m"], how="left"
        ).with_columns(pl.col("_cum").fill_null(share).alias("_share"))
    else:
        lines = lines.with_columns(share.alias("_share"))

    rolled = _rolled_actuals(lines, actuals, year, month)
    return _judge(rolled, as_of, bands, projection).sort("_i").drop("_i")


def _rolled_actuals(
    lines: pl.DataFrame, actuals: pl.DataFrame, year: int, month: int
) -> pl.DataFrame:
    """``lines`` with actuals to date, own or rolled up from the children (deepest first)."""
    given = [c for c in ("value_added_10k_yuan", "energy_tce") if c in actuals.columns]
    tco2 = pl.col("tco2")
    if "source" in actuals.columns:
        estimate = pl.col("source") == "estimated"  # any other source, or none, is accounted
        split = [
            pl.when(estimate).then(0.0).otherwise(tco2).sum().alias("_acc"),
            pl.when(estimate).then(tco2).otherwise(0.0).sum().alias("_est"),
        ]
    else:
        split = [tco2.sum().alias("_acc"), pl.lit(0.0).alias("_est")]
    own = (
        actuals.lazy()
        .select(
            pl.col("subject_id").cast(pl.String),
            pl.col("period").cast(pl.String),
            tco2.cast(pl.Float64),
            *(pl.col(c).cast(pl.Float64) for c in given),
            *([pl.col("source").cast(pl.String)] if "source" in actuals.columns else []),
        )
        .with_columns(_period_parts())
        .filter((pl.col("_year") < year) | ((pl.col("_year") == year) & (pl.col("_last") <= month)))
        .group_by("subject_id", pl.col("_year").alias("year"))
        .agg(
            tco2.sum().alias("_tco2"),
            *split,
            *(pl.col(c).sum().alias(c) for c in given),
            *(pl.col(c).null_count().alias(f"{c}_nulls") for c in given),
        )
        .select(
            "subject_id",
            "year",
            "_tco2",
            "_acc",
            "_est",
            *(
                # an intensity over part of the months would be no figure
                (
                    pl.when(pl.col(f"{c}_nulls") == 0).then(pl.col(c))
                    if c in given
                    else pl.lit(None, pl.Float64)
                ).alias(alias)
                for c, alias in (("value_added_10k_yuan", "_va"), ("energy_tce", "_tce"))
            ),
            pl.lit("own").alias("_basis"),
        )
    )
    frame = lines.lazy().join(own, on=["subject_id", "year"], how="left").collect()
    figures = ["_tco2", "_acc", "_est", "_va", "_tce"]
    counted = pl.col("_basis") != "none"
    frame = frame.with_columns(
        pl.col("_basis").fill_null("none"), *(pl.col(c).fill_null(0.0) for c in figures[:3])
    )
    for rank in range(len(BUDGET_LEVELS) - 1, 0, -1):
        kids = (
            frame.lazy()
            .filter((pl.col("_rank") == rank) & pl.col("parent_id").is_not_null())
            .group_by(pl.col("parent_id").alias("budget_id"))
            .agg(
                *(pl.col(c).sum().alias(f"{c}_k") for c in figures[:3]),
                *(_null_if_any_missing(c, counted).alias(f"{c}_k") for c in figures[3:]),
                counted.sum().alias("_n_k"),
            )
        )
        # children that have no figures either leave the parent without any
        takes = (pl.col("_n_k") > 0) & (pl.col("_basis") == "none")
        frame = (
            frame.lazy()
            .join(kids, on="budget_id", how="left")
            .with_columns(
                *(
                    pl.when(takes).then(pl.col(f"{c}_k")).otherwise(pl.col(c)).alias(c)
                    for c in figures
                ),
                pl.when(takes).then(pl.lit("children")).otherwise("_basis").alias("_basis"),
            )
            .drop([f"{c}_k" for c in figures], "_n_k")
            .collect()
        )
    return frame


def _judge(frame: pl.DataFrame, as_of: str, bands: Bands, projection: str) -> pl.DataFrame:
    m = pl.col("months_elapsed")
    budget, actual = pl.col("budget_tco2"), pl.col("_tco2")
    if projection == "linear":
        factor = pl.when(m > 0).then(12.0 / m.cast(pl.Float64))
    else:
        factor = pl.when(pl.col("_share") > 0).then(1.0 / pl.col("_share"))
    va = pl.when(pl.col("_va") > 0).then(pl.col("_va"))
    e_budget, e_actual = pl.col("budget_energy_tce"), pl.col("_tce")
    out = frame.lazy().with_columns(
        pl.lit(as_of).alias("as_of"),
        (budget * pl.col("_share")).alias("prorated_budget_tco2"),
        actual.alias("actual_to_date_tco2"),
        pl.col("_acc").alias("accounted_tco2"),
        pl.col("_est").alias("estimated_tco2"),
        pl.col("_basis").alias("actual_basis"),
        pl.when(budget > 0).then(actual / budget * 100.0).alias("used_of_annual_pct"),
        (actual * factor).alias("projected_year_tco2"),
        va.alias("value_added_to_date_10k_yuan"),
        (actual / va).alias("intensity_to_date_tco2_per_10k_yuan"),
        (e_budget * pl.col("_share")).alias("prorated_budget_energy_tce"),
        pl.when(e_budget.is_not_null()).then(e_actual).alias("energy_to_date_tce"),
        pl.when(e_budget.is_not_null()).then(e_actual * factor).alias("projected_year_energy_tce"),
    )
    projected, e_projected = pl.col("projected_year_tco2"), pl.col("projected_year_energy_tce")
    b_int = pl.col("budget_intensity_tco2_per_10k_yuan")
    out = out.with_columns(
        pl.when(projected.is_not_null())
        .then(pl.max_horizontal(projected - budget, pl.lit(0.0)))
        .alias("projected_overshoot_tco2"),
        _ratio(projected, budget).alias("projected_ratio"),
        pl.when(b_int > 0)
        .then(pl.col("intensity_to_date_tco2_per_10k_yuan") / b_int)
        .alias("intensity_ratio"),
        pl.when(e_projected.is_not_null())
        .then(pl.max_horizontal(e_projected - e_budget, pl.lit(0.0)))
        .alias("projected_overshoot_energy_tce"),
        pl.when(e_budget.is_not_null()).then(_ratio(e_projected, e_budget)).alias("energy_ratio"),
    )
    out = out.with_columns(
        _status(pl.col("projected_ratio"), actual > budget, bands).alias("total_status"),
        pl.when(pl.col("intensity_ratio").is_not_null())
        .then(_status(pl.col("intensity_ratio"), pl.lit(False), bands))
        .alias("intensity_status"),
        pl.when(e_budget.is_not_null())
        .then(_status(pl.col("energy_ratio"), e_actual > e_budget, bands))
        .alias("energy_status"),
    )
    intensity_first = _rank("intensity_status") >= _rank("total_status")
    out = out.with_columns(
        pl.when(intensity_first)
        .then(pl.col("intensity_status"))
        .otherwise(pl.col("total_status"))
        .alias("status"),
        pl.when(intensity_first)
        .then(pl.lit("intensity"))
        .otherwise(pl.lit("total"))
        .alias("judged_by"),
    )
    return out.select(
        "_i",
        "budget_id",
        "level",
        "subject_id",
        "parent_id",
        "year",
        "as_of",
        "months_elapsed",
        "budget_tco2",
        "prorated_budget_tco2",
        "actual_to_date_tco2",
        "accounted_tco2",
        "estimated_tco2",
        "actual_basis",
        "used_of_annual_pct",
        "projected_year_tco2",
        "projected_overshoot_tco2",
        "projected_ratio",
        "total_status",
        "budget_intensity_tco2_per_10k_yuan",
        "value_added_to_date_10k_yuan",
        "intensity_to_date_tco2_per_10k_yuan",
        "intensity_ratio",
        "intensity_status",
        "status",
        "judged_by",
        "budget_energy_tce",
        "prorated_budget_energy_tce",
        "energy_to_date_tce",
        "projected_year_energy_tce",
        "projected_overshoot_energy_tce",
        "energy_ratio",
        "energy_status",
    ).collect()


def warning_lines(monitored: pl.DataFrame) -> pl.DataFrame:
    """The yellow and red lines of a ``monitor`` result, from which warning cases are opened
    (seeds D4, D9, D14): ``budget_id, subject_id, level, year, status, as_of, reason`` (a
    ``WARNING_REASONS`` key). ``status`` is the worse of the carbon status and the energy
    status; the carbon judgement gives the reason when both are equally bad, and within it the
    intensity (intensity first, totals second)."""
    carbon, energy = _rank("status"), _rank("energy_status")
    carbon_worst = carbon >= energy
    reason = (
        pl.when(carbon_worst & (pl.col("judged_by") == "intensity"))
        .then(pl.format("intensity_{}", pl.col("status")))
        .when(carbon_worst & (pl.col("actual_to_date_tco2") > pl.col("budget_tco2")))
        .then(pl.lit("actual_over_annual"))
        .when(carbon_worst)
        .then(pl.format("total_{}", pl.col("status")))
        .when(pl.col("energy_to_date_tce") > pl.col("budget_energy_tce"))
        .then(pl.lit("energy_over_annual"))
        .otherwise(pl.format("energy_{}", pl.col("energy_status")))
    )
    return monitored.filter(pl.max_horizontal(carbon, energy) >= 1).select(
        "budget_id",
        "subject_id",
        "level",
        "year",
        pl.when(carbon_worst)
        .then(pl.col("status"))
        .otherwise(pl.col("energy_status"))
        .alias("status"),
        "as_of",
        reason.alias("reason"),
    )
