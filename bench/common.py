"""Shared pieces of the benchmarks: synthetic province-scale records and measurement."""

from __future__ import annotations

import os
import platform
import resource
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from urllib.parse import urlparse

import numpy as np
import polars as pl

from citycarbon.core.schemas import ENERGY_RECORDS

CODES = ["01", "06", "09", "15", "21", "29", "32", "33"]
"""Eight 205-1 energy codes: every enterprise reports each of them every month."""


def province_records(enterprises: int, months: int = 12, seed: int = 1) -> pl.DataFrame:
    """``enterprises × months × 8`` records in the ``ENERGY_RECORDS`` schema."""
    rng = np.random.default_rng(seed)
    n = enterprises * months * len(CODES)
    ent = np.repeat(np.arange(enterprises), months * len(CODES))
    month = np.tile(np.repeat(np.arange(1, months + 1), len(CODES)), enterprises)
    code = np.tile(np.arange(len(CODES)), enterprises * months)
    purpose = np.where((code == 3) & (rng.random(n) < 0.1), 1, 0)  # some gas as feedstock
    frame = pl.DataFrame(
        {
            "entity_id": pl.Series(ent).cast(pl.String).str.zfill(7).str.replace("^", "P"),
            "period": pl.Series(month).cast(pl.String).str.zfill(2).str.replace("^", "2024-"),
            "energy_code": pl.Series(code).replace_strict(
                dict(enumerate(CODES)), return_dtype=pl.String
            ),
            "quantity": rng.gamma(2.0, 50.0, n),
            "purpose": pl.Series(purpose).replace_strict(
                {0: "fuel", 1: "feedstock"}, return_dtype=pl.String
            ),
        }
    )
    return frame.cast(dict(ENERGY_RECORDS))  # type: ignore[arg-type]


def best_of(runs: int, fn: Callable[[], object]) -> tuple[float, object]:
    """Fastest wall time of ``runs`` calls, and the last result."""
    best = float("inf")
    result: object = None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def peak_rss_mb(children: bool = False) -> float:
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return resource.getrusage(who).ru_maxrss / 1024


def machine() -> str:
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, polars {pl.__version__}"
    )


def today() -> str:
    return date.today().isoformat()


HOST = "127.0.0.1"
"""Benchmarks that serve the platform listen here only."""


def fresh_database(url: str) -> None:
    """Drop and create the PostgreSQL database that ``url`` names."""
    import psycopg  # noqa: PLC0415  (only the benchmarks that use PostgreSQL need it)

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(env: dict[str, str], workers: int) -> Iterator[int]:
    """``citycarbon serve`` on a free loopback port, answering ``/healthz`` (30 s at most to
    start), stopped on the way out; yields the port."""
    port = free_port()
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "citycarbon.cli", "serve"),
            *("--port", str(port), "--workers", str(workers)),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.3)
        yield port
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
