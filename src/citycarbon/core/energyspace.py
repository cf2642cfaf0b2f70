"""Energy-use space (腾出用能空间, seeds-inventory D10): the backward-scheduled timeline of a
district's target for space to free (倒排时间任务, seed 000: 「明確騰退用能空間目標……倒排時間
任務」) and its progress.

The ledger itself is ``core.ledger`` (unit ``TCE``); this module adds the schedule.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_CEILING, Decimal

import polars as pl

from citycarbon.core.ledger import Unit

TCE = Unit("tce", 4)
"""Energy-use space in tonnes of standard coal equivalent, to 0.1 kgce."""

SCHEDULE_SCHEMA: pl.Schema = pl.Schema(
    {
        "milestone": pl.Date(),
        "required_tce": pl.Decimal(20, 4),
        "freed_tce": pl.Decimal(20, 4),
        "status": pl.String(),
    }
)
"""``status``: met (freed ≥ required by the milestone), behind (a past milestone not met),
due (a milestone still ahead)."""


def _quarter_ends(start: dt.date, deadline: dt.date) -> list[dt.date]:
    """The quarter ends after ``start`` and before ``deadline``, then ``deadline``."""
    found = []
    year, quarter = start.year, (start.month - 1) // 3 + 1
    while True:
        month = quarter * 3
        end = dt.date(year + (month == 12), 1 if month == 12 else month + 1, 1) - dt.timedelta(1)
        if end >= deadline:
            break
        if end > start:
            found.append(end)
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return [*found, deadline]


def backward_schedule(
    target_tce: Decimal,
    start: dt.date,
    deadline: dt.date,
    freed: list[tuple[dt.date, Decimal]],
    today: dt.date,
) -> pl.DataFrame:
    """The milestones from ``start`` to ``deadline`` (each quarter end, then the deadline),
    the space required freed by each — ``target_tce`` spread evenly over the days, counted
    back from the deadline, rounded up to the unit so the last milestone is the whole target —
    and the space ``freed`` (net source entries: effective date, tce) by that date.

    ``SCHEDULE_SCHEMA``; ``today`` decides which milestones are past (no clock here)."""
    if deadline <= start:
        msg = "the deadline comes after the start / 截止日期须晚于起始日期"
        raise ValueError(msg)
    target = TCE.exact(target_tce)
    days = (deadline - start).days
    rows = []
    for milestone in _quarter_ends(start, deadline):
        share = Decimal((milestone - start).days) / Decimal(days)
        required = (target * share).quantize(TCE.quantum, rounding=ROUND_CEILING)
        done = sum((amount for on, amount in freed if on <= milestone), Decimal(0))
        status = "met" if done >= required else ("behind" if milestone < today else "due")
        rows.append((milestone, required, TCE.exact(done), status))
    return pl.DataFrame(rows, schema=SCHEDULE_SCHEMA, orient="row")
