"""Reading grading results: published runs, their codes as frames, and the portraits and
benchmark lists computed from them (``core.portrait``, ``core.peer_lists``).

A published run never changes, so what is computed from it is kept per process
(``published_view``), keyed by the run's id: the first page or API call after a run is
published pays for the computation, the rest read memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import polars as pl

from citycarbon.core.grading import yearly_emissions
from citycarbon.core.peer_lists import (
    low_green,
    low_green_reason,
    poor_efficiency,
    poor_efficiency_reasons,
)
from citycarbon.core.portrait import enterprise_portraits
from citycarbon.web.bulk import read_frame, table
from citycarbon.web.energy import selectors as energy
from citycarbon.web.enterprises import selectors as enterprises
from citycarbon.web.enterprises.models import Enterprise
from citycarbon.web.grading.actions import CODE_COLUMNS
from citycarbon.web.grading.models import CarbonCode, GradingRun
from citycarbon.web.regions.models import District, Industry


def latest_published() -> GradingRun | None:
    """The most recently published grading run: the codes everyone sees."""
    return (
        GradingRun.objects.filter(published_at__isnull=False)
        .select_related("accounting_run")
        .order_by("-published_at", "-id")
        .first()
    )


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
