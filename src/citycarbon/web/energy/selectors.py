"""Reading energy records and emissions as frames."""

from __future__ import annotations

import polars as pl

from citycarbon.core.schemas import EMISSIONS, EMISSIONS_DETAIL, ENERGY_RECORDS
from citycarbon.web.bulk import read_frame, table
from citycarbon.web.energy.models import AccountingRun, Emission, EnergyRecord
from citycarbon.web.enterprises.models import Enterprise


def energy_records() -> pl.DataFrame:
    """Every energy record in the database, in the ``ENERGY_RECORDS`` schema."""
    sql = (
        f"SELECT e.entity_id, r.period, r.energy_code, r.quantity, r.purpose "
        f"FROM {table(EnergyRecord)} r JOIN {table(Enterprise)} e ON e.id = r.enterprise_id"
    )
    schema = dict(ENERGY_RECORDS)
    frame = read_frame(sql, [], {**schema, "purpose": pl.String()})
    return frame.cast({"purpose": schema["purpose"]})


EMISSION_COLUMNS = [c for c in (*EMISSIONS.names(), *EMISSIONS_DETAIL.names()) if c != "factor_set"]


def emissions(run: AccountingRun) -> pl.DataFrame:
    """The emissions of an accounting run, as ``emissions_by_period(..., detail=True)`` gives
    them (``factor_set`` included)."""
    cols = ", ".join(f"m.{c}" for c in EMISSION_COLUMNS if c not in ("entity_id",))
    sql = (
        f"SELECT e.entity_id, {cols} FROM {table(Emission)} m "
        f"JOIN {table(Enterprise)} e ON e.id = m.enterprise_id WHERE m.run_id = %s"
    )
    schema = {**dict(EMISSIONS), **dict(EMISSIONS_DETAIL)}
    frame = read_frame(sql, [run.pk], {c: schema[c] for c in EMISSION_COLUMNS})
    return frame.with_columns(pl.lit(run.factor_set).alias("factor_set")).sort(
        "entity_id", "period"
    )
