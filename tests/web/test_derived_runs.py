"""Estimates and the energy balance as derived runs over the published accounting run, on a
city small enough to check by hand: five enterprises of class 2610 (four in 东湖区, one in
西山区), whose only energy is grid electricity, 1..5 万kWh a month (enterprise i: i 万kWh)
in every month of 2025, loaded through the real import, grading, publish and grid-ingest
actions.

With electricity the only energy, an enterprise's accounted tCO2 is its MWh × the grid
factor, so the fitted tCO2/MWh ratio is the factor set's grid factor itself: 0.5306 in
``cn-2023``, 0.4974 in ``zj-2023``. A January 2026 reading of 20,000 kWh (20 MWh) for the
first enterprise, whose forms have not arrived, is estimated at 20 × 0.5306 = 10.612 tCO2
(10.612 and 9.948 with ``zj-2023``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from django.contrib.auth.models import User
from django.test import Client
from typer.testing import CliRunner

from citycarbon.cli.main import app
from citycarbon.core import balance as core_balance
from citycarbon.core import rapid
from citycarbon.core.democity import generate_city
from citycarbon.core.factors import FactorSet, load_factor_set
from citycarbon.core.schemas import ENERGY_RECORDS
from citycarbon.web.access.actions import Binding, do_create_user
from citycarbon.web.audit.actions import Actor
from citycarbon.web.balance.models import BalanceRow, BalanceRun
from citycarbon.web.electricity.actions import do_ingest_readings, do_map_accounts
from citycarbon.web.energy import selectors as energy_selectors
from citycarbon.web.energy.actions import do_import_energy
from citycarbon.web.enterprises.actions import do_import_enterprises
from citycarbon.web.estimates import runs as estimate_runs
from citycarbon.web.estimates.models import Estimate, EstimateRun
from citycarbon.web.grading.actions import do_publish
from citycarbon.web.grading.runs import do_run_here, grading_run_of
from citycarbon.web.grading.selectors import published_accounting_run
from citycarbon.web.jobs.derived import build_here
from citycarbon.web.jobs.models import DerivedRunStatus, JobStatus
from citycarbon.web.regions.actions import do_sync_regions

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")
LOCAL = ZoneInfo("Asia/Shanghai")
CN_GRID, ZJ_GRID = 0.5306, 0.4974
IDS = [f"T{i}" for i in range(1, 6)]
OnCommit = Callable[..., Any]


def _publish(factors: FactorSet) -> None:
    job = do_run_here(2025, factors, actor=ACTOR)
    run = grading_run_of(job)
    assert job.status == JobStatus.DONE and run is not None, job.reason_en
    do_publish(run, actor=ACTOR)


def _reading(account: str, period: str, kwh: float, grain: str = "month") -> dict[str, Any]:
    y, m, *d = (int(x) for x in period.split("-"))
    start = datetime(y, m, d[0] if d else 1, tzinfo=LOCAL)
    return {"account_no": account, "start": start, "grain": grain, "kwh": kwh}


def _ingest(rows: list[dict[str, Any]]) -> None:
    frame = pl.DataFrame(rows).with_columns(
        pl.col("start").dt.convert_time_zone("Asia/Shanghai"), account_name=pl.lit("")
    )
    do_ingest_readings(frame, actor=ACTOR, source="test")


@pytest.fixture
def city(django_capture_on_commit_callbacks: OnCommit) -> None:
    """The five enterprises, their 2025 forms and readings, graded and published with
    ``cn-2023``; the rebuilds the actions queue after commit run (the test settings' immediate
    backend)."""
    usccs = generate_city(load_factor_set(), seed=1, enterprises=5).enterprises["uscc"]
    districts = pl.DataFrame(
        {
            "district_code": ["339901", "339902"],
            "name_zh": ["东湖区", "西山区"],
            "name_en": ["Donghu District", "Xishan District"],
        }
    )
    industries = pl.DataFrame(
        {"industry_code": ["2610"], "name_zh": ["基础化学原料制造"], "name_en": ["basic chemicals"]}
    )
    firms = pl.DataFrame(
        {
            "entity_id": IDS,
            "uscc": usccs.to_list(),
            "name": [f"测试企业{i}" for i in range(1, 6)],
            "district_code": ["339901"] * 4 + ["339902"],
            "industry_code": ["2610"] * 5,
            "key_energy_user": [False] * 5,
            "synthetic": [True] * 5,
        }
    )
    economics = pl.DataFrame(
        {"entity_id": IDS, "year": [2025] * 5, "value_added_10k_yuan": [1000.0] * 5}
    )
    months = [f"2025-{m:02d}" for m in range(1, 13)]
    records = pl.DataFrame(
        [(e, p, "33", float(i), "fuel") for i, e in enumerate(IDS, 1) for p in months],
        schema={**dict(ENERGY_RECORDS), "purpose": pl.String()},
        orient="row",
    ).cast({"purpose": ENERGY_RECORDS["purpose"]})
    with django_capture_on_commit_callbacks(execute=True):
        do_sync_regions(districts, industries, actor=ACTOR)
        do_import_enterprises(firms, economics, actor=ACTOR, source="test")
        do_import_energy(records, actor=ACTOR, source="test")
        _publish(load_factor_set("cn-2023"))
        readings = [_reading(f"A-{e}", p, i * 1e4) for i, e in enumerate(IDS, 1) for p in months]
        readings.append(_reading("A-T1", "2026-01", 20_000.0))
        _ingest(readings)
        do_map_accounts({f"A-{e}": e for e in IDS}, actor=ACTOR)
    do_create_user("reg", "pw-reg-0000", Binding("regulator"), actor=ACTOR)


def _estimate(run: EstimateRun, entity: str, period: str) -> Estimate:
    return Estimate.objects.get(run=run, enterprise__entity_id=entity, period=period)


def _newest(model: type[EstimateRun] | type[BalanceRun]) -> Any:
    return model.objects.filter(status=DerivedRunStatus.DONE).order_by("-id").first()


def test_built_after_commit_over_the_published_run(city: None) -> None:
    run = _newest(EstimateRun)
    published = published_accounting_run()
    assert run is not None and published is not None
    assert run.accounting_run_id == published.pk
    assert (run.factor_set, run.factor_set_hash) == ("cn-2023", published.factor_set_hash)
    assert run.method_version == rapid.METHOD_VERSION and run.fit_year == 2025
    jan26 = _estimate(run, "T1", "2026-01")
    assert jan26.kwh == 20_000.0
    assert jan26.tco2_per_mwh == pytest.approx(CN_GRID)
    assert jan26.estimated_tco2 == pytest.approx(20 * CN_GRID)  # 10.612
    assert jan26.reported_source == "estimated" and jan26.accounted_tco2 is None
    # 2025-03 of T3: 3 万kWh = 30 MWh, accounted 30 × 0.5306 = 15.918 and reported as such
    mar = _estimate(run, "T3", "2025-03")
    assert mar.accounted_tco2 == pytest.approx(30 * CN_GRID)
    assert mar.reported_source == "accounted"
    balance = _newest(BalanceRun)
    assert balance is not None and balance.accounting_run_id == published.pk
    # 2025 supply of electricity: city 12 × (1+2+3+4+5) = 180 万kWh, 东湖区 12 × 10 = 120
    supply = dict(
        BalanceRow.objects.filter(run=balance, year=2025, energy_code="33").values_list(
            "scope", "supply"
        )
    )
    assert supply == {"city": pytest.approx(180.0), "339901": pytest.approx(120.0)} | {
        "339902": pytest.approx(60.0)
    }
    city_row = BalanceRow.objects.get(run=balance, year=2025, energy_code="33", scope="city")
    assert city_row.final_intensive == pytest.approx(180.0)  # division 26


def test_a_page_view_reads_rows_and_computes_nothing(
    city: None,
    client: Client,
    monkeypatch: pytest.MonkeyPatch,
    django_assert_max_num_queries: Callable[[int], Any],
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a page view recomputed")

    for module, name in (
        (energy_selectors, "energy_records"),
        (estimate_runs, "readings"),
        (rapid, "fit_ratios"),
        (rapid, "estimate"),
        (core_balance, "energy_balance"),
    ):
        monkeypatch.setattr(module, name, refuse)
    client.force_login(User.objects.get(username="reg"))
    with django_assert_max_num_queries(15):
        page = client.get("/estimates/", {"month": "2026-01"})
    assert page.status_code == 200
    html = page.content.decode()
    run = _newest(EstimateRun)
    # provenance: accounting run, factor set (linked to its page), method, input hash
    assert f"#{run.accounting_run_id}" in html
    assert 'href="/factors/cn-2023/"' in html and ">cn-2023</a>" in html
    assert "rapid/1" in html and run.input_fingerprint[:12] in html
    # the by-district row of January 2026 links down to the district's enterprises
    assert 'href="/enterprises/?district=339901"' in html
    api = client.get("/api/v1/estimates", {"period": "2026-01"}).json()
    assert api["count"] == 1 and api["run"]["id"] == run.pk
    assert api["items"][0]["estimated_tco2"] == pytest.approx(20 * CN_GRID)
    with django_assert_max_num_queries(15):
        balance = client.get("/balance/", {"year": "2025"})
    assert balance.status_code == 200
    assert _newest(BalanceRun).input_fingerprint[:12] in balance.content.decode()
    factors = client.get("/factors/cn-2023/")
    assert factors.status_code == 200 and 'id="code-33"' in factors.content.decode()


def test_a_new_publish_with_another_factor_set_rebuilds(
    city: None, client: Client, django_capture_on_commit_callbacks: OnCommit
) -> None:
    before = _newest(EstimateRun)
    with django_capture_on_commit_callbacks(execute=True):
        _publish(load_factor_set("zj-2023"))
    after = _newest(EstimateRun)
    assert after.pk != before.pk and after.factor_set == "zj-2023"
    assert after.accounting_run_id == published_accounting_run().pk  # type: ignore[union-attr]
    assert _estimate(after, "T1", "2026-01").estimated_tco2 == pytest.approx(20 * ZJ_GRID)
    # the old run's rows stay as they were
    assert _estimate(before, "T1", "2026-01").estimated_tco2 == pytest.approx(20 * CN_GRID)
    assert _newest(BalanceRun).factor_set == "zj-2023"
    client.force_login(User.objects.get(username="reg"))
    html = client.get("/estimates/").content.decode()
    assert ">zj-2023</a>" in html and ">cn-2023</a>" not in html


def test_a_failed_build_writes_no_rows_and_the_page_keeps_the_last_run(
    city: None, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    done = _newest(EstimateRun)
    _ingest([_reading("A-T2", "2026-01", 5_000.0)])  # new inputs (no commit: no rebuild)

    def broken(*args: object) -> pl.DataFrame:
        raise RuntimeError("disk full")

    # The estimates are inserted before the sums: the failure comes after rows were written.
    monkeypatch.setattr(estimate_runs, "_sums", broken)
    job = build_here(estimate_runs.KIND, actor=ACTOR)
    assert job.status == JobStatus.FAILED
    failed = EstimateRun.objects.order_by("-id").first()
    assert failed is not None and failed.pk != done.pk
    assert failed.status == DerivedRunStatus.FAILED and "RuntimeError" in failed.reason_en
    assert not Estimate.objects.filter(run=failed).exists()
    client.force_login(User.objects.get(username="reg"))
    html = client.get("/estimates/").content.decode()
    assert done.input_fingerprint[:12] in html


def test_balance_headers_in_one_language(city: None, client: Client) -> None:
    client.force_login(User.objects.get(username="reg"))
    zh = client.get("/balance/", {"year": "2025"}).content.decode()
    assert "终端消费：高耗能制造业" in zh and "final consumption" not in zh
    assert "东湖区" in zh and "Donghu District" not in zh
    client.cookies["django_language"] = "en"
    en = client.get("/balance/", {"year": "2025"}).content.decode()
    assert "final consumption: energy-intensive manufacturing" in en
    assert "终端消费：高耗能制造业" not in en and "Donghu District" in en


def test_nothing_published_says_so(client: Client) -> None:
    do_create_user("reg", "pw-reg-0000", Binding("regulator"), actor=ACTOR)
    client.force_login(User.objects.get(username="reg"))
    html = client.get("/estimates/").content.decode()
    assert 'id="no-run"' in html and "尚无已发布的核算批次" in html
    assert 'id="no-run"' in client.get("/balance/").content.decode()


def test_cli_refuses_without_a_published_run() -> None:
    result = CliRunner().invoke(app, ["run", "estimates"])
    assert result.exit_code == 2
    said = " ".join(result.output.split())
    assert "没有已发布的核算批次" in said and "no accounting run is published" in said
    assert not EstimateRun.objects.exists()


def test_cli_builds_and_reuses(city: None) -> None:
    built = _newest(EstimateRun)
    result = CliRunner().invoke(app, ["run", "estimates"])
    assert result.exit_code == 0, result.output
    # nothing changed since the build after the ingest: the same run
    assert f"estimate run #{built.pk}" in result.output and "factor set cn-2023" in result.output
    assert _newest(EstimateRun).pk == built.pk
    result = CliRunner().invoke(app, ["run", "balance"])
    assert result.exit_code == 0, result.output
    assert "years 2025" in result.output and "method balance/1" in result.output
