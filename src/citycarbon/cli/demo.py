"""``citycarbon demo``: generate the synthetic city, account it, print what a city sees."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.panel import Panel
from rich.table import Table

from citycarbon.cli.console import out, progress_bar
from citycarbon.core import summaries
from citycarbon.core.democity import CITY_NAME, SYNTHETIC_LABEL, energy_records, generate_city
from citycarbon.core.factors import DEFAULT_FACTOR_SET, load_factor_set
from citycarbon.io.emissions_job import run_emissions
from citycarbon.io.files import write_csv, write_text

DEMO_DIR = Path("var/demo")


def _table(title: str, frame: pl.DataFrame, formats: dict[str, str]) -> Table:
    table = Table(title=title, title_justify="left")
    for col in frame.columns:
        numeric = frame.schema[col].is_numeric()
        table.add_column(col, justify="right" if numeric else "left")
    for row in frame.iter_rows(named=True):
        table.add_row(
            *(
                format(v, formats.get(c, ",.0f" if isinstance(v, float) else ""))
                if v is not None
                else ""
                for c, v in row.items()
            )
        )
    return table


def demo(
    out_dir: Annotated[Path, typer.Option(help="Where the city's files are written.")] = DEMO_DIR,
    seed: Annotated[
        int, typer.Option(help="Random seed; the same seed gives the same city.")
    ] = 2024,
    enterprises: Annotated[int, typer.Option(min=50, help="Number of enterprises.")] = 4200,
    factor_set: Annotated[str, typer.Option(help="Factor set id.")] = DEFAULT_FACTOR_SET,
) -> None:
    """Generate the synthetic demo city, account its energy, and print city summaries."""
    console = out
    console.print(Panel(f"{CITY_NAME}\n{SYNTHETIC_LABEL}", style="bold yellow"))
    factors = load_factor_set(factor_set)
    with console.status("generating the city / 生成演示城市 …"):
        city = generate_city(factors, seed=seed, enterprises=enterprises)
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, frame in (
            ("enterprises", city.enterprises),
            ("economics", city.economics),
            ("energy", city.energy),
            ("districts", city.districts),
            ("industries", city.industries),
        ):
            write_csv(frame, out_dir / f"{name}.csv")
        write_text(
            f"{SYNTHETIC_LABEL}\n"
            f"seed={seed} enterprises={enterprises} factor_set={factors.label}\n",
            out_dir / "SYNTHETIC.txt",
        )
    console.print(
        f"{city.enterprises.height:,} enterprises in {city.industries.height} industries and "
        f"{city.districts.height} districts; {city.energy.height:,} 205-1 energy records → "
        f"{out_dir}/"
    )

    with progress_bar() as bar:
        task = bar.add_task("accounting / 核算", total=1)
        run = run_emissions(
            out_dir / "energy.csv",
            factors,
            "year",
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    if run.error_count:
        msg = f"demo data failed validation: {run.errors[:3]}"
        raise RuntimeError(msg)
    write_csv(run.emissions, out_dir / "emissions.csv")
    write_text(
        run.provenance_json(out_dir / "energy.csv") + "\n", out_dir / "emissions.csv.meta.json"
    )

    year = int(city.economics["year"].max())  # type: ignore[arg-type]
    em, econ = run.emissions, city.economics
    names_d = city.districts.select("district_code", pl.col("name_zh").alias("district"))
    names_i = city.industries.select("industry_code", pl.col("name_zh").alias("industry"))
    pct = {
        "share_of_city_co2": ".1%",
        "share_of_energy": ".1%",
        "intensity_tco2_per_10k_yuan": ".3f",
    }

    console.print(
        _table(
            f"City totals by year / 全市逐年合计 [{SYNTHETIC_LABEL}]",
            summaries.city_totals(em, econ),
            pct,
        )
    )
    for key, label, names in (
        ("district_code", "by district / 分区县", names_d),
        ("industry_code", "by industry (GB/T 4754) / 分行业", names_i),
    ):
        name = names.columns[1]
        totals = summaries.totals_by(em, econ, year, key).join(names, on=key)
        columns = [key, name, "enterprises", "energy_tce", "total_tco2"]
        columns += ["intensity_tco2_per_10k_yuan", "share_of_city_co2"]
        console.print(_table(f"{year} {label}", totals.select(columns), pct))
    mix = summaries.energy_mix_by_category(energy_records(city.energy), factors, year)
    console.print(_table(f"{year} energy mix / 能源结构", mix, pct))
    top = summaries.top_emitters(em, econ, city.enterprises, year)
    console.print(_table(f"{year} top emitters / 排放前十企业", top, pct))
    console.print(
        f"factor set {run.factor_set} (sha256 {run.factor_set_hash[:12]}…), "
        f"input sha256 {run.input_sha256[:12]}… — files in {out_dir}/. {SYNTHETIC_LABEL}"
    )
