"""The grid feed under load: one request of 100,000 electricity readings through the API.

A fresh PostgreSQL database, the platform served by gunicorn (``citycarbon serve``) on
loopback, an API key of role regulator with the ``electricity`` scope. Three requests of the
same 100,000 month readings (10,000 accounts × 10 months) are timed end to end from the
client: new readings (10,000 accounts created), the same body again (all unchanged), and the
same body with 10 % of the values changed (corrections, old values to history).

Reference, measured in the same run: a bare ``COPY`` of the same 100,000 rows (account,
start, grain, kWh) as CSV into an unindexed table, from this process. The figure is each
request's time as a ratio of the reference's. Target: each request < 5 s.

    .venv/bin/python -m bench.bench_electricity_api [--readings 100000] [--workers 2]

Needs the local PostgreSQL service (``--database-url``, default the
``citycarbon_bench_electricity`` database on 127.0.0.1, dropped and made anew). Traffic goes
to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import polars as pl
import psycopg

from bench.bench_api_load import citycarbon
from bench.common import HOST, fresh_database, machine, serving, today

WORK = Path("bench/_work/electricity")
MONTHS = 10


def readings(n: int, seed: int = 1) -> pl.DataFrame:
    """``n`` month readings: ``n / MONTHS`` accounts × ``MONTHS`` months of 2026."""
    rng = np.random.default_rng(seed)
    accounts = n // MONTHS
    return pl.DataFrame(
        {
            "account": [f"33{a:08d}" for a in range(accounts) for _ in range(MONTHS)],
            "start": [f"2026-{m:02d}" for _ in range(accounts) for m in range(1, MONTHS + 1)],
            "grain": "month",
            "kwh": np.round(rng.lognormal(np.log(50_000), 1.0, accounts * MONTHS), 1),
        }
    )


def body_of(frame: pl.DataFrame) -> bytes:
    """The request body that sends ``frame``'s readings."""
    return json.dumps({"readings": frame.to_dicts()}).encode()


def post(port: int, key: str, body: bytes) -> tuple[float, float, dict[str, object]]:
    """Client wall time, server time (``Server-Timing``) in seconds, and the answer."""
    request = urllib.request.Request(
        f"http://{HOST}:{port}/api/v1/electricity/readings",
        data=body,
        headers={"X-API-Key": key, "Content-Type": "application/json"},
    )
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as r:
            answer = json.loads(r.read())
            server = float(r.headers["Server-Timing"].split("dur=")[1]) / 1000
    except urllib.error.HTTPError as exc:
        raise SystemExit(f"{exc.code}: {exc.read()[:2000]!r}") from exc
    return time.perf_counter() - start, server, answer


def bare_copy(url: str, frame: pl.DataFrame) -> float:
    """Seconds to COPY ``frame`` into an unindexed table (made and dropped here)."""
    text = frame.with_columns((pl.col("start") + "-01").alias("start")).write_csv(
        include_header=False
    )
    with psycopg.connect(url) as conn:
        conn.execute(
            "CREATE TABLE bench_copy (account varchar(32), start timestamptz, "
            "grain varchar(8), kwh double precision)"
        )
        conn.commit()
        start = time.perf_counter()
        with conn.cursor().copy("COPY bench_copy FROM STDIN (FORMAT csv)") as copy:
            copy.write(text)
        conn.commit()
        seconds = time.perf_counter() - start
        conn.execute("DROP TABLE bench_copy")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--readings", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "CITYCARBON_BENCH_DATABASE_URL",
            "postgres://postgres@127.0.0.1:5432/citycarbon_bench_electricity",
        ),
    )
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CITYCARBON_"))}
    env |= {"DATABASE_URL": args.database_url, "CITYCARBON_VAR": str(WORK / "var")}
    # one key sends hundreds of calls a second: lift its rate so the run measures the
    # platform, not the limiter
    env |= {"CITYCARBON_API_RATE": "off"}
    fresh_database(args.database_url)
    key = citycarbon(
        env, "apikey", "create", "--role", "regulator", "--scope", "electricity", "--label", "bench"
    ).strip()
    frame = readings(args.readings)
    rng = np.random.default_rng(2)
    changed = rng.random(frame.height) < 0.10
    corrected = frame.with_columns(
        pl.when(pl.Series(changed)).then(pl.col("kwh") + 1.0).otherwise(pl.col("kwh"))
    )
    body = body_of(frame)
    with serving(env, args.workers) as port:
        runs = [
            ("new readings", *post(port, key, body)),
            ("same again (unchanged)", *post(port, key, body)),
            (f"{int(changed.sum()):,} corrections", *post(port, key, body_of(corrected))),
        ]
    reference = bare_copy(args.database_url, frame)

    print(f"\n{today()} · {machine()} · gunicorn gthread, {args.workers} workers × 4 threads")
    print(f"{frame.height:,} readings per request, {len(body):,} bytes")
    print(f"reference: bare COPY of the same rows into an unindexed table {reference:.3f} s\n")
    for label, wall, server_s, answer in runs:
        counts = {k: answer[k] for k in ("inserted", "corrected", "unchanged", "new_accounts")}
        print(
            f"{label:24} {wall:6.2f} s (server {server_s:5.2f} s)  "
            f"ratio {wall / reference:6.1f}  {counts}"
        )
    ok = all(wall < 5.0 for _l, wall, _s, _a in runs)
    print("\ntarget (each request < 5 s): " + ("met" if ok else "NOT met"))


if __name__ == "__main__":
    main()
