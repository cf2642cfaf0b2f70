"""Reading grading results: published runs, their codes as frames, and the portraits and
benchmark lists computed from them (``core.portrait``, ``core.peer_lists``).

A published run never changes, so what is computed from it is kept per process
(``published_view``), keyed by the run's id: the first page or API call after a run is
published pays for the computation, the rest read memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

import polars as pl
from django.db import connection

from citycarbon.core.grading import yearly_emissions
from citycarbon.core.peer_lists import (
    low_green,
    low_green_reason,
    poor_efficiency,
    poor_efficiency_reasons,
)
from citycarbon.core.portrait import enterprise_portraits
from citycarbon.web.access.policy import Principal, allows
from citycarbon.web.bulk import read_frame, table
from citycarbon.web.energy import selectors as energy
from citycarbon.web.energy.models import AccountingRun
from citycarbon.web.enterprises import selectors as enterprises
from citycarbon.web.enterprises.models import Enterprise
from citycarbon.web.grading.actions import CODE_COLUMNS
from citycarbon.web.grading.models import CarbonCode, GradingRun
from citycarbon.web.regions.models import District, Industry

PORTRAIT_EMISSION_COLUMNS: Final = (
    "total_tco2",
    "energy_tce",
    "value_added_10k_yuan",
    "largest_sources",
    "coal_share",
    "oil_share",
    "gas_share",
    "electricity_heat_share",
    "other_share",
    "green_share",
)
"""The columns of a portrait that are emissions data (or give them away: emissions =
intensity × value added). A role that may read portraits but not ``emissions`` (the bank)
reads a portrait without them: the code, grade, level, intensity and ranks."""


def portraits_for(principal: Principal | None, frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` (portrait rows) without the emissions columns unless ``principal`` may read
    emissions: the one rule for the portraits API and the enterprise page."""
    if allows(principal, "emissions"):
        return frame
    return frame.drop(PORTRAIT_EMISSION_COLUMNS, strict=False)


def latest_published() -> GradingRun | None:
    """The most recently published grading run: the codes everyone sees."""
    return (
        GradingRun.objects.filter(published_at__isnull=False)
        .select_related("accounting_run")
        .order_by("-published_at", "-id")
        .first()
    )


def published_accounting_run() -> AccountingRun | None:
    """The accounting run behind the latest published grading run: the emissions everyone
    sees, and the run the derived results (estimates, energy balance) are built on."""
    run = latest_published()
    return run.accounting_run if run is not None else None


def latest_published_id() -> int | None:
    """The id of the latest published run, by one hand-written query (asked on every code
    look-up)."""
    sql = (
        f"SELECT id FROM {table(GradingRun)} WHERE published_at IS NOT NULL "
        "ORDER BY published_at DESC, id DESC LIMIT 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    return int(row[0]) if row else None


CODE_LOOKUP_FIELDS: Final = (
    "year",
    "level",
    "grade",
    "intensity_tco2_per_10k_yuan",
    "industry_avg_intensity",
    "k_value",
    "peer_count",
    "industry_level_used",
    "industry_code_used",
    "grade_confidence",
    "grade_low",
    "grade_high",
    "grade_may_flip",
)


def published_codes(
    run_id: int,
    *,
    enterprise_id: int | None = None,
    uscc: str | None = None,
    year: int | None = None,
) -> list[dict[str, Any]]:
    """One enterprise's codes in a run (newest year first), found by internal id or USCC,
    with ``enterprise_id, entity_id, uscc, name``: the API's hot path, one indexed query."""
    cols = ", ".join(f"c.{c}" for c in CODE_LOOKUP_FIELDS)
    where = ["c.run_id = %s"]
    params: list[int | str] = [run_id]
    if enterprise_id is not None:
        where.append("c.enterprise_id = %s")
        params.append(enterprise_id)
    if uscc is not None:
        where.append("e.uscc = %s")
        params.append(uscc)
    if year is not None:
        where.append("c.year = %s")
        params.append(year)
    sql = (
        f"SELECT e.id, e.entity_id, e.uscc, e.name, {cols} FROM {table(CarbonCode)} c "
        f"JOIN {table(Enterprise)} e ON e.id = c.enterprise_id "
        f"WHERE {' AND '.join(where)} ORDER BY c.year DESC"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    names = ("enterprise_id", "entity_id", "uscc", "name", *CODE_LOOKUP_FIELDS)
    out = [dict(zip(names, row, strict=True)) for row in rows]
    for row in out:
        row["grade_may_flip"] = bool(row["grade_may_flip"])
    return out


def graded(run: GradingRun) -> pl.DataFrame:
    """The run's codes as ``core.grading.grade`` gave them (``GradingResult.graded`` joined
    with the confidence), with ``entity_id``, ``industry_code`` and ``district_code``."""
    code_fields = {f.column: f for f in CarbonCode._meta.concrete_fields}
    cols = ", ".join(f"c.{code_fields[c].column}" for c in CODE_COLUMNS)
    sql = (
        f"SELECT e.entity_id, i.code, d.code, {cols} FROM {table(CarbonCode)} c "
        f"JOIN {table(Enterprise)} e ON e.id = c.enterprise_id "
        f"JOIN {table(Industry)} i ON i.id = e.industry_id "
        f"JOIN {table(District)} d ON d.id = e.district_id WHERE c.run_id = %s"
    )
    types: dict[str, pl.DataType] = {
        "year": pl.Int32(),
        "level": pl.String(),
        "industry_level_used": pl.String(),
        "industry_code_used": pl.String(),
        "grade": pl.Int8(),
        "peer_count": pl.Int64(),
        "grade_low": pl.Int8(),
        "grade_high": pl.Int8(),
        "grade_may_flip": pl.Boolean(),
    }
    schema: dict[str, pl.DataType] = {
        "entity_id": pl.String(),
        "industry_code": pl.String(),
        "district_code": pl.String(),
        **{c: types.get(c, pl.Float64()) for c in CODE_COLUMNS},
    }
    return read_frame(sql, [run.pk], schema).sort("entity_id", "year")


@dataclass(frozen=True)
class PublishedView:
    """Everything the pages and the API read about one published run, as frames that carry
    ``enterprise_pk``, names, district and industry."""

    run_id: int
    years: tuple[int, ...]
    emissions: pl.DataFrame
    """Yearly emissions of every enterprise accounted (graded or not)."""
    portraits: pl.DataFrame
    poor_efficiency: pl.DataFrame
    low_green: pl.DataFrame


def _named(frame: pl.DataFrame, names: pl.DataFrame) -> pl.DataFrame:
    extra = [c for c in names.columns if c not in frame.columns or c == "entity_id"]
    return frame.join(names.select(extra), on="entity_id", how="inner")


@lru_cache(maxsize=4)
def _view(run_id: int) -> PublishedView:
    run = GradingRun.objects.select_related("accounting_run").get(pk=run_id)
    names = enterprises.directory()
    accounted = energy.emissions(run.accounting_run)
    emissions = yearly_emissions(accounted)
    portraits = enterprise_portraits(graded(run), accounted)
    poor = poor_efficiency(portraits).with_columns(poor_efficiency_reasons())
    green = low_green(portraits).with_columns(low_green_reason())
    return PublishedView(
        run_id=run_id,
        years=tuple(sorted(emissions.get_column("year").unique().to_list())),
        emissions=_named(emissions, names),
        portraits=_named(portraits, names),
        poor_efficiency=_named(poor, names),
        low_green=_named(green, names),
    )


def published_view(run: GradingRun) -> PublishedView:
    """The frames of a published run (computed once per process)."""
    if run.published_at is None:
        msg = f"grading run {run.pk} is not published"
        raise ValueError(msg)
    return _view(run.pk)


def narrowed(
    frame: pl.DataFrame,
    *,
    ids: set[int] | None = None,
    year: int | None = None,
    district: str | None = None,
    industry: str | None = None,
    grade: int | None = None,
    enterprise: int | None = None,
) -> pl.DataFrame:
    """Rows of a published-view frame for the enterprises in ``ids`` (None: all) matching
    the filters; ``industry`` matches any GB/T 4754 code prefix (division "26", group
    "265" or class "2651")."""
    if ids is not None:
        frame = frame.filter(pl.col("enterprise_pk").is_in(list(ids)))
    if enterprise is not None:
        frame = frame.filter(pl.col("enterprise_pk") == enterprise)
    if year is not None:
        frame = frame.filter(pl.col("year") == year)
    if district:
        frame = frame.filter(pl.col("district_code") == district)
    if industry:
        frame = frame.filter(pl.col("industry_code").str.starts_with(industry))
    if grade is not None and "grade" in frame.columns:
        frame = frame.filter(pl.col("grade") == grade)
    return frame


def _chart(frame: pl.DataFrame, key: str, label: str, value: str) -> dict[str, list[object]]:
    return {
        "keys": frame.get_column(key).to_list(),
        "labels": frame.get_column(label).to_list(),
        "values": [round(v, 1) for v in frame.get_column(value).to_list()],
    }


def dashboard(
    view: PublishedView,
    *,
    year: int,
    district: str | None = None,
    industry: str | None = None,
    industry_names: dict[str, str] | None = None,
    top: int = 10,
) -> dict[str, object]:
    """The regulator dashboard's figures for ``year``, limited to a district and an industry
    (any GB/T 4754 prefix) when given: totals, trend, emissions by district and by industry
    division, grade and level counts, top emitters and the heads of both lists."""

    def within(frame: pl.DataFrame) -> pl.DataFrame:
        return narrowed(frame, district=district, industry=industry)

    emissions = within(view.emissions)
    this_year = emissions.filter(pl.col("year") == year)
    portraits = within(view.portraits).filter(pl.col("year") == year)
    graded_va = float(portraits.get_column("value_added_10k_yuan").sum())
    graded_co2 = float(portraits.get_column("total_tco2").sum())
    trend = (
        emissions.group_by("year")
        .agg(pl.col("total_tco2").sum(), pl.col("energy_tce").sum())
        .sort("year")
    )
    by_district = (
        this_year.group_by("district_code", "district_name")
        .agg(pl.col("total_tco2").sum())
        .sort("district_code")
    )
    names = industry_names or {}
    by_industry = (
        this_year.with_columns(pl.col("industry_code").str.slice(0, 2).alias("division"))
        .group_by("division")
        .agg(pl.col("total_tco2").sum())
        .sort("total_tco2", descending=True)
        .head(15)
        .with_columns(
            pl.col("division")
            .map_elements(lambda c: f"{c} {names.get(c, '')}".strip(), return_dtype=pl.String)
            .alias("label")
        )
    )
    grades = portraits.group_by("grade").len().sort("grade")
    grade_counts = dict(zip(grades["grade"].to_list(), grades["len"].to_list(), strict=True))
    levels = portraits.group_by("level").len()
    level_counts = dict(zip(levels["level"].to_list(), levels["len"].to_list(), strict=True))
    poor = within(view.poor_efficiency).filter(pl.col("year") == year)
    green = within(view.low_green).filter(pl.col("year") == year)
    return {
        "year": year,
        "enterprises": this_year.height,
        "graded": portraits.height,
        "energy_tce": this_year.get_column("energy_tce").sum(),
        "total_tco2": this_year.get_column("total_tco2").sum(),
        "intensity": graded_co2 / graded_va if graded_va else None,
        "trend": {
            "keys": trend.get_column("year").to_list(),
            "labels": [str(y) for y in trend.get_column("year").to_list()],
            "values": [round(v, 1) for v in trend.get_column("total_tco2").to_list()],
        },
        "by_district": _chart(by_district, "district_code", "district_name", "total_tco2"),
        "by_industry": _chart(by_industry, "division", "label", "total_tco2"),
        "grades": {
            "keys": [1, 2, 3, 4, 5],
            "labels": [f"{g}级" for g in range(1, 6)],
            "values": [grade_counts.get(g, 0) for g in range(1, 6)],
        },
        "levels": {lv: level_counts.get(lv, 0) for lv in ("低碳", "中碳", "高碳")},
        "top_emitters": this_year.sort("total_tco2", descending=True).head(top).to_dicts(),
        "poor_count": poor.height,
        "poor_head": poor.sort("worst_ratio_to_threshold", descending=True).head(top).to_dicts(),
        "green_count": green.height,
        "green_head": green.sort("switchable_mwh", descending=True).head(top).to_dicts(),
    }


def district_ranks(
    view: PublishedView, *, year: int, industry: str | None = None
) -> dict[str, object]:
    """Every district of ``year`` (limited to an industry prefix when given) side by side:
    emissions, energy, share of the city's emissions, intensity (tCO2 per 万元 value added
    of the graded enterprises) and the ranks by emissions (1: the largest) and by intensity
    (1: the lowest); ``city`` holds the city's totals."""
    emissions = narrowed(view.emissions, year=year, industry=industry)
    portraits = narrowed(view.portraits, year=year, industry=industry)
    city_co2 = float(emissions.get_column("total_tco2").sum())
    graded = portraits.group_by("district_code").agg(
        (pl.col("total_tco2").sum() / pl.col("value_added_10k_yuan").sum()).alias("intensity")
    )
    rows = (
        emissions.group_by("district_code", "district_name")
        .agg(pl.col("total_tco2").sum(), pl.col("energy_tce").sum())
        .join(graded, on="district_code", how="left")
        .with_columns(
            (pl.col("total_tco2") / city_co2 if city_co2 else pl.lit(None)).alias("share"),
            pl.col("total_tco2").rank("min", descending=True).cast(pl.Int32).alias("rank"),
            pl.col("intensity").rank("min").cast(pl.Int32).alias("intensity_rank"),
        )
        .sort("district_code")
    )
    graded_va = float(portraits.get_column("value_added_10k_yuan").sum())
    return {
        "rows": rows.to_dicts(),
        "count": rows.height,
        "city": {
            "total_tco2": city_co2,
            "energy_tce": float(emissions.get_column("energy_tce").sum()),
            "intensity": float(portraits.get_column("total_tco2").sum()) / graded_va
            if graded_va
            else None,
        },
    }


def forget_views() -> None:
    """Drop the per-process frames (after the database under them was replaced)."""
    _view.cache_clear()


def warm() -> bool:
    """Compute the latest published run's frames now (a server worker calls this as it
    starts, so that no visitor pays for it). False when there is nothing to warm."""
    run = latest_published()
    if run is None:
        return False
    published_view(run)
    return True


GRADES: Final = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class Comparison:
    """How a grading run's codes differ from the published run's, per enterprise-year:
    ``transitions[old][new]`` counts codes graded ``old`` before and ``new`` now, ``added``
    and ``removed`` (per grade) the enterprise-years only one of the two runs grades."""

    against: GradingRun | None
    transitions: dict[int, dict[int, int]]
    added: dict[int, int]
    removed: dict[int, int]
    changed: int
    """Enterprise-years whose grade changes, plus those added or removed."""
    changed_codes: list[tuple[str, int, int | None, int | None]]
    """The first changed codes: (entity id, year, old grade, new grade)."""


def _grades(run: GradingRun) -> dict[tuple[str, int], int]:
    rows = CarbonCode.objects.filter(run=run).values_list("enterprise__entity_id", "year", "grade")
    return {(entity_id, year): grade for entity_id, year, grade in rows}


def compare(run: GradingRun, against: GradingRun | None, *, listed: int = 200) -> Comparison:
    """Compare ``run`` with ``against`` (the published run; None: everything is added)."""
    new = _grades(run)
    old = _grades(against) if against is not None and against.pk != run.pk else dict(new)
    transitions = {g: dict.fromkeys(GRADES, 0) for g in GRADES}
    added = dict.fromkeys(GRADES, 0)
    removed = dict.fromkeys(GRADES, 0)
    changed: list[tuple[str, int, int | None, int | None]] = []
    for key in sorted(new.keys() | old.keys()):
        before, after = old.get(key), new.get(key)
        if before is not None and after is not None:
            transitions[before][after] += 1
        elif after is not None:
            added[after] += 1
        elif before is not None:
            removed[before] += 1
        if before != after:
            changed.append((key[0], key[1], before, after))
    return Comparison(against, transitions, added, removed, len(changed), changed[:listed])
