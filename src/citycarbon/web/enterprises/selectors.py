"""Reading enterprises and economics as frames."""

from __future__ import annotations

import polars as pl
from django.db.models import OuterRef, Q, QuerySet, Subquery

from citycarbon.web.bulk import read_frame, table
from citycarbon.web.enterprises.models import Consent, EconomicYear, Enterprise, KeyEnergyUser
from citycarbon.web.regions.models import District, Industry


def economics() -> pl.DataFrame:
    """``entity_id, year, industry_code, value_added_10k_yuan, district_code`` for every
    enterprise-year in the database, as ``core.grading.grade`` takes it."""
    sql = (
        f"SELECT e.entity_id, y.year, i.code, y.value_added_10k_yuan, d.code "
        f"FROM {table(EconomicYear)} y JOIN {table(Enterprise)} e ON e.id = y.enterprise_id "
        f"JOIN {table(Industry)} i ON i.id = e.industry_id "
        f"JOIN {table(District)} d ON d.id = e.district_id"
    )
    schema: dict[str, pl.DataType] = {
        "entity_id": pl.String(),
        "year": pl.Int32(),
        "industry_code": pl.String(),
        "value_added_10k_yuan": pl.Float64(),
        "district_code": pl.String(),
    }
    return read_frame(sql, [], schema).sort("year", "entity_id")


def directory() -> pl.DataFrame:
    """``enterprise_pk, entity_id, uscc, name, district_code, district_name, industry_code,
    industry_name``: one row per enterprise, for joining names onto computed frames."""
    sql = (
        f"SELECT e.id, e.entity_id, e.uscc, e.name, d.code, d.name_zh, i.code, i.name_zh "
        f"FROM {table(Enterprise)} e JOIN {table(District)} d ON d.id = e.district_id "
        f"JOIN {table(Industry)} i ON i.id = e.industry_id"
    )
    schema: dict[str, pl.DataType] = {
        "enterprise_pk": pl.Int64(),
        "entity_id": pl.String(),
        "uscc": pl.String(),
        "name": pl.String(),
        "district_code": pl.String(),
        "district_name": pl.String(),
        "industry_code": pl.String(),
        "industry_name": pl.String(),
    }
    return read_frame(sql, [], schema)


def search(
    queryset: QuerySet[Enterprise],
    *,
    district: str | None = None,
    industry: str | None = None,
    q: str | None = None,
    key_energy_user: bool | None = None,
    year: int | None = None,
) -> QuerySet[Enterprise]:
    """Enterprises of ``queryset`` in a district, in an industry (any GB/T 4754 prefix),
    whose name contains ``q`` or whose entity id or USCC is ``q``, and that are (True) or are
    not (False) key energy users: flagged for ``year`` when given, else as of their latest
    accounted year (``Enterprise.key_energy_user``)."""
    if district:
        queryset = queryset.filter(district__code=district)
    if industry:
        queryset = queryset.filter(industry__code__startswith=industry)
    if q:
        queryset = queryset.filter(Q(name__icontains=q) | Q(entity_id=q) | Q(uscc=q))
    if key_energy_user is not None:
        flagged = (
            Q(pk__in=KeyEnergyUser.objects.filter(year=year).values("enterprise_id"))
            if year is not None
            else Q(key_energy_user=True)
        )
        queryset = queryset.filter(flagged) if key_energy_user else queryset.exclude(flagged)
    return queryset


def with_key_energy_year(queryset: QuerySet[Enterprise]) -> QuerySet[Enterprise]:
    """``queryset`` with ``key_energy_user_year``: the latest year the enterprise was flagged
    a key energy user (None: never)."""
    latest = KeyEnergyUser.objects.filter(enterprise=OuterRef("pk")).order_by("-year")
    return queryset.annotate(key_energy_user_year=Subquery(latest.values("year")[:1]))


def active_consents(enterprise_id: int) -> QuerySet[Consent]:
    return Consent.objects.filter(
        enterprise_id=enterprise_id, revoked_at__isnull=True
    ).select_related("bank")


def ranked_ids(queryset: QuerySet[Enterprise], figures: pl.DataFrame, column: str) -> list[int]:
    """The primary keys of ``queryset`` by ``figures[column]``, largest first (those without
    a figure last), then by entity id: the enterprise list sorted by emissions or energy.
    ``figures`` has ``enterprise_pk`` and ``column``, one row per enterprise."""
    rows = pl.DataFrame(
        list(queryset.values_list("pk", "entity_id")),
        schema={"enterprise_pk": pl.Int64, "entity_id": pl.String},
        orient="row",
    )
    values = figures.select(pl.col("enterprise_pk").cast(pl.Int64), pl.col(column))
    ranked = rows.join(values, on="enterprise_pk", how="left").sort(
        [column, "entity_id"], descending=[True, False], nulls_last=True
    )
    return ranked.get_column("enterprise_pk").to_list()
