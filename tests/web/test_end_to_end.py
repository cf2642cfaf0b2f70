"""A city from empty files to codes served by the API, twice over: once through the commands
(``citycarbon import …``, ``citycarbon run grading --publish``), once through the pages (the
onboarding and upload pages, the review page's publish button); then a corrected upload
makes a new run whose published code differs.

The city: six enterprises of class 1711 (cotton spinning), each with 1,000 万元 of value
added in 2025 and raw coal burnt as fuel. Raw coal's factor (cn-2023, NDRC 2015 parameters)
is 20.908 GJ/t × 0.02618 tC/GJ × 0.93 oxidised × 44/12 = 1.86654 tCO2/t.

- F0 reports 600 t on a 205-1 form, F1–F5 1,000 t each in a canonical CSV. The industry
  average is 5,600 f ÷ 6,000 = 0.9333 f, so F0's L = 0.6 f = 1.120 (中碳) and K = 0.643
  (grade 2): 中碳2级; the others K = 1.071: 中碳3级.
- F0's correction to 3,000 t: average 8,000 f ÷ 6,000 = 1.3333 f, F0's L = 3 f = 5.600
  (高碳), K = 2.25: 高碳5级; the others K = 0.75: 中碳2级.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from typer.testing import CliRunner

from citycarbon.cli.main import app
from citycarbon.core.ids import make_uscc
from citycarbon.web.access.actions import Binding, do_create_api_key, do_create_user
from citycarbon.web.audit.actions import Actor
from citycarbon.web.enterprises.models import OnboardingUpload
from citycarbon.web.grading.models import GradingRun
from citycarbon.web.grading.runs import KIND, grading_run_of
from citycarbon.web.grading.selectors import forget_views, latest_published
from citycarbon.web.jobs.models import Job, JobStatus
from citycarbon.web.jobs.runner import run_here
from tests.form205_fixtures import stocked, write_form_xlsx

pytestmark = pytest.mark.django_db

ACTOR = Actor.system("test")
COAL_TCO2_PER_T = 20.908 * 0.02618 * 0.93 * 44 / 12
FIRMS = [(f"F{i}", make_uscc("330101" if i < 3 else "330102", 200 + i)) for i in range(6)]
REGIONS = "district_code,name\n330101,上城区\n330102,下城区\n"
ENTERPRISES = "entity_id,uscc,name,district_code,industry_code\n" + "".join(
    f"{e},{u},{e}纺纱有限公司,{u[2:8]},1711\n" for e, u in FIRMS
)
ECONOMICS = "entity_id,year,industry_code,value_added_10k_yuan\n" + "".join(
    f"{e},2025,1711,1000\n" for e, _u in FIRMS
)
OTHERS_ENERGY = "entity_id,period,energy_code,quantity,unit,purpose\n" + "".join(
    f"{u},2025,01,1000,t,fuel\n" for _e, u in FIRMS[1:]
)
F0_USCC = FIRMS[0][1]


def form_205(path: Path, coal_t: float) -> Path:
    """F0's annual 2025 form 205-1: ``coal_t`` of raw coal burnt in production."""
    return write_form_xlsx(
        path, F0_USCC, "F0纺纱有限公司", "2025", [stocked("01", coal_t, industrial=coal_t)]
    )


def codes_from_api(client: Client) -> dict[str, tuple[str, float, float]]:
    """Every published 2025 code as the API serves it: entity id → (label, L, K)."""
    forget_views()
    key = do_create_api_key(Binding("regulator"), actor=ACTOR)[1]
    listing = client.get("/api/v1/codes", {"year": 2025}, headers={"X-API-Key": key})
    assert listing.status_code == 200, listing.content
    assert {item["entity_id"] for item in listing.json()["items"]} == {e for e, _u in FIRMS}
    out = {}
    for entity_id, uscc in FIRMS:
        answer = client.get(f"/api/v1/codes/uscc/{uscc}", headers={"X-API-Key": key})
        assert answer.status_code == 200, answer.content
        (code,) = (c for c in answer.json() if c["year"] == 2025)
        out[entity_id] = (code["label"], code["intensity_tco2_per_10k_yuan"], code["k_value"])
    return out


def assert_first_codes(codes: dict[str, tuple[str, float, float]]) -> None:
    f = COAL_TCO2_PER_T
    assert codes["F0"][0] == "中碳2级"
    assert codes["F0"][1] == pytest.approx(0.6 * f)
    assert codes["F0"][2] == pytest.approx(0.6 / (5600 / 6000))
    for entity_id in ("F1", "F2", "F3", "F4", "F5"):
        assert codes[entity_id][0] == "中碳3级"
        assert codes[entity_id][1] == pytest.approx(f)
        assert codes[entity_id][2] == pytest.approx(1 / (5600 / 6000))


def assert_corrected_codes(codes: dict[str, tuple[str, float, float]]) -> None:
    f = COAL_TCO2_PER_T
    assert codes["F0"] == ("高碳5级", pytest.approx(3 * f), pytest.approx(2.25))
    for entity_id in ("F1", "F2", "F3", "F4", "F5"):
        assert codes[entity_id] == ("中碳2级", pytest.approx(f), pytest.approx(0.75))


def cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_from_empty_files_to_codes_through_the_commands(tmp_path: Path, client: Client) -> None:
    for kind, text in (
        ("regions", REGIONS),
        ("enterprises", ENTERPRISES),
        ("economics", ECONOMICS),
    ):
        (tmp_path / f"{kind}.csv").write_text(text, encoding="utf-8")
        cli("import", kind, str(tmp_path / f"{kind}.csv"))
    forms = tmp_path / "forms"
    forms.mkdir()
    form_205(forms / "F0-2025.xlsx", 600)
    (tmp_path / "energy.csv").write_text(OTHERS_ENERGY, encoding="utf-8")
    cli("import", "energy", str(forms), str(tmp_path / "energy.csv"))
    assert latest_published() is None
    output = cli("run", "grading", "--year", "2025", "--publish")
    assert "6 graded, 0 not graded" in output and "published" in output
    assert_first_codes(codes_from_api(client))

    # The corrected form for the same enterprise and year supersedes the first.
    form_205(forms / "F0-2025.xlsx", 3000)
    cli("import", "energy", str(forms / "F0-2025.xlsx"))
    first = latest_published()
    output = cli("run", "grading", "--year", "2025", "--publish")
    assert "codes change against the published run" in output
    assert latest_published() != first
    assert_corrected_codes(codes_from_api(client))


def regulator() -> Client:
    user = do_create_user("city", "a-long-password-123", Binding("regulator"), actor=ACTOR)
    client = Client()
    client.force_login(user)
    return client


def pending_run(django_capture_on_commit_callbacks: Any) -> GradingRun:
    """Run the grading job the imports queued, as the worker would; its run awaits review."""
    waiting = Job.objects.filter(kind=KIND, status=JobStatus.PENDING)
    assert [j.params["year"] for j in waiting] == [2025]
    with django_capture_on_commit_callbacks(execute=True):
        job = run_here(waiting.get())
    assert job.status == JobStatus.DONE, job.reason_en
    run = grading_run_of(job)
    assert run is not None and run.published_at is None
    return run


def review_and_publish(client: Client, run: GradingRun) -> str:
    page = client.get(f"/runs/{run.pk}/")
    assert page.status_code == 200
    assert client.post(f"/runs/{run.pk}/publish/").status_code == 302
    run.refresh_from_db()
    assert run.published_at is not None and latest_published() == run
    return page.content.decode()


def test_from_empty_files_to_codes_through_the_pages(
    tmp_path: Path, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.CITYCARBON_JOB_BACKEND = "database"  # queued, then run by hand as a worker would
    client = regulator()

    def post(path: str, data: dict[str, Any]) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(path, data)
        assert response.status_code == 302, response.content[:500]
        for job in Job.objects.filter(status=JobStatus.PENDING).exclude(kind=KIND):
            with django_capture_on_commit_callbacks(execute=True):
                assert run_here(job).status == JobStatus.DONE
        return str(response["Location"])

    for kind, text in (
        ("regions", REGIONS),
        ("enterprises", ENTERPRISES),
        ("economics", ECONOMICS),
    ):
        file = SimpleUploadedFile(f"{kind}.csv", text.encode("gbk"), content_type="text/csv")
        post("/onboarding/", {"kind": kind, "file": file})
    assert set(OnboardingUpload.objects.values_list("status", flat=True)) == {"imported"}
    form = form_205(tmp_path / "F0-2025.xlsx", 600)
    for name, content in (
        ("F0-2025.xlsx", form.read_bytes()),
        ("能源.csv", OTHERS_ENERGY.encode()),
    ):
        shown = client.get(post("/energy/uploads/", {"file": SimpleUploadedFile(name, content)}))
        assert "已导入" in shown.content.decode(), name
    run = pending_run(django_capture_on_commit_callbacks)
    review_and_publish(client, run)
    assert_first_codes(codes_from_api(client))

    # A corrected form, uploaded: a new run, reviewed with F0's change, then published.
    corrected = form_205(tmp_path / "F0-2025-更正.xlsx", 3000)
    upload = {"file": SimpleUploadedFile("F0-2025-更正.xlsx", corrected.read_bytes())}
    shown = client.get(post("/energy/uploads/", upload)).content.decode()
    assert "已导入" in shown
    second = pending_run(django_capture_on_commit_callbacks)
    assert second.pk != run.pk
    review = review_and_publish(client, second)
    assert "F0" in review
    assert_corrected_codes(codes_from_api(client))
    # The enterprise's own page shows the new code.
    f0 = second.codes.get(enterprise__entity_id="F0").enterprise
    owner = do_create_user("f0", "a-long-password-123", Binding("enterprise", f0), actor=ACTOR)
    own = Client()
    own.force_login(owner)
    assert "高碳5级" in own.get("/", follow=True).content.decode()
