"""Reading energy records and emissions as frames."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from functools import cache

import polars as pl
from django.db.models import QuerySet

from citycarbon import data
from citycarbon.core.accounting import account_records
from citycarbon.core.factors import FactorSet, FactorSetError
from citycarbon.core.schemas import EMISSIONS, EMISSIONS_DETAIL, ENERGY_RECORDS
from citycarbon.web.access.policy import DeniedError, Principal, scoped
from citycarbon.web.bulk import read_frame, table
from citycarbon.web.energy.models import AccountingRun, Emission, EnergyRecord, EnergyUpload
from citycarbon.web.enterprises.models import Enterprise
from citycarbon.web.jobs.registry import JobFailedError


def energy_records(periods: Collection[str] | None = None) -> pl.DataFrame:
    """Every energy record in the database (of ``periods`` only, when given), in the
    ``ENERGY_RECORDS`` schema."""
    sql = (
        f"SELECT e.entity_id, r.period, r.energy_code, r.quantity, r.purpose "
        f"FROM {table(EnergyRecord)} r JOIN {table(Enterprise)} e ON e.id = r.enterprise_id"
    )
    params = sorted(periods) if periods is not None else []
    if periods is not None:
        sql += f" WHERE r.period IN ({', '.join(['%s'] * len(params)) or 'NULL'})"
    schema = dict(ENERGY_RECORDS)
    frame = read_frame(sql, params, {**schema, "purpose": pl.String()})
    return frame.cast({"purpose": schema["purpose"]})


def energy_by_year() -> tuple[pl.DataFrame, int]:
    """Every enterprise's energy quantities summed per year, energy code and purpose, in the
    ``ENERGY_RECORDS`` schema (period ``YYYY``), and the number of records summed. The
    accounting is linear in the quantities of an entity, period, code and purpose, so at
    year grain it gives the same figures from these sums as from the records, with a
    twelfth of the rows to bring out of the database."""
    sql = (
        f"SELECT e.entity_id, s.year, s.energy_code, s.quantity, s.purpose, s.n FROM ("
        f"SELECT enterprise_id, substr(period, 1, 4) AS year, energy_code, purpose, "
        f"sum(quantity) AS quantity, count(*) AS n FROM {table(EnergyRecord)} "
        f"GROUP BY enterprise_id, substr(period, 1, 4), energy_code, purpose) s "
        f"JOIN {table(Enterprise)} e ON e.id = s.enterprise_id"
    )
    schema = dict(ENERGY_RECORDS)
    frame = read_frame(sql, [], {**schema, "purpose": pl.String(), "n": pl.Int64()})
    return frame.drop("n").cast({"purpose": schema["purpose"]}), int(frame["n"].sum())


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


def factors_of(run: AccountingRun) -> FactorSet:
    """The factor set a run used: loaded again from its label and checked against its
    recorded hash (``FactorSet.from_label``; ``FactorSetError`` if the numbers changed)."""
    return FactorSet.from_label(run.factor_set, content_hash=run.factor_set_hash)


def factors_for_build(run: AccountingRun) -> FactorSet:
    """``factors_of(run)`` for a derived build (estimates, balance): a set that no longer
    loads with its recorded hash fails the build with the reason in Chinese and English."""
    try:
        return factors_of(run)
    except FactorSetError as exc:
        raise JobFailedError(
            f"已发布核算的排放因子集 {run.factor_set} 无法按其哈希重新加载",
            f"the published accounting run's factor set {run.factor_set} does not load "
            f"with its recorded hash: {exc}",
        ) from exc


def enterprise_records(enterprise_id: int, year: int | None = None) -> pl.DataFrame:
    """One enterprise's energy records in the ``ENERGY_RECORDS`` schema."""
    qs = EnergyRecord.objects.filter(enterprise_id=enterprise_id)
    if year is not None:
        qs = qs.filter(period__startswith=str(year))
    entity = Enterprise.objects.values_list("entity_id", flat=True).get(pk=enterprise_id)
    rows = [
        (entity, p, c, q, u)
        for p, c, q, u in qs.order_by("period", "energy_code").values_list(
            "period", "energy_code", "quantity", "purpose"
        )
    ]
    schema = dict(ENERGY_RECORDS)
    frame = pl.DataFrame(rows, schema={**schema, "purpose": pl.String()}, orient="row")
    return frame.cast({"purpose": schema["purpose"]})


def with_units(records: pl.DataFrame) -> pl.DataFrame:
    """``records`` with the standard ``unit`` of each energy code after ``quantity`` (the
    canonical import format: the file imports back as it is)."""
    units = data.energy_catalogue().select("energy_code", "unit")
    order = [*records.columns]
    order.insert(order.index("quantity") + 1, "unit")
    return records.join(units, on="energy_code", how="left", maintain_order="left").select(order)


def standard_unit(code: str) -> str:
    """The standard unit of a 205-1 energy code (``t``, ``10k_kwh`` …); unknown: empty."""
    return _units().get(code, "")


@cache
def _units() -> dict[str, str]:
    return dict(data.energy_catalogue().select("energy_code", "unit").iter_rows())


@dataclass(frozen=True)
class AccountedRecord:
    """A stored record with what the published accounting made of it."""

    record: EnergyRecord
    total_tco2: float | None
    tco2_per_unit: float | None
    """The factor applied: tCO2 per standard unit (0 for feedstock and green power)."""


def accounted_records(
    records: list[EnergyRecord], run: AccountingRun | None
) -> list[AccountedRecord]:
    """``records`` (of one page) with their tCO2 and the factor of ``run``'s factor set, as
    the accounting computes them (``account_records``); without a run, no figures."""
    if run is None or not records:
        return [AccountedRecord(r, None, None) for r in records]
    frame = pl.DataFrame(
        [("", r.period, r.energy_code, r.quantity, r.purpose) for r in records],
        schema={**dict(ENERGY_RECORDS), "purpose": pl.String()},
        orient="row",
    ).cast({"purpose": ENERGY_RECORDS["purpose"]})
    accounted = account_records(frame.lazy(), factors_of(run)).collect()
    out = []
    for r, tco2 in zip(records, accounted.get_column("total_tco2"), strict=True):
        out.append(AccountedRecord(r, tco2, tco2 / r.quantity if r.quantity else None))
    return out


def visible_uploads(principal: Principal | None) -> QuerySet[EnergyUpload]:
    """The uploads ``principal`` may read, newest first: all for the city roles, an
    enterprise's own (``DeniedError`` for a role without ``uploads``)."""
    return scoped(principal, "uploads", EnergyUpload.objects.select_related("enterprise"))


def uploader_enterprise(principal: Principal) -> Enterprise | None:
    """The enterprise an upload by ``principal`` is limited to: its own for an enterprise
    (the import refuses rows of any other), none for the city roles. An enterprise role
    bound to no enterprise that exists may not upload (``DeniedError``), rather than upload
    for all."""
    if principal.city_wide:
        return None
    own = Enterprise.objects.filter(pk=principal.bound("enterprise") or 0).first()
    if own is None:
        raise DeniedError("uploads")
    return own


def filtered_records(
    queryset: QuerySet[EnergyRecord],
    *,
    enterprise_id: int | None = None,
    year: int | None = None,
    energy_code: str | None = None,
) -> QuerySet[EnergyRecord]:
    """Records of ``queryset`` of one enterprise, of periods in ``year`` and of one 205-1
    code (each filter only when given); the API list and the records page read this."""
    if enterprise_id is not None:
        queryset = queryset.filter(enterprise_id=enterprise_id)
    if year is not None:
        queryset = queryset.filter(period__startswith=str(year))
    if energy_code:
        queryset = queryset.filter(energy_code=energy_code)
    return queryset


def record_years(queryset: QuerySet[EnergyRecord]) -> list[int]:
    """The years of the periods of ``queryset``'s records (the records page's year choices)."""
    periods = queryset.order_by().values_list("period", flat=True).distinct()
    return sorted({int(p[:4]) for p in periods if p[:4].isdigit()})
