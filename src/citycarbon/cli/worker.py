"""``citycarbon worker``: runs the platform's background jobs (uploads being read, and later
runs) from the database queue, in a process whose memory is bounded, so that a hostile file
fails its own job instead of taking a web worker and other users' requests with it."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Annotated, Final

import typer

from citycarbon.cli.console import err, fail

MemoryOption = Annotated[
    int | None,
    typer.Option(
        min=64,
        help="Resident-memory bound in MB (default CITYCARBON_WORKER_MEMORY_MB, else 2048).",
    ),
]

ADDRESS_SPACE_FACTOR: Final = 4
"""The address-space backstop, as a multiple of the resident-memory bound. Polars reserves
far more address space than it touches (a 37 MB upload: 2.2 GB reserved, 0.6 GB resident),
so bounding the address space at the memory bound itself would fail ordinary files."""
OVER_MEMORY_EXIT: Final = 75
"""The exit status of a worker stopped by its memory watchdog (``EX_TEMPFAIL``)."""
WATCH_SECONDS: Final = 0.2


def _resident_bytes() -> int:
    """This process's resident memory now: from ``/proc/self/statm`` where there is one, else
    its peak (``ru_maxrss``, which on Linux would carry a parent's peak across ``exec``)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * resource.getpagesize()
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024


def bound_memory(megabytes: int) -> threading.Thread:
    """Bound this process's memory: a watchdog ends the process as soon as its resident
    memory passes ``megabytes`` (``citycarbon serve`` starts a new worker, which fails the
    job left running with its reason), and one allocation larger than the address-space
    backstop fails at once (``MemoryError``, or a panic of the library that asked; the job
    runner fails that job)."""
    limit = megabytes * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    backstop = ADDRESS_SPACE_FACTOR * limit
    if hard != resource.RLIM_INFINITY:
        backstop = min(backstop, hard)
    resource.setrlimit(resource.RLIMIT_AS, (backstop, hard))

    def watch() -> None:
        while True:
            if _resident_bytes() > limit:
                err.print(
                    f"worker over its memory bound ({megabytes} MB): stopping / "
                    f"工作进程超出内存上限（{megabytes} MB），已停止",
                    markup=False,
                )
                os._exit(OVER_MEMORY_EXIT)
            time.sleep(WATCH_SECONDS)

    watchdog = threading.Thread(target=watch, name="memory-watchdog", daemon=True)
    watchdog.start()
    return watchdog


def worker(
    memory_mb: MemoryOption = None,
    until_empty: Annotated[
        bool, typer.Option("--until-empty", help="Run the jobs waiting now, then exit.")
    ] = False,
    max_jobs: Annotated[
        int | None, typer.Option(min=1, help="Exit after this many jobs (then restart it).")
    ] = None,
    interval: Annotated[
        float, typer.Option(min=0.05, help="Seconds between looks at an empty queue.")
    ] = 1.0,
    backend: Annotated[str, typer.Option(help="The django-tasks backend to take jobs from.")] = (
        "default"
    ),
) -> None:
    """Run background jobs from the database queue until stopped (Ctrl+C), with a memory
    bound. `citycarbon serve` starts one beside the web server."""
    from citycarbon.web import bootstrap  # noqa: PLC0415

    problems = bootstrap.configuration_problems()
    if problems:
        raise fail(problems)
    from django.conf import settings  # noqa: PLC0415
    from django.core.management import call_command  # noqa: PLC0415

    from citycarbon.web.jobs.runner import recover_jobs  # noqa: PLC0415

    megabytes = memory_mb or int(settings.CITYCARBON_WORKER_MEMORY_MB)
    bound_memory(megabytes)
    recovered = recover_jobs()
    if recovered:
        err.print(f"{recovered} jobs of a stopped worker marked failed", markup=False)
    # As command-line arguments: db_worker checks its --backend when it parses them.
    arguments = ["--backend", backend, "--interval", str(interval), "--no-reload"]
    arguments += ["--no-startup-delay", "--verbosity", "0"]
    if until_empty:
        arguments.append("--batch")
    if max_jobs is not None:
        arguments += ["--max-tasks", str(max_jobs)]
    call_command("db_worker", *arguments)


def worker_command() -> list[str]:
    return [sys.executable, "-m", "citycarbon.cli", "worker"]


@contextmanager
def worker_beside(env: Mapping[str, str]) -> Iterator[Callable[[], None]]:
    """One worker process for as long as the block runs; ``keep_alive()`` restarts it when it
    has died (killed for its memory, say). Stopped by its process id at the end."""
    state: dict[str, subprocess.Popen[bytes]] = {}

    def start() -> None:
        state["p"] = subprocess.Popen(worker_command(), env=dict(env))

    def keep_alive() -> None:
        if state["p"].poll() is not None:
            err.print("background worker stopped; starting it again", markup=False)
            start()

    start()
    try:
        yield keep_alive
    finally:
        process = state["p"]
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _raise_exit(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def supervise(server: list[str], env: Mapping[str, str]) -> int:
    """Run ``server`` (gunicorn) and one background worker beside it until the server ends
    or this process is told to stop; the worker is restarted if it dies."""
    signal.signal(signal.SIGTERM, _raise_exit)
    with worker_beside(env) as keep_alive:
        process = subprocess.Popen(server, env=dict(env))
        try:
            while process.poll() is None:
                keep_alive()
                time.sleep(1.0)
        except (KeyboardInterrupt, SystemExit):
            process.send_signal(signal.SIGTERM)
        finally:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    return process.returncode or 0


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
