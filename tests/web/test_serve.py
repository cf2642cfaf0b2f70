"""``citycarbon serve`` answers on loopback with the platform (a real gunicorn, stopped by
its process id)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import psutil
import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_answers_on_loopback(tmp_path: Path) -> None:
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "CITYCARBON_SECURE_COOKIES")
    }
    env["CITYCARBON_VAR"] = str(tmp_path / "var")
    command = [sys.executable, "-m", "citycarbon.cli", "serve", "--port", str(port)]
    command += ["--workers", "1"]
    log = tmp_path / "serve.log"
    with log.open("wb") as sink:
        server = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)
    workers: list[psutil.Process] = []
    try:
        status, body, cookie = None, "", ""
        for _ in range(240):  # at most ~2 min (the first start compresses the static files)
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2) as r:
                    status, body = r.status, r.read().decode()
                    cookie = r.headers.get("Set-Cookie", "")
                    servers = r.headers.get_all("Server") or []
                break
            except OSError:  # not listening yet, refused, or timed out
                time.sleep(0.5)
        assert status == 200, log.read_text(errors="replace")
        assert "登录" in body
        # gunicorn's banner is replaced, not sent twice; the security headers are there.
        assert servers == ["web"], servers
        # Plain HTTP on loopback: the CSRF cookie must not be HTTPS-only, or log-in fails.
        assert "csrftoken" in cookie and "Secure" not in cookie
        api = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/codes")
        try:
            urllib.request.urlopen(api, timeout=2)
            raise AssertionError("the API answered without credentials")
        except urllib.error.HTTPError as exc:
            assert exc.code == 401
        # A background worker runs beside gunicorn, and stops with it.
        children = psutil.Process(server.pid).children(recursive=True)
        workers = [
            c for c in children if "worker" in c.cmdline() and "citycarbon.cli" in c.cmdline()
        ]
        assert len(workers) == 1, [c.cmdline() for c in children]
        static_files_are_compressed_and_cached(port, body)
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert not any(w.is_running() and w.status() != psutil.STATUS_ZOMBIE for w in workers)


def static_files_are_compressed_and_cached(port: int, login_page: str) -> None:
    """The page names ECharts by its hashed name, which is sent gzip-compressed with a long
    cache lifetime; /favicon.ico leads to the icon."""
    match = re.search(r'src="(/static/vendor/echarts\.min\.[0-9a-f]{12}\.js)"', login_page)
    assert match, "no hashed ECharts name in the page"
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{match.group(1)}", headers={"Accept-Encoding": "gzip"}
    )
    with urllib.request.urlopen(request, timeout=5) as r:
        assert r.headers["Content-Encoding"] == "gzip"
        assert "max-age=315360000" in r.headers["Cache-Control"]
        size = len(r.read())
    assert size < 600_000  # ECharts is about 1.1 MB before compression
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/favicon.ico", timeout=5) as r:
        assert r.status == 200 and r.url.endswith(".ico")
        assert r.headers["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")


def test_secure_cookies_outside_debug_by_default(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CITYCARBON_", "DJANGO_"))}
    env["CITYCARBON_VAR"] = str(tmp_path)
    code = (
        "from citycarbon.web import settings as s;"
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["False", "True", "True", "True"]


def test_a_worker_that_died_is_started_again(monkeypatch: pytest.MonkeyPatch) -> None:
    from citycarbon.cli import worker  # noqa: PLC0415

    # A stand-in worker that exits at once, as one killed for its memory would.
    monkeypatch.setattr(worker, "worker_command", lambda: [sys.executable, "-c", "pass"])
    started: list[subprocess.Popen[bytes]] = []
    real_popen = subprocess.Popen

    def popen(*args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
        started.append(real_popen(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(worker.subprocess, "Popen", popen)
    with worker.worker_beside(dict(os.environ)) as keep_alive:
        started[0].wait(timeout=30)
        keep_alive()
        assert len(started) == 2
    assert all(p.poll() is not None for p in started)


def test_a_static_file_not_collected_keeps_its_plain_name(tmp_path: Path, settings: Any) -> None:
    from django.templatetags.static import static  # noqa: PLC0415

    settings.STATIC_ROOT = str(tmp_path)  # nothing collected there
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "citycarbon.web.staticfiles.StaticFiles"},
    }
    assert static("citycarbon/site.css") == "/static/citycarbon/site.css"
