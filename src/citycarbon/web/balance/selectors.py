"""Reading the energy balance as the newest done ``BalanceRun`` of the published accounting
run left it (``runs`` builds it): one year's rows and its coverage. Nothing here reads the
energy records."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from citycarbon.core.balance import BALANCE
from citycarbon.web.balance.models import BalanceRow, BalanceRun, BalanceYear
from citycarbon.web.balance.runs import KIND
from citycarbon.web.bulk import read_frame, table
from citycarbon.web.energy.models import AccountingRun
from citycarbon.web.grading.selectors import published_accounting_run
from citycarbon.web.jobs.derived import active_job
from citycarbon.web.jobs.models import DerivedRunStatus, Job
from citycarbon.web.regions.models import District
from citycarbon.web.regions.names import page_language


@dataclass(frozen=True)
class Shown:
    """The run the balance pages show (None: none built yet for the published accounting
    run), the accounting run it is over, and a rebuild waiting or running."""

    run: BalanceRun | None
    accounting_run: AccountingRun | None
    job: Job | None


def shown() -> Shown:
    accounting_run = published_accounting_run()
    run = None
    if accounting_run is not None:
        run = (
            BalanceRun.objects.filter(accounting_run=accounting_run, status=DerivedRunStatus.DONE)
            .order_by("-id")
            .first()
        )
    return Shown(run=run, accounting_run=accounting_run, job=active_job(KIND))


@dataclass(frozen=True)
class Coverage:
    """How completely a year is reported: its months with records, the enterprises with any
    record in it, those with records for all twelve months, and the enterprises known."""

    months: int
    all_months: bool
    reporting: int
    full_year: int
    enterprises: int

    @property
    def complete(self) -> bool:
        """All twelve months, and most known enterprises report every one of them."""
        return self.all_months and self.full_year * 2 > self.enterprises


@dataclass(frozen=True)
class Balance:
    run: BalanceRun
    year: int
    years: list[int]
    table: pl.DataFrame
    """``core.balance.BALANCE`` of the scopes the reader may see."""
    scope_names: dict[str, str]
    coverage: Coverage


def balance(run: BalanceRun, year: int | None, *, district: str | None) -> Balance | None:
    """The balance of ``year`` in ``run`` (default: the latest complete year, see
    ``Coverage``, else the latest year with records); only the block of ``district`` when
    given, else the city and every district. None when the run has no year."""
    covered = {
        y.year: Coverage(y.months, y.all_months, y.reporting, y.full_year, y.enterprises)
        for y in BalanceYear.objects.filter(run=run)
    }
    available = sorted(covered)
    if not available:
        return None
    complete = [y for y in available if covered[y].complete]
    if year not in available:
        year = complete[-1] if complete else available[-1]
    columns = BALANCE.names()
    where, params = "run_id = %s AND year = %s", [run.pk, year]
    if district is not None:
        where += " AND scope = %s"
        params.append(district)  # type: ignore[arg-type]
    sql = f"SELECT {', '.join(columns)} FROM {table(BalanceRow)} WHERE {where} ORDER BY id"
    frame = read_frame(sql, params, dict(BALANCE))
    name = "name_en" if page_language() == "en" else "name_zh"
    names = {
        code: own or zh for code, own, zh in District.objects.values_list("code", name, "name_zh")
    }
    return Balance(
        run=run,
        year=year,
        years=available,
        table=frame,
        scope_names=names,
        coverage=covered[year],
    )
