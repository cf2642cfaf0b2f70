"""``citycarbon targets progress``: progress against plan targets, compounded year on year."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import polars as pl
import typer

from citycarbon.cli.console import bad_input_exits, err, reject, require_files
from citycarbon.core.targets import PROGRESS_COLUMNS, changes_from_values, progress
from citycarbon.io.files import write_csv
from citycarbon.io.safecells import csv_text
from citycarbon.io.targets_inputs import (
    check_values_against_targets,
    problem_rows,
    read_targets,
    read_values,
)

targets_app = typer.Typer(
    help="Plan targets (规划目标): progress against them.", no_args_is_help=True
)

OUTPUT_DECIMALS = 6
"""The percentages are written rounded to this many decimals."""


@targets_app.command("progress")
def progress_command(
    targets_csv: Annotated[
        Path,
        typer.Argument(
            help="target_id,subject_id,indicator,base_year,target_year,target_change_pct"
            "[,incentive_change_pct] (negative: a decrease)."
        ),
    ],
    values_csv: Annotated[
        Path,
        typer.Argument(
            help="subject_id,indicator,year,change_pct (year YYYY, or YYYY-YYYY with the change "
            "cumulative over the span), or value instead of change_pct."
        ),
    ],
    out: Annotated[Path | None, typer.Option(help="Output CSV (default: standard output).")] = None,
    encoding: Annotated[str | None, typer.Option(help="Force the input encoding.")] = None,
) -> None:
    """Cumulative change of each target's indicator (Π(1+c)−1), the years left and the
    annual change still required; on_track when the target is met or the required change
    is no steeper than the average achieved so far. Method: docs/targets.md.

    Bad input: exit code 2 and a row-level report on stderr, no output written.
    """
    require_files(targets_csv, values_csv)
    with bad_input_exits():
        targets, t_errors = read_targets(targets_csv, encoding)
        changes, values, v_errors = read_values(values_csv, encoding)
    if t_errors or v_errors:
        raise reject(t_errors + v_errors, nothing_written=True)
    outside, unknown = check_values_against_targets(targets, changes, values, str(values_csv))
    if outside:
        raise reject(outside, nothing_written=True)
    for subject, indicator, n in unknown:
        err.print(
            f"警告：值文件中 {n} 行的主体 {subject}、指标 {indicator} 没有对应的目标，已忽略 / "
            f"warning: {n} {'row' if n == 1 else 'rows'} of the values file for subject "
            f"{subject}, indicator {indicator} match no target and are ignored",
            markup=False,
        )
    bases = targets.select("subject_id", "indicator", "base_year")
    all_changes = pl.concat([changes.drop("row"), changes_from_values(values, bases)])
    result = progress(targets, all_changes)
    if not result.problems.is_empty():
        problems = problem_rows(
            result.problems, targets, changes, values, str(targets_csv), str(values_csv)
        )
        raise reject(problems, nothing_written=True)
    table = result.progress.select(PROGRESS_COLUMNS).with_columns(
        pl.col("cumulative_change_pct", "required_annual_change_pct").round(OUTPUT_DECIMALS)
    )
    if out is None:
        sys.stdout.write(csv_text(table))
        return
    write_csv(table, out)
    on_track = int(table.get_column("on_track").sum())
    err.print(f"{table.height} targets, {on_track} on track → {out}", markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(targets_app, name="targets")
