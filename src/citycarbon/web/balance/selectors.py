"""Reading the energy balance: the records and enterprises of the database through
``core.balance``."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from citycarbon.core.balance import ENTERPRISES, energy_balance
from citycarbon.core.factors import DEFAULT_FACTOR_SET, load_factor_set
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


def balance(year: int | None, *, district: str | None) -> Balance | None:
    """The balance of ``year`` (default: the latest year with records); only the block of
    ``district`` when given, else the city and every district. None when there are no
    records."""
    records = energy.energy_records()
    available = sorted({int(p[:4]) for p in records.get_column("period").unique().to_list()})
    if not available:
        return None
    year = year if year in available else available[-1]
    firms = enterprises.directory().select(ENTERPRISES.names())
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
    )
