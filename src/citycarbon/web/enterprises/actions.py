"""Writes to enterprises and their economics."""

from __future__ import annotations

import polars as pl
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from citycarbon.core.key_energy_users import (
    KEY_ENERGY_USER_TCE,
    RULE_CITATION,
    RULE_VERSION,
    key_energy_users,
)
from citycarbon.web.access.models import Bank
from citycarbon.web.audit.actions import Actor, record, record_many, snapshot
from citycarbon.web.audit.models import DataImport
from citycarbon.web.bulk import content_sha256, insert_frame, now_value, update_frame
from citycarbon.web.enterprises.models import Consent, EconomicYear, Enterprise, KeyEnergyUser
from citycarbon.web.jobs.registry import inputs_changed
from citycarbon.web.regions.actions import ImportCounts, refuse, row_errors
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


@transaction.atomic
def do_flag_key_energy_users(
    emissions: pl.DataFrame,
    *,
    actor: Actor,
    method_version: str,
    accounting_run_id: int | None = None,
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
    stored = {
        e: (pk, flag)
        for e, pk, flag in Enterprise.objects.values_list("entity_id", "pk", "key_energy_user")
    }
    ids = {e: pk for e, (pk, _) in stored.items()}
    flags = flags.filter(pl.col("entity_id").is_in(list(ids)))
    old = KeyEnergyUser.objects.filter(year__in=years)
    before = {
        str(y): n for y, n in old.values_list("year").annotate(n=Count("id")).order_by("year")
    }
    old.delete()
    key = flags.filter(pl.col("key_energy_user"))
    insert_frame(
        KeyEnergyUser,
        key.select(
            pl.col("entity_id").replace_strict(ids, return_dtype=pl.Int64).alias("enterprise_id"),
            "year",
            "energy_tce",
            pl.lit(threshold_tce, pl.Float64).alias("threshold_tce"),
            pl.lit(RULE_VERSION).alias("rule_version"),
            pl.lit(method_version).alias("method_version"),
            pl.lit(accounting_run_id, pl.Int64).alias("accounting_run_id"),
            pl.lit(now_value()).alias("at"),
        ),
    )
    latest = flags.filter(pl.col("year") == years[-1])
    now_key = set(latest.filter(pl.col("key_energy_user"))["entity_id"])
    accounted = set(latest["entity_id"])
    # Only the flags that change are written (a province's flags mostly stay as they are).
    turned_on = Enterprise.objects.filter(
        pk__in=[stored[e][0] for e in now_key if not stored[e][1]], key_energy_user=False
    ).update(key_energy_user=True)
    turned_off = Enterprise.objects.filter(
        pk__in=[stored[e][0] for e in accounted - now_key if stored[e][1]], key_energy_user=True
    ).update(key_energy_user=False)
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
            "accounting_run": accounting_run_id,
            "enterprise_flags_turned_on": turned_on,
            "enterprise_flags_turned_off": turned_off,
        },
    )
    return counts


_COMPARED = ("uscc", "name", "district_code", "industry_code", "address", "key_energy_user")


def _public(e: Enterprise) -> dict[str, object]:
    return {
        "uscc": e.uscc,
        "name": e.name,
        "district_code": e.district.code,
        "industry_code": e.industry.code,
        "address": e.address,
        "key_energy_user": e.key_energy_user,
    }


@transaction.atomic
def do_onboard_enterprises(frame: pl.DataFrame, *, actor: Actor, file: str) -> ImportCounts:
    """Create or update enterprises from ``io.onboarding_csv.read_enterprises`` rows. Their
    districts must be in the platform (``import regions`` first); an industry code not yet
    known is added without a name. ``address`` and ``key_energy_user`` change only when the
    file has them. Each changed enterprise has its own ``enterprises.update`` event with the
    fields before and after; new ones are listed in one ``enterprises.onboard`` event. The
    same file again writes nothing. Raises ``RowsRejectedError`` (nothing written) for an
    unknown district or a USCC held by another enterprise."""
    districts = {d.code: d for d in District.objects.all()}
    errors = row_errors(
        file,
        frame.filter(~pl.col("district_code").is_in(list(districts))),
        "district_code",
        "unknown_district",
    )
    holders = {
        u: e for e, u in Enterprise.objects.exclude(uscc=None).values_list("entity_id", "uscc")
    }
    holder = pl.col("uscc").replace_strict(holders, default=None, return_dtype=pl.String)
    taken = frame.filter(holder.is_not_null() & (holder != pl.col("entity_id")))
    refuse([*errors, *row_errors(file, taken, "uscc", "uscc_taken")])
    industries = {i.code: i for i in Industry.objects.all()}
    new_codes = sorted(set(frame["industry_code"]) - set(industries))
    for code in new_codes:
        industries[code] = Industry.objects.create(code=code, name_zh="", name_en="")
    existing = {e.entity_id: e for e in Enterprise.objects.select_related("district", "industry")}
    is_new = ~pl.col("entity_id").is_in(list(existing))
    fresh = frame.filter(is_new)
    # New enterprises go in with one COPY; only the ones already stored are compared field by
    # field (a first import of a province's 100,000 makes no model objects).
    insert_frame(
        Enterprise,
        fresh.select(
            "entity_id",
            "uscc",
            "name",
            pl.col("district_code")
            .replace_strict({c: d.pk for c, d in districts.items()}, return_dtype=pl.Int64)
            .alias("district_id"),
            pl.col("industry_code")
            .replace_strict({c: i.pk for c, i in industries.items()}, return_dtype=pl.Int64)
            .alias("industry_id"),
            (pl.col("address") if "address" in frame.columns else pl.lit("")).alias("address"),
            (
                pl.col("key_energy_user")
                if "key_energy_user" in frame.columns
                else pl.lit(value=False)
            ).alias("key_energy_user"),
            pl.lit(value=False).alias("synthetic"),
        ),
    )
    changed: list[tuple[Enterprise, dict[str, object], dict[str, object]]] = []
    for row in frame.filter(~is_new).iter_rows(named=True):
        wanted = {k: row[k] for k in _COMPARED if k in row}
        enterprise = existing[row["entity_id"]]
        current = _public(enterprise)
        before = {k: current[k] for k in wanted if current[k] != wanted[k]}
        if not before:
            continue
        enterprise.uscc, enterprise.name = row["uscc"], row["name"]
        enterprise.district = districts[row["district_code"]]
        enterprise.industry = industries[row["industry_code"]]
        if "address" in row:
            enterprise.address = row["address"]
        if "key_energy_user" in row:
            enterprise.key_energy_user = row["key_energy_user"]
        changed.append((enterprise, before, {k: wanted[k] for k in before}))
    update_frame(
        Enterprise,
        pl.DataFrame(
            [
                (e.pk, e.uscc, e.name, e.district_id, e.industry_id, e.address, e.key_energy_user)
                for e, _, _ in changed
            ],
            schema={
                "id": pl.Int64,
                "uscc": pl.String,
                "name": pl.String,
                "district_id": pl.Int64,
                "industry_id": pl.Int64,
                "address": pl.String,
                "key_energy_user": pl.Boolean,
            },
            orient="row",
        ),
    )
    record_many(
        actor,
        "enterprises.update",
        "Enterprise",
        ((enterprise.pk, before, after) for enterprise, before, after in changed),
    )
    created = fresh["entity_id"].to_list()
    counts = ImportCounts(len(created), len(changed), frame.height - len(created) - len(changed))
    if created or changed:
        record(
            actor,
            "enterprises.onboard",
            "Enterprise",
            after={
                "source": file,
                "created": created,
                "updated": counts.updated,
                "unchanged": counts.unchanged,
                "industries_added": new_codes,
            },
        )
    return counts


@transaction.atomic
def do_import_economics(frame: pl.DataFrame, *, actor: Actor, file: str) -> ImportCounts:
    """Store value added (and gross output, when the file has it) per enterprise-year from
    ``io.onboarding_csv.read_economics_import`` rows; an enterprise-year already stored is
    replaced, with an ``enterprises.economics_update`` event holding the values before and
    after. The same file again writes nothing. Raises ``RowsRejectedError`` (nothing
    written) for an enterprise not in the platform or an industry code that is not the
    enterprise's."""
    known = {
        entity_id: (pk, industry)
        for entity_id, pk, industry in Enterprise.objects.values_list(
            "entity_id", "pk", "industry__code"
        )
    }
    unknown = frame.filter(~pl.col("entity_id").is_in(list(known)))
    refuse(row_errors(file, unknown, "entity_id", "unknown_entity"))
    industry_of = {k: v[1] for k, v in known.items()}
    own = pl.col("entity_id").replace_strict(industry_of, return_dtype=pl.String)
    other = frame.filter(pl.col("industry_code").is_not_null() & (pl.col("industry_code") != own))
    refuse(row_errors(file, other, "industry_code", "industry_mismatch"))
    fields = ["value_added_10k_yuan"]
    if "gross_output_10k_yuan" in frame.columns:
        fields.append("gross_output_10k_yuan")
    keyed = frame.with_columns(
        pl.col("entity_id")
        .replace_strict({k: v[0] for k, v in known.items()}, return_dtype=pl.Int64)
        .alias("enterprise_id")
    )
    years = keyed["year"].unique().to_list()
    stored = {(y.enterprise_id, y.year): y for y in EconomicYear.objects.filter(year__in=years)}
    stored_keys = pl.DataFrame(
        list(stored), schema={"enterprise_id": pl.Int64, "year": pl.Int32}, orient="row"
    )
    key = ["enterprise_id", "year"]
    # New enterprise-years go in with one COPY; only stored ones are compared value by value.
    fresh = keyed.join(stored_keys, on=key, how="anti", maintain_order="left")
    insert_frame(EconomicYear, fresh.select(*key, *fields))
    changed: list[tuple[EconomicYear, str, dict[str, object], dict[str, object]]] = []
    for row in keyed.join(stored_keys, on=key, how="semi").iter_rows(named=True):
        year = stored[(row["enterprise_id"], row["year"])]
        before = {f: getattr(year, f) for f in fields if getattr(year, f) != row[f]}
        if before:
            for f in before:
                setattr(year, f, row[f])
            label = f"{row['entity_id']}/{row['year']}"
            changed.append((year, label, before, {f: row[f] for f in before}))
    update_frame(
        EconomicYear,
        pl.DataFrame(
            [(y.pk, *(getattr(y, f) for f in fields)) for y, _, _, _ in changed],
            schema={"id": pl.Int64, **dict.fromkeys(fields, pl.Float64)},
            orient="row",
        ),
    )
    record_many(
        actor,
        "enterprises.economics_update",
        "EconomicYear",
        ((label, before, after) for _year, label, before, after in changed),
    )
    created = fresh.height
    counts = ImportCounts(created, len(changed), frame.height - created - len(changed))
    if created or changed:
        record(
            actor,
            "enterprises.economics_import",
            "EconomicYear",
            after={
                "source": file,
                "created": created,
                "updated": counts.updated,
                "unchanged": counts.unchanged,
            },
        )
        changed_years = set(fresh["year"].unique().to_list()) | {c[0].year for c in changed}
        inputs_changed(changed_years, actor=actor)
    return counts


@transaction.atomic
def do_grant_consent(enterprise: Enterprise, bank: Bank, *, actor: Actor) -> Consent:
    """Let ``bank`` read the enterprise's codes and portraits; granting twice keeps one."""
    existing = Consent.objects.filter(
        enterprise=enterprise, bank=bank, revoked_at__isnull=True
    ).first()
    if existing is not None:
        return existing
    consent = Consent.objects.create(enterprise=enterprise, bank=bank, granted_by=actor.label)
    record(actor, "access.grant_consent", "Consent", consent.pk, after=snapshot(consent))
    return consent


@transaction.atomic
def do_revoke_consent(consent: Consent, *, actor: Actor) -> bool:
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.revoked_at is not None:
        return False
    before = snapshot(consent)
    consent.revoked_at = timezone.now()
    consent.revoked_by = actor.label
    consent.save(update_fields=["revoked_at", "revoked_by"])
    record(
        actor,
        "access.revoke_consent",
        "Consent",
        consent.pk,
        before=before,
        after=snapshot(consent),
    )
    return True
