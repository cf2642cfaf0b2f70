"""The ``citycarbon`` command."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.table import Table

from citycarbon import data
from citycarbon.cli.access import register as register_access
from citycarbon.cli.assess import register as register_assess
from citycarbon.cli.audit import register as register_audit
from citycarbon.cli.balance import register as register_balance
from citycarbon.cli.budgets import register as register_budgets
from citycarbon.cli.buildings import register as register_buildings
from citycarbon.cli.console import bad_input_exits, err, out, progress_bar, reject, require_files
from citycarbon.cli.demo import demo
from citycarbon.cli.electricity import register as register_electricity
from citycarbon.cli.energyspace import register as register_energyspace
from citycarbon.cli.form205 import register as register_form205
from citycarbon.cli.grading import register as register_grading
from citycarbon.cli.imports import register as register_imports
from citycarbon.cli.report import register as register_report
from citycarbon.cli.runs import register as register_runs
from citycarbon.cli.serve import register as register_serve
from citycarbon.cli.targets import register as register_targets
from citycarbon.cli.whatif import register as register_whatif
from citycarbon.cli.worker import register as register_worker
from citycarbon.core.factors import (
    DEFAULT_FACTOR_SET,
    list_factor_sets,
    load_factor_set,
)
from citycarbon.io.emissions_job import run_emissions
from citycarbon.io.files import write_csv, write_text
from citycarbon.io.safecells import csv_text

app = typer.Typer(
    name="citycarbon",
    help="citycarbon: energy and carbon accounting for a city's path to carbon peaking.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
factors_app = typer.Typer(help="List and show the shipped factor sets.", no_args_is_help=True)
app.add_typer(factors_app, name="factors")


class GrainOption(StrEnum):
    month = "month"
    quarter = "quarter"
    year = "year"


class ElectricityMethodOption(StrEnum):
    calorific = "calorific"
    coal_equivalent = "coal_equivalent"


@app.command()
def emissions(
    energy_csv: Annotated[Path, typer.Argument(help="Energy records CSV (UTF-8, GBK or GB18030).")],
    factor_set: Annotated[str, typer.Option(help="Factor set id.")] = DEFAULT_FACTOR_SET,
    grid_factor: Annotated[
        float | None, typer.Option(help="Override the grid factor, tCO2 per MWh.")
    ] = None,
    heat_factor: Annotated[
        float | None, typer.Option(help="Override the heat factor, tCO2 per GJ.")
    ] = None,
    period_grain: Annotated[GrainOption, typer.Option(help="Grain of the output periods.")] = (
        GrainOption.year
    ),
    out: Annotated[Path | None, typer.Option(help="Output CSV (default: standard output).")] = None,
    skip_invalid: Annotated[
        Path | None,
        typer.Option(help="Write rejected rows with reasons to this CSV and compute the rest."),
    ] = None,
    electricity_method: Annotated[
        ElectricityMethodOption,
        typer.Option(help="Electricity to tce: calorific 当量值 or coal_equivalent 等价值."),
    ] = ElectricityMethodOption.calorific,
    detail: Annotated[
        bool, typer.Option(help="Add feedstock, renewable, green-electricity and netting columns.")
    ] = False,
    encoding: Annotated[
        str | None, typer.Option(help="Force the input encoding (default: detect).")
    ] = None,
) -> None:
    """Energy records → standard coal and CO2 by scope, per entity and period.

    Input columns: entity_id, period, energy_code, quantity, optional unit and purpose
    (fuel, feedstock, green_purchase, self_generated). Bad input: exit code 2 and a report on
    stderr, no output written, unless --skip-invalid is given.
    """
    require_files(energy_csv)
    with bad_input_exits():
        factors = load_factor_set(
            factor_set,
            grid_tco2_per_mwh=grid_factor,
            heat_tco2_per_gj=heat_factor,
            electricity_method=electricity_method.value,
        )
        with progress_bar() as bar:
            task = bar.add_task("accounting", total=energy_csv.stat().st_size)
            run = run_emissions(
                energy_csv,
                factors,
                period_grain.value,
                skip_invalid=skip_invalid is not None,
                detail=detail,
                encoding=encoding,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    if run.error_count and skip_invalid is None:
        raise reject(run.errors, run.error_count, nothing_written=True)
    if skip_invalid is not None:
        write_csv(run.rejected, skip_invalid)
        if run.error_count:
            err.print(
                f"{run.rows_read - run.rows_used} 行被拒绝，已写入 {skip_invalid} / "
                f"{run.rows_read - run.rows_used} rows rejected, written to {skip_invalid}",
                markup=False,
            )
    if out is None:
        sys.stdout.write(csv_text(run.emissions))
    else:
        write_csv(run.emissions, out)
        write_text(run.provenance_json(energy_csv) + "\n", out.with_name(out.name + ".meta.json"))
        err.print(
            f"{run.emissions.height} rows → {out} (factor set {run.factor_set}, "
            f"{run.rows_used}/{run.rows_read} input rows used)",
            markup=False,
        )


@factors_app.command("list")
def factors_list() -> None:
    """List the factor sets with their grid factor and content hash."""
    table = Table(title="Factor sets / 排放因子集")
    for col in (
        "set",
        "fuel vintage",
        "grid factor",
        "tCO2/MWh",
        "released",
        "sha256",
        "description",
    ):
        table.add_column(col)
    for r in list_factor_sets().iter_rows(named=True):
        table.add_row(
            r["set_id"] + (" (default)" if r["set_id"] == DEFAULT_FACTOR_SET else ""),
            r["fuel_vintage"],
            r["electricity_factor_id"],
            f"{r['tco2_per_mwh']:.4f}",
            r["released"],
            r["content_sha256"][:12],
            r["description_en"],
        )
    out.print(table)


@factors_app.command("show")
def factors_show(
    set_id: Annotated[str, typer.Argument(help="Factor set id, e.g. cn-2023.")],
    csv: Annotated[bool, typer.Option("--csv", help="Print the resolved factors as CSV.")] = False,
) -> None:
    """Show every resolved factor of one set, per 205-1 energy code."""
    with bad_input_exits():
        fs = load_factor_set(set_id)
    names = data.energy_catalogue().select("energy_code", "name_zh", "name_en", "confidence")
    frame = fs.energy.join(names, on="energy_code", how="left", maintain_order="left")
    if csv:
        sys.stdout.write(csv_text(frame))
        return
    out.print(f"[bold]{fs.set_id}[/bold]  {fs.description_zh} / {fs.description_en}")
    out.print(
        f"fuel vintage {fs.fuel_vintage}; grid {fs.electricity_factor_id} = "
        f"{fs.grid_tco2_per_mwh} tCO2/MWh; heat {fs.heat_tco2_per_gj} tCO2/GJ; "
        f"sha256 {fs.content_hash}"
    )
    table = Table()
    for col in (
        "code",
        "energy",
        "unit",
        "tce/unit",
        "scope1 tCO2/unit",
        "scope2 tCO2/unit",
        "conf.",
    ):
        table.add_column(col)
    for r in frame.iter_rows(named=True):
        table.add_row(
            r["energy_code"],
            f"{r['name_zh']} {r['name_en']}",
            r["unit"],
            f"{r['tce_per_unit']:.5g}",
            f"{r['scope1_tco2_per_unit']:.5g}",
            f"{r['scope2_tco2_per_unit']:.5g}",
            r["confidence"],
        )
    out.print(table)


def run() -> None:
    """Console-script entry point."""
    pl.Config.set_tbl_hide_dataframe_shape(True)
    app()


app.command()(demo)
register_grading(app)
register_whatif(app)
register_buildings(app)
register_access(app)
register_audit(app)
register_serve(app)
register_imports(app)
register_balance(app)
register_form205(app)
register_electricity(app)
register_energyspace(app)
register_worker(app)
register_runs(app)
register_report(app)
register_budgets(app)
register_targets(app)
register_assess(app)
