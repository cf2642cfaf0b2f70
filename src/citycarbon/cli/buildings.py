"""``citycarbon buildings``: public-building carbon-efficiency codes A–E."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from citycarbon.cli.console import EXIT_BAD_INPUT, err, report_errors
from citycarbon.core.buildings import DEFAULT_SCHEME, grade_buildings
from citycarbon.core.factors import DEFAULT_FACTOR_SET, FactorSetError, load_factor_set
from citycarbon.io.buildings_csv import read_buildings
from citycarbon.io.errors import InputFileError
from citycarbon.io.files import write_csv


def buildings_command(
    buildings_csv: Annotated[
        Path,
        typer.Argument(
            help="building_id,year,building_type,floor_area_m2,electricity_kwh"
            "[,gas_m3][,green_electricity_kwh]"
        ),
    ],
    out: Annotated[Path | None, typer.Option(help="Output CSV (default: standard output).")] = None,
    factor_set: Annotated[str, typer.Option(help="Factor set id.")] = DEFAULT_FACTOR_SET,
    scheme: Annotated[str, typer.Option(help="Grade bounds scheme.")] = DEFAULT_SCHEME,
) -> None:
    """Grade public buildings A–E within their type by kgCO2 per m² per year."""
    if not buildings_csv.is_file():
        err.print(f"{buildings_csv}: 文件不存在 / file not found", markup=False)
        raise typer.Exit(EXIT_BAD_INPUT)
    try:
        factors = load_factor_set(factor_set)
        frame, errors = read_buildings(buildings_csv)
    except InputFileError as exc:
        report_errors(exc.errors, len(exc.errors))
        raise typer.Exit(EXIT_BAD_INPUT) from exc
    except FactorSetError as exc:
        err.print(str(exc), markup=False)
        raise typer.Exit(EXIT_BAD_INPUT) from exc
    if errors:
        report_errors(errors, len(errors))
        raise typer.Exit(EXIT_BAD_INPUT)
    try:
        graded = grade_buildings(frame, factors, scheme)
    except ValueError as exc:
        err.print(str(exc), markup=False)
        raise typer.Exit(EXIT_BAD_INPUT) from exc
    if out is None:
        sys.stdout.write(graded.write_csv())
    else:
        write_csv(graded, out)
        err.print(f"{graded.height} buildings graded → {out}", markup=False)


def register(app: typer.Typer) -> None:
    app.command("buildings")(buildings_command)
