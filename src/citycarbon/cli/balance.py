"""``citycarbon balance``: the simplified energy balance (能源平衡表) of a year as Excel."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated

import typer

from citycarbon.cli.console import bad_input_exits, err, fail, reject, require_files
from citycarbon.core.balance import check_identity, energy_balance
from citycarbon.core.factors import DEFAULT_FACTOR_SET, load_factor_set
from citycarbon.io.balance_inputs import read_energy_whole, read_enterprises
from citycarbon.io.balance_xlsx import write_balance_xlsx
from citycarbon.io.files import write_atomically


def files_sha256(*paths: Path) -> str:
    """SHA-256 over the bytes of the input files, in order."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def balance_command(
    energy_csv: Annotated[
        Path, typer.Argument(help="entity_id,period,energy_code,quantity[,unit][,purpose]")
    ],
    enterprises: Annotated[
        Path, typer.Option(help="entity_id,industry_code[,district_code] (GB/T 4754, GB/T 2260).")
    ],
    year: Annotated[int, typer.Option(min=1000, max=2999, help="Statistics year.")],
    out: Annotated[Path, typer.Option(help="Output workbook.")] = Path("balance.xlsx"),
    factor_set: Annotated[
        str, typer.Option(help="Factor set whose tce coefficients are used.")
    ] = DEFAULT_FACTOR_SET,
    encoding: Annotated[str | None, typer.Option(help="Force the input encoding.")] = None,
) -> None:
    """Energy balance of YEAR for the city and each district: sheets 实物量 (physical units)
    and 标准量 (tce). Definitions: docs/energy-balance.md.

    Bad input: exit code 2 and a row-level report on stderr, no output written.
    """
    require_files(energy_csv, enterprises)
    with bad_input_exits():
        factors = load_factor_set(factor_set)
        records, r_errors = read_energy_whole(energy_csv, encoding)
        firms, f_errors = read_enterprises(enterprises, encoding)
    if r_errors or f_errors:
        raise reject(r_errors + f_errors, nothing_written=True)
    table = energy_balance(records, firms, factors, year)
    if table.is_empty():
        raise fail(f"{year}: 无该年能源记录 / no energy records in this year")
    open_rows = check_identity(table)
    if not open_rows.is_empty():
        raise fail(f"balance does not close for codes {open_rows['energy_code'].to_list()}")
    digest = files_sha256(energy_csv, enterprises)
    write_atomically(
        out,
        lambda tmp: write_balance_xlsx(
            table, tmp, year=year, factor_set=factors.label, input_sha256=digest
        ),
    )
    scopes = table.get_column("scope").n_unique()
    err.print(f"{table.height} rows in {scopes} scopes (city and districts) → {out}", markup=False)


def register(app: typer.Typer) -> None:
    app.command("balance")(balance_command)
