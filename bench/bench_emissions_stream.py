"""``citycarbon emissions`` on a large CSV: it must stream (peak memory < 2 GB for 1 GB).

Writes a canonical energy CSV of about ``--size-mb`` megabytes, then runs, each in its own
process so that peak memory is measured separately:

1. the command ``citycarbon emissions FILE --out OUT`` (validation, accounting, output);
2. a reference: a bare Polars streaming query over the same file that parses it and sums
   the same products per entity-year, with no validation.

Prints both times, their ratio and the command's peak RSS.

    .venv/bin/python -m bench.bench_emissions_stream [--size-mb 1024] [--keep]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from bench.common import machine, province_records, today

REFERENCE = """
import sys, polars as pl
from citycarbon.core.factors import load_factor_set
f = load_factor_set().energy.select(
    "energy_code", "tce_per_unit", "scope1_tco2_per_unit", "scope2_tco2_per_unit"
)
fuel = (pl.col("purpose") == "fuel").cast(pl.Float64)
out = (
    pl.scan_csv(sys.argv[1], schema_overrides={"energy_code": pl.String})
    .join(f.lazy(), on="energy_code", how="left")
    .group_by("entity_id", pl.col("period").str.slice(0, 4))
    .agg(
        (pl.col("quantity") * pl.col("tce_per_unit")).sum(),
        (pl.col("quantity") * pl.col("scope1_tco2_per_unit") * fuel).sum().alias("s1"),
        (pl.col("quantity") * pl.col("scope2_tco2_per_unit") * fuel).sum().alias("s2"),
    )
    .collect(engine="streaming")
)
print(out.height)
"""


def write_csv(path: Path, size_mb: int) -> int:
    """Append blocks of 25,000 enterprises × 12 months × 8 codes until the file is big enough."""
    rows = 0
    block = 0
    with path.open("wb") as f:
        while f.tell() < size_mb * 1024 * 1024:
            block += 1
            frame = province_records(25_000, seed=block).with_columns(
                (pl.col("entity_id") + f"-{block}").alias("entity_id")
            )
            frame.write_csv(f, include_header=rows == 0, float_precision=4)
            rows += frame.height
    return rows


_WRAPPER = (
    "import resource, subprocess, sys; "
    "done = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
    "sys.stdout.write(done.stdout); sys.stderr.write(done.stderr); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
    "sys.exit(done.returncode)"
)


def measure(cmd: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB, and stdout of ``cmd`` run alone under a small wrapper."""
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *cmd], capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-2000:])
        raise SystemExit(f"{cmd[0]} failed with exit code {done.returncode}")
    *lines, peak_kb = done.stdout.rstrip("\n").split("\n")
    return seconds, int(peak_kb) / 1024, "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="citycarbon-bench-"))
    try:
        src = work / "energy.csv"
        t0 = time.perf_counter()
        rows = write_csv(src, args.size_mb)
        size = src.stat().st_size / 1024 / 1024
        print(f"date: {today()}  machine: {machine()}")
        print(f"input: {rows:,} rows, {size:,.0f} MB, written in {time.perf_counter() - t0:.1f} s")
        exe = str(Path(sys.executable).with_name("citycarbon"))
        ref_s, ref_peak, ref_out = measure([sys.executable, "-c", REFERENCE, str(src)])
        cmd_s, cmd_peak, _ = measure([exe, "emissions", str(src), "--out", str(work / "o.csv")])
        print(f"citycarbon emissions: {cmd_s:.1f} s, peak RSS {cmd_peak:,.0f} MB (target < 2048)")
        print(
            f"bare Polars streaming query: {ref_s:.1f} s, peak RSS {ref_peak:,.0f} MB "
            f"({ref_out.strip()} entity-years)"
        )
        print(
            f"ratio command/bare: {cmd_s / ref_s:.2f} (validation and exact duplicate checks "
            "are the difference)"
        )
    finally:
        if args.keep:
            print(f"files kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
