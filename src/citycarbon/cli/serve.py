"""``citycarbon serve``: the platform on the configured database, behind gunicorn."""

from __future__ import annotations

import ipaddress
import os
import sys
from typing import Annotated

import typer

from citycarbon.cli.console import err, fail
from citycarbon.cli.worker import supervise

HostOption = Annotated[str, typer.Option(help="Address to listen on.")]
PortOption = Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")]
WorkersOption = Annotated[int, typer.Option(min=1, help="gunicorn worker processes.")]


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def server_environment(host: str) -> dict[str, str]:
    """The server's environment: on a loopback address (no TLS there) cookies go over plain
    HTTP unless CITYCARBON_SECURE_COOKIES says otherwise; elsewhere they stay secure and the
    host joins the allowed hosts."""
    env = dict(os.environ)
    if _loopback(host):
        env.setdefault("CITYCARBON_SECURE_COOKIES", "0")
    else:
        allowed = env.get("CITYCARBON_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
        if host not in ("0.0.0.0", "::") and host not in allowed:
            env["CITYCARBON_ALLOWED_HOSTS"] = ",".join([*allowed, host])
    return env


def run_server(host: str, port: int, workers: int, threads: int = 4) -> None:
    """Check the configuration (exit 2 with the report when it is bad), migrate, collect the
    static files (hashed names, gzip copies), then run gunicorn and a background worker
    (``citycarbon worker``) in the foreground until interrupted."""
    from citycarbon.web import bootstrap  # noqa: PLC0415

    problems = bootstrap.configuration_problems()
    if problems:
        raise fail(problems)
    bootstrap.migrate()
    bootstrap.collect_static()
    err.print(
        f"citycarbon on http://{host}:{port}/ — database {bootstrap.database_label()}; "
        "Ctrl+C stops it. / 平台已启动，按 Ctrl+C 停止。",
        markup=False,
    )
    if not _loopback(host):
        err.print(
            "Not a loopback address: cookies are HTTPS-only, so put a TLS proxy in front "
            "(and set CITYCARBON_BEHIND_PROXY=1).",
            markup=False,
        )
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "citycarbon.web.wsgi:application",
        "--bind",
        f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--log-level",
        "warning",
        # No "Server: gunicorn" banner (gunicorn_conf.py says how).
        "--config",
        "python:citycarbon.cli.gunicorn_conf",
    ]
    # One background worker beside gunicorn reads the uploads (and runs the jobs); both stop
    # when this process is interrupted or terminated.
    raise SystemExit(supervise(command, server_environment(host)))


def serve(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    workers: WorkersOption = 3,
) -> None:
    """Serve the platform (pages, API, admin) from whatever database is configured
    (DATABASE_URL, default the SQLite file under var/), with one background worker that
    reads uploaded files."""
    run_server(host, port, workers)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
