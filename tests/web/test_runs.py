"""The run pipeline: account → grade as a background job, reviewed and published."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from django.test import Client
from typer.testing import CliRunner

from citycarbon.cli.main import app
from citycarbon.core.factors import FactorSet
from citycarbon.core.schemas import METHOD_VERSION
from citycarbon.web.access.actions import Binding, do_create_api_key
from citycarbon.web.audit.actions import Actor
from citycarbon.web.audit.models import AuditEvent
from citycarbon.web.energy import selectors as energy
from citycarbon.web.energy.actions import do_import_energy
from citycarbon.web.enterprises.actions import do_import_economics
from citycarbon.web.grading import actions as grading_actions
from citycarbon.web.grading.models import CarbonCode, GradingRun
from citycarbon.web.grading.runs import KIND, do_request_run, grading_run_of
from citycarbon.web.grading.selectors import compare, latest_published
from citycarbon.web.jobs.models import Job, JobStatus
from citycarbon.web.jobs.runner import run_here

from .conftest import LoadedCity

pytestmark = pytest.mark.django_db

ACTOR = Actor.system("test")


def _year() -> int:
    return int(CarbonCode.objects.order_by("-year").values_list("year", flat=True)[0])


def _correct(entity_id: str, year: int, scale: float, source: str) -> None:
    """Import a correction of one enterprise-year's energy records (quantities × scale)."""
    records = energy.energy_records().filter(
        (pl.col("entity_id") == entity_id) & pl.col("period").str.starts_with(str(year))
    )
    assert records.height
    do_import_energy(records.with_columns(pl.col("quantity") * scale), actor=ACTOR, source=source)


def _scale_that_changes(loaded_city: LoadedCity, year: int) -> float:
    code = CarbonCode.objects.get(run=latest_published(), enterprise=loaded_city.first, year=year)
    return 0.05 if code.grade >= 3 else 20.0


def test_cli_refuses_an_unknown_factor_set_with_exit_2() -> None:
    result = CliRunner().invoke(app, ["run", "grading", "--year", "2023", "--factor-set", "xx"])
    assert result.exit_code == 2
    assert "未知" in result.output and "unknown factor set" in result.output
    assert not Job.objects.filter(kind=KIND).exists()


def test_cli_refuses_a_year_without_data_with_exit_2() -> None:
    result = CliRunner().invoke(app, ["run", "grading", "--year", "1999"])
    assert result.exit_code == 2
    assert "没有能源数据" in result.output and "no energy records for 1999" in result.output
    assert not GradingRun.objects.exists()


def test_cli_needs_a_year() -> None:
    result = CliRunner().invoke(app, ["run", "grading"])
    assert result.exit_code == 2
    assert "--year" in result.output


def test_cli_run_waits_for_review_unless_publish(loaded_city: LoadedCity) -> None:
    year = _year()
    published = latest_published()
    args = ["run", "grading", "--year", str(year), "--factor-set", "cn-2022"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "waiting for review" in result.output
    job = Job.objects.filter(kind=KIND).latest("pk")
    assert job.status == JobStatus.DONE and job.params["factor_set"] == "cn-2022"
    run = grading_run_of(job)
    assert run is not None and run.job == job
    assert run.published_at is None and latest_published() == published
    result = CliRunner().invoke(app, [*args, "--publish"])
    assert result.exit_code == 0, result.output
    run.refresh_from_db()
    assert run.published_at is not None and latest_published() == run


def test_a_job_run_records_its_provenance(
    loaded_city: LoadedCity, factors: FactorSet, django_capture_on_commit_callbacks: Any
) -> None:
    year = _year()
    _correct(loaded_city.first.entity_id, year, 2.0, "provenance")
    with django_capture_on_commit_callbacks(execute=True):
        job = do_request_run(year, actor=Actor.system("regulator-test"), factors=factors)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.reason_en
    run = grading_run_of(job)
    assert run is not None and run.job == job and run.accounting_run.job == job
    accounting = run.accounting_run
    assert accounting.method_version == METHOD_VERSION
    assert accounting.factor_set == factors.label
    assert accounting.factor_set_hash == factors.content_hash
    assert len(accounting.records_fingerprint) == 64 and len(run.economics_fingerprint) == 64
    assert run.actor_label == accounting.actor_label == "system:regulator-test"
    assert job.started_at is not None and job.finished_at is not None
    assert job.created_at <= job.started_at <= job.finished_at
    assert (job.progress_done, job.progress_total) == (2, 2)
    assert run.published_at is None


def test_a_failing_run_leaves_no_grades_and_says_why(
    loaded_city: LoadedCity,
    factors: FactorSet,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    year = _year()
    _correct(loaded_city.first.entity_id, year, 3.0, "failing")
    runs_before, codes_before = GradingRun.objects.count(), CarbonCode.objects.count()
    real = grading_actions.insert_frame

    def insert_then_fail(model: type, frame: pl.DataFrame) -> None:
        real(model, frame)
        if model is not CarbonCode:
            msg = "disk full"
            raise OSError(msg)

    monkeypatch.setattr(grading_actions, "insert_frame", insert_then_fail)
    with django_capture_on_commit_callbacks(execute=True):
        job = do_request_run(year, actor=ACTOR, factors=factors)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "未写入任何数据" in job.reason_zh and "OSError" in job.reason_en
    assert GradingRun.objects.count() == runs_before
    assert CarbonCode.objects.count() == codes_before
    assert not GradingRun.objects.filter(job=job).exists()


def test_a_correction_queues_one_run_whose_review_and_publication_change_the_code(
    loaded_city: LoadedCity,
    client: Client,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.CITYCARBON_JOB_BACKEND = "database"  # queued, not run: as before a worker looks
    year, first = _year(), loaded_city.first
    scale = _scale_that_changes(loaded_city, year)
    old = CarbonCode.objects.get(run=latest_published(), enterprise=first, year=year).grade
    with django_capture_on_commit_callbacks(execute=True):
        _correct(first.entity_id, year, scale, "correction 1")
    with django_capture_on_commit_callbacks(execute=True):
        _correct(first.entity_id, year, scale * 1.01, "correction 2")
    waiting = Job.objects.filter(kind=KIND, status=JobStatus.PENDING)
    assert [j.params["year"] for j in waiting] == [year]
    stale = AuditEvent.objects.filter(
        action="grading.mark_stale", object_id=str(year), actor_label=ACTOR.label
    )
    assert stale.count() == 1

    job = run_here(waiting.get())
    assert job.status == JobStatus.DONE, job.reason_en
    run = grading_run_of(job)
    assert run is not None and run.published_at is None
    comparison = compare(run, latest_published())
    changed = {(e, y): (a, b) for e, y, a, b in comparison.changed_codes}
    new = CarbonCode.objects.get(run=run, enterprise=first, year=year).grade
    assert new != old and changed[(first.entity_id, year)] == (old, new)
    assert comparison.transitions[old][new] >= 1

    login = loaded_city.logins["regulator"]
    assert client.login(username=login.username, password=login.password)
    page = client.get(f"/runs/{run.pk}/")
    assert page.status_code == 200
    assert first.entity_id in page.content.decode() and "发布本批次" in page.content.decode()
    assert client.get(f"/runs/{run.pk}/publish/").status_code == 405
    assert client.post(f"/runs/{run.pk}/publish/").status_code == 302
    run.refresh_from_db()
    assert run.published_at is not None and latest_published() == run
    assert AuditEvent.objects.filter(action="grading.publish", object_id=str(run.pk)).exists()

    key = do_create_api_key(Binding("regulator"), actor=ACTOR)[1]
    codes = client.get(
        f"/api/v1/codes/uscc/{first.uscc}", {"year": year}, headers={"X-API-Key": key}
    ).json()
    assert [c["grade"] for c in codes if c["year"] == year] == [new]


def test_the_csrf_token_is_required_to_publish(loaded_city: LoadedCity) -> None:
    client = Client(enforce_csrf_checks=True)
    login = loaded_city.logins["regulator"]
    assert client.login(username=login.username, password=login.password)
    run = GradingRun.objects.order_by("-pk").first()
    assert run is not None
    assert client.post(f"/runs/{run.pk}/publish/").status_code == 403


@pytest.mark.parametrize(
    ("role", "status"),
    [("admin", 200), ("regulator", 200), ("district", 403), ("enterprise1", 403), ("bank", 403)],
)
def test_the_runs_pages_are_for_the_city_roles(
    loaded_city: LoadedCity, client: Client, role: str, status: int
) -> None:
    run = GradingRun.objects.order_by("-pk").first()
    assert run is not None
    assert client.get("/runs/").status_code == 302  # signed out: to the log-in
    login = loaded_city.logins[role]
    assert client.login(username=login.username, password=login.password)
    assert client.get("/runs/").status_code == status
    assert client.get(f"/runs/{run.pk}/").status_code == status
    if status == 403:
        assert client.post(f"/runs/{run.pk}/publish/").status_code == 403


def test_an_economics_correction_queues_a_run_for_its_year(
    loaded_city: LoadedCity, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.CITYCARBON_JOB_BACKEND = "database"
    year, first = _year(), loaded_city.first
    row = {
        "row": [2],
        "entity_id": [first.entity_id],
        "year": [year],
        "industry_code": [None],
        "value_added_10k_yuan": [123456.0],
    }
    frame = pl.DataFrame(
        row, schema_overrides={"row": pl.Int64, "year": pl.Int32, "industry_code": pl.String}
    )
    with django_capture_on_commit_callbacks(execute=True):
        do_import_economics(frame, actor=ACTOR, file="economics.csv")
    waiting = Job.objects.filter(kind=KIND, status=JobStatus.PENDING)
    assert [j.params["year"] for j in waiting] == [year]
