"""``citycarbon assess``: carbon assessment (碳评) of one construction project from a JSON file."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from citycarbon.cli.console import bad_input_exits, err, reject, require_files
from citycarbon.core.assessment import assess
from citycarbon.core.factors import DEFAULT_FACTOR_SET, load_factor_set
from citycarbon.data import assessment as assessment_data
from citycarbon.io.files import write_text
from citycarbon.io.project_json import read_benchmarks, read_project


def assess_command(
    project_json: Annotated[
        Path,
        typer.Argument(
            help="Project: project_id, name, project_type, district_code, industry_code, "
            "value_added_10k_yuan, gross_output_10k_yuan, energy[, process_emissions_tco2]"
            "[, technologies]."
        ),
    ],
    factor_set: Annotated[str, typer.Option(help="Factor set id.")] = DEFAULT_FACTOR_SET,
    benchmarks: Annotated[
        Path | None, typer.Option(help="Output of `citycarbon grade` (industry averages).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Result JSON (default: standard output).")
    ] = None,
) -> None:
    """Energy, CO2, intensities, replacement and verdict of a project (docs/assessment.md).

    Bad input: exit code 2 and a report naming each key on stderr, no output written.
    """
    require_files(project_json, *([benchmarks] if benchmarks is not None else []))
    with bad_input_exits():
        factors = load_factor_set(factor_set)
        coal_equivalent = load_factor_set(factor_set, electricity_method="coal_equivalent")
        project, p_errors = read_project(project_json)
        grades, b_errors = (None, []) if benchmarks is None else read_benchmarks(benchmarks)
    if p_errors or b_errors:
        raise reject(p_errors + b_errors, nothing_written=True)
    assert project is not None
    result = assess(
        project,
        factors,
        coal_equivalent,
        assessment_data.replacement_ratios(),
        assessment_data.thresholds(),
        benchmarks=grades,
    )
    text = json.dumps(result, ensure_ascii=False, indent=2) + "\n"
    if out is None:
        sys.stdout.write(text)
    else:
        write_text(text, out)
        err.print(f"{project.project_id}: {result['verdict']} → {out}", markup=False)


def register(app: typer.Typer) -> None:
    app.command("assess")(assess_command)
