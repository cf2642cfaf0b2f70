"""Shared pieces of the benchmarks: synthetic province-scale records and measurement."""

from __future__ import annotations

import os
import platform
import re
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
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode, urlparse

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

    drop_database(url)
    with psycopg.connect(_admin_url(url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{_database_name(url)}"')


def drop_database(url: str) -> None:
    """Drop the PostgreSQL database that ``url`` names, if it is there."""
    import psycopg  # noqa: PLC0415

    with psycopg.connect(_admin_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{_database_name(url)}"')


def _database_name(url: str) -> str:
    return urlparse(url).path.lstrip("/")


def _admin_url(url: str) -> str:
    return urlparse(url)._replace(path="/postgres").geturl()


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@contextmanager
def server_process(
    env: dict[str, str], workers: int, log: Path | None = None
) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """``citycarbon serve`` on a free loopback port, answering ``/healthz`` (30 s at most to
    start), stopped by its process id on the way out; yields the port and the process. Its
    output (and that of gunicorn and the background worker) goes to ``log`` when given."""
    port = free_port()
    with log.open("wb") if log else open(os.devnull, "wb") as out:
        server = subprocess.Popen(
            [
                *(sys.executable, "-m", "citycarbon.cli", "serve"),
                *("--port", str(port), "--workers", str(workers)),
            ],
            env=env,
            stdout=out,
            stderr=out,
        )
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=1).read()
                    break
                except OSError:
                    time.sleep(0.3)
            yield port, server
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


@contextmanager
def serving(env: dict[str, str], workers: int) -> Iterator[int]:
    """``server_process`` without its output; yields the port."""
    with server_process(env, workers) as (port, _server):
        yield port


def sign_in(port: int, username: str, password: str) -> urllib.request.OpenerDirector:
    """An opener that keeps the cookies of ``username``, signed in through the login page."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    base = f"http://{HOST}:{port}"
    page = opener.open(f"{base}/login/", timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    body = urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token.group(1)}
    ).encode()
    with opener.open(urllib.request.Request(f"{base}/login/", data=body), timeout=10) as r:
        r.read()
        assert "/login/" not in r.url, f"{username} was not signed in"
    return opener
