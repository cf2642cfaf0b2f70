"""Writes to enterprises and their economics."""

from __future__ import annotations

import polars as pl
from django.db import transaction

from citycarbon.web.audit.actions import Actor, record
from citycarbon.web.audit.models import DataImport
from citycarbon.web.bulk import content_sha256
from citycarbon.web.enterprises.models import EconomicYear, Enterprise
from citycarbon.web.regions.models import District, Industry


class ImportRejectedError(ValueError):
    """An import refers to something the database does not know; nothing was written."""


@transaction.atomic
def do_import_enterprises(
    enterprises: pl.DataFrame, economics: pl.DataFrame, *, actor: Actor, source: str
) -> DataImport | None:
    """Create or update enterprises (``entity_id, uscc, name, district_code, industry_code,
    key_energy_user, synthetic``) and their value added (``entity_id, year,
    value_added_10k_yuan``). The same content imported again changes nothing and returns
    ``None``."""
    economics = economics.select("entity_id", "year", "value_added_10k_yuan")
    sha = content_sha256(enterprises, economics)
    if DataImport.objects.filter(kind="enterprises", sha256=sha).exists():
        return None
    districts = dict(District.objects.values_list("code", "pk"))
    industries = dict(Industry.objects.values_list("code", "pk"))
    unknown = sorted(
        {f"district {c}" for c in enterprises["district_code"] if c not in districts}
        | {f"industry {c}" for c in enterprises["industry_code"] if c not in industries}
    )
    if unknown:
        msg = "unknown " + ", ".join(unknown[:10])
        raise ImportRejectedError(msg)
    rows = [
        Enterprise(
            entity_id=r["entity_id"],
            uscc=r.get("uscc") or None,
            name=r["name"],
            district_id=districts[r["district_code"]],
            industry_id=industries[r["industry_code"]],
            address=r.get("address") or "",
            key_energy_user=bool(r.get("key_energy_user")),
            synthetic=bool(r.get("synthetic")),
        )
        for r in enterprises.iter_rows(named=True)
    ]
    Enterprise.objects.bulk_create(
        rows,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["entity_id"],
        update_fields=[
            "uscc",
            "name",
            "district",
            "industry",
            "address",
            "key_energy_user",
            "synthetic",
        ],
    )
    ids = dict(Enterprise.objects.values_list("entity_id", "pk"))
    missing = sorted(set(economics["entity_id"]) - set(ids))
    if missing:
        msg = f"value added for unknown enterprises: {', '.join(missing[:10])}"
        raise ImportRejectedError(msg)
    EconomicYear.objects.bulk_create(
        [
            EconomicYear(
                enterprise_id=ids[r["entity_id"]],
                year=r["year"],
                value_added_10k_yuan=r["value_added_10k_yuan"],
            )
            for r in economics.iter_rows(named=True)
        ],
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["enterprise", "year"],
        update_fields=["value_added_10k_yuan"],
    )
    batch = DataImport.objects.create(
        kind="enterprises",
        source=source,
        sha256=sha,
        rows=enterprises.height + economics.height,
        actor_label=actor.label,
    )
    record(
        actor,
        "enterprises.import",
        "DataImport",
        batch.pk,
        after={
            "source": source,
            "sha256": sha,
            "enterprises": enterprises.height,
            "economic_years": economics.height,
        },
    )
    return batch
