"""A province through the platform on PostgreSQL, end to end, against bare COPY + files.

A synthetic province (``core.democity``, every row labelled synthetic) of ``--enterprises``
enterprises (default 100,000) and one year of monthly energy records is written as the four
files a city brings: regions, enterprises, economics and energy CSV. Then, each on a fresh
PostgreSQL database (``--database-url``, dropped and made anew), in the same run:

- platform: ``citycarbon import city FOLDER`` (the four files in one command, each file
  its own import as ``import regions``, ``enterprises``, ``economics`` and ``energy`` make
  it) and ``citycarbon run grading --year YEAR --publish``, each in its own process, as
  the reference runs two commands, timed end to end (every row checked, mapped, written
  with its audit events; the
  run accounts every record with the detail columns, grades with the bootstrap confidence,
  stores emissions and codes, and publishes them);
- reference: the same four files loaded with a bare ``COPY … FROM STDIN`` into plain
  tables of text and number columns (no checks, no keys, no indexes), plus, on the files,
  ``citycarbon emissions ENERGY --detail --out EMISSIONS`` and ``citycarbon grade EMISSIONS
  ECONOMICS --detail --out GRADES`` (the same accounting with its detail columns and the
  same grading with its bootstrap confidence, with nothing stored in a database).

Target: platform ≤ 3 × reference. The count of graded enterprise-years of both must agree.

    .venv/bin/python -m bench.bench_province_pipeline [--enterprises 100000] [--year 2024]

Files go to ``bench/_work/province`` (``--work``; made once per size and kept). Before the
clock starts, each fresh database gets the platform's schema (``bootstrap.migrate()``), as
the reference's plain tables are made before its clock starts; the commands run with
compiled bytecode (``command_env``).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import psycopg

from bench.common import drop_database, fresh_database, machine, today
from citycarbon.core.democity import generate_city
from citycarbon.core.factors import load_factor_set

WORK = Path("bench/_work/province")
TARGET = 3.0

PLAIN_TABLES = {
    "regions": "district_code text, name text, name_en text, parent_code text",
    "enterprises": (
        "entity_id text, uscc text, name text, district_code text, industry_code text, "
        "key_energy_user text"
    ),
    "economics": (
        "entity_id text, year int, industry_code text, value_added_10k_yuan float8, "
        "district_code text"
    ),
    "energy": (
        "entity_id text, period text, energy_code text, quantity float8, unit text, purpose text"
    ),
}
"""The reference's plain tables, one per file, in the files' column order."""


@dataclass(frozen=True)
class Files:
    regions: Path
    enterprises: Path
    economics: Path
    energy: Path

    def each(self) -> dict[str, Path]:
        return {k: getattr(self, k) for k in PLAIN_TABLES}


def make_files(work: Path, enterprises: int, year: int, seed: int = 2024) -> Files:
    """The province's four files (synthetic), made once per size and year under ``work``."""
    folder = work / f"{enterprises}-{year}"
    files = Files(*(folder / f"{k}.csv" for k in PLAIN_TABLES))
    if files.energy.exists():
        return files
    folder.mkdir(parents=True, exist_ok=True)
    city = generate_city(load_factor_set(), seed=seed, enterprises=enterprises, years=(year,))
    city.districts.select(
        "district_code",
        pl.col("name_zh").alias("name"),
        "name_en",
        pl.lit("339900").alias("parent_code"),
    ).write_csv(files.regions)
    city.enterprises.select(
        "entity_id", "uscc", "name", "district_code", "industry_code", "key_energy_user"
    ).write_csv(files.enterprises)
    city.economics.write_csv(files.economics)
    part = files.energy.with_suffix(".part")
    city.energy.write_csv(part)
    part.rename(files.energy)
    return files


def run_command(env: dict[str, str], *args: str) -> tuple[float, str]:
    """Wall seconds of ``citycarbon ARGS`` in its own process, and its standard output."""
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "citycarbon.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - t0
    if done.returncode:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        raise SystemExit(f"citycarbon {' '.join(args)}: exit {done.returncode}")
    return seconds, done.stdout


def command_env(url: str, work: Path) -> dict[str, str]:
    """The environment of the timed commands: the benchmark's database, and Python's compiled
    bytecode kept (under ``WORK/pycache``) as an installed package has it, so that neither
    side pays for compiling the sources at every start."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    pycache = str((work / "pycache").resolve())
    return {**env, "DATABASE_URL": url, "PYTHONPYCACHEPREFIX": pycache}


def schema(env: dict[str, str]) -> None:
    """The platform's tables in the fresh database before the clock starts (like the
    reference's plain tables); this also compiles the bytecode of both sides."""
    subprocess.run(
        [sys.executable, "-c", "from citycarbon.web import bootstrap; bootstrap.migrate()"],
        env=env,
        check=True,
    )


def platform(env: dict[str, str], files: Files, year: int) -> tuple[dict[str, float], int]:
    """Seconds of each step of the platform's pipeline, and the codes graded."""
    steps: dict[str, float] = {}
    steps["import city (the four files)"], _ = run_command(
        env, "import", "city", str(files.energy.parent)
    )
    steps["run grading --publish"], output = run_command(
        env, "run", "grading", "--year", str(year), "--publish"
    )
    graded = re.search(r"grading run #\d+ \(job #\d+\): (\d+) graded", output)
    if graded is None or "published" not in output:
        raise SystemExit(f"run grading did not report a published run:\n{output}")
    return steps, int(graded.group(1))


def bare_copy(url: str, files: Files) -> float:
    """Seconds to COPY the four files into plain tables (made before the clock starts)."""
    with psycopg.connect(url) as conn:
        for name, columns in PLAIN_TABLES.items():
            conn.execute(f"CREATE TABLE plain_{name} ({columns})")
        conn.commit()
        t0 = time.perf_counter()
        for name, path in files.each().items():
            with (
                conn.cursor() as cur,
                cur.copy(f"COPY plain_{name} FROM STDIN (FORMAT csv, HEADER true)") as copy,
                path.open("rb") as f,
            ):
                while block := f.read(8 * 1024 * 1024):
                    copy.write(block)
        conn.commit()
        return time.perf_counter() - t0


def reference(
    url: str, env: dict[str, str], files: Files, out: Path
) -> tuple[dict[str, float], int]:
    """Seconds of each step of the reference, and the enterprise-years graded."""
    steps = {"bare COPY of the four files": bare_copy(url, files)}
    emissions, grades = out / "emissions.csv", out / "grades.csv"
    steps["citycarbon emissions --detail"], _ = run_command(
        env, "emissions", str(files.energy), "--detail", "--out", str(emissions)
    )
    steps["citycarbon grade --detail"], _ = run_command(
        env,
        "grade",
        str(emissions),
        str(files.economics),
        "--detail",
        "--out",
        str(grades),
        "--ungraded",
        str(out / "ungraded.csv"),
    )
    return steps, pl.scan_csv(grades).select(pl.len()).collect().item()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/citycarbon_bench_province"
    )
    parser.add_argument("--work", type=Path, default=WORK, help="Folder of the files.")
    args = parser.parse_args()

    t0 = time.perf_counter()
    files = make_files(args.work, args.enterprises, args.year)
    made = time.perf_counter() - t0
    rows = {
        k: pl.scan_csv(p, infer_schema=False).select(pl.len()).collect().item()
        for k, p in files.each().items()
    }
    size_mb = sum(p.stat().st_size for p in files.each().values()) / 1e6
    print(f"date: {today()}  machine: {machine()}")
    print(
        f"synthetic province: {args.enterprises:,} enterprises, year {args.year}; files "
        + ", ".join(f"{k} {n:,} rows" for k, n in rows.items())
        + f"; {size_mb:,.0f} MB (made or found in {made:.1f} s, not timed)"
    )

    env = command_env(args.database_url, args.work)

    fresh_database(args.database_url)
    schema(env)  # compiles the bytecode of the commands; the reference's tables are its own
    ref_steps, ref_graded = reference(args.database_url, env, files, files.energy.parent)
    fresh_database(args.database_url)
    schema(env)
    platform_steps, graded = platform(env, files, args.year)
    drop_database(args.database_url)

    ref_s, platform_s = sum(ref_steps.values()), sum(platform_steps.values())
    print(f"reference: {ref_s:.1f} s (" + _parts(ref_steps) + ")")
    print(f"platform:  {platform_s:.1f} s (" + _parts(platform_steps) + ")")
    print(f"graded enterprise-years: platform {graded:,}, reference {ref_graded:,}")
    if graded != ref_graded:
        raise SystemExit("the platform and the reference graded different enterprise-years")
    ratio = platform_s / ref_s
    verdict = "PASS" if ratio <= TARGET else "FAIL"
    print(f"ratio platform/reference: {ratio:.2f} (target <= {TARGET:.2f}) {verdict}")


def _parts(steps: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.1f} s" for k, v in steps.items())


if __name__ == "__main__":
    main()
