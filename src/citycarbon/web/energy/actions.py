"""Writes: importing energy records and accounting them."""

from __future__ import annotations

import hashlib

import polars as pl
from django.db import IntegrityError, transaction

from citycarbon.core.accounting import emissions_by_period
from citycarbon.core.factors import FactorSet
from citycarbon.core.periods import Grain
from citycarbon.core.schemas import ENERGY_RECORDS, METHOD_VERSION, check_schema
from citycarbon.web.audit.actions import Actor, record
from citycarbon.web.audit.models import DataImport
from citycarbon.web.bulk import content_sha256, insert_frame
from citycarbon.web.energy import selectors
from citycarbon.web.energy.models import AccountingRun, Emission, EnergyRecord
from citycarbon.web.enterprises.actions import ImportRejectedError
from citycarbon.web.enterprises.models import Enterprise


@transaction.atomic
def do_import_energy(records: pl.DataFrame, *, actor: Actor, source: str) -> DataImport | None:
    """Insert validated energy records (``ENERGY_RECORDS``, standard units) in bulk. The same
    content imported again changes nothing and returns ``None``; a record whose key (entity,
    period, code, purpose) is already in the database rejects the whole batch."""
    check_schema(records, ENERGY_RECORDS, "energy records")
    sha = content_sha256(records.cast({"purpose": pl.String}))
    if DataImport.objects.filter(kind="energy", sha256=sha).exists():
        return None
    ids = dict(Enterprise.objects.values_list("entity_id", "pk"))
    unknown = sorted(set(records["entity_id"].unique()) - set(ids))
    if unknown:
        msg = f"energy records for unknown enterprises: {', '.join(unknown[:10])}"
        raise ImportRejectedError(msg)
    batch = DataImport.objects.create(
        kind="energy", source=source, sha256=sha, rows=records.height, actor_label=actor.label
    )
    frame = records.select(
        pl.col("entity_id").replace_strict(ids, return_dtype=pl.Int64).alias("enterprise_id"),
        "period",
        "energy_code",
        pl.col("purpose").cast(pl.String),
        "quantity",
        pl.lit(batch.pk, pl.Int64).alias("data_import_id"),
    )
    try:
        insert_frame(EnergyRecord, frame)
    except IntegrityError as exc:
        msg = (
            "some records of this batch are already in the database (same enterprise, "
            "period, energy code and purpose) from an earlier import"
        )
        raise ImportRejectedError(msg) from exc
    record(
        actor,
        "energy.import",
        "DataImport",
        batch.pk,
        after={"source": source, "sha256": sha, "rows": records.height},
    )
    return batch


def records_fingerprint() -> str:
    """SHA-256 over the content hashes of every energy import in the database."""
    shas = sorted(DataImport.objects.filter(kind="energy").values_list("sha256", flat=True))
    return hashlib.sha256("\n".join(shas).encode()).hexdigest()


@transaction.atomic
def do_account(
    factors: FactorSet, *, actor: Actor, grain: Grain = "year"
) -> tuple[AccountingRun, bool]:
    """Account every energy record with ``factors``: returns the run and whether it is new.
    A run with the same factor set, method version, grain and records already exists →
    that run, nothing written."""
    key = {
        "factor_set_hash": factors.content_hash,
        "method_version": METHOD_VERSION,
        "grain": grain,
        "records_fingerprint": records_fingerprint(),
    }
    existing = AccountingRun.objects.filter(**key).first()
    if existing is not None:
        return existing, False
    records = selectors.energy_records()
    result = emissions_by_period(records.lazy(), factors, grain, detail=True).collect()
    run = AccountingRun.objects.create(
        **key, factor_set=factors.label, records=records.height, actor_label=actor.label
    )
    ids = dict(Enterprise.objects.values_list("entity_id", "pk"))
    frame = result.select(
        pl.lit(run.pk, pl.Int64).alias("run_id"),
        pl.col("entity_id").replace_strict(ids, return_dtype=pl.Int64).alias("enterprise_id"),
        *[c for c in selectors.EMISSION_COLUMNS if c != "entity_id"],
    ).with_columns(pl.col("largest_sources").fill_null(""))
    insert_frame(Emission, frame)
    record(
        actor,
        "energy.account",
        "AccountingRun",
        run.pk,
        after={**key, "factor_set": factors.label, "records": records.height, "rows": frame.height},
    )
    return run, True
