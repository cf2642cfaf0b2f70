"""Writes: ingesting electricity readings, and mapping electricity accounts to enterprises.

A batch is loaded set-based: its rows go into a temporary staging table (COPY on PostgreSQL,
one executemany on SQLite) and four statements do the rest — new accounts, history rows for
values that change, the changes themselves, and new readings. On PostgreSQL, ingests take a
transaction-level advisory lock, so two batches arriving at once are applied one after the
other and each sees what the other wrote: a reading is never stored twice and a replaced
value is copied to history exactly once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import polars as pl
from django.db import connection, transaction
from django.utils import timezone

from citycarbon.io.electricity_csv import KEY_COLUMNS, READINGS
from citycarbon.web.audit.actions import Actor, record
from citycarbon.web.bulk import content_sha256, refresh_statistics, table, temp_table
from citycarbon.web.electricity.models import (
    ElectricityAccount,
    ElectricityBatch,
    ElectricityReading,
    ElectricityReadingHistory,
)
from citycarbon.web.enterprises.models import Enterprise
from citycarbon.web.jobs.registry import READINGS as READINGS_TOPIC
from citycarbon.web.jobs.registry import changed

INGEST_LOCK: Final = 0x454C4543
"""Advisory lock key ("ELEC") that serialises ingests on PostgreSQL."""
STAGING: Final = "electricity_staging"


class MappingError(ValueError):
    """An account or enterprise named in a mapping does not exist."""


def _db_time(start: pl.Expr) -> pl.Expr:
    """Interval starts as the text the database stores: UTC, as Django writes it."""
    utc = start.dt.convert_time_zone("UTC")
    if connection.vendor == "postgresql":
        return utc.dt.strftime("%Y-%m-%d %H:%M:%S+00")
    return utc.dt.strftime("%Y-%m-%d %H:%M:%S")


def _staging_columns() -> dict[str, str]:
    pg = connection.vendor == "postgresql"
    return {
        "account_no": "varchar(32) NOT NULL",
        "account_name": "varchar(200) NOT NULL",
        "start": ("timestamptz" if pg else "text") + " NOT NULL",
        "grain": "varchar(8) NOT NULL",
        "kwh": ("double precision" if pg else "real") + " NOT NULL",
    }


def readings_sha256(frame: pl.DataFrame) -> str:
    """The content hash of a batch of readings (order of rows does not matter)."""
    frame = frame.select(list(READINGS.names())).cast(dict(READINGS))  # type: ignore[arg-type]
    return content_sha256(frame.with_columns(pl.col("start").dt.convert_time_zone("UTC")))


@transaction.atomic
def do_ingest_readings(
    frame: pl.DataFrame, *, actor: Actor, source: str, sha256: str | None = None
) -> ElectricityBatch:
    """Apply validated readings (``READINGS``; keys unique) as one batch and return it with
    its counts. New accounts are created unmapped. A reading whose key is new is inserted; one
    whose key exists with the same kWh is counted unchanged; one with a different kWh is a
    correction: the old value goes to history and the current row gets the new value, the
    next version and this batch. The same batch again changes no reading. ``sha256``:
    ``readings_sha256(frame)`` when the caller has it."""
    missing = [c for c in READINGS.names() if c not in frame.columns]
    if missing:
        msg = f"readings frame lacks {', '.join(missing)}"
        raise ValueError(msg)
    frame = frame.select(list(READINGS.names())).cast(dict(READINGS))  # type: ignore[arg-type]
    if frame.select(pl.struct(list(KEY_COLUMNS)).is_duplicated().any()).item():
        msg = "readings frame has duplicate keys (account, start, grain)"
        raise ValueError(msg)
    sha = sha256 or readings_sha256(frame)
    staged = frame.select(
        "account_no",
        pl.col("account_name").fill_null(""),
        _db_time(pl.col("start")).alias("start"),
        "grain",
        "kwh",
    )
    accounts, readings = table(ElectricityAccount), table(ElectricityReading)
    history = table(ElectricityReadingHistory)
    now = timezone.now()
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [INGEST_LOCK])
        batch = ElectricityBatch.objects.create(
            source=source[:300], sha256=sha, rows=frame.height, actor_label=actor.label
        )
        temp_table(STAGING, _staging_columns(), staged)
        cur.execute(
            f"INSERT INTO {accounts} (account_no, name, first_seen) "
            f"SELECT account_no, MAX(account_name), %s FROM {STAGING} GROUP BY account_no "
            "ON CONFLICT (account_no) DO NOTHING",
            [now],
        )
        new_accounts = max(cur.rowcount, 0)
        # A name sent later fills an account's empty name; a name once set is kept.
        cur.execute(
            f"UPDATE {accounts} SET name = (SELECT MAX(s.account_name) FROM {STAGING} s "
            f"WHERE s.account_no = {accounts}.account_no) WHERE name = '' AND account_no IN "
            f"(SELECT account_no FROM {STAGING} WHERE account_name <> '')"
        )
        # Readings joined to their current row by key; staging rows find their account id
        # by number (a hash join, no per-row look-up).
        staged_ids = (
            f"(SELECT a.id AS account_id, s.start, s.grain, s.kwh FROM {STAGING} s "
            f"JOIN {accounts} a ON a.account_no = s.account_no)"
        )
        same_key = "r.account_id = s.account_id AND r.start = s.start AND r.grain = s.grain"
        cur.execute(
            f"INSERT INTO {history} (account_id, start, grain, kwh, version, batch_id, "
            f"replaced_by_id) SELECT r.account_id, r.start, r.grain, r.kwh, r.version, "
            f"r.batch_id, %s FROM {readings} r JOIN {staged_ids} s ON {same_key} "
            "WHERE r.kwh <> s.kwh",
            [batch.pk],
        )
        corrected = max(cur.rowcount, 0)
        cur.execute(
            f"UPDATE {readings} AS r SET kwh = s.kwh, version = r.version + 1, batch_id = %s "
            f"FROM {staged_ids} s WHERE {same_key} AND r.kwh <> s.kwh",
            [batch.pk],
        )
        cur.execute(
            f"INSERT INTO {readings} (account_id, start, grain, kwh, version, batch_id) "
            f"SELECT s.account_id, s.start, s.grain, s.kwh, 1, %s FROM {staged_ids} s "
            "WHERE true ON CONFLICT (account_id, start, grain) DO NOTHING",
            [batch.pk],
        )
        inserted = max(cur.rowcount, 0)
        cur.execute(f"DROP TABLE IF EXISTS {STAGING}")
        refresh_statistics(ElectricityReading, inserted)
        refresh_statistics(ElectricityAccount, new_accounts)
    batch.inserted, batch.corrected = inserted, corrected
    batch.unchanged = frame.height - inserted - corrected
    batch.new_accounts = new_accounts
    batch.save(update_fields=["inserted", "corrected", "unchanged", "new_accounts"])
    record(
        actor,
        "electricity.ingest",
        "ElectricityBatch",
        batch.pk,
        after={
            "source": batch.source,
            "sha256": sha,
            "rows": batch.rows,
            "inserted": inserted,
            "corrected": corrected,
            "unchanged": batch.unchanged,
            "new_accounts": new_accounts,
        },
    )
    if inserted or corrected:
        changed(READINGS_TOPIC, actor=actor)
    return batch


def find_enterprise(ref: str) -> Enterprise | None:
    """The enterprise with entity id or USCC ``ref``."""
    ref = ref.strip()
    if not ref:
        return None
    return (
        Enterprise.objects.filter(entity_id=ref).first()
        or Enterprise.objects.filter(uscc=ref.upper()).first()
    )


@transaction.atomic
def do_map_account(
    account_no: str, enterprise: Enterprise | None, *, actor: Actor
) -> ElectricityAccount:
    """Map an account to ``enterprise`` (a remap when it was mapped to another; ``None``
    unmaps it), audited with before and after. Mapping to the same enterprise again
    changes nothing and writes no event."""
    account = ElectricityAccount.objects.select_for_update().filter(account_no=account_no).first()
    if account is None:
        msg = f"no electricity account {account_no!r}"
        raise MappingError(msg)
    new_id = enterprise.pk if enterprise is not None else None
    if account.enterprise_id == new_id:
        return account
    before = _mapping_state(account)
    account.enterprise = enterprise
    account.mapped_at = timezone.now() if enterprise is not None else None
    account.save(update_fields=["enterprise", "mapped_at"])
    action = "electricity.unmap" if enterprise is None else "electricity.map"
    if enterprise is not None and before["enterprise"] is not None:
        action = "electricity.remap"
    record(
        actor,
        action,
        "ElectricityAccount",
        account.pk,
        before=before,
        after=_mapping_state(account),
    )
    changed(READINGS_TOPIC, actor=actor)
    return account


def do_unmap_account(account_no: str, *, actor: Actor) -> ElectricityAccount:
    return do_map_account(account_no, None, actor=actor)


def _mapping_state(account: ElectricityAccount) -> dict[str, object]:
    ent = account.enterprise
    return {
        "account_no": account.account_no,
        "enterprise": ent.entity_id if ent is not None else None,
        "enterprise_pk": ent.pk if ent is not None else None,
    }


@transaction.atomic
def do_map_accounts(mapping: Mapping[str, str], *, actor: Actor) -> int:
    """Map many accounts at once: ``account_no → entity id or USCC``. All-or-nothing: an
    unknown account or enterprise raises ``MappingError`` listing them and nothing changes.
    One audit event holds every changed account's enterprise before and after; returns how
    many accounts changed."""
    if not mapping:
        return 0
    by_ref: dict[str, int] = {}
    entity_of: dict[int, str] = {}
    for entity_id, uscc, pk in Enterprise.objects.values_list("entity_id", "uscc", "pk"):
        by_ref[entity_id] = pk
        entity_of[pk] = entity_id
        if uscc:
            by_ref.setdefault(uscc, pk)
    accounts = {
        a.account_no: a
        for a in ElectricityAccount.objects.select_for_update().filter(account_no__in=list(mapping))
    }
    problems = [f"account {a}" for a in mapping if a not in accounts]
    problems += [
        f"enterprise {r}" for r in mapping.values() if r.strip() not in by_ref and r.strip()
    ]
    if problems:
        msg = "unknown " + ", ".join(sorted(set(problems))[:20])
        raise MappingError(msg)
    now = timezone.now()
    remapped: list[ElectricityAccount] = []
    before: dict[str, str | None] = {}
    after: dict[str, str | None] = {}
    for account_no, ref in mapping.items():
        account = accounts[account_no]
        new_id = by_ref.get(ref.strip())
        if account.enterprise_id == new_id:
            continue
        before[account_no] = entity_of.get(account.enterprise_id)  # type: ignore[arg-type]
        after[account_no] = entity_of.get(new_id)  # type: ignore[arg-type]
        account.enterprise_id = new_id
        account.mapped_at = now if new_id is not None else None
        remapped.append(account)
    if remapped:
        _apply_mapping(remapped)
        record(
            actor,
            "electricity.map_many",
            "ElectricityAccount",
            "",
            before={"enterprise_of_account": before},
            after={"enterprise_of_account": after},
        )
        changed(READINGS_TOPIC, actor=actor)
    return len(remapped)


def _apply_mapping(changed: list[ElectricityAccount]) -> None:
    """Write the accounts' new enterprise and mapping time in one statement."""
    pg = connection.vendor == "postgresql"
    frame = pl.DataFrame(
        {
            "account_no": [a.account_no for a in changed],
            "enterprise_id": [a.enterprise_id for a in changed],
            "mapped_at": [
                (a.mapped_at.isoformat() if pg else str(a.mapped_at.replace(tzinfo=None)))
                if a.mapped_at is not None
                else None
                for a in changed
            ],
        },
        schema={"account_no": pl.String, "enterprise_id": pl.Int64, "mapped_at": pl.String},
    )
    accounts = table(ElectricityAccount)
    with connection.cursor() as cur:
        temp_table(
            "electricity_mapping",
            {
                "account_no": "varchar(32) NOT NULL",
                "enterprise_id": "bigint",
                "mapped_at": "timestamptz" if pg else "text",
            },
            frame,
        )
        cur.execute(
            f"UPDATE {accounts} SET enterprise_id = m.enterprise_id, mapped_at = m.mapped_at "
            f"FROM electricity_mapping m WHERE {accounts}.account_no = m.account_no"
        )
        cur.execute("DROP TABLE IF EXISTS electricity_mapping")
