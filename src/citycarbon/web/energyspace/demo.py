"""The demo city's energy-use space: per district, two closures and a verified retrofit of
its enterprises, a target to free space by the end of 2025, allocations to two projects and a
reservation; the last district has allocated nearly all it freed. Synthetic figures, marked
as such. Loading it again changes nothing (a district with entries is left as it is)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from citycarbon.web.audit.actions import Actor
from citycarbon.web.energyspace.actions import (
    do_record_source,
    do_set_target,
    do_use_space,
)
from citycarbon.web.energyspace.models import USE_KINDS, EntryKind, SpaceEntry
from citycarbon.web.enterprises.models import Enterprise
from citycarbon.web.regions.models import District

DEMO_EVIDENCE = "演示数据（合成）"
NEAR_ZERO_TCE = Decimal("12.5")
"""What the last demo district has left after its allocations."""


def load(*, actor: Actor) -> int:
    """Load the demo entries; returns how many were added."""
    districts = list(District.objects.order_by("code"))
    added = 0
    for i, district in enumerate(districts):
        if SpaceEntry.objects.filter(district=district).exists():
            continue
        firms = list(Enterprise.objects.filter(district=district).order_by("entity_id")[:3])
        step = Decimal(1000 * (i + 1))
        sources = (
            (EntryKind.CLOSURE, step * 3 + Decimal("250.5"), "关停燃煤锅炉", dt.date(2024, 3, 20)),
            (EntryKind.CLOSURE, step * 2, "淘汰落后印染产能", dt.date(2024, 9, 1)),
            (EntryKind.RETROFIT, step + Decimal("88.25"), "余热回收节能技改", dt.date(2025, 4, 10)),
        )
        freed = sum((amount for _k, amount, _w, _on in sources), Decimal(0))
        do_set_target(
            district,
            target_tce=step * 8,
            start_on=dt.date(2024, 1, 1),
            deadline=dt.date(2025, 12, 31),
            note=DEMO_EVIDENCE,
            actor=actor,
        )
        last = i == len(districts) - 1
        first_use = (freed - NEAR_ZERO_TCE) / 2 if last else step * 2
        uses: list[tuple[EntryKind, Decimal, str, dt.date]] = [
            (EntryKind.ALLOCATION, first_use, "新材料产业园一期", dt.date(2024, 11, 5)),
            (
                EntryKind.ALLOCATION,
                freed - NEAR_ZERO_TCE - first_use if last else step,
                "高端装备制造项目",
                dt.date(2025, 6, 18),
            ),
        ]
        if not last:
            uses.append((EntryKind.RESERVATION, step / 2, "数据中心（待审）", dt.date(2025, 8, 1)))
        # recorded in date order, as they happened
        for kind, amount, what, on in sorted((*sources, *uses), key=lambda row: row[3]):
            if kind in USE_KINDS:
                do_use_space(
                    district,
                    kind=kind,
                    project_name=what,
                    amount_tce=amount,
                    effective_on=on,
                    evidence=DEMO_EVIDENCE,
                    actor=actor,
                )
                continue
            n = next(k for k, row in enumerate(sources) if row[3] == on)
            firm = firms[n] if n < len(firms) else None
            do_record_source(
                district,
                kind=kind,
                amount_tce=amount,
                project_name=f"{firm.name if firm else district.name_zh}{what}",
                evidence=f"{DEMO_EVIDENCE} 核定文件 {district.code}-{n + 1}",
                effective_on=on,
                enterprise=firm,
                actor=actor,
            )
        added += len(sources) + len(uses)
    return added
