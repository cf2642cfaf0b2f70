"""The energy-use space ledger on the demo city: sources and uses appended with audit,
refusal below zero, reversals and releases, the selectors the project review calls, a
district officer limited to its district, pages in Chinese, the API, and on PostgreSQL the
append-only trigger and two concurrent allocations of the same balance."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import DatabaseError, connection, transaction
from django.test import Client
from typer.testing import CliRunner

from citycarbon.cli.main import app
from citycarbon.core import ledger
from citycarbon.core.energyspace import TCE
from citycarbon.web.access.actions import Binding, do_create_api_key
from citycarbon.web.audit.actions import Actor
from citycarbon.web.audit.labels import action_label
from citycarbon.web.audit.models import AuditEvent
from citycarbon.web.energyspace import demo as space_demo
from citycarbon.web.energyspace.actions import (
    SpaceRefusedError,
    allocate_to_project,
    do_record_source,
    do_reverse,
    do_set_target,
    do_use_space,
)
from citycarbon.web.energyspace.models import EntryKind, SpaceEntry
from citycarbon.web.energyspace.selectors import (
    assigned_to_project,
    available_space,
    core_entries,
    overview,
    schedule,
    verify_chains,
)
from citycarbon.web.energyspace.templatetags.energyspace import tce
from citycarbon.web.regions.models import District
from tests.web.conftest import LoadedCity

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")
D = Decimal


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def fresh_district(code: str = "990001") -> District:
    """A district with an empty ledger (the demo fills every district of the city)."""
    return District.objects.create(code=code, name_zh="测试区")


def own() -> District:
    found = District.objects.order_by("code").first()
    assert found is not None
    return found


def other() -> District:
    found = District.objects.order_by("-code").exclude(pk=own().pk).first()
    assert found is not None
    return found


def source(district: District, amount: str, kind: str = EntryKind.CLOSURE) -> SpaceEntry:
    return do_record_source(
        district,
        kind=kind,
        amount_tce=D(amount),
        project_name="关停锅炉",
        evidence="文件 1",
        effective_on=dt.date(2024, 5, 1),
        actor=ACTOR,
    )


def test_sources_and_uses_by_hand_with_audit(loaded_city: LoadedCity) -> None:
    district = fresh_district()
    events = AuditEvent.objects.count()
    source(district, "1000.5")
    source(district, "250.25", EntryKind.RETROFIT)
    allocate_to_project(
        district.code, project_name="项目甲", amount_tce=D("800"), actor=ACTOR, evidence="能评批复"
    )
    do_use_space(
        district,
        kind=EntryKind.RESERVATION,
        project_name="项目乙",
        amount_tce=D("400"),
        actor=ACTOR,
    )
    assert available_space(district.code) == D("50.7500")
    assert assigned_to_project(district.code, "项目甲") == D("800.0000")
    assert assigned_to_project(district.code, "项目乙") == 0  # reserved, not allocated
    entries = list(SpaceEntry.objects.filter(district=district).order_by("seq"))
    assert [e.seq for e in entries] == [1, 2, 3, 4]
    assert [e.kind for e in entries] == ["closure", "retrofit", "allocation", "reservation"]
    assert [e.amount_tce for e in entries] == [D("1000.5"), D("250.25"), D("-800"), D("-400")]
    added = AuditEvent.objects.filter(pk__gt=0).order_by("-id")[:4]
    assert AuditEvent.objects.count() == events + 4
    assert [e.action for e in reversed(added)] == [
        "energyspace.closure",
        "energyspace.retrofit",
        "energyspace.allocation",
        "energyspace.reservation",
    ]
    assert added[0].after["amount_tce"] == "-400.0000" or added[0].after["amount_tce"] == "-400"
    # the stored hashes are the core's chain over the entries
    assert (
        ledger.verify_chain(
            core_entries(entries, district.code), [e.chain_hash for e in entries], TCE
        )
        == []
    )
    totals = overview(District.objects.filter(pk=district.pk))[0]
    assert (totals.sources_tce, totals.uses_tce, totals.balance_tce) == (
        D("1250.75"),
        D("1200"),
        D("50.75"),
    )


def test_an_allocation_beyond_the_balance_is_refused_and_nothing_is_written(
    loaded_city: LoadedCity,
) -> None:
    district = fresh_district()
    source(district, "100")
    events = AuditEvent.objects.count()
    with pytest.raises(SpaceRefusedError, match="余额不足") as refused:
        allocate_to_project(
            district.code, project_name="项目甲", amount_tce=D("100.0001"), actor=ACTOR
        )
    assert "insufficient balance" in str(refused.value)
    assert SpaceEntry.objects.filter(district=district).count() == 1
    assert AuditEvent.objects.count() == events
    # exactly the balance is allowed
    allocate_to_project(district.code, project_name="项目甲", amount_tce=D("100"), actor=ACTOR)
    assert available_space(district.code) == 0


def test_amounts_must_be_positive_and_exact(loaded_city: LoadedCity) -> None:
    district = fresh_district()
    for bad in ("0", "-5", "0.00001"):
        with pytest.raises(SpaceRefusedError):
            source(district, bad)
    with pytest.raises(SpaceRefusedError):
        do_record_source(
            district,
            kind=EntryKind.CLOSURE,
            amount_tce=0.5,  # type: ignore[arg-type]
            project_name="x",
            evidence="y",
            actor=ACTOR,
        )
    with pytest.raises(SpaceRefusedError, match="not a kind of use"):
        do_use_space(
            district, kind=EntryKind.CLOSURE, project_name="p", amount_tce=D(1), actor=ACTOR
        )
    assert not SpaceEntry.objects.filter(district=district).exists()


def test_reversal_restores_the_balance_exactly_once(loaded_city: LoadedCity) -> None:
    district = fresh_district()
    freed = source(district, "500")
    use = allocate_to_project(
        district.code, project_name="项目甲", amount_tce=D("300"), actor=ACTOR
    )
    # un-freeing space already allocated would go below zero
    with pytest.raises(SpaceRefusedError, match="余额不足"):
        do_reverse(freed, reason="核定有误", actor=ACTOR)
    with pytest.raises(SpaceRefusedError, match="reason"):
        do_reverse(use, reason=" ", actor=ACTOR)
    undo = do_reverse(use, reason="项目撤销", actor=ACTOR)
    assert undo.kind == EntryKind.REVERSAL and undo.reverses == use
    assert undo.amount_tce == D("300")
    assert available_space(district.code) == D("500")
    assert assigned_to_project(district.code, "项目甲") == 0
    with pytest.raises(SpaceRefusedError, match="already reversed"):
        do_reverse(use, reason="再次", actor=ACTOR)
    with pytest.raises(SpaceRefusedError, match="not reversed"):
        do_reverse(undo, reason="再次", actor=ACTOR)
    do_reverse(freed, reason="核定有误", actor=ACTOR)
    assert available_space(district.code) == 0
    assert AuditEvent.objects.filter(action="energyspace.reversal").count() >= 2


def test_a_reservation_is_released(loaded_city: LoadedCity) -> None:
    district = fresh_district()
    source(district, "90")
    held = do_use_space(
        district, kind=EntryKind.RESERVATION, project_name="项目丙", amount_tce=D("60"), actor=ACTOR
    )
    assert available_space(district.code) == D("30")
    released = do_reverse(held, reason="项目未获批", actor=ACTOR)
    assert released.kind == EntryKind.RELEASE
    assert available_space(district.code) == D("90")


def test_the_backward_schedule_of_a_target(loaded_city: LoadedCity) -> None:
    district = fresh_district()
    source(district, "300")  # effective 2024-05-01
    do_set_target(
        district,
        target_tce=D("1000"),
        start_on=dt.date(2024, 1, 1),
        deadline=dt.date(2024, 12, 31),
        actor=ACTOR,
    )
    target, frame = schedule(district, today=dt.date(2024, 7, 15))
    assert target is not None and frame is not None
    # 90, 181, 273 of 365 days, rounded up to 0.0001 tce
    assert frame.rows() == [
        (dt.date(2024, 3, 31), D("246.5754"), D("0.0000"), "behind"),
        (dt.date(2024, 6, 30), D("495.8905"), D("300.0000"), "behind"),
        (dt.date(2024, 9, 30), D("747.9453"), D("300.0000"), "due"),
        (dt.date(2024, 12, 31), D("1000.0000"), D("300.0000"), "due"),
    ]
    with pytest.raises(SpaceRefusedError):
        do_set_target(
            district,
            target_tce=D(1),
            start_on=dt.date(2024, 1, 1),
            deadline=dt.date(2024, 1, 1),
            actor=ACTOR,
        )


def test_the_demo_has_a_district_near_zero_and_loads_once(loaded_city: LoadedCity) -> None:
    districts = list(District.objects.order_by("code"))
    assert all(available_space(d.code) >= 0 for d in districts)
    assert available_space(districts[-1].code) == space_demo.NEAR_ZERO_TCE
    count = SpaceEntry.objects.count()
    assert space_demo.load(actor=ACTOR) == 0
    assert SpaceEntry.objects.count() == count


def test_a_district_officer_sees_and_records_only_its_own_district(
    loaded_city: LoadedCity,
) -> None:
    client = signed_in("district")
    html = client.get("/energy-space/").content.decode()
    assert own().name_zh in html and other().name_zh not in html
    assert client.get(f"/energy-space/{own().pk}/").status_code == 200
    assert client.get(f"/energy-space/{other().pk}/").status_code == 404
    before = available_space(own().code)
    answer = client.post(
        f"/energy-space/{own().pk}/source/",
        {
            "kind": "retrofit",
            "amount_tce": "12.3456",
            "project_name": "电机系统节能改造",
            "evidence": "节能量审核报告",
            "effective_on": "2025-03-01",
        },
    )
    assert answer.status_code == 302
    assert available_space(own().code) == before + D("12.3456")
    # allocation is the city's decision
    use = {
        "kind": "allocation",
        "amount_tce": "1",
        "project_name": "项目",
        "effective_on": "2025-03-01",
    }
    assert client.post(f"/energy-space/{own().pk}/use/", use).status_code == 403
    other_source = client.post(f"/energy-space/{other().pk}/source/", {})
    assert other_source.status_code == 404


def test_pages_speak_chinese_and_refuse_an_overdraft_in_chinese(loaded_city: LoadedCity) -> None:
    client = signed_in("regulator")
    district = own()
    for url in ("/energy-space/", f"/energy-space/{district.pk}/"):
        html = client.get(url).content.decode()
        assert "用能空间" in html
        for machine in (">closure<", ">allocation<", ">reservation<", ">behind<", ">due<", "tce)"):
            assert machine not in html, (url, machine)
    html = client.get(f"/energy-space/{district.pk}/").content.decode()
    assert "关停淘汰落后产能" in html and "倒排" in html and "台账及滚动余额" in html
    balance = available_space(district.code)
    answer = client.post(
        f"/energy-space/{district.pk}/use/",
        {
            "kind": "allocation",
            "amount_tce": str(balance + D("0.0001")),
            "project_name": "超额项目",
            "effective_on": "2025-03-01",
        },
    )
    assert answer.status_code == 400
    assert "余额不足" in answer.content.decode()
    assert available_space(district.code) == balance


def test_the_regulator_reverses_on_the_page(loaded_city: LoadedCity) -> None:
    client = signed_in("regulator")
    district = own()
    use = SpaceEntry.objects.filter(district=district, kind=EntryKind.ALLOCATION).first()
    assert use is not None
    before = available_space(district.code)
    answer = client.post(
        f"/energy-space/{district.pk}/reverse/", {"entry": use.seq, "reason": "项目撤销"}
    )
    assert answer.status_code == 302
    assert available_space(district.code) == before - use.amount_tce
    again = client.post(f"/energy-space/{district.pk}/reverse/", {"entry": use.seq, "reason": "x"})
    assert again.status_code == 400 and "已冲正" in again.content.decode()


def test_the_api_reads_and_appends(loaded_city: LoadedCity) -> None:
    key = do_create_api_key(Binding("regulator"), actor=ACTOR, scopes=("energyspace",))[1]
    headers = {"X-API-Key": key}
    client = Client()
    district = own()
    balances = client.get("/api/v1/energy-space/balances", headers=headers).json()
    row = next(b for b in balances if b["district_code"] == district.code)
    assert D(row["available_tce"]) == available_space(district.code)
    entries = client.get(
        f"/api/v1/energy-space/districts/{district.pk}/entries", headers=headers
    ).json()
    assert [e["seq"] for e in entries] == list(range(1, len(entries) + 1))
    assert D(entries[-1]["balance_tce"]) == available_space(district.code)
    body = {
        "district_code": district.code,
        "kind": "allocation",
        "amount_tce": "10.5",
        "project_name": "接口项目",
    }
    made = client.post(
        "/api/v1/energy-space/entries", body, content_type="application/json", headers=headers
    )
    assert made.status_code == 201, made.content
    assert D(made.json()["amount_tce"]) == D("-10.5")
    too_much = {**body, "amount_tce": str(available_space(district.code) + 1)}
    refused = client.post(
        "/api/v1/energy-space/entries", too_much, content_type="application/json", headers=headers
    )
    assert refused.status_code == 409 and "余额不足" in refused.json()["detail"]
    undo = {
        "district_code": district.code,
        "kind": "reversal",
        "reverses": made.json()["seq"],
        "reason": "接口冲正",
    }
    done = client.post(
        "/api/v1/energy-space/entries", undo, content_type="application/json", headers=headers
    )
    assert done.status_code == 201 and D(done.json()["amount_tce"]) == D("10.5")


def test_a_district_key_records_sources_but_may_not_allocate(loaded_city: LoadedCity) -> None:
    key = do_create_api_key(Binding("district", own()), actor=ACTOR, scopes=("energyspace",))[1]
    headers = {"X-API-Key": key}
    client = Client()
    body = {
        "district_code": own().code,
        "kind": "closure",
        "amount_tce": "5",
        "project_name": "关停砖窑",
        "evidence": "关停验收单",
    }
    post = lambda b: client.post(  # noqa: E731
        "/api/v1/energy-space/entries", b, content_type="application/json", headers=headers
    )
    assert post(body).status_code == 201
    assert post({**body, "district_code": other().code}).status_code == 404
    assert post({**body, "kind": "allocation"}).status_code == 403
    codes = {
        b["district_code"]
        for b in client.get("/api/v1/energy-space/balances", headers=headers).json()
    }
    assert codes == {own().code}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="triggers need PostgreSQL")
def test_postgresql_refuses_to_change_entries(loaded_city: LoadedCity) -> None:
    one = SpaceEntry.objects.filter(pk=SpaceEntry.objects.first().pk)  # type: ignore[union-attr]
    with pytest.raises(DatabaseError, match="only ever added"), transaction.atomic():
        one.update(amount_tce=D("999"))
    with pytest.raises(DatabaseError, match="only ever added"), transaction.atomic():
        one.delete()
    assert one.exists()


def test_verify_finds_an_edited_entry(loaded_city: LoadedCity) -> None:
    assert verify_chains().broken == []
    result = CliRunner().invoke(app, ["energy-space", "verify"])
    assert result.exit_code == 0, result.output
    assert "chain intact" in result.output
    entry = SpaceEntry.objects.filter(district=own()).order_by("seq")[1]
    table = SpaceEntry._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cursor.execute(f"UPDATE {table} SET amount_tce = amount_tce + 1 WHERE id = %s", [entry.pk])
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
    broken = verify_chains().broken
    assert (own().code, entry.seq) in broken
    assert all(code == own().code for code, _seq in broken)
    result = CliRunner().invoke(app, ["energy-space", "verify"])
    assert result.exit_code == 2
    assert f"entry {entry.seq} does not match" in result.output


def test_amounts_are_shown_exactly_with_separators() -> None:
    assert tce(D("3250.5000")) == "3,250.5"
    assert tce(D("-2000.0000")) == "-2,000"
    assert tce(D("0.0001")) == "0.0001"
    assert tce(D("123456789012.3456")) == "123,456,789,012.3456"  # a float would lose digits
    assert tce(None) == ""


def test_the_regulator_sets_a_target_on_the_page_and_sees_the_timeline(
    loaded_city: LoadedCity,
) -> None:
    client = signed_in("regulator")
    district = fresh_district()
    source(district, "100")
    url = f"/energy-space/{district.pk}/target/"
    wrong = client.post(
        url, {"target_tce": "400", "start_on": "2024-01-01", "deadline": "2023-12-31"}
    )
    assert wrong.status_code == 400 and "截止日期须晚于起始日期" in wrong.content.decode()
    done = client.post(
        url, {"target_tce": "400", "start_on": "2024-01-01", "deadline": "2024-12-31"}
    )
    assert done.status_code == 302
    html = client.get(f"/energy-space/{district.pk}/").content.decode()
    # by 31 March 98.6302 tce were due and 100 freed (effective 1 May: not yet) → behind
    assert '<td>2024-03-31</td><td class="num">98.6302</td><td class="num">0</td>' in html
    assert "进度滞后" in html and "自 2024-01-01 至 2024-12-31 腾出 400 吨标准煤" in html
    assert AuditEvent.objects.filter(action="energyspace.target").exists()
    assert action_label("energyspace.allocation") == "分配用能空间给项目"
