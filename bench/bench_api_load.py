"""The platform under load: code look-ups by USCC through the API, and the dashboard.

The demo city (4,200 enterprises) is loaded into a fresh PostgreSQL database, the platform
is served by gunicorn (``citycarbon serve``) on loopback, and a bounded asyncio client keeps
``--clients`` keep-alive connections busy for ``--seconds`` (or ``--max-requests``), each
asking ``GET /api/v1/codes/uscc/{USCC}`` for random enterprises with an API key.

Reference, measured in the same run with the same client: ``GET /healthz``, a Django view that
touches no database. The figure is the look-up's throughput as a ratio of the reference's.
Each measurement runs twice: flat out (every client asks again as soon as it is answered:
the most the server gives, with the queueing that brings) and paced (the 50 clients
together send ``--rates`` requests per second on a schedule, latency counted from the
scheduled moment). Targets: 300 look-ups per second sustained by 50 clients with p95 < 100 ms
(the paced run at 300/s); dashboard server time (its ``Server-Timing`` header) < 300 ms.

    .venv/bin/python -m bench.bench_api_load [--clients 50] [--seconds 20] [--workers 3]

Needs the local PostgreSQL service (``--database-url``, default the ``citycarbon_bench``
database on 127.0.0.1, dropped and made anew). Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from bench.common import HOST, fresh_database, machine, serving, sign_in, today

WORK = Path("bench/_work/load")


def citycarbon(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "citycarbon.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@dataclass
class Load:
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _client(
    port: int,
    paths: list[str],
    headers: str,
    deadline: float,
    budget: list[int],
    out: list[float],
    errors: list[int],
    interval: float | None,
) -> None:
    reader, writer = await asyncio.open_connection(HOST, port)
    # Paced clients send on a schedule and time each request from its scheduled moment, so
    # a slow answer also counts against the requests queued behind it.
    scheduled = time.perf_counter() + (random.random() * interval if interval else 0)
    try:
        while time.perf_counter() < deadline and budget[0] > 0:
            budget[0] -= 1
            path = random.choice(paths)
            request = f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\n{headers}\r\n"
            if interval:
                await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
                start = scheduled
                scheduled += interval
            else:
                start = time.perf_counter()
            writer.write(request.encode())
            status_line = await reader.readline()
            length = 0
            close = False
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
                elif name.lower() == "connection" and "close" in value.lower():
                    close = True
            await reader.readexactly(length)
            out.append((time.perf_counter() - start) * 1000)
            if b" 200 " not in status_line:
                errors[0] += 1
            if close:
                writer.close()
                reader, writer = await asyncio.open_connection(HOST, port)
    finally:
        writer.close()


def load(
    port: int,
    paths: list[str],
    headers: str,
    clients: int,
    seconds: float,
    max_requests: int,
    rate: float | None = None,
) -> Load:
    """Closed loop (each client asks again as soon as answered) or, with ``rate``, the
    clients together paced at ``rate`` requests per second."""
    interval = clients / rate if rate else None

    async def main() -> Load:
        latencies: list[float] = []
        errors = [0]
        budget = [max_requests]
        start = time.perf_counter()
        deadline = start + seconds
        await asyncio.gather(
            *(
                _client(port, paths, headers, deadline, budget, latencies, errors, interval)
                for _ in range(clients)
            )
        )
        return Load(len(latencies), errors[0], time.perf_counter() - start, latencies)

    return asyncio.run(main())


def dashboard_times(port: int, username: str, password: str, runs: int) -> list[float]:
    """Server time (ms, from Server-Timing) of the regulator dashboard, signed in."""
    opener = sign_in(port, username, password)
    base = f"http://{HOST}:{port}"
    times = []
    for i in range(runs + 1):
        with opener.open(f"{base}/dashboard/", timeout=30) as r:
            assert r.status == 200 and "/dashboard/" in r.url, r.url
            r.read()
            dur = float(r.headers["Server-Timing"].split("dur=")[1])
        if i:  # the first one builds the worker's frames of the published run
            times.append(dur)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--max-requests", type=int, default=200_000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument(
        "--rates", type=float, nargs="*", default=[300.0, 600.0], help="paced runs, req/s"
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "CITYCARBON_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/citycarbon_bench"
        ),
    )
    args = parser.parse_args()

    WORK.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CITYCARBON_"))}
    env |= {"DATABASE_URL": args.database_url, "CITYCARBON_VAR": str(WORK / "var")}
    # one key sends hundreds of calls a second: lift its rate so the run measures the
    # platform, not the limiter
    env |= {"CITYCARBON_API_RATE": "off"}
    print("loading the demo city into PostgreSQL …", flush=True)
    fresh_database(args.database_url)
    start = time.perf_counter()
    demo = citycarbon(env, "demo", "--no-serve", "--out-dir", str(WORK / "demo"))
    print(f"  loaded in {time.perf_counter() - start:.1f} s", flush=True)
    regulator = re.search(r"│ regulator\s+│ (\S+)", demo)
    assert regulator is not None
    key = citycarbon(env, "apikey", "create", "--role", "regulator", "--label", "bench").strip()

    sys.path.insert(0, "src")
    usccs = [
        row[0]
        for row in psycopg.connect(args.database_url)
        .execute("SELECT uscc FROM enterprises_enterprise WHERE uscc IS NOT NULL")
        .fetchall()
    ]
    with serving(env, args.workers) as port:
        headers = f"X-API-Key: {key}\r\n"
        lookups = [f"/api/v1/codes/uscc/{u}" for u in usccs]
        load(port, lookups[:200], headers, args.clients, 3.0, 5_000)  # warm-up
        ref = load(port, ["/healthz"], headers, args.clients, args.seconds, args.max_requests)
        api = load(port, lookups, headers, args.clients, args.seconds, args.max_requests)
        paced = {
            rate: load(port, lookups, headers, args.clients, args.seconds, args.max_requests, rate)
            for rate in args.rates
        }
        dash = dashboard_times(port, "regulator", regulator.group(1), 20)

    print(f"\n{today()} · {machine()} · gunicorn gthread, {args.workers} workers × 4 threads")
    print(f"clients {args.clients}, {args.seconds:g} s per measurement, loopback\n")
    runs = [
        ("reference GET /healthz, flat out", ref),
        ("look-up by USCC, flat out", api),
        *((f"look-up by USCC, paced at {r:g}/s", m) for r, m in paced.items()),
    ]
    for label, m in runs:
        print(
            f"{label:36} {m.rps:7.1f} req/s  p50 {m.pct(0.5):6.1f} ms  p95 {m.pct(0.95):6.1f} ms"
            f"  p99 {m.pct(0.99):6.1f} ms  errors {m.errors}/{m.requests}"
        )
    print(
        f"dashboard server time (regulator, 20 requests after warm-up): median "
        f"{statistics.median(dash):.1f} ms, max {max(dash):.1f} ms"
    )
    print(f"\nratio look-up / reference throughput: {api.rps / ref.rps:.2f}")
    at_300 = paced.get(300.0)
    ok = (
        at_300 is not None
        and at_300.rps >= 0.98 * 300
        and at_300.pct(0.95) < 100
        and at_300.errors == 0
        and max(dash) < 300
    )
    print(
        "targets (300 req/s sustained by 50 clients with p95 < 100 ms; dashboard < 300 ms): "
        + ("met" if ok else "NOT met")
    )


if __name__ == "__main__":
    main()
