"""Onboarding a city from the command line: ``citycarbon import regions | enterprises |
economics``, then energy, accounting, grading and publishing to a code the API serves."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from typer.testing import CliRunner

from citycarbon.cli.main import app
from citycarbon.core.factors import FactorSet
from citycarbon.core.ids import USCC_CHARSET, make_uscc
from citycarbon.web.access.actions import Binding, do_create_api_key
from citycarbon.web.audit.actions import Actor
from citycarbon.web.audit.models import AuditEvent
from citycarbon.web.energy.actions import do_account
from citycarbon.web.enterprises.models import EconomicYear, Enterprise
from citycarbon.web.grading.actions import do_grade, do_publish
from citycarbon.web.grading.selectors import forget_views
from citycarbon.web.regions.models import District, Industry

pytestmark = pytest.mark.django_db

ACTOR = Actor.system("test")
U1 = make_uscc("330101", 1)
U2 = make_uscc("330102", 2)
REGIONS = (
    "district_code,name,name_en,parent_code\n330101,上城区,Shangcheng,330100\n330102,下城区,,\n"
)
ENTERPRISES = (
    "entity_id,uscc,name,district_code,industry_code,address,key_energy_user\n"
    f"E1,{U1},甲纺织有限公司,330101,C1711,解放路 1 号,是\n"
    f"E2,{U2},乙乳业有限公司,330102,1440,,0\n"
)
ECONOMICS = (
    "entity_id,year,industry_code,value_added_10k_yuan,gross_output_10k_yuan\n"
    "E1,2025,C1711,1200.5,5000\nE2,2025,1440,800,\n"
)


def run(kind: str, path: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["import", kind, str(path), *extra])
    return result.exit_code, result.output


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def onboard(tmp_path: Path) -> None:
    for kind, text in (
        ("regions", REGIONS),
        ("enterprises", ENTERPRISES),
        ("economics", ECONOMICS),
    ):
        code, output = run(kind, write(tmp_path, f"{kind}.csv", text))
        assert code == 0, output


def state() -> dict[str, int]:
    return {
        m.__name__: m.objects.count()
        for m in (District, Industry, Enterprise, EconomicYear, AuditEvent)
    }


def test_happy_path_creates_regions_enterprises_and_economics(tmp_path: Path) -> None:
    code, output = run("regions", write(tmp_path, "r.csv", REGIONS))
    assert code == 0, output
    assert "新增 2" in output and "created 2, updated 0, unchanged 0" in output
    assert District.objects.get(code="330101").parent_code == "330100"
    code, output = run("enterprises", write(tmp_path, "e.csv", ENTERPRISES))
    assert code == 0, output
    e1 = Enterprise.objects.get(entity_id="E1")
    assert (e1.uscc, e1.district.code, e1.industry.code, e1.key_energy_user) == (
        U1,
        "330101",
        "1711",
        True,
    )
    assert e1.address == "解放路 1 号"
    code, output = run("economics", write(tmp_path, "x.csv", ECONOMICS))
    assert code == 0, output
    year = EconomicYear.objects.get(enterprise=e1, year=2025)
    assert (year.value_added_10k_yuan, year.gross_output_10k_yuan) == (1200.5, 5000.0)
    assert EconomicYear.objects.get(enterprise__entity_id="E2").gross_output_10k_yuan is None


def test_reimport_updates_with_before_and_after_and_never_duplicates(tmp_path: Path) -> None:
    onboard(tmp_path)
    code, output = run(
        "regions", write(tmp_path, "r2.csv", "district_code,name\n330101,上城区新\n330103,新区\n")
    )
    assert code == 0, output
    assert "created 1, updated 1, unchanged 0" in output
    event = AuditEvent.objects.filter(action="regions.update").get()
    # a file without name_en and parent_code clears them: the file says what a district is
    assert event.before == {"name_zh": "上城区", "name_en": "Shangcheng", "parent_code": "330100"}
    assert event.after == {"name_zh": "上城区新", "name_en": "", "parent_code": ""}
    changed = ENTERPRISES.replace("甲纺织有限公司", "甲纺织股份有限公司").replace(",是\n", ",否\n")
    code, output = run("enterprises", write(tmp_path, "e2.csv", changed))
    assert code == 0, output
    assert "created 0, updated 1, unchanged 1" in output
    event = AuditEvent.objects.filter(action="enterprises.update").get()
    assert event.object_id == str(Enterprise.objects.get(entity_id="E1").pk)
    assert event.before == {"name": "甲纺织有限公司", "key_energy_user": True}
    assert event.after == {"name": "甲纺织股份有限公司", "key_energy_user": False}
    code, output = run(
        "economics",
        write(
            tmp_path, "x2.csv", ECONOMICS.replace("1200.5", "1300").replace("E2,2025", "E2,2024")
        ),
    )
    assert code == 0, output
    assert "created 1, updated 1, unchanged 0" in output
    event = AuditEvent.objects.filter(action="enterprises.economics_update").get()
    assert (event.object_id, event.before, event.after) == (
        "E1/2025",
        {"value_added_10k_yuan": 1200.5},
        {"value_added_10k_yuan": 1300.0},
    )
    assert Enterprise.objects.count() == 2
    assert District.objects.count() == 3
    assert EconomicYear.objects.count() == 3


def test_identical_reimport_changes_nothing(tmp_path: Path) -> None:
    onboard(tmp_path)
    before = state()
    for kind, text, n in (
        ("regions", REGIONS, 2),
        ("enterprises", ENTERPRISES, 2),
        ("economics", ECONOMICS, 2),
    ):
        code, output = run(kind, write(tmp_path, f"again-{kind}.csv", text))
        assert code == 0, output
        assert f"created 0, updated 0, unchanged {n}" in output
    assert state() == before


def test_gbk_files_are_read(tmp_path: Path) -> None:
    for kind, text in (
        ("regions", REGIONS),
        ("enterprises", ENTERPRISES),
        ("economics", ECONOMICS),
    ):
        code, output = run(kind, write(tmp_path, f"{kind}.csv", text, "gbk"))
        assert code == 0, output
    assert District.objects.get(code="330102").name_zh == "下城区"
    assert Enterprise.objects.get(entity_id="E2").name == "乙乳业有限公司"


def bad_check_char(uscc: str) -> str:
    return uscc[:17] + USCC_CHARSET[(USCC_CHARSET.index(uscc[17]) + 1) % len(USCC_CHARSET)]


@pytest.mark.parametrize(
    ("kind", "text", "zh", "en"),
    [
        (
            "regions",
            "district_code,name\n330101,上城区\n33010,短码区\n",
            "区县代码格式错误",
            "malformed district code",
        ),
        (
            "enterprises",
            ENTERPRISES.replace(",330102,", ",330199,"),
            "平台中没有该区县，请先用 citycarbon import regions 导入",
            "no such district in the platform; import it first with citycarbon import regions",
        ),
        (
            "enterprises",
            ENTERPRISES.replace(U2, bad_check_char(U2)),
            "统一社会信用代码格式或校验位错误",
            "fails its check characters",
        ),
        (
            "enterprises",
            ENTERPRISES.replace("E2,", "E1,"),
            "重复记录",
            "duplicate row",
        ),
        (
            "economics",
            ECONOMICS.replace("E2,", "E9,"),
            "平台中没有该主体编号的企业",
            "no enterprise with this entity id in the platform",
        ),
        (
            "economics",
            ECONOMICS.replace("1200.5", "inf"),
            "不是有效数字",
            "not a valid number",
        ),
        (
            "enterprises",
            ENTERPRISES.replace("uscc,", "usc,", 1),
            "缺少必需列",
            "required column is missing",
        ),
        (
            "economics",
            ECONOMICS.replace("E2,2025,1440", "E2,2025,1711"),
            "行业代码与平台中该企业的行业不符",
            "industry code differs",
        ),
    ],
    ids=[
        "bad-district-format",
        "unknown-district",
        "bad-uscc-check-char",
        "duplicate-entity",
        "unknown-enterprise",
        "non-finite-value-added",
        "missing-column",
        "industry-mismatch",
    ],
)
def test_bad_input_exits_2_with_a_row_report_and_writes_nothing(
    tmp_path: Path, kind: str, text: str, zh: str, en: str
) -> None:
    code, output = run("regions", write(tmp_path, "r.csv", REGIONS))
    assert code == 0, output
    if kind == "economics":
        code, output = run("enterprises", write(tmp_path, "e.csv", ENTERPRISES))
        assert code == 0, output
    before = state()
    path = write(tmp_path, "bad.csv", text)
    code, output = run(kind, path)
    assert code == 2, output
    assert zh in output and en in output
    assert f"{path}:" in output  # the report names the file (and row)
    assert "未写出结果" in output and "no output written" in output
    assert state() == before


def test_onboarded_city_gets_a_published_code_by_uscc(
    tmp_path: Path, factors: FactorSet, client: Client
) -> None:
    """Regions → enterprises → economics → energy, then account, grade and publish: the
    new enterprise's code is served by USCC."""
    forget_views()
    firms = [(f"F{i}", make_uscc("330101", 100 + i)) for i in range(6)]
    enterprises = "entity_id,uscc,name,district_code,industry_code\n" + "".join(
        f"{e},{u},企业{e},330101,1711\n" for e, u in firms
    )
    economics = "entity_id,year,industry_code,value_added_10k_yuan\n" + "".join(
        f"{e},2025,1711,{1000 + 100 * i}\n" for i, (e, _) in enumerate(firms)
    )
    energy = "entity_id,period,energy_code,quantity,unit,purpose\n" + "".join(
        f"{u},2025-{m:02d},01,{50 + 10 * i},t,fuel\n"
        for i, (_, u) in enumerate(firms)
        for m in (1, 2)
    )
    for kind, text in (
        ("regions", REGIONS),
        ("enterprises", enterprises),
        ("economics", economics),
        ("energy", energy),
    ):
        code, output = run(kind, write(tmp_path, f"{kind}.csv", text))
        assert code == 0, output
    accounting, _ = do_account(factors, actor=ACTOR)
    grading, _ = do_grade(accounting, actor=ACTOR)
    assert do_publish(grading, actor=ACTOR)
    forget_views()
    key = do_create_api_key(Binding("regulator"), actor=ACTOR)[1]
    response = client.get(f"/api/v1/codes/uscc/{firms[0][1]}", headers={"X-API-Key": key})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body[0]["entity_id"] == "F0"
    assert body[0]["year"] == 2025
    assert body[0]["grade"]


def test_a_uscc_of_another_enterprise_is_refused(tmp_path: Path) -> None:
    onboard(tmp_path)
    before = state()
    text = f"entity_id,uscc,name,district_code,industry_code\nE3,{U1},丙公司,330101,1711\n"
    code, output = run("enterprises", write(tmp_path, "e3.csv", text))
    assert code == 2, output
    assert "该统一社会信用代码已属于平台中另一企业" in output
    assert "this USCC already belongs to another enterprise" in output
    assert state() == before


def test_economics_without_gross_output_keep_the_stored_one(tmp_path: Path) -> None:
    onboard(tmp_path)
    text = "entity_id,year,industry_code,value_added_10k_yuan\nE1,2025,,1250\n"
    code, output = run("economics", write(tmp_path, "x3.csv", text))
    assert code == 0, output
    year = EconomicYear.objects.get(enterprise__entity_id="E1", year=2025)
    assert (year.value_added_10k_yuan, year.gross_output_10k_yuan) == (1250.0, 5000.0)


def test_import_city_reads_a_folder_in_dependency_order(tmp_path: Path) -> None:
    """``import city FOLDER``: the register files and the energy files of one folder in one
    command, each the same import as its own command."""
    folder = tmp_path / "city"
    (folder / "energy").mkdir(parents=True)
    write(folder, "economics.csv", ECONOMICS)
    write(folder, "enterprises.csv", ENTERPRISES)
    write(folder, "regions.csv", REGIONS)
    write(
        folder / "energy",
        "jan.csv",
        f"entity_id,period,energy_code,quantity,unit,purpose\n{U1},2025-01,01,50,t,fuel\n",
    )
    code, output = run("city", folder)
    assert code == 0, output
    assert output.index("regions.csv") < output.index("enterprises.csv")
    assert output.index("enterprises.csv") < output.index("economics.csv")
    assert "jan.csv: 1/1 行已导入" in output
    assert EconomicYear.objects.get(enterprise__entity_id="E1", year=2025).value_added_10k_yuan == (
        1200.5
    )
    assert Enterprise.objects.get(entity_id="E1").energy_records.count() == 1
    before = state()
    code, output = run("city", folder)  # the same folder again changes nothing
    assert code == 0, output
    assert "已导入过，未作更改" in output
    assert state() == before


def test_import_city_stops_at_the_first_refused_register_file(tmp_path: Path) -> None:
    folder = tmp_path / "city"
    folder.mkdir()
    write(folder, "regions.csv", REGIONS)
    write(folder, "enterprises.csv", ENTERPRISES.replace(",330102,", ",339999,"))
    write(folder, "economics.csv", ECONOMICS)
    code, output = run("city", folder)
    assert code == 2, output
    assert "unknown_district" in output or "no such district" in output
    assert District.objects.count() == 2  # the file before stays imported
    assert not Enterprise.objects.exists()
    assert not EconomicYear.objects.exists()


def test_import_city_refuses_a_folder_without_files(tmp_path: Path) -> None:
    code, output = run("city", tmp_path)
    assert code == 2, output
    assert "no files to import" in output and "regions.csv" in output
    code, output = run("city", write(tmp_path, "regions.csv", REGIONS))
    assert code == 2, output
    assert "not a folder" in output
