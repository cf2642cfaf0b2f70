"""``citycarbon convert-205``: filled-in forms 205-1 → the canonical energy CSV."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import polars as pl
import typer

from citycarbon.cli.console import (
    EXIT_BAD_INPUT,
    MAX_REPORTED_ERRORS,
    err,
    fail,
    plural,
    progress_bar,
)
from citycarbon.io.files import write_csv
from citycarbon.io.form205 import (
    ERROR,
    CheckOptions,
    energy_csv,
    failure_issues,
    failure_lines,
    form_files,
    read_forms,
    render_issue,
    write_issue_report,
)
from citycarbon.io.limits import Limits, LimitsError
from citycarbon.io.safecells import csv_text


def convert_205(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Forms (.xlsx, .xls, .csv) or folders searched recursively."),
    ],
    out: Annotated[
        Path | None, typer.Option(help="Energy CSV to write (default: standard output).")
    ] = None,
    balance_tolerance: Annotated[
        float,
        typer.Option(min=0, help="Relative tolerance of stock balance and consumption parts."),
    ] = CheckOptions.balance_tolerance,
    coefficient_tolerance: Annotated[
        float,
        typer.Option(min=0, help="Relative tolerance of 参考折标系数 against the catalogue."),
    ] = CheckOptions.coefficient_tolerance,
    jump_factor: Annotated[
        float,
        typer.Option(min=1, help="Month-on-month change that is warned about (× up or down)."),
    ] = CheckOptions.jump_factor,
    sheet: Annotated[
        str | None, typer.Option(help="Read this sheet only (default: every form sheet).")
    ] = None,
    encoding: Annotated[
        str | None, typer.Option(help="Force the encoding of CSV forms (default: detect).")
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(help="Write every error and warning to this CSV (UTF-8 with BOM)."),
    ] = None,
) -> None:
    """Statistical forms 205-1 (工业企业能源购进、消费与库存) → energy CSV.

    Writes entity_id,period,energy_code,quantity,unit,purpose (entity_id = 统一社会信用代码,
    quantity in the code's standard unit, purpose fuel / feedstock / non_industrial), the
    input of `citycarbon emissions`. Any error: exit code 2, a per-cell report on stderr and
    no output written. Warnings are printed and do not stop the output.
    """
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise fail("; ".join(f"{p}: 文件不存在 / file not found" for p in missing))
    try:
        limits = Limits.from_env()
    except LimitsError as exc:
        raise fail(str(exc)) from exc
    options = CheckOptions(
        balance_tolerance=balance_tolerance,
        coefficient_tolerance=coefficient_tolerance,
        jump_factor=jump_factor,
    )
    with progress_bar() as bar:
        task = bar.add_task("205-1", total=len(form_files(paths)))

        def progress(done: int, total: int, name: str) -> None:
            bar.update(task, completed=done, total=total, description=Path(name).name)

        try:
            batch = read_forms(
                paths,
                options=options,
                sheet=sheet,
                encoding=encoding,
                progress=progress,
                limits=limits,
            )
        except LookupError as exc:
            raise fail(f"encoding: {exc}") from exc
    issues = pl.concat([failure_issues(batch.failures), batch.issues])
    if report is not None:
        write_issue_report(issues, report)
    errors = issues.filter(pl.col("level") == ERROR)
    warnings = issues.filter(pl.col("level") != ERROR)
    for issue in warnings.head(MAX_REPORTED_ERRORS).iter_rows(named=True):
        err.print(render_issue(issue), markup=False, soft_wrap=True)
    if errors.height:
        lines = failure_lines(batch.failures)[:MAX_REPORTED_ERRORS]
        form_errors = batch.issues.filter(pl.col("level") == ERROR)
        lines += [
            render_issue(issue)
            for issue in form_errors.head(MAX_REPORTED_ERRORS - len(lines)).iter_rows(named=True)
        ]
        for line in lines:
            err.print(line, markup=False, soft_wrap=True)
        if errors.height > MAX_REPORTED_ERRORS:
            more = errors.height - MAX_REPORTED_ERRORS
            err.print(f"… 另有 {more} 处错误 / and {plural(more, 'more error')}", markup=False)
        err.print(
            f"{errors.height} 处错误，未写出结果 / "
            f"{plural(errors.height, 'error')}, no output written",
            markup=False,
        )
        raise typer.Exit(EXIT_BAD_INPUT)
    frame = energy_csv(batch.records)
    if out is None:
        sys.stdout.write(csv_text(frame))
    else:
        write_csv(frame, out)
    err.print(
        f"{len(batch.forms)} 张表，{frame.height} 条记录，{warnings.height} 条警告 / "
        f"{len(batch.forms)} forms, {frame.height} records, {warnings.height} warnings"
        + (f" → {out}" if out else ""),
        markup=False,
    )


def register(app: typer.Typer) -> None:
    app.command("convert-205")(convert_205)
