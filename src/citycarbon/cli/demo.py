"""``citycarbon demo``: generate the synthetic city, account it, print what a city sees."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from citycarbon.cli.console import fail, out, progress_bar
from citycarbon.cli.serve import HostOption, PortOption, run_server
from citycarbon.core import grading, peer_lists, portrait, summaries
from citycarbon.core.buildings import grade_buildings
from citycarbon.core.democity import (
    CITY_NAME,
    SYNTHETIC_LABEL,
    DemoCity,
    DemoElectricity,
    electricity_readings,
    energy_records,
    generate_buildings,
    generate_city,
)
from citycarbon.core.factors import DEFAULT_FACTOR_SET, FactorSet, load_factor_set
from citycarbon.io.electricity_csv import canonical
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
    serve: Annotated[
        bool, typer.Option(help="Serve the platform afterwards (--no-serve: only prepare).")
    ] = True,
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
) -> None:
    """Generate the synthetic demo city, load it into the database, account and grade it,
    print city summaries and the demo log-ins, then serve the platform."""
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
        grid = electricity_readings(city, seed=seed)
        write_csv(canonical(grid.readings), out_dir / "electricity_readings.csv")
        write_csv(grid.accounts.drop("account_name"), out_dir / "electricity_accounts.csv")
        write_text(
            f"{SYNTHETIC_LABEL}\n"
            f"seed={seed} enterprises={enterprises} factor_set={factors.label}\n",
            out_dir / "SYNTHETIC.txt",
        )
    console.print(
        f"{city.enterprises.height:,} enterprises in {city.industries.height} industries and "
        f"{city.districts.height} districts; {city.energy.height:,} 205-1 energy records; "
        f"{grid.readings.height:,} grid electricity readings of {grid.accounts.height:,} "
        f"accounts → {out_dir}/"
    )

    with progress_bar() as bar:
        task = bar.add_task("accounting / 核算", total=1)
        run = run_emissions(
            out_dir / "energy.csv",
            factors,
            "year",
            detail=True,
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
    _grading(console, city, run.emissions, out_dir, year, names_d, names_i)
    building_rows = generate_buildings(seed=seed)
    buildings = grade_buildings(building_rows, factors)
    write_csv(buildings, out_dir / "buildings.csv")
    counts = (
        buildings.group_by("building_type")
        .agg(
            pl.len().alias("buildings"),
            pl.col("kgco2_per_m2").median().alias("median_kgco2_per_m2"),
            *[(pl.col("grade") == g).sum().alias(g) for g in "ABCDE"],
        )
        .sort("building_type")
    )
    console.print(
        _table(
            "public-building codes / 公共建筑碳效码 (A 优秀 … E 需减排改造; bounds: peer "
            "percentiles within type)",
            counts,
            {"median_kgco2_per_m2": ".1f"},
        )
    )
    _load_database(console, city, building_rows, factors, seed, grid, out_dir / "energy.csv")
    console.print(
        f"factor set {run.factor_set} (sha256 {run.factor_set_hash[:12]}…), "
        f"input sha256 {run.input_sha256[:12]}… — files in {out_dir}/. {SYNTHETIC_LABEL}"
    )
    if serve:
        run_server(host, port, workers=3)


def _load_database(
    console: Console,
    city: DemoCity,
    buildings: pl.DataFrame,
    factors: FactorSet,
    seed: int,
    grid: DemoElectricity,
    energy_csv: Path,
) -> None:
    """Load the city into the configured database (idempotent) and say what changed; the
    energy records come in as the ``energy_csv`` just written, as an upload of it would."""
    # Django is configured by bootstrap; the models can be imported only after that.
    from citycarbon.web import bootstrap  # noqa: PLC0415

    bootstrap.migrate()
    from citycarbon.web.demo import load_demo  # noqa: PLC0415
    from citycarbon.web.enterprises.actions import ImportRejectedError  # noqa: PLC0415

    try:
        with console.status("loading the database / 写入数据库 …"):
            load = load_demo(
                city,
                buildings,
                factors,
                source=f"citycarbon demo --seed {seed}",
                electricity=grid,
                energy_csv=energy_csv,
            )
    except ImportRejectedError as exc:
        raise fail(
            f"database {bootstrap.database_label()} holds a different demo city ({exc}). "
            "Delete that database file, or set DATABASE_URL to an empty database, and run "
            "again. / 数据库中已有另一个演示城市，请删除该数据库文件或改用空数据库后重试。"
        ) from exc
    steps = {
        "enterprises": load.enterprises_imported,
        "energy records": load.energy_imported,
        "accounting": load.accounted,
        "grading": load.graded,
        "publishing": load.published,
        "grid electricity readings": load.electricity_readings,
    }
    done = [k for k, v in steps.items() if v]
    console.print(
        f"database {bootstrap.database_label()}: "
        + (
            f"loaded and ran {', '.join(done)}; grading run #{load.grading_run.pk}"
            if done
            else f"already holds this city, nothing changed (grading run #{load.grading_run.pk})"
        ),
        markup=False,
    )
    from citycarbon.web.demo import ensure_demo_logins  # noqa: PLC0415

    logins = Table(title="Demo log-ins / 演示账号 (this installation only)", title_justify="left")
    for col in ("user", "password", "role", "sees"):
        logins.add_column(col)
    for login in ensure_demo_logins():
        logins.add_row(login.username, login.password, login.role, login.sees)
    console.print(logins)


def _grading(
    console: Console,
    city: DemoCity,
    emissions: pl.DataFrame,
    out_dir: Path,
    year: int,
    names_d: pl.DataFrame,
    names_i: pl.DataFrame,
) -> None:
    """Grade the city, write codes, portraits and lists, print distributions and lists."""
    result = grading.grade(emissions, city.economics)
    confidence = grading.grade_confidence(result)
    grades = result.graded.join(confidence, on=["entity_id", "year"], how="left")
    portraits = portrait.enterprise_portraits(grades, emissions)
    poor = peer_lists.poor_efficiency(portraits)
    poor = poor.with_columns(peer_lists.poor_efficiency_reasons())
    green = peer_lists.low_green(portraits).with_columns(peer_lists.low_green_reason())
    for name, frame in (
        ("grades", grades),
        ("ungraded", result.ungraded),
        ("portraits", portraits),
        ("list_poor_efficiency", poor),
        ("list_low_green", green),
    ):
        write_csv(frame, out_dir / f"{name}.csv")

    this_year = portraits.filter(pl.col("year") == year)
    for key, names, label in (
        ("district_code", names_d, "district / 分区县"),
        (
            "industry_code_used",
            names_i.rename({"industry_code": "industry_code_used"}),
            "industry / 分行业",
        ),
    ):
        dist = portraits_grade_counts(this_year, key).join(names, on=key, how="left")
        cols = [
            key,
            names.columns[1],
            "enterprises",
            *[f"grade_{g}" for g in range(1, 6)],
            "低碳",
            "中碳",
            "高碳",
            "may_flip",
        ]
        console.print(
            _table(
                f"{year} carbon-efficiency grades by {label} / 碳效等级分布", dist.select(cols), {}
            )
        )
    n_flip = int(this_year["grade_may_flip"].sum())
    console.print(
        f"{this_year.height:,} enterprises graded in {year}; {result.ungraded.height} not graded; "
        f"{n_flip} grades could flip (bootstrap confidence < 0.9)"
    )
    poor_y = poor.filter(pl.col("year") == year)
    console.print(
        _table(
            f"{year} 二维能效对标较差企业清单 poor energy efficiency — "
            f"{poor_y.height} enterprises, worst 10",
            poor_y.head(10).select(
                "entity_id", "industry_code_used", "grade", "measures", "worst_ratio_to_threshold"
            ),
            {"worst_ratio_to_threshold": ".2f"},
        )
    )
    green_y = green.filter(pl.col("year") == year)
    console.print(
        _table(
            f"{year} 三维绿能低使用率企业清单 low green-energy use — {green_y.height} enterprises, "
            "most switchable MWh first",
            green_y.head(10).select(
                "entity_id",
                "industry_code_used",
                "grade",
                "green_share",
                "electricity_heat_mwh",
                "switchable_mwh",
            ),
            {"green_share": ".1%", "electricity_heat_mwh": ",.0f", "switchable_mwh": ",.0f"},
        )
    )


def portraits_grade_counts(portraits: pl.DataFrame, key: str) -> pl.DataFrame:
    """Counts of grades, levels and possible flips per ``key``."""
    return (
        portraits.group_by(key)
        .agg(
            pl.len().alias("enterprises"),
            *[(pl.col("grade") == g).sum().alias(f"grade_{g}") for g in range(1, 6)],
            *[(pl.col("level") == lv).sum().alias(lv) for lv in ("低碳", "中碳", "高碳")],
            pl.col("grade_may_flip").sum().alias("may_flip"),
        )
        .sort(key)
    )
