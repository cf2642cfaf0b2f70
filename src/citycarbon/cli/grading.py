"""``citycarbon grade``: carbon-efficiency codes from emissions and economics files."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from citycarbon.cli.console import bad_input_exits, err, reject, require_files
from citycarbon.core.grading import (
    DEFAULT_MIN_PEERS,
    GRADE_COLUMNS,
    grade,
    grade_confidence,
)
from citycarbon.io.files import write_csv
from citycarbon.io.grading_inputs import read_economics, read_emissions
from citycarbon.io.safecells import csv_text


class AverageOption(StrEnum):
    ratio = "ratio"
    mean = "mean"


def grade_command(
    emissions_csv: Annotated[Path, typer.Argument(help="Output of `citycarbon emissions`.")],
    economics_csv: Annotated[
        Path,
        typer.Argument(help="entity_id,year,industry_code,value_added_10k_yuan[,district_code]"),
    ],
    out: Annotated[Path | None, typer.Option(help="Output CSV (default: standard output).")] = None,
    ungraded: Annotated[
        Path | None,
        typer.Option(help="Write ungraded enterprises with reasons here (default: stderr)."),
    ] = None,
    industry_average: Annotated[
        AverageOption, typer.Option(help="ratio of totals ΣCO2/ΣVA, or mean of ratios.")
    ] = AverageOption.ratio,
    min_peers: Annotated[
        int, typer.Option(min=1, help="Fewest peers before falling back to a coarser industry.")
    ] = DEFAULT_MIN_PEERS,
    detail: Annotated[
        bool, typer.Option(help="Add the code text, district, totals and grade confidence.")
    ] = False,
    confidence_samples: Annotated[
        int, typer.Option(min=10, help="Bootstrap samples for the grade confidence (--detail).")
    ] = 200,
    seed: Annotated[int, typer.Option(help="Seed of the confidence bootstrap.")] = 0,
    encoding: Annotated[str | None, typer.Option(help="Force the input encoding.")] = None,
) -> None:
    """Grade every enterprise-year against its industry: level 低/中/高碳 and grade 1-5.

    Bad input: exit code 2 and a row-level report on stderr, no output written.
    """
    require_files(emissions_csv, economics_csv)
    with bad_input_exits():
        emissions, e_errors = read_emissions(emissions_csv, encoding)
        economics, k_errors = read_economics(economics_csv, encoding)
    if e_errors or k_errors:
        raise reject(e_errors + k_errors, nothing_written=True)

    result = grade(emissions, economics, average=industry_average.value, min_peers=min_peers)
    table = result.graded
    if detail:
        conf = grade_confidence(
            result, samples=confidence_samples, seed=seed, average=industry_average.value
        )
        table = table.join(conf, on=["entity_id", "year"], how="left")
    else:
        table = table.select(GRADE_COLUMNS)
    if out is None:
        sys.stdout.write(csv_text(table))
    else:
        write_csv(table, out)
        err.print(f"{table.height} graded enterprise-years → {out}", markup=False)
    if ungraded is not None:
        write_csv(result.ungraded, ungraded)
    for row in result.ungraded.head(200).iter_rows(named=True):
        err.print(
            f"not graded / 未评价: {row['entity_id']} {row['year']}: "
            f"{row['reason_zh']} / {row['reason_en']}",
            markup=False,
        )
    if result.ungraded.height:
        err.print(f"{result.ungraded.height} enterprise-years not graded / 未评价", markup=False)


def register(app: typer.Typer) -> None:
    app.command("grade")(grade_command)
