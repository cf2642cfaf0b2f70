"""Writes of the energy-use space ledger: record freed space (a closure, a verified
retrofit saving, other), allocate or reserve it for a project, release a reservation,
reverse an entry, set a district's target. Each appends through ``_append``, which locks the
district's row (``select_for_update``) so that two allocations cannot both spend the same
balance, checks the batch with ``core.ledger.post`` (never below zero, exact to 0.0001
tce, reversals exact and once) and writes the audit event in the same transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from citycarbon.core import ledger
from citycarbon.core.energyspace import TCE
from citycarbon.web.audit.actions import Actor, record, snapshot
from citycarbon.web.energyspace.models import (
    CORRECTION_KINDS,
    SOURCE_KINDS,
    USE_KINDS,
    EntryKind,
    SpaceEntry,
    SpaceTarget,
)
from citycarbon.web.energyspace.selectors import core_entries
from citycarbon.web.enterprises.models import Enterprise
from citycarbon.web.regions.models import District


class SpaceRefusedError(ValueError):
    """A write the ledger refuses; the message is in Chinese and English."""


def _locked(district: District) -> District:
    return District.objects.select_for_update().get(pk=district.pk)


def _append(
    district: District,
    *,
    kind: str,
    amount_tce: Decimal,
    effective_on: dt.date | None,
    project_name: str = "",
    enterprise: Enterprise | None = None,
    evidence: str = "",
    reason: str = "",
    reverses: SpaceEntry | None = None,
    actor: Actor,
) -> SpaceEntry:
    if not transaction.get_connection().in_atomic_block:
        msg = "ledger entries are appended inside the action's transaction"
        raise RuntimeError(msg)
    _locked(district)
    try:
        amount = TCE.exact(amount_tce)
    except ledger.LedgerError as exc:
        raise SpaceRefusedError(str(exc)) from exc
    rows = list(SpaceEntry.objects.filter(district=district).order_by("seq"))
    entries = core_entries(rows, district.code)
    seq = rows[-1].seq + 1 if rows else 1
    new = ledger.Entry(
        seq,
        district.code,
        amount,
        kind,
        project_name,
        reverses.seq if reverses is not None else None,
    )
    _done, refused = ledger.post(entries, [new], TCE)
    if refused:
        raise SpaceRefusedError("; ".join(r.reason for r in refused))
    previous = rows[-1].chain_hash if rows else ledger.GENESIS
    entry = SpaceEntry.objects.create(
        district=district,
        seq=seq,
        kind=kind,
        amount_tce=amount,
        project_name=project_name,
        enterprise=enterprise,
        evidence=evidence,
        reason=reason,
        effective_on=effective_on or timezone.localdate(),
        reverses=reverses,
        chain_hash=ledger.entry_hash(previous, new, TCE),
        actor_label=actor.label,
    )
    record(actor, f"energyspace.{kind}", "energyspace.SpaceEntry", entry.pk, after=snapshot(entry))
    return entry


def _positive(amount_tce: Decimal) -> Decimal:
    if isinstance(amount_tce, float) or not Decimal(amount_tce) > 0:
        msg = f"数量须为正数 / the amount must be positive: {amount_tce}"
        raise SpaceRefusedError(msg)
    return Decimal(amount_tce)


@transaction.atomic
def do_record_source(
    district: District,
    *,
    kind: str,
    amount_tce: Decimal,
    project_name: str,
    evidence: str,
    effective_on: dt.date | None = None,
    enterprise: Enterprise | None = None,
    reason: str = "",
    actor: Actor,
) -> SpaceEntry:
    """Add freed space to ``district``: ``kind`` closure, retrofit (a verified saving) or
    other_source; ``project_name`` names what was closed or retrofitted, ``evidence`` the
    document that verifies it."""
    if kind not in SOURCE_KINDS:
        msg = f"不是腾出来源 / not a kind of source: {kind}"
        raise SpaceRefusedError(msg)
    return _append(
        district,
        kind=kind,
        amount_tce=_positive(amount_tce),
        effective_on=effective_on,
        project_name=project_name,
        enterprise=enterprise,
        evidence=evidence,
        reason=reason,
        actor=actor,
    )


@transaction.atomic
def do_use_space(
    district: District,
    *,
    kind: str,
    project_name: str,
    amount_tce: Decimal,
    effective_on: dt.date | None = None,
    enterprise: Enterprise | None = None,
    evidence: str = "",
    reason: str = "",
    actor: Actor,
) -> SpaceEntry:
    """Take space from ``district`` for ``project_name``: ``kind`` allocation or
    reservation. Refused (``SpaceRefusedError``) when the balance would go below zero."""
    if kind not in USE_KINDS:
        msg = f"不是用能去向 / not a kind of use: {kind}"
        raise SpaceRefusedError(msg)
    if not project_name.strip():
        msg = "须写明项目名称 / name the project"
        raise SpaceRefusedError(msg)
    return _append(
        district,
        kind=kind,
        amount_tce=-_positive(amount_tce),
        effective_on=effective_on,
        project_name=project_name.strip(),
        enterprise=enterprise,
        evidence=evidence,
        reason=reason,
        actor=actor,
    )


def allocate_to_project(
    district_code: str,
    *,
    project_name: str,
    amount_tce: Decimal,
    actor: Actor,
    enterprise_id: int | None = None,
    evidence: str = "",
    reason: str = "",
    effective_on: dt.date | None = None,
) -> SpaceEntry:
    """Allocate ``amount_tce`` of ``district_code``'s freed space to ``project_name`` (the
    call the project review makes once a project's equal-or-reduced replacement is approved,
    E5). Raises ``SpaceRefusedError`` when the balance would go below zero and
    ``District.DoesNotExist`` for an unknown district."""
    district = District.objects.get(code=district_code)
    enterprise = Enterprise.objects.get(pk=enterprise_id) if enterprise_id is not None else None
    return do_use_space(
        district,
        kind=EntryKind.ALLOCATION,
        project_name=project_name,
        amount_tce=amount_tce,
        effective_on=effective_on,
        enterprise=enterprise,
        evidence=evidence,
        reason=reason,
        actor=actor,
    )


@transaction.atomic
def do_reverse(entry: SpaceEntry, *, reason: str, actor: Actor) -> SpaceEntry:
    """Undo ``entry`` with its exact opposite, for ``reason`` (a reservation: its release).
    Refused for a correction, an entry already undone, or a source whose space is already
    used (the balance would go below zero: reverse the uses first)."""
    if not reason.strip():
        msg = "须写明冲正原因 / give the reason"
        raise SpaceRefusedError(msg)
    if entry.kind in CORRECTION_KINDS:
        msg = "冲正记录不可再冲正 / a correction is not reversed; record a new entry"
        raise SpaceRefusedError(msg)
    kind = EntryKind.RELEASE if entry.kind == EntryKind.RESERVATION else EntryKind.REVERSAL
    return _append(
        entry.district,
        kind=kind,
        amount_tce=-entry.amount_tce,
        effective_on=None,
        project_name=entry.project_name,
        enterprise=entry.enterprise,
        evidence=entry.evidence,
        reason=reason.strip(),
        reverses=entry,
        actor=actor,
    )


@transaction.atomic
def do_set_target(
    district: District,
    *,
    target_tce: Decimal,
    start_on: dt.date,
    deadline: dt.date,
    note: str = "",
    actor: Actor,
) -> SpaceTarget:
    """Set ``district``'s target for space to free (a new row; the latest counts)."""
    amount = _positive(target_tce)
    try:
        amount = TCE.exact(amount)
    except ledger.LedgerError as exc:
        raise SpaceRefusedError(str(exc)) from exc
    if deadline <= start_on:
        msg = "截止日期须晚于起始日期 / the deadline comes after the start"
        raise SpaceRefusedError(msg)
    target = SpaceTarget.objects.create(
        district=district,
        target_tce=amount,
        start_on=start_on,
        deadline=deadline,
        note=note,
        actor_label=actor.label,
    )
    record(
        actor, "energyspace.target", "energyspace.SpaceTarget", target.pk, after=snapshot(target)
    )
    return target
