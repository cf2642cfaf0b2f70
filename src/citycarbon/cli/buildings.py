"""``citycarbon buildings``: public-building carbon-efficiency codes A–E."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from citycarbon.cli.console import bad_input_exits, err, fail, reject, require_files
from citycarbon.core.buildings import DEFAULT_MIN_PEERS, DEFAULT_SCHEME, grade_buildings
from citycarbon.core.factors import DEFAULT_FACTOR_SET, load_factor_set
from citycarbon.io.buildings_csv import read_buildings
from citycarbon.io.files import write_csv
from citycarbon.io.safecells import csv_text


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
    min_peers: Annotated[
        int,
        typer.Option(min=1, help="Fewest buildings of a type for percentile bounds."),
    ] = DEFAULT_MIN_PEERS,
) -> None:
    """Grade public buildings A–E within their type by kgCO2 per m² per year."""
    require_files(buildings_csv)
    with bad_input_exits():
        factors = load_factor_set(factor_set)
        frame, errors = read_buildings(buildings_csv)
    if errors:
        raise reject(errors, nothing_written=True)
    try:
        graded = grade_buildings(frame, factors, scheme, min_peers=min_peers)
    except ValueError as exc:  # an unknown grade scheme
        raise fail(str(exc)) from exc
    if out is None:
        sys.stdout.write(csv_text(graded))
    else:
        write_csv(graded, out)
        err.print(f"{graded.height} buildings graded → {out}", markup=False)


def register(app: typer.Typer) -> None:
    app.command("buildings")(buildings_command)
