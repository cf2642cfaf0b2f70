"""Writes to enterprises and their economics."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl
from django.db import transaction
from django.db.models import Count

from citycarbon.core.key_energy_users import (
    KEY_ENERGY_USER_TCE,
    RULE_CITATION,
    RULE_VERSION,
    key_energy_users,
)
from citycarbon.web.audit.actions import Actor, record
from citycarbon.web.audit.models import DataImport
from citycarbon.web.bulk import content_sha256
from citycarbon.web.enterprises.models import EconomicYear, Enterprise, KeyEnergyUser
from citycarbon.web.regions.models import District, Industry

if TYPE_CHECKING:
    from citycarbon.web.energy.models import AccountingRun


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


@transaction.atomic
def do_flag_key_energy_users(
    emissions: pl.DataFrame,
    *,
    actor: Actor,
    method_version: str,
    accounting_run: AccountingRun | None = None,
    threshold_tce: float = KEY_ENERGY_USER_TCE,
) -> dict[int, int]:
    """Flag the key energy users (重点用能单位) of every year in ``emissions`` (``entity_id,
    period, energy_tce`` of an accounting): the flags of those years are replaced, other years
    are kept, and ``Enterprise.key_energy_user`` is set to the flag of the latest year for
    every enterprise accounted in it. Returns the number of key users per year."""
    flags = key_energy_users(
        emissions.select("entity_id", "period", "energy_tce"), threshold_tce=threshold_tce
    )
    years = sorted(flags.get_column("year").unique().to_list())
    if not years:
        return {}
    ids = dict(Enterprise.objects.values_list("entity_id", "pk"))
    flags = flags.filter(pl.col("entity_id").is_in(list(ids)))
    old = KeyEnergyUser.objects.filter(year__in=years)
    before = {
        str(y): n for y, n in old.values_list("year").annotate(n=Count("id")).order_by("year")
    }
    old.delete()
    key = flags.filter(pl.col("key_energy_user"))
    KeyEnergyUser.objects.bulk_create(
        [
            KeyEnergyUser(
                enterprise_id=ids[r["entity_id"]],
                year=r["year"],
                energy_tce=r["energy_tce"],
                threshold_tce=threshold_tce,
                rule_version=RULE_VERSION,
                method_version=method_version,
                accounting_run=accounting_run,
            )
            for r in key.iter_rows(named=True)
        ],
        batch_size=2000,
    )
    latest = flags.filter(pl.col("year") == years[-1])
    now_key = {ids[e] for e in latest.filter(pl.col("key_energy_user"))["entity_id"]}
    accounted = {ids[e] for e in latest["entity_id"]}
    turned_on = Enterprise.objects.filter(pk__in=now_key, key_energy_user=False).update(
        key_energy_user=True
    )
    turned_off = Enterprise.objects.filter(pk__in=accounted - now_key, key_energy_user=True).update(
        key_energy_user=False
    )
    counts = {y: key.filter(pl.col("year") == y).height for y in years}
    record(
        actor,
        "enterprises.flag_key_energy_users",
        "KeyEnergyUser",
        years[-1],
        before={"key_energy_users": before},
        after={
            "key_energy_users": {str(y): n for y, n in counts.items()},
            "threshold_tce": threshold_tce,
            "rule_version": RULE_VERSION,
            "rule": RULE_CITATION,
            "method_version": method_version,
            "accounting_run": accounting_run.pk if accounting_run is not None else None,
            "enterprise_flags_turned_on": turned_on,
            "enterprise_flags_turned_off": turned_off,
        },
    )
    return counts
