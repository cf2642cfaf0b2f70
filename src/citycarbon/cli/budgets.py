"""``citycarbon budget check``: budget execution per line at an as-of month, with traffic lights."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.table import Table

from citycarbon.cli.console import (
    bad_input_exits,
    err,
    fail,
    out,
    plural,
    reject,
    require_files,
)
from citycarbon.core.budgets import MONITOR_CLI_COLUMNS, Bands, check_tree, monitor, parse_month
from citycarbon.io.budget_inputs import read_actuals, read_budgets
from citycarbon.io.files import write_csv

budget_app = typer.Typer(
    help="Carbon budgets (碳预算): check budget execution.", no_args_is_help=True
)

_COLOURS = {"green": "green", "yellow": "yellow", "red": "red"}


def _print_table(table: pl.DataFrame) -> None:
    view = Table(title="Budget execution / 预算执行")
    for col in MONITOR_CLI_COLUMNS:
        numeric = table.schema[col].is_numeric()
        view.add_column(col, justify="right" if numeric else "left", overflow="fold")
    for row in table.iter_rows(named=True):
        cells = []
        for col in MONITOR_CLI_COLUMNS:
            value = row[col]
            if value is None:
                cells.append("")
            elif isinstance(value, float):
                cells.append(f"{value:,.1f}" if col == "used_of_annual_pct" else f"{value:,.2f}")
            elif col == "status":
                cells.append(f"[{_COLOURS[value]}]{value}[/]")
            else:
                cells.append(str(value))
        view.add_row(*cells)
    out.print(view)


@budget_app.command("check")
def check_command(
    budgets_csv: Annotated[
        Path,
        typer.Argument(
            help="budget_id,level,subject_id,parent_id,year,budget_tco2"
            "[,budget_intensity_tco2_per_10k_yuan][,budget_energy_tce]"
        ),
    ],
    actuals_csv: Annotated[
        Path,
        typer.Argument(
            help="subject_id,period,tco2[,value_added_10k_yuan][,energy_tce][,source]; "
            "period as `citycarbon emissions` writes it"
        ),
    ],
    as_of: Annotated[str, typer.Option("--as-of", help="Month monitored, YYYY-MM.")],
    bands: Annotated[
        str,
        typer.Option(
            help="Warning bands as shares of the annual budget (no source publishes any)."
        ),
    ] = "yellow=0.9,red=1.0",
    out_csv: Annotated[
        Path | None, typer.Option("--out", help="Output CSV (default: a table on standard output).")
    ] = None,
    encoding: Annotated[str | None, typer.Option(help="Force the input encoding.")] = None,
) -> None:
    """Per budget line: budget prorated to AS_OF, actual to date, share of the annual budget
    used, projected year and overshoot, status green/yellow/red (intensity first, totals
    second). Method: docs/budgets.md.

    Children whose budgets add up to more than their parent, or bad input: exit code 2 and a
    report on stderr, no output written.
    """
    try:
        parse_month(as_of)
    except ValueError as exc:
        raise fail(f"--as-of: 截止月份应为 YYYY-MM / {exc}") from exc
    try:
        parsed_bands = Bands.parse(bands)
    except ValueError as exc:
        raise fail(f"--bands: 预警线应如 yellow=0.9,red=1.0，且 0 < yellow < red / {exc}") from exc
    require_files(budgets_csv, actuals_csv)
    with bad_input_exits():
        lines, b_errors = read_budgets(budgets_csv, encoding)
        actuals, a_errors = read_actuals(actuals_csv, as_of, encoding)
    if b_errors or a_errors:
        raise reject(b_errors + a_errors, nothing_written=True)
    over = check_tree(lines)
    if not over.is_empty():
        for row in over.iter_rows(named=True):
            err.print(
                f"{row['parent_id']} ({row['year']}, {row['measure']}): 下级预算合计 "
                f"{row['children_sum']:g} 超过上级 {row['parent_budget']:g} / children add up to "
                f"more than the parent: {', '.join(row['children'])}",
                markup=False,
                soft_wrap=True,
            )
        raise fail(
            f"{over.height} 处下级超过上级，未写出结果 / children over parent, no output written"
        )
    table = monitor(lines, actuals, as_of, parsed_bands).select(MONITOR_CLI_COLUMNS)
    if out_csv is None:
        _print_table(table)
        return
    write_csv(table, out_csv)
    counts = dict(table.group_by("status").len().iter_rows())
    summary = ", ".join(f"{s} {counts.get(s, 0)}" for s in ("green", "yellow", "red"))
    err.print(f"{plural(table.height, 'budget line')} ({summary}) → {out_csv}", markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(budget_app, name="budget")
