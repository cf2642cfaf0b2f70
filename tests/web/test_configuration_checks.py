"""A bad bounds file or limit variable stops the platform at start-up (a system check),
with its reason in Chinese and English, instead of failing requests."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from typer.testing import CliRunner

from citycarbon.cli.main import app
from citycarbon.web.checks import configuration
from tests.conftest import write

BAD_QUANTITY = "energy_code,max_quantity\n33,abc\n99,5\n"


def test_good_configuration_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "CITYCARBON_QUANTITY_BOUNDS",
        str(write(tmp_path / "q.csv", "energy_code,max_quantity\n33,1e6\n1,5e7\n")),
    )
    monkeypatch.setenv(
        "CITYCARBON_READING_BOUNDS", str(write(tmp_path / "r.csv", "grain,max_kwh\nday,1e6\n"))
    )
    monkeypatch.setenv("CITYCARBON_MAX_COLUMNS", "512")
    assert configuration() == []
    call_command("check", stdout=io.StringIO())


def test_bad_quantity_bounds_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITYCARBON_QUANTITY_BOUNDS", str(write(tmp_path / "q.csv", BAD_QUANTITY)))
    errors = configuration()
    assert [e.id for e in errors] == ["citycarbon.E002", "citycarbon.E002"]
    assert all(e.is_serious() for e in errors)
    assert "q.csv:2" in errors[0].msg and "上限配置值须为正的有限数" in errors[0].msg
    assert "a configured bound must be a positive finite number" in errors[0].msg
    assert "unknown energy code or grain in bounds" in errors[1].msg
    with pytest.raises(SystemCheckError, match=r"citycarbon\.E002"):
        call_command("check")


@pytest.mark.parametrize("content", [None, "grain,max_kwh\nday,inf\n", "grain,max_kwh\nweek,1\n"])
def test_bad_reading_bounds_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str | None
) -> None:
    path = tmp_path / "r.csv"
    if content is not None:
        write(path, content)
    monkeypatch.setenv("CITYCARBON_READING_BOUNDS", str(path))
    errors = configuration()
    assert [e.id for e in errors] == ["citycarbon.E003"]
    assert " / " in errors[0].msg and "CITYCARBON_READING_BOUNDS" in errors[0].msg


@pytest.mark.parametrize("value", ["-1", "0", "lots", "1e6"])
def test_bad_limit_variable(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CITYCARBON_MAX_FIELD_CHARS", value)
    errors = configuration()
    assert [e.id for e in errors] == ["citycarbon.E001"]
    assert errors[0].msg == (
        f"CITYCARBON_MAX_FIELD_CHARS={value!r}: 应为正整数 / must be a positive integer"
    )


@pytest.mark.parametrize("value", ["lots", "0/min", "-5/min", "10/fortnight", "10/ms", "/min"])
@pytest.mark.parametrize("name", ["CITYCARBON_API_RATE", "CITYCARBON_API_ANON_RATE"])
def test_bad_api_rate(settings: Any, name: str, value: str) -> None:
    setattr(settings, name, value)
    errors = configuration()
    assert [e.id for e in errors] == ["citycarbon.E004"]
    assert errors[0].msg.startswith(f"{name}={value!r}: 应为“次数/时段”")
    assert "expected requests/period such as 600/min (period s, min, h or day), or off" in (
        errors[0].msg
    )


@pytest.mark.parametrize("value", ["1/s", "600/min", "10/5min", "1000/h", "5000/day", "off"])
def test_good_api_rate(settings: Any, value: str) -> None:
    settings.CITYCARBON_API_RATE = value
    assert configuration() == []


def test_api_rate_from_the_environment_stops_the_start(tmp_path: Path) -> None:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env["CITYCARBON_VAR"] = str(tmp_path)
    env["CITYCARBON_API_RATE"] = "many"
    done = subprocess.run(
        [sys.executable, "-c", "import citycarbon.web.wsgi"],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "citycarbon.E004" in done.stderr and "CITYCARBON_API_RATE='many'" in done.stderr


def test_worker_refuses_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITYCARBON_MAX_COLUMNS", "many")
    result = CliRunner().invoke(app, ["worker", "--until-empty"])
    assert result.exit_code == 2
    report = " ".join(result.stderr.split())  # as wrapped to the terminal's width
    assert "citycarbon.E001" in report and "应为正整数 / must be a positive integer" in report


def test_serve_refuses_to_start(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env["CITYCARBON_VAR"] = str(tmp_path / "var")
    env["CITYCARBON_QUANTITY_BOUNDS"] = str(write(tmp_path / "q.csv", BAD_QUANTITY))
    env["COLUMNS"] = "200"  # one message a line
    command = [sys.executable, "-m", "citycarbon.cli", "serve", "--port", str(port)]
    # Its own process group, so that a server that did start is stopped with its children.
    server = subprocess.Popen(
        command, env=env, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        _, stderr = server.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGTERM)
        server.communicate(timeout=30)
        raise AssertionError("serve started despite the bad configuration") from None
    assert server.returncode == 2, stderr
    assert "citycarbon.E002" in stderr
    assert "上限配置值须为正的有限数" in stderr and "positive finite number" in stderr
    assert "平台已启动" not in stderr  # nothing was started
    assert not (tmp_path / "var" / "citycarbon.sqlite3").exists()  # not even migrated
    with socket.socket() as s, pytest.raises(OSError):
        s.connect(("127.0.0.1", port))


def test_wsgi_application_refuses_to_load(tmp_path: Path) -> None:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env["CITYCARBON_VAR"] = str(tmp_path)
    env["CITYCARBON_MAX_SHEET_ROWS"] = "0"
    done = subprocess.run(
        [sys.executable, "-c", "import citycarbon.web.wsgi"],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr and "citycarbon.E001" in done.stderr
