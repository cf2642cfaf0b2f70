"""Reads of the energy-use space ledger: a district's available space, the space assigned
to a project, the ledger with its running balance, the city overview, and a target's
backward-scheduled timeline with progress. Balances are derived from the entries, never
stored."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from citycarbon.core import ledger
from citycarbon.core.energyspace import TCE, backward_schedule
from citycarbon.web.access.policy import Principal, scoped
from citycarbon.web.energyspace.models import (
    SOURCE_KINDS,
    USE_KINDS,
    EntryKind,
    SpaceEntry,
    SpaceTarget,
)
from citycarbon.web.regions.models import District

ZERO = Decimal(0)


def core_entries(rows: Iterable[SpaceEntry], account: str) -> list[ledger.Entry]:
    """The rows of one district (``account``, its code), in ``seq`` order, as
    ``core.ledger`` entries."""
    by_pk = {}
    out = []
    for r in rows:
        by_pk[r.pk] = r.seq
        out.append(
            ledger.Entry(
                r.seq,
                account,
                TCE.exact(r.amount_tce),
                r.kind,
                r.project_name,
                by_pk.get(r.reverses_id) if r.reverses_id is not None else None,
            )
        )
    return out


def available_space(district_code: str) -> Decimal:
    """The space (tce, 4 places) ``district_code`` has freed and not yet allocated or
    reserved: the sum of its entries (0 for a district without any)."""
    total = SpaceEntry.objects.filter(district__code=district_code).aggregate(s=Sum("amount_tce"))
    return TCE.exact(total["s"] or ZERO)


def assigned_to_project(district_code: str, project_name: str) -> Decimal:
    """Net space (tce) allocated to ``project_name`` in ``district_code``: its allocations
    less their reversals (reservations not counted) — what the project review checks a
    project's required replacement against (E5)."""
    allocations = SpaceEntry.objects.filter(
        district__code=district_code, project_name=project_name
    ).filter(
        Q(kind=EntryKind.ALLOCATION)
        | Q(kind=EntryKind.REVERSAL, reverses__kind=EntryKind.ALLOCATION)
    )
    total = allocations.aggregate(s=Sum("amount_tce"))["s"] or ZERO
    return TCE.exact(-total)


def visible_districts(principal: Principal | None) -> QuerySet[District]:
    return scoped(principal, "energyspace", District.objects.all(), via="")


@dataclass(frozen=True)
class Totals:
    district: District
    sources_tce: Decimal
    uses_tce: Decimal
    balance_tce: Decimal
    entries: int
    target: SpaceTarget | None

    @property
    def target_share_pct(self) -> float | None:
        """Net freed space as a share of the target (for display only)."""
        if self.target is None or not self.target.target_tce:
            return None
        return float(self.sources_tce / self.target.target_tce * 100)


def _latest_targets(district_ids: Sequence[int]) -> dict[int, SpaceTarget]:
    found: dict[int, SpaceTarget] = {}
    for t in SpaceTarget.objects.filter(district_id__in=district_ids).order_by("district", "-id"):
        found.setdefault(t.district_id, t)
    return found


def overview(districts: QuerySet[District]) -> list[Totals]:
    """Per district: net space freed (sources less their reversals), net space used
    (allocations and reservations less their reversals and releases), balance, target."""
    rows = list(districts)
    ids = [d.pk for d in rows]
    sums: dict[int, dict[str, Any]] = {}
    grouped = (
        SpaceEntry.objects.filter(district_id__in=ids)
        .values("district_id", "kind", "reverses__kind")
        .annotate(total=Sum("amount_tce"), n=Count("id"))
    )
    for g in grouped:
        s = sums.setdefault(g["district_id"], {"sources": ZERO, "uses": ZERO, "n": 0})
        kind = g["reverses__kind"] or g["kind"]
        key = "sources" if kind in SOURCE_KINDS else "uses"
        s[key] += g["total"]
        s["n"] += g["n"]
    targets = _latest_targets(ids)
    out = []
    for d in rows:
        s = sums.get(d.pk, {"sources": ZERO, "uses": ZERO, "n": 0})
        out.append(
            Totals(
                d,
                TCE.exact(s["sources"]),
                TCE.exact(-s["uses"]),
                TCE.exact(s["sources"] + s["uses"]),
                s["n"],
                targets.get(d.pk),
            )
        )
    return out


@dataclass(frozen=True)
class Row:
    entry: SpaceEntry
    balance_tce: Decimal


def ledger_rows(district: District) -> list[Row]:
    """The district's entries in order, each with the balance after it
    (``core.ledger.running_balance``)."""
    rows = list(
        SpaceEntry.objects.filter(district=district)
        .select_related("district", "enterprise", "reverses", "reversed_by")
        .order_by("seq")
    )
    if not rows:
        return []
    frame = ledger.running_balance(core_entries(rows, district.code), TCE)
    balances = [ledger.from_minor(m, TCE) for m in frame["balance_minor"].to_list()]
    return [Row(r, b) for r, b in zip(rows, balances, strict=True)]


def is_source(entry: SpaceEntry) -> bool:
    kind = entry.reverses.kind if entry.reverses is not None else entry.kind
    return kind in SOURCE_KINDS


def is_use(entry: SpaceEntry) -> bool:
    kind = entry.reverses.kind if entry.reverses is not None else entry.kind
    return kind in USE_KINDS


def schedule(district: District, today: dt.date | None = None) -> tuple[SpaceTarget | None, Any]:
    """The district's latest target and its backward-scheduled milestones with the space
    freed by each (``core.energyspace.backward_schedule``), or (None, None)."""
    target = _latest_targets([district.pk]).get(district.pk)
    if target is None:
        return None, None
    freed = [
        (r.effective_on, TCE.exact(r.amount_tce))
        for r in SpaceEntry.objects.filter(district=district).select_related("reverses")
        if is_source(r)
    ]
    frame = backward_schedule(
        target.target_tce, target.start_on, target.deadline, freed, today or timezone.localdate()
    )
    return target, frame


@dataclass(frozen=True)
class ChainReport:
    entries: int
    broken: list[tuple[str, int]]
    """(district code, entry number) of each entry whose stored hash does not match."""


def verify_chains() -> ChainReport:
    """Recompute every district's hash chain from its entries (``core.ledger.verify_chain``):
    an edited, removed or reordered entry shows at the first entry it touches, and a gap in
    the numbers at the entry after it."""
    broken: list[tuple[str, int]] = []
    count = 0
    for district in District.objects.filter(space_entries__isnull=False).distinct():
        rows = list(SpaceEntry.objects.filter(district=district).order_by("seq"))
        count += len(rows)
        entries = core_entries(rows, district.code)
        bad = set(ledger.verify_chain(entries, [r.chain_hash for r in rows], TCE))
        bad |= {r.seq for i, r in enumerate(rows, start=1) if r.seq != i}
        broken += [(district.code, seq) for seq in sorted(bad)]
    return ChainReport(count, broken)
