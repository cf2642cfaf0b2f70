"""Uploads are read by a background job: the page queues it and follows it, the size cap
answers 413 before the body is read, a job that runs out of memory fails alone and writes
nothing, and a real ``citycarbon worker`` process takes jobs from the database queue."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from pytest_django.fixtures import Settings as SettingsWrapper

from citycarbon.cli.worker import OVER_MEMORY_EXIT
from citycarbon.web.audit.actions import Actor
from citycarbon.web.audit.models import DataImport
from citycarbon.web.energy import ingest, jobs
from citycarbon.web.energy.actions import do_receive_upload
from citycarbon.web.energy.models import EnergyRecord, EnergyUpload
from citycarbon.web.jobs.models import Job
from citycarbon.web.jobs.runner import recover_jobs, run_job
from tests.web.conftest import LoadedCity
from tests.web.test_upload_pages import client_of, csv_file

ACTOR = Actor.system("test")


def stored_files() -> set[str]:
    folder = jobs.upload_dir()
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


@pytest.mark.django_db
def test_upload_page_queues_a_job_and_follows_it_until_done(
    loaded_city: LoadedCity, django_capture_on_commit_callbacks: Any
) -> None:
    first = loaded_city.first
    client = client_of("regulator")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(
            "/energy/uploads/", {"file": csv_file("后台.csv", f"{first.entity_id},2032-01,01,4,t,")}
        )
    assert response.status_code == 302
    upload = EnergyUpload.objects.get(source="后台.csv")
    assert upload.status == "pending"
    assert upload.job is not None
    assert upload.job.status == "pending"
    assert upload.stored_name in stored_files()
    assert len(queued) == 1  # the job is sent to the worker after commit, not before
    page = client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 2s"' in page
    polled = client.get(response["Location"], headers={"HX-Request": "true"})
    assert polled.status_code == 200
    assert "hx-get" in polled.content.decode()
    queued[0]()  # what the immediate backend does after commit: run the job now
    upload.refresh_from_db()
    assert upload.job is not None
    upload.job.refresh_from_db()
    assert (upload.status, upload.rows_imported, upload.job.status) == ("imported", 1, "done")
    assert upload.stored_name == ""
    assert EnergyRecord.objects.get(enterprise=first, period="2032-01").quantity == 4.0
    done = client.get(response["Location"], headers={"HX-Request": "true"})
    assert (done.status_code, done["HX-Refresh"]) == (204, "true")
    assert 'hx-trigger="every 2s"' not in client.get(response["Location"]).content.decode()


@pytest.mark.django_db
def test_upload_over_the_cap_is_refused_with_413_before_it_is_read(
    loaded_city: LoadedCity, settings: SettingsWrapper
) -> None:
    settings.CITYCARBON_MAX_UPLOAD_BYTES = 4096
    first = loaded_city.first
    lines = [f"{first.entity_id},2032-02,01,{i},t," for i in range(400)]
    before = (EnergyUpload.objects.count(), stored_files())
    response = client_of("regulator").post("/energy/uploads/", {"file": csv_file("大.csv", *lines)})
    assert response.status_code == 413
    page = response.content.decode()
    assert "文件过大" in page
    assert "too large" in page
    assert "0.00390625 MB" in page
    assert (EnergyUpload.objects.count(), stored_files()) == before


@pytest.mark.django_db
def test_upload_handler_stops_a_file_past_the_cap(
    loaded_city: LoadedCity, settings: SettingsWrapper
) -> None:
    # Without the Content-Length check, the capped upload handler still stops the file.
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "RequestSizeLimit" not in m]
    settings.CITYCARBON_MAX_UPLOAD_BYTES = 4096
    first = loaded_city.first
    lines = [f"{first.entity_id},2032-02,01,{i},t," for i in range(400)]
    before = EnergyUpload.objects.count()
    response = client_of("regulator").post("/energy/uploads/", {"file": csv_file("大.csv", *lines)})
    assert response.status_code == 413
    assert "文件过大" in response.content.decode()
    assert EnergyUpload.objects.count() == before


@pytest.mark.django_db
def test_job_out_of_memory_fails_alone_and_writes_nothing(
    loaded_city: LoadedCity,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = loaded_city.first
    records, imports = EnergyRecord.objects.count(), DataImport.objects.count()

    def out_of_memory(*args: object, **kwargs: object) -> None:
        raise MemoryError

    # The records are written, then the import runs out of memory before its end.
    monkeypatch.setattr(ingest, "refresh_statistics", out_of_memory)
    with django_capture_on_commit_callbacks(execute=False):
        upload = do_receive_upload(
            csv_file("巨大.csv", f"{first.entity_id},2032-03,01,4,t,"),
            actor=ACTOR,
            partial=False,
            enterprise=None,
            uploaded_by=None,
        )
    assert upload.job is not None
    stored = upload.stored_name
    assert stored in stored_files()
    assert run_job.call(upload.job.pk) == "failed"  # returns: the worker goes on
    job = Job.objects.get(pk=upload.job.pk)
    assert job.status == "failed"
    assert "内存" in job.reason_zh
    assert "memory" in job.reason_en
    assert "nothing was written" in job.reason_en
    upload.refresh_from_db()
    assert upload.status == "failed"
    assert "内存" in upload.problem
    assert "memory" in upload.problem
    assert (EnergyRecord.objects.count(), DataImport.objects.count()) == (records, imports)
    assert upload.stored_name == ""
    assert stored not in stored_files()


@pytest.mark.django_db
def test_jobs_of_a_dead_worker_are_failed_when_a_worker_starts(loaded_city: LoadedCity) -> None:
    first = loaded_city.first
    upload = do_receive_upload(
        csv_file("中断.csv", f"{first.entity_id},2032-04,01,4,t,"),
        actor=ACTOR,
        partial=False,
        enterprise=None,
        uploaded_by=None,
    )
    assert upload.job is not None
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    Job.objects.filter(pk=upload.job.pk).update(
        status="running", worker=f"{socket.gethostname()}:{int(dead.stdout)}"
    )
    assert recover_jobs() == 1
    upload.refresh_from_db()
    assert upload.status == "failed"
    assert "stopped" in upload.problem


def database_url() -> str | None:
    """The test database as a URL another process can open, or None (SQLite in memory)."""
    conf = connection.settings_dict
    if connection.vendor == "postgresql":
        user = conf.get("USER") or "postgres"
        host, port = conf.get("HOST") or "127.0.0.1", conf.get("PORT") or 5432
        return f"postgres://{user}@{host}:{port}/{conf['NAME']}"
    name = str(conf["NAME"])
    if "memory" in name or name == ":memory:":
        return None
    return f"sqlite:///{name}"


@pytest.mark.django_db(transaction=True)
def test_worker_process_takes_an_upload_from_the_database_queue(
    settings: SettingsWrapper, tmp_path: Path
) -> None:
    url = database_url()
    if url is None:
        pytest.skip("the test database is in memory: no other process can open it")
    settings.CITYCARBON_JOB_BACKEND = "database"
    # Nobody known: a partial import quarantines the row, so no enterprise is needed.
    upload = do_receive_upload(
        csv_file("队列.csv", "NOBODY,2032-05,01,4,t,"),
        actor=ACTOR,
        partial=True,
        enterprise=None,
        uploaded_by=None,
    )
    upload.refresh_from_db()
    assert upload.status == "pending"
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "citycarbon.web.test_settings"
    env["CITYCARBON_TEST_DATABASE_URL"] = url
    log = tmp_path / "worker.log"
    command = [sys.executable, "-m", "citycarbon.cli", "worker", "--until-empty"]
    command += ["--backend", "database", "--interval", "0.1"]
    with log.open("wb") as sink:
        done = subprocess.run(
            command, check=False, env=env, stdout=sink, stderr=subprocess.STDOUT, timeout=180
        )
    assert done.returncode == 0, log.read_text(errors="replace")
    upload.refresh_from_db()
    assert upload.job is not None
    upload.job.refresh_from_db()
    assert (upload.status, upload.rows_quarantined, upload.job.status) == ("quarantined", 1, "done")
    assert upload.job.worker.split(":")[0] == socket.gethostname()
    assert upload.stored_name == ""


class NativePanicError(BaseException):
    """Like pyo3's PanicException: a native library's panic is no ``Exception``."""


@pytest.mark.django_db
def test_a_native_panic_fails_its_job_and_the_worker_goes_on(
    loaded_city: LoadedCity,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = loaded_city.first
    records = EnergyRecord.objects.count()

    def panic(*args: object, **kwargs: object) -> None:
        raise NativePanicError("PyObject pointer is null")

    monkeypatch.setattr(ingest, "refresh_statistics", panic)
    with django_capture_on_commit_callbacks(execute=False):
        upload = do_receive_upload(
            csv_file("恐慌.csv", f"{first.entity_id},2032-04,01,4,t,"),
            actor=ACTOR,
            partial=False,
            enterprise=None,
            uploaded_by=None,
        )
    assert upload.job is not None
    assert run_job.call(upload.job.pk) == "failed"
    job = Job.objects.get(pk=upload.job.pk)
    assert "NativePanicError" in job.reason_en
    upload.refresh_from_db()
    assert upload.status == "failed"
    assert EnergyRecord.objects.count() == records


def test_the_worker_stops_itself_past_its_memory_bound() -> None:
    """The watchdog ends a worker whose resident memory passes the bound, in well under a
    second of passing it; an address-space bound at the same figure would refuse ordinary
    imports (Polars reserves about four times what it touches)."""
    script = (
        "import time\n"
        "from citycarbon.cli.worker import bound_memory\n"
        "bound_memory(200)\n"
        'block = b"\\x01" * (100 * 1024 * 1024)\n'
        "time.sleep(0.5)\n"
        "print('under', flush=True)\n"
        'block2 = b"\\x01" * (200 * 1024 * 1024)\n'
        "time.sleep(5)\n"
        "print('not stopped', flush=True)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == OVER_MEMORY_EXIT, done.stderr
    assert done.stdout.split() == ["under"]
    assert "memory bound" in done.stderr
    assert "内存上限" in done.stderr
