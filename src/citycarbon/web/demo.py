"""Loading the synthetic demo city into the database and running its batch work."""

from __future__ import annotations

import hashlib
import hmac
import tempfile
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max

from citycarbon.core.democity import DemoCity, DemoElectricity, electricity_readings, energy_records
from citycarbon.core.factors import FactorSet
from citycarbon.io.energy_import import file_sha256
from citycarbon.io.files import write_csv
from citycarbon.web.access.actions import Binding, do_create_user
from citycarbon.web.access.models import Bank
from citycarbon.web.audit.actions import Actor, record, snapshot
from citycarbon.web.audit.models import DataImport
from citycarbon.web.balance import runs as balance_runs
from citycarbon.web.budgets.demo import load_demo_budgets
from citycarbon.web.buildings.actions import do_grade_buildings, do_import_buildings
from citycarbon.web.electricity.actions import do_ingest_readings, do_map_accounts, readings_sha256
from citycarbon.web.electricity.models import ElectricityBatch
from citycarbon.web.energy.ingest import do_import_energy_file
from citycarbon.web.energy.models import AccountingRun, UploadStatus
from citycarbon.web.energyspace import demo as energyspace_demo
from citycarbon.web.enterprises.actions import (
    ImportRejectedError,
    do_grant_consent,
    do_import_enterprises,
)
from citycarbon.web.enterprises.models import Enterprise
from citycarbon.web.estimates import runs as estimate_runs
from citycarbon.web.grading.actions import do_publish
from citycarbon.web.grading.models import GradingRun
from citycarbon.web.grading.runs import do_run_here, grading_run_of
from citycarbon.web.jobs.derived import build_here
from citycarbon.web.jobs.models import Job, JobStatus
from citycarbon.web.regions.actions import do_sync_regions
from citycarbon.web.regions.models import District
from citycarbon.web.targets import demo as targets_demo

ACTOR = Actor.system("demo")


@dataclass(frozen=True)
class DemoLoad:
    """What loading changed; all zero/False on a second load of the same city."""

    regions_changed: int
    enterprises_imported: bool
    energy_imported: bool
    accounted: bool
    graded: bool
    published: bool
    building_codes_written: int
    grading_run: GradingRun
    electricity_readings: int = 0
    """Readings the grid feed added (0 when this feed was loaded before)."""
    accounts_mapped: int = 0
    estimate_run: int | None = None
    """The estimate run over the published accounting run, built last."""
    balance_run: int | None = None


def load_demo(
    city: DemoCity,
    buildings: pl.DataFrame,
    factors: FactorSet,
    *,
    source: str,
    electricity: DemoElectricity | None = None,
    energy_csv: Path | None = None,
) -> DemoLoad:
    """Load ``city`` (and its ``buildings`` frame), run the registered accounting and grading
    run (``grading.runs``) in the foreground and publish it, then the grid
    company's readings (``electricity``, default generated from the city with the default
    seed) with the city's accounts mapped and the unknown ones left unmapped, and last the
    estimates and the energy balance over the published run (their registered builds). Each
    step is its own audited action; running it again with the same city changes nothing.

    The energy records come in as the file ``energy_csv`` (the city's ``energy.csv``; default
    that file written to a temporary folder), through the same import as an upload, so the
    import is keyed by the file's hash: uploading that file again changes nothing."""
    records = energy_records(city.energy).collect()
    with tempfile.TemporaryDirectory() as folder:
        if energy_csv is None:
            energy_csv = Path(folder) / "energy.csv"
            write_csv(city.energy, energy_csv)
        sha = file_sha256(energy_csv)
        return _load(city, buildings, factors, records, energy_csv, sha, source, electricity)


def _load(
    city: DemoCity,
    buildings: pl.DataFrame,
    factors: FactorSet,
    records: pl.DataFrame,
    energy_csv: Path,
    sha: str,
    source: str,
    electricity: DemoElectricity | None,
) -> DemoLoad:
    earlier = DataImport.objects.filter(kind="energy", actor_label=ACTOR.label)
    if earlier.exists() and not earlier.filter(sha256=sha).exists():
        msg = "its energy records differ from this city's"
        raise ImportRejectedError(msg)
    before = {
        "accounting": AccountingRun.objects.aggregate(m=Max("pk"))["m"] or 0,
        "grading": GradingRun.objects.aggregate(m=Max("pk"))["m"] or 0,
    }
    regions = do_sync_regions(city.districts, city.industries, actor=ACTOR)
    ent = do_import_enterprises(city.enterprises, city.economics, actor=ACTOR, source=source)
    en = do_import_energy_file(energy_csv, actor=ACTOR, source=source)
    energy_imported = en.status != UploadStatus.UNCHANGED
    latest = GradingRun.objects.order_by("-pk").first()
    unchanged = regions == 0 and ent is None and not energy_imported
    # Nothing new since the last load: no new run either (a run changes nothing, but its job
    # and audit rows would).
    grading = latest if unchanged and latest else _run_pipeline(records, factors)
    accounted = grading.accounting_run_id > before.get("accounting", 0)
    graded = grading.pk > before.get("grading", 0)
    published = do_publish(grading, actor=ACTOR)
    do_import_buildings(buildings, actor=ACTOR, source=source)
    codes = do_grade_buildings(factors, actor=ACTOR)
    grid = electricity if electricity is not None else electricity_readings(city)
    fed = 0
    grid_sha = readings_sha256(grid.readings)
    if not ElectricityBatch.objects.filter(sha256=grid_sha).exists():
        fed = do_ingest_readings(
            grid.readings, actor=ACTOR, source=source, sha256=grid_sha
        ).inserted
    known = grid.accounts.filter(pl.col("entity_id").is_not_null())
    mapped = do_map_accounts(dict(known.select("account_no", "entity_id").iter_rows()), actor=ACTOR)
    # As above: nothing new, no new build (its job and audit rows would be new).
    again = unchanged and not published and fed == 0 and mapped == 0
    estimates = _build_derived(estimate_runs.KIND, again)
    balance = _build_derived(balance_runs.KIND, again)
    load_demo_budgets()
    targets_demo.load(actor=ACTOR)
    energyspace_demo.load(actor=ACTOR)
    return DemoLoad(
        regions_changed=regions,
        enterprises_imported=ent is not None,
        energy_imported=energy_imported,
        accounted=accounted,
        graded=graded,
        published=published,
        building_codes_written=codes,
        grading_run=grading,
        electricity_readings=fed,
        accounts_mapped=mapped,
        estimate_run=estimates,
        balance_run=balance,
    )


def _build_derived(kind: str, again: bool) -> int | None:
    """A derived build (estimates, balance) over the published run, in the foreground: the
    same job the worker runs after a publish or an ingest. ``again``: a load that changed
    nothing, whose last build of ``kind`` is the answer. Returns the run's id."""
    result = "estimate_run" if kind == estimate_runs.KIND else "balance_run"
    if again:
        last = Job.objects.filter(kind=kind, status=JobStatus.DONE).order_by("-id").first()
        if last is not None and result in last.params:
            return int(last.params[result])
    job = build_here(kind, actor=ACTOR)
    if job.status != JobStatus.DONE:
        msg = f"the demo build {kind} failed: {job.reason_zh} / {job.reason_en}"
        raise RuntimeError(msg)
    run = job.params.get(result)
    return int(run) if run is not None else None


def _run_pipeline(records: pl.DataFrame, factors: FactorSet) -> GradingRun:
    """The registered run (``grading.runs``) for the city's latest year, in the foreground:
    the same job the worker runs after an import."""
    year = int(records["period"].str.slice(0, 4).cast(pl.Int32).max())  # type: ignore[arg-type]
    job = do_run_here(year, factors, actor=ACTOR)
    run = grading_run_of(job)
    if job.status != JobStatus.DONE or run is None:
        msg = f"the demo run failed: {job.reason_zh} / {job.reason_en}"
        raise RuntimeError(msg)
    return run


DEMO_BANK = ("DEMOBANK", "演示银行（合成）")


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    sees: str


def demo_password(username: str) -> str:
    """A demo user's password: derived from this installation's secret key, so it is stable
    across runs, differs between installations, and is stored nowhere."""
    digest = hmac.new(
        settings.SECRET_KEY.encode("utf-8"), f"demo-login:{username}".encode(), hashlib.sha256
    )
    return "cc-" + digest.hexdigest()[:16]


@transaction.atomic
def _ensure_bank() -> Bank:
    bank = Bank.objects.filter(code=DEMO_BANK[0]).first()
    if bank is None:
        bank = Bank.objects.create(code=DEMO_BANK[0], name=DEMO_BANK[1])
        record(ACTOR, "access.create_bank", "Bank", bank.pk, after=snapshot(bank))
    return bank


def ensure_demo_logins() -> list[DemoLogin]:
    """One log-in per role on the demo city (made once; later runs only list them): a
    platform admin, a city regulator, an officer of the first district, users of two
    enterprises, and an officer of the demo bank, to which the first enterprise consents."""
    bank = _ensure_bank()
    district = District.objects.order_by("code").first()
    first, second = list(Enterprise.objects.order_by("entity_id")[:2])
    wanted = [
        ("admin", Binding("admin"), "everything, and the Django admin"),
        ("regulator", Binding("regulator"), "the whole city"),
        (
            "district",
            Binding("district", district),
            f"district {district.code if district else ''}",
        ),
        ("enterprise1", Binding("enterprise", first), first.entity_id),
        ("enterprise2", Binding("enterprise", second), second.entity_id),
        ("bank", Binding("bank", bank), f"enterprises that consent to {bank.code}"),
    ]
    logins = []
    for username, binding, sees in wanted:
        password = demo_password(username)
        if not User.objects.filter(username=username).exists():
            do_create_user(username, password, binding, actor=ACTOR)
        logins.append(DemoLogin(username, password, binding.role, sees))
    do_grant_consent(first, bank, actor=ACTOR)
    return logins
