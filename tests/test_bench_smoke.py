"""The two benchmarks of grading at province scale run at a tiny size and print their ratio
line (no timing is asserted: the figures are for ``docs/performance.md``)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

RATIO = re.compile(r"^ratio [a-z/]+: \d+\.\d\d \(target <= \d\.\d\d\) (PASS|FAIL)$", re.M)


def _bench(*args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=600,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_grading_benchmark_agrees_with_its_bare_query_and_prints_a_ratio() -> None:
    out = _bench("bench.bench_grading", "--enterprises", "200", "--runs", "1")
    assert re.search(r"^agreed: [\d,]+ enterprise-years", out, re.M), out
    assert RATIO.search(out), out


def test_budget_monitoring_benchmark_agrees_with_its_bare_query_and_prints_a_ratio() -> None:
    out = _bench("bench.bench_budget_monitoring", "--enterprises", "200", "--runs", "1")
    assert re.search(r"^agreed: [\d,]+ line-months", out, re.M), out
    assert RATIO.search(out), out


def _bench_database() -> str | None:
    """``CITYCARBON_BENCH_DATABASE_URL``, else a database beside the PostgreSQL test one."""
    if url := os.environ.get("CITYCARBON_BENCH_DATABASE_URL"):
        return url
    test_url = os.environ.get("CITYCARBON_TEST_DATABASE_URL")
    if not test_url or not test_url.startswith("postgres"):
        return None
    parsed = urlparse(test_url)
    return parsed._replace(path=f"{parsed.path}_bench_smoke").geturl()


def test_province_pipeline_benchmark_runs_end_to_end_and_prints_a_ratio(tmp_path: Path) -> None:
    url = _bench_database()
    if url is None:
        pytest.skip("the province benchmark needs PostgreSQL (CITYCARBON_TEST_DATABASE_URL)")
    # the benchmark's commands read their own database, not the test run's settings
    dropped = ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "CITYCARBON_TEST_DATABASE_URL")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    out = _bench(
        "bench.bench_province_pipeline",
        *("--enterprises", "200", "--work", str(tmp_path), "--database-url", url),
        env=env,
    )
    graded = re.search(
        r"^graded enterprise-years: platform ([\d,]+), reference ([\d,]+)$", out, re.M
    )
    assert graded is not None, out
    assert graded.group(1) == graded.group(2) != "0", out
    assert RATIO.search(out), out
