"""Reading the energy balance: the records and enterprises of the database through
``core.balance``."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from citycarbon.core.balance import ENTERPRISES, energy_balance
from citycarbon.core.factors import DEFAULT_FACTOR_SET, load_factor_set
from citycarbon.core.rapid import ACCOUNTED, complete_years
from citycarbon.web.bulk import content_sha256
from citycarbon.web.energy import selectors as energy
from citycarbon.web.enterprises import selectors as enterprises
from citycarbon.web.regions.models import District


@dataclass(frozen=True)
class Balance:
    year: int
    years: list[int]
    table: pl.DataFrame
    """``core.balance.BALANCE`` of the scopes the reader may see."""
    factor_set: str
    input_sha256: str
    scope_names: dict[str, str]
    coverage: Coverage


@dataclass(frozen=True)
class Coverage:
    """How completely a year is reported: its months with records, the enterprises with any
    record in it, those with records for all twelve months, and the enterprises known."""

    months: int
    all_months: bool
    reporting: int
    full_year: int
    enterprises: int

    @property
    def complete(self) -> bool:
        """All twelve months, and most known enterprises report every one of them."""
        return self.all_months and self.full_year * 2 > self.enterprises


def coverage(records: pl.DataFrame, enterprises: int) -> dict[int, Coverage]:
    """The reporting coverage of every year with records."""
    months = records.select(
        "entity_id",
        pl.col("period").str.slice(0, 4).cast(pl.Int32).alias("year"),
        pl.col("period").str.slice(5, 2).alias("month"),
    ).unique()
    firms = months.group_by("year", "entity_id").agg(pl.col("month").n_unique().alias("n"))
    per_year = firms.group_by("year").agg(
        pl.len().alias("reporting"), (pl.col("n") == 12).sum().alias("full_year")
    )
    in_year = months.group_by("year").agg(pl.col("month").n_unique().alias("months"))
    # The estimates' test of a complete statistics year: records in all twelve months.
    twelve = set(
        complete_years(
            records.select("entity_id", "period", pl.lit(0.0).alias("total_tco2")).cast(ACCOUNTED)
        )
    )
    return {
        r["year"]: Coverage(
            months=r["months"],
            all_months=r["year"] in twelve,
            reporting=r["reporting"],
            full_year=r["full_year"],
            enterprises=enterprises,
        )
        for r in per_year.join(in_year, on="year").iter_rows(named=True)
    }


def balance(year: int | None, *, district: str | None) -> Balance | None:
    """The balance of ``year`` (default: the latest complete year, see ``Coverage``, else the
    latest year with records); only the block of
    ``district`` when given, else the city and every district. None when there are no
    records."""
    records = energy.energy_records()
    available = sorted({int(p[:4]) for p in records.get_column("period").unique().to_list()})
    if not available:
        return None
    firms = enterprises.directory().select(ENTERPRISES.names())
    covered = coverage(records, firms.height)
    complete = [y for y in available if covered[y].complete]
    if year not in available:
        year = complete[-1] if complete else available[-1]
    factors = load_factor_set(DEFAULT_FACTOR_SET)
    table = energy_balance(records, firms, factors, year)
    if district is not None:
        table = table.filter(pl.col("scope") == district)
    names = {
        code: f"{zh} {en}".strip()
        for code, zh, en in District.objects.values_list("code", "name_zh", "name_en")
    }
    return Balance(
        year=year,
        years=available,
        table=table,
        factor_set=factors.label,
        input_sha256=content_sha256(records.cast({"purpose": pl.String}), firms),
        scope_names=names,
        coverage=covered[year],
    )
