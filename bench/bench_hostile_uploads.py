"""Hostile uploads and other users: do files built to exhaust memory hurt anyone else?

A small demo city in a fresh PostgreSQL database, the platform served by ``citycarbon serve``
(gunicorn and one background worker) on loopback. Other users: a paced load of
``GET /api/v1/codes/uscc/{USCC}`` with an API key (``--rate`` requests per second from
``--clients`` keep-alive connections for ``--seconds``, latency counted from each request's
scheduled moment, every request bounded by a timeout), run from a child process. A regulator,
signed in with session and CSRF token, uploads ``--uploads`` hostile files through
``/energy/uploads/`` spread over the same seconds, in turn: an .xlsx with cells at A1 and
XFD1048576, a zip bomb, a sheet of 4.2 million cells, a CSV of a million columns and a CSV with
a 50 MB field (the builders of ``tests/hostile.py``). Each upload is then followed in the
database (``--wait`` seconds at most) until its status is final.

Reference, measured in the same run: the same load with no uploads. Figures: others'
requests sent and failed (non-2xx, connection errors, timeouts), p50/p95 of both phases and
the ratio of the p95s; each upload's final status, reason and time to it; the process ids of
the gunicorn workers and the background worker before and after, and restarts in the server's
log. Target: no request of others fails, and every hostile upload ends ``rejected`` or
``failed`` with a reason.

    .venv/bin/python -m bench.bench_hostile_uploads [--seconds 20] [--uploads 13] [--rate 100]

Needs the local PostgreSQL service (``--database-url``, default the
``citycarbon_bench_hostile`` database on 127.0.0.1, made anew and dropped at the end).
Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import re
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import psycopg
from tests import hostile

from bench.bench_api_load import citycarbon
from bench.common import (
    HOST,
    drop_database,
    fresh_database,
    machine,
    server_process,
    sign_in,
    today,
)

WORK = Path("bench/_work/hostile")
FINAL = ("imported", "partial", "quarantined", "unchanged", "rejected", "failed")
REFUSED = ("rejected", "failed")
RESTARTS = ("starting it again", "WORKER TIMEOUT", "was sent SIG", "Worker exiting")
"""Lines of the server's log that tell of a background or gunicorn worker that stopped."""


def hostile_kinds(field_mb: int) -> list[tuple[str, str, Callable[[Path], Path]]]:
    """What each hostile file is, its name and its builder, in the order of upload."""
    return [
        ("cells at A1 and XFD1048576", "far-corner.xlsx", hostile.xlsx_far_corner),
        ("sheet of 300 MB unpacked", "zip-bomb.xlsx", hostile.xlsx_zip_bomb),
        ("4.2 million cells", "cells.xlsx", hostile.xlsx_many_cells),
        ("a million columns", "columns.csv", hostile.csv_many_columns),
        (f"a field of {field_mb} MB", "field.csv", lambda p: hostile.csv_huge_field(p, field_mb)),
    ]


# Other users' load.


@dataclass
class Phase:
    """Others' requests of one phase: every one sent, the failed ones, answered latencies."""

    sent: int = 0
    failed: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")

    def fail(self, why: str) -> None:
        self.failed += 1
        self.failures[why] = self.failures.get(why, 0) + 1


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, bool]:
    """Send one request, read its whole answer: status code and whether the server closes."""
    writer.write(request)
    await writer.drain()
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionResetError("closed before answering")
    status = int(status_line.split()[1])
    length = 0
    close = False
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value)
        elif name.lower() == "connection" and "close" in value.lower():
            close = True
    await reader.readexactly(length)
    return status, close


async def _paced_client(
    port: int,
    paths: list[str],
    headers: str,
    start: float,
    deadline: float,
    interval: float,
    timeout: float,
    phase: Phase,
) -> None:
    """Requests every ``interval`` seconds until ``deadline``; a slow answer also counts
    against the requests scheduled behind it. Each request waits ``timeout`` at most."""
    scheduled = start + random.random() * interval
    connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    while scheduled < deadline:
        await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
        begun = scheduled
        scheduled += interval
        phase.sent += 1
        request = f"GET {random.choice(paths)} HTTP/1.1\r\nHost: {HOST}\r\n{headers}\r\n"
        try:
            if connection is None:
                connection = await asyncio.wait_for(asyncio.open_connection(HOST, port), timeout)
            status, close = await asyncio.wait_for(
                _exchange(*connection, request.encode()), timeout
            )
        except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError, IndexError) as e:
            phase.fail(type(e).__name__)
            close = True
        else:
            phase.latencies_ms.append((time.perf_counter() - begun) * 1000)
            if not 200 <= status < 300:
                phase.fail(f"HTTP {status}")
        if close and connection is not None:
            connection[1].close()
            connection = None
    if connection is not None:
        connection[1].close()


def paced_load(
    port: int,
    paths: list[str],
    headers: str,
    clients: int,
    rate: float,
    seconds: float,
    timeout: float = 10.0,
) -> Phase:
    """``clients`` connections that together send ``rate`` requests per second for
    ``seconds`` (run in a child process, so that the uploads do not slow the client)."""

    async def main() -> Phase:
        phase = Phase()
        start = time.perf_counter()
        await asyncio.gather(
            *(
                _paced_client(
                    port,
                    paths,
                    headers,
                    start,
                    start + seconds,
                    clients / rate,
                    timeout,
                    phase,
                )
                for _ in range(clients)
            )
        )
        phase.seconds = time.perf_counter() - start
        return phase

    return asyncio.run(main())


def answered(port: int, key: str, paths: list[str]) -> list[str]:
    """The ``paths`` that answer 200 (an enterprise of the demo city without a published code
    has none to look up: 404)."""
    found = []
    for path in paths:
        request = urllib.request.Request(f"http://{HOST}:{port}{path}", headers={"X-API-Key": key})
        try:
            with urllib.request.urlopen(request, timeout=10) as r:
                r.read()
                found.append(path)
        except urllib.error.HTTPError as exc:
            if exc.code != 404:
                raise
    assert found, "no enterprise with a published code"
    return found


# The uploader.


@dataclass
class Upload:
    kind: str
    name: str
    size: int
    posted_at: float
    post_seconds: float = 0.0
    http_status: int = 0
    upload_id: int | None = None
    status: str = ""
    reason: str = ""
    seconds_to_status: float | None = None


def multipart(token: str, name: str, data: bytes) -> tuple[bytes, str]:
    """The body of the upload form (CSRF token and one file) and its content type."""
    boundary = uuid.uuid4().hex
    head = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
        f"{token}\r\n"
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    )
    body = head.encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def form_token(opener: urllib.request.OpenerDirector, url: str) -> str:
    page = opener.open(url, timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None, "no upload form"
    return token.group(1)


def post_upload(
    opener: urllib.request.OpenerDirector, url: str, token: str, upload: Upload, data: bytes
) -> None:
    """Post the file; a received file is answered by a redirect to its upload's page, which
    names its id (``http_status`` is then that page's)."""
    body, content_type = multipart(token, upload.name, data)
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": content_type, "Referer": url}
    )
    start = time.perf_counter()
    try:
        with opener.open(request, timeout=60) as r:
            r.read()
            upload.http_status = r.status
            found = re.search(r"/energy/uploads/(\d+)/", r.url)
            upload.upload_id = int(found.group(1)) if found else None
    except urllib.error.HTTPError as exc:
        upload.http_status = exc.code
        upload.status = f"HTTP {exc.code}"
    except OSError as exc:
        upload.status = type(exc).__name__
    upload.post_seconds = time.perf_counter() - start


def reason_of(problem: str, errors: list[dict[str, object]]) -> str:
    if problem:
        return problem
    if errors:
        first = errors[0]
        return f"{first.get('reason_zh', '')} / {first.get('reason_en', '')}"
    return ""


def follow(conn: psycopg.Connection, uploads: list[Upload]) -> None:
    """Note the final status (and when it was first seen) of the uploads that reached one."""
    waiting = {u.upload_id: u for u in uploads if u.upload_id and u.seconds_to_status is None}
    if not waiting:
        return
    rows = conn.execute(
        "SELECT id, status, problem, errors FROM energy_energyupload WHERE id = ANY(%s)",
        (list(waiting),),
    ).fetchall()
    conn.commit()
    now = time.perf_counter()
    for upload_id, status, problem, errors in rows:
        upload = waiting[upload_id]
        upload.status = status
        if status in FINAL:
            upload.seconds_to_status = now - upload.posted_at
            upload.reason = reason_of(problem, errors or [])


def settled(uploads: list[Upload]) -> bool:
    return all(u.upload_id is None or u.seconds_to_status is not None for u in uploads)


# The platform's processes.


def platform_processes(server_pid: int) -> dict[str, list[int]]:
    """Process ids under ``citycarbon serve``: gunicorn's master and workers, the
    background worker."""
    found: dict[str, list[int]] = {"gunicorn master": [], "gunicorn workers": [], "worker": []}
    for child in psutil.Process(server_pid).children():
        command = " ".join(child.cmdline())
        if "gunicorn" in command:
            found["gunicorn master"].append(child.pid)
            found["gunicorn workers"] += sorted(c.pid for c in child.children())
        elif command.endswith("citycarbon.cli worker"):
            found["worker"].append(child.pid)
    return found


def high_water_mb(pid: int) -> float:
    """A process's peak resident memory (``VmHWM``), MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class Outcome:
    reference: Phase
    hostile: Phase
    uploads: list[Upload]
    settled_in_phase: int
    lookups: int
    before: dict[str, list[int]]
    after: dict[str, list[int]]
    peak_mb: dict[str, list[float]]
    restarts: dict[str, int]


def prepare(args: argparse.Namespace, env: dict[str, str]) -> tuple[str, str, list[str]]:
    """The demo city in a fresh database: the regulator's password, an API key, USCCs."""
    print(f"loading a demo city of {args.enterprises} enterprises into PostgreSQL …", flush=True)
    fresh_database(args.database_url)
    demo = citycarbon(
        env,
        *("demo", "--no-serve", "--enterprises", str(args.enterprises)),
        *("--out-dir", str(WORK / "demo")),
    )
    regulator = re.search(r"│ regulator\s+│ (\S+)", demo)
    assert regulator is not None
    key = citycarbon(env, "apikey", "create", "--role", "regulator", "--label", "bench").strip()
    with psycopg.connect(args.database_url) as conn:
        usccs = [
            row[0]
            for row in conn.execute(
                "SELECT uscc FROM enterprises_enterprise WHERE uscc IS NOT NULL"
            ).fetchall()
        ]
    return regulator.group(1), key, usccs


def measure(
    args: argparse.Namespace,
    env: dict[str, str],
    password: str,
    key: str,
    usccs: list[str],
    files: list[tuple[str, Path]],
) -> Outcome:
    """Serve the platform; the reference phase, then the hostile phase and the wait."""
    headers = f"X-API-Key: {key}\r\n"
    log = WORK / "serve.log"
    uploads: list[Upload] = []
    spawn = multiprocessing.get_context("spawn")
    with (
        server_process(env, args.workers, log) as (port, server),
        spawn.Pool(1) as pool,
        psycopg.connect(args.database_url) as conn,
    ):
        lookups = answered(port, key, [f"/api/v1/codes/uscc/{u}" for u in usccs[:400]])
        load = (port, lookups, headers, args.clients, args.rate)
        pool.apply(paced_load, (*load, 3.0))  # warm-up
        before = platform_processes(server.pid)
        print(f"reference: {args.rate:g} req/s for {args.seconds:g} s …", flush=True)
        reference: Phase = pool.apply(paced_load, (*load, args.seconds))

        page = f"http://{HOST}:{port}/energy/uploads/"
        opener = sign_in(port, "regulator", password)
        token = form_token(opener, page)
        print(f"hostile: the same load and {args.uploads} uploads …", flush=True)
        running = pool.apply_async(paced_load, (*load, args.seconds))
        start = time.perf_counter()
        for i in range(args.uploads):
            label, path = files[i % len(files)]
            due = start + (i + 0.5) * args.seconds / args.uploads
            while time.perf_counter() < due:
                follow(conn, uploads)
                time.sleep(min(0.2, max(0.0, due - time.perf_counter())))
            name = f"{i + 1:02d}-{path.name}"
            upload = Upload(label, name, path.stat().st_size, time.perf_counter())
            post_upload(opener, page, token, upload, path.read_bytes())
            uploads.append(upload)
        hostile_phase: Phase = running.get(timeout=args.seconds + 60)
        settled_in_phase = sum(u.seconds_to_status is not None for u in uploads)
        give_up = time.perf_counter() + args.wait
        while not settled(uploads) and time.perf_counter() < give_up:
            follow(conn, uploads)
            time.sleep(0.2)
        after = platform_processes(server.pid)
        peak = {role: [high_water_mb(pid) for pid in pids] for role, pids in after.items()}
    text = log.read_text(errors="replace")
    restarts = {pattern: n for pattern in RESTARTS if (n := text.count(pattern))}
    return Outcome(
        reference,
        hostile_phase,
        uploads,
        settled_in_phase,
        len(lookups),
        before,
        after,
        peak,
        restarts,
    )


def report(args: argparse.Namespace, out: Outcome) -> None:
    print(f"\n{today()} · {machine()} · gunicorn gthread, {args.workers} workers × 4 threads")
    print(
        f"others: GET /api/v1/codes/uscc/{{USCC}} paced at {args.rate:g}/s from "
        f"{args.clients} connections ({out.lookups} enterprises), {args.seconds:g} s per phase, "
        "loopback\n"
    )
    for label, p in (("reference (no uploads)", out.reference), ("hostile uploads", out.hostile)):
        share = 100 * p.failed / p.sent if p.sent else float("nan")
        print(
            f"{label:22} sent {p.sent:5}  failed {p.failed:3} ({share:.2f} %)  "
            f"p50 {p.pct(0.5):6.1f} ms  p95 {p.pct(0.95):6.1f} ms  p99 {p.pct(0.99):6.1f} ms"
            + (f"  {p.failures}" if p.failures else "")
        )
    ratio = out.hostile.pct(0.95) / out.reference.pct(0.95)
    print(f"ratio of p95s, hostile / reference: {ratio:.2f}")

    total_mb = sum(u.size for u in out.uploads) / 1e6
    print(
        f"\n{len(out.uploads)} uploads, {total_mb:.1f} MB in all, "
        f"{out.settled_in_phase} final within the phase"
    )
    for u in out.uploads:
        took = f"{u.seconds_to_status:5.1f} s" if u.seconds_to_status is not None else "  –  "
        answer = f"#{u.upload_id}" if u.upload_id else f"HTTP {u.http_status}"
        english = u.reason.split(" / ", 1)[-1]  # the reason is kept in Chinese and English
        print(
            f"  {u.name:18} {u.kind:26} {u.size / 1e6:6.2f} MB  POST {u.post_seconds:5.2f} s "
            f"{answer:>5} → {u.status or '?':9} after {took}  {english[:90]}"
        )
    print()
    for role, pids in out.before.items():
        same = "same" if pids == out.after[role] else "CHANGED"
        peak = ", ".join(f"{m:.0f}" for m in out.peak_mb[role])
        print(f"{role:17} pids before {pids} after {out.after[role]} ({same}); peak RSS {peak} MB")
    print(f"worker stops in the server's log: {out.restarts or 'none'}")
    ok = (
        out.hostile.failed == 0
        and out.reference.failed == 0
        and all(u.status in REFUSED and u.reason for u in out.uploads)
    )
    print(
        "\ntarget (no request of others fails; every hostile upload rejected or failed with "
        "a reason): " + ("met" if ok else "NOT met")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="each phase")
    parser.add_argument("--uploads", type=int, default=13, help="hostile files uploaded")
    parser.add_argument("--rate", type=float, default=100.0, help="others' requests per s")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--enterprises", type=int, default=500, help="of the demo city")
    parser.add_argument("--field-mb", type=int, default=50, help="of the huge-field CSV")
    parser.add_argument("--wait", type=float, default=120.0, help="for final statuses, s")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "CITYCARBON_BENCH_DATABASE_URL",
            "postgres://postgres@127.0.0.1:5432/citycarbon_bench_hostile",
        ),
    )
    args = parser.parse_args()

    folder = WORK / "files"
    folder.mkdir(parents=True, exist_ok=True)
    files = [(label, build(folder / name)) for label, name, build in hostile_kinds(args.field_mb)]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CITYCARBON_"))}
    env |= {"DATABASE_URL": args.database_url, "CITYCARBON_VAR": str(WORK / "var")}
    # one key sends hundreds of calls a second: lift its rate so the run measures the
    # platform, not the limiter
    env |= {"CITYCARBON_API_RATE": "off"}
    try:
        password, key, usccs = prepare(args, env)
        out = measure(args, env, password, key, usccs, files)
    finally:
        drop_database(args.database_url)
    report(args, out)


if __name__ == "__main__":
    main()
