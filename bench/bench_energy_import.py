"""Bulk import of canonical energy rows: ``citycarbon import energy`` against a bare COPY.

Makes a canonical energy CSV of ``--rows`` rows (default 10 million: enterprises × 12 months ×
8 codes), a fresh PostgreSQL database with the platform's schema and the enterprises, and a
fresh SQLite file likewise. Then, in the same run:

- reference: a bare ``COPY`` of the same file into an unindexed table of text and float
  columns on the same PostgreSQL server (no checks, no key, no mapping);
- ``citycarbon import energy FILE`` into PostgreSQL (every row checked, mapped to its
  enterprise, written with COPY under the unique key), in a child process whose peak memory
  is read from the kernel;
- the same into SQLite.

Targets: PostgreSQL ≥ 200,000 rows/s, SQLite ≥ 50,000 rows/s, memory < 2 GB for a 1 GB file.

    .venv/bin/python -m bench.bench_energy_import [--rows 10000000] [--skip-sqlite]

Needs the local PostgreSQL service (``--database-url``, default the ``citycarbon_bench_import``
database on 127.0.0.1, dropped and made anew). Files go to ``bench/_work/import``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import psycopg

from bench.common import CODES, fresh_database, machine, province_records, today

WORK = Path("bench/_work/import")


def make_file(rows: int) -> tuple[Path, int]:
    enterprises = max(1, rows // (12 * len(CODES)))
    path = WORK / f"energy-{enterprises}.csv"
    if not path.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        records = province_records(enterprises)
        records.with_columns(pl.col("quantity").round(4)).write_csv(path)
    return path, enterprises


def prepare(env: dict[str, str], enterprises: int) -> None:
    """The schema and ``enterprises`` enterprises P0000000… in the database of ``env``."""
    code = f"""
from citycarbon.web import bootstrap
bootstrap.migrate()
import polars as pl
from django.db import transaction
from citycarbon import data
from citycarbon.web.audit.actions import Actor
from citycarbon.web.bulk import insert_frame
from citycarbon.web.enterprises.models import Enterprise
from citycarbon.web.regions.actions import do_sync_regions
from citycarbon.web.regions.models import District, Industry
with transaction.atomic():
    names = data.industries().select(pl.col("code").alias("industry_code"), "name_zh", "name_en")
    industries = data.read_table("demo_industries").join(names, on="industry_code", how="left")
    do_sync_regions(data.read_table("demo_districts"), industries, actor=Actor.system("bench"))
    district = District.objects.order_by("code").first().pk
    industry = Industry.objects.order_by("code").first().pk
    n = {enterprises}
    insert_frame(Enterprise, pl.DataFrame({{
        "entity_id": [f"P{{i:07d}}" for i in range(n)],
        "name": [f"bench {{i}}" for i in range(n)],
        "district_id": district, "industry_id": industry, "address": "",
        "key_energy_user": False, "synthetic": True}}))
"""
    subprocess.run([sys.executable, "-c", code], env=env, check=True)


def bare_copy(url: str, path: Path) -> float:
    with psycopg.connect(url) as conn:
        conn.execute(
            "CREATE UNLOGGED TABLE IF NOT EXISTS bare (entity_id text, period text, "
            "energy_code text, quantity float8, purpose text)"
        )
        conn.execute("TRUNCATE bare")
        conn.commit()
        t0 = time.perf_counter()
        with (
            conn.cursor() as cur,
            cur.copy("COPY bare FROM STDIN (FORMAT csv, HEADER true)") as copy,
            path.open("rb") as f,
        ):
            while block := f.read(8 * 1024 * 1024):
                copy.write(block)
        conn.commit()
        seconds = time.perf_counter() - t0
        conn.execute("DROP TABLE bare")
        conn.commit()
    return seconds


_MEASURED = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], check=False)\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(done.returncode)\n"
)


def timed_import(env: dict[str, str], path: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of ``citycarbon import energy`` in a child process
    (its peak read by a parent of its own, so that each run is measured alone)."""
    t0 = time.perf_counter()
    command = [sys.executable, "-m", "citycarbon.cli", "import", "energy", str(path)]
    done = subprocess.run(
        [sys.executable, "-c", _MEASURED, *command],
        check=False,
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - t0
    if done.returncode:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(done.returncode)
    peak_kb = int(done.stderr.strip().splitlines()[-1])
    return seconds, peak_kb / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/citycarbon_bench_import"
    )
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()

    path, enterprises = make_file(args.rows)
    rows = enterprises * 12 * len(CODES)
    size_mb = path.stat().st_size / 1e6
    print(f"{today()} · {machine()}")
    print(f"file: {rows:,} rows, {size_mb:,.0f} MB, {enterprises:,} enterprises")

    base = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    fresh_database(args.database_url)
    pg_env = {**base, "DATABASE_URL": args.database_url}
    prepare(pg_env, enterprises)
    bare = bare_copy(args.database_url, path)
    print(f"reference bare COPY (PostgreSQL): {bare:.1f} s, {rows / bare:,.0f} rows/s")
    pg_s, pg_mb = timed_import(pg_env, path)
    print(
        f"import into PostgreSQL: {pg_s:.1f} s, {rows / pg_s:,.0f} rows/s, "
        f"peak RSS {pg_mb:,.0f} MB; ratio to bare COPY {pg_s / bare:.2f}"
    )
    if not args.skip_sqlite:
        db = WORK / "bench.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        lite_env = {**base, "DATABASE_URL": f"sqlite:///{db.resolve()}"}
        prepare(lite_env, enterprises)
        lite_s, lite_mb = timed_import(lite_env, path)
        print(
            f"import into SQLite: {lite_s:.1f} s, {rows / lite_s:,.0f} rows/s, "
            f"peak RSS {lite_mb:,.0f} MB; ratio to bare COPY {lite_s / bare:.2f}"
        )


if __name__ == "__main__":
    main()
