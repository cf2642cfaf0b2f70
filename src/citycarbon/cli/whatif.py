"""``citycarbon whatif``: an enterprise's code after changes, industry average held fixed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.table import Table

from citycarbon.cli.console import bad_input_exits, fail, out, reject, require_files
from citycarbon.cli.grading import AverageOption
from citycarbon.core.factors import DEFAULT_FACTOR_SET, load_factor_set
from citycarbon.core.grading import DEFAULT_MIN_PEERS, grade
from citycarbon.core.whatif import Changes, what_if
from citycarbon.io.emissions_job import read_entity_records, run_emissions
from citycarbon.io.grading_inputs import read_economics


def whatif_command(
    energy_csv: Annotated[Path, typer.Argument(help="Energy records of the city (all peers).")],
    economics_csv: Annotated[Path, typer.Argument(help="Economics of the city.")],
    entity: Annotated[str, typer.Option(help="The enterprise's entity_id.")],
    year: Annotated[
        int | None, typer.Option(help="Year (default: its latest graded year).")
    ] = None,
    coal_to_electricity_tce: Annotated[
        float, typer.Option(help="Replace this many tce of coal by electricity.")
    ] = 0.0,
    coal_to_gas_tce: Annotated[
        float, typer.Option(help="Replace this many tce of coal by natural gas.")
    ] = 0.0,
    green_mwh: Annotated[
        float, typer.Option(help="Buy this many MWh of green electricity instead of grid power.")
    ] = 0.0,
    cut_energy_pct: Annotated[float, typer.Option(help="Cut all energy use by this %.")] = 0.0,
    raise_value_added_pct: Annotated[
        float, typer.Option(help="Raise value added by this %.")
    ] = 0.0,
    substitution_efficiency: Annotated[
        float, typer.Option(help="tce of coal replaced per tce of the new carrier.")
    ] = 1.0,
    factor_set: Annotated[str, typer.Option(help="Factor set id.")] = DEFAULT_FACTOR_SET,
    industry_average: Annotated[AverageOption, typer.Option()] = AverageOption.ratio,
    min_peers: Annotated[int, typer.Option(min=1)] = DEFAULT_MIN_PEERS,
) -> None:
    """What L, K, level and grade would an enterprise get after the given changes?"""
    changes = Changes(
        coal_to_electricity_tce=coal_to_electricity_tce,
        coal_to_gas_tce=coal_to_gas_tce,
        green_electricity_mwh=green_mwh,
        energy_cut_pct=cut_energy_pct,
        value_added_increase_pct=raise_value_added_pct,
        substitution_efficiency=substitution_efficiency,
    )
    if changes.problems():
        raise fail("; ".join(changes.problems()))
    require_files(energy_csv, economics_csv)
    with bad_input_exits():
        factors = load_factor_set(factor_set)
        run = run_emissions(energy_csv, factors, "year")
        economics, econ_errors = read_economics(economics_csv)
    if run.error_count or econ_errors:
        raise reject(run.errors + econ_errors, run.error_count + len(econ_errors))
    graded = grade(
        run.emissions, economics, average=industry_average.value, min_peers=min_peers
    ).graded.filter(pl.col("entity_id") == entity)
    if year is not None:
        graded = graded.filter(pl.col("year") == year)
    if graded.is_empty():
        raise fail(f"{entity}: 该企业（年份）未评价 / not graded for that year")
    row = graded.sort("year").row(-1, named=True)
    records = read_entity_records(energy_csv, entity, row["year"])
    result = what_if(
        records, row["value_added_10k_yuan"], row["industry_avg_intensity"], changes, factors
    )
    table = Table(title=f"{entity} {row['year']} what-if / 情景模拟 (industry average fixed)")
    for col in result.columns:
        table.add_column(col, justify="left" if col in ("scenario", "level") else "right")
    for r in result.iter_rows():
        table.add_row(*(_fmt(v) for v in r))
    out.print(table)
    before, after = result.row(0, named=True), result.row(1, named=True)
    out.print(
        f"{before['level']}{before['grade']}级 → {after['level']}{after['grade']}级 "
        f"(L {before['intensity_tco2_per_10k_yuan']:.3f} → "
        f"{after['intensity_tco2_per_10k_yuan']:.3f} tCO2/万元)"
    )


def _fmt(v: object) -> str:
    if isinstance(v, float):
        return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3f}"
    return str(v)


def register(app: typer.Typer) -> None:
    app.command("whatif")(whatif_command)
