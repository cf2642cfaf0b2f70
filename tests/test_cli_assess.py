"""``citycarbon assess``: a project file in, the result JSON out with the contract's keys; bad
input exits 2 naming the key, in Chinese and English, and writes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from citycarbon.cli.main import app
from tests.conftest import write

runner = CliRunner()

CONTRACT_KEYS = {
    "energy_tce",
    "scope1_tco2",
    "scope2_tco2",
    "process_tco2",
    "total_tco2",
    "intensity_tco2_per_10k_yuan",
    "energy_intensity_tce_per_10k_yuan",
    "replacement_ratio",
    "replacement_required_tce",
    "verdict",
    "reasons",
}
BENCHMARK_KEYS = {"industry_avg_intensity_tco2_per_10k_yuan", "intensity_ratio"}

HEADER = (
    "entity_id,year,industry_code,intensity_tco2_per_10k_yuan,industry_avg_intensity,"
    "k_value,level,grade,peer_count,industry_level_used\n"
)
GRADES = (
    HEADER + "a,2025,2614,0.3,0.2613,1.148,低碳,3,5,class\nb,2025,3110,3.0,2.5,1.2,高碳,3,5,class\n"
)


def project(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "project_id": "P-2026-001",
        "name": "年产10万吨精细化工项目",
        "project_type": "new",
        "district_code": "330502",
        "industry_code": "2614",
        "value_added_10k_yuan": 100000,
        "gross_output_10k_yuan": 400000,
        "energy": [{"energy_code": "39", "quantity": 10000, "unit": "tce", "purpose": "fuel"}],
        "process_emissions_tco2": 0,
        "technologies": [{"name": "余热回收", "reduction_tco2": 120.5}],
    }
    doc.update(changes)
    return {k: v for k, v in doc.items() if v is not None}


def put(tmp_path: Path, doc: object) -> Path:
    path = tmp_path / "project.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def test_result_keys_and_figures(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    result = runner.invoke(app, ["assess", str(put(tmp_path, project())), "--out", str(out)])
    assert result.exit_code == 0, result.output
    r = json.loads(out.read_text(encoding="utf-8"))
    assert set(r) >= CONTRACT_KEYS
    assert not BENCHMARK_KEYS & set(r)
    assert r["energy_tce"] == pytest.approx(10_000.0)
    assert r["replacement_required_tce"] == pytest.approx(11_000.0)
    assert r["total_tco2"] == pytest.approx(26_130.0)
    assert r["intensity_tco2_per_10k_yuan"] == pytest.approx(0.2613)
    assert r["energy_intensity_tce_per_10k_yuan"] == pytest.approx(0.1)
    assert r["claimed_reduction_tco2"] == pytest.approx(120.5)
    assert r["verdict"] == "acceptable"
    assert r["factor_set"] == "cn-2023"


def test_stdout_is_json_with_benchmarks(tmp_path: Path) -> None:
    grades = write(tmp_path / "grades.csv", GRADES)
    result = runner.invoke(
        app, ["assess", str(put(tmp_path, project())), "--benchmarks", str(grades)]
    )
    assert result.exit_code == 0, result.output
    r = json.loads(result.stdout)
    assert set(r) >= CONTRACT_KEYS | BENCHMARK_KEYS
    assert r["industry_avg_intensity_tco2_per_10k_yuan"] == pytest.approx(0.2613)
    assert r["intensity_ratio"] == pytest.approx(1.0)


def test_verdict_reasons_have_code_zh_en(tmp_path: Path) -> None:
    doc = project(value_added_10k_yuan=10000)  # 1 tce and 2.613 tCO2 per 万元
    grades = write(tmp_path / "grades.csv", GRADES)
    result = runner.invoke(app, ["assess", str(put(tmp_path, doc)), "--benchmarks", str(grades)])
    assert result.exit_code == 0, result.output
    r = json.loads(result.stdout)
    assert r["verdict"] == "not_acceptable"
    assert [x["code"] for x in r["reasons"]] == [
        "intensity_above_industry",
        "intensity_far_above_industry",
        "energy_intensity_above_approved_average",
    ]
    for reason in r["reasons"]:
        assert reason["zh"] and reason["en"]


def test_factor_set_option_uses_that_grid_factor(tmp_path: Path) -> None:
    doc = put(tmp_path, project(energy=[{"energy_code": "33", "quantity": 100}]))
    result = runner.invoke(app, ["assess", str(doc), "--factor-set", "cn-ets-2022"])
    assert result.exit_code == 0, result.output
    r = json.loads(result.stdout)
    assert r["factor_set"] == "cn-ets-2022"
    assert r["scope2_tco2"] == pytest.approx(100 * 10 * 0.5703)  # 100 万kWh = 1,000 MWh
    assert r["energy_tce"] == pytest.approx(122.9)


BAD: list[tuple[str, object, str, str]] = [
    (
        "missing_key",
        {k: v for k, v in project().items() if k != "industry_code"},
        "industry_code",
        "缺少必需的键",
    ),
    ("wrong_type", project(value_added_10k_yuan="lots"), "value_added_10k_yuan", "类型错误"),
    ("bool_number", project(gross_output_10k_yuan=True), "gross_output_10k_yuan", "类型错误"),
    ("negative", project(process_emissions_tco2=-1), "process_emissions_tco2", "不能为负数"),
    ("project_type", project(project_type="greenfield"), "project_type", "项目类型错误"),
    (
        "unknown_code",
        project(energy=[{"energy_code": "99", "quantity": 1}]),
        "energy[0].energy_code",
        "未知能源代码",
    ),
    (
        "bad_number",
        project(energy=[{"energy_code": "01", "quantity": "1,5"}]),
        "energy[0].quantity",
        "不是有效数字",
    ),
    (
        "bad_unit",
        project(energy=[{"energy_code": "01", "quantity": 5, "unit": "kwh"}]),
        "energy[0].unit",
        "计量单位",
    ),
    (
        "bad_purpose",
        project(energy=[{"energy_code": "33", "quantity": 5, "purpose": "feedstock"}]),
        "energy[0].purpose",
        "不适用此用途",
    ),
    ("empty_energy", project(energy=[]), "energy", "能源计划为空"),
    ("energy_not_list", project(energy={"energy_code": "01"}), "energy", "类型错误"),
    (
        "technology",
        project(technologies=[{"name": "x"}]),
        "technologies[0].reduction_tco2",
        "缺少必需的键",
    ),
    ("district", project(district_code="3305"), "district_code", "区县代码"),
    ("zero_value_added", project(value_added_10k_yuan=0), "value_added_10k_yuan", "增加值过小"),
    ("not_object", [1, 2], "", "类型错误"),
]


@pytest.mark.parametrize(("case", "doc", "key", "zh"), BAD, ids=[b[0] for b in BAD])
def test_bad_project_exits_2_naming_the_key(
    tmp_path: Path, case: str, doc: object, key: str, zh: str
) -> None:
    out = tmp_path / "result.json"
    result = runner.invoke(app, ["assess", str(put(tmp_path, doc)), "--out", str(out)])
    assert result.exit_code == 2, (case, result.output)
    assert zh in result.stderr
    if key:
        assert f"column {key}:" in result.stderr
    assert "no output written" in result.stderr
    assert not out.exists()


def test_not_json_exits_2(tmp_path: Path) -> None:
    path = write(tmp_path / "p.json", "{not json")
    out = tmp_path / "r.json"
    result = runner.invoke(app, ["assess", str(path), "--out", str(out)])
    assert result.exit_code == 2
    assert "不是有效的 JSON" in result.stderr and "not a valid JSON" in result.stderr
    assert not out.exists()


def test_nan_is_not_a_number(tmp_path: Path) -> None:
    path = write(tmp_path / "p.json", json.dumps(project()).replace("100000", "NaN", 1))
    result = runner.invoke(app, ["assess", str(path)])
    assert result.exit_code == 2
    assert "JSON" in result.stderr


def test_unknown_factor_set_exits_2(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = runner.invoke(
        app, ["assess", str(put(tmp_path, project())), "--factor-set", "xx-1", "--out", str(out)]
    )
    assert result.exit_code == 2
    assert "unknown factor set" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("year,industry_code\n2025,2614\n", "industry_avg_intensity"),
        (GRADES.replace("0.2613", "abc"), "不是有效数字"),
        (GRADES.replace("2025,3110", "20x5,3110"), "年份格式错误"),
        (GRADES.replace("0.2613", "-1"), "必须大于零"),
    ],
)
def test_bad_benchmarks_exit_2(tmp_path: Path, text: str, needle: str) -> None:
    grades = write(tmp_path / "grades.csv", text)
    out = tmp_path / "r.json"
    result = runner.invoke(
        app,
        ["assess", str(put(tmp_path, project())), "--benchmarks", str(grades), "--out", str(out)],
    )
    assert result.exit_code == 2, result.output
    assert needle in result.stderr
    assert not out.exists()


def test_missing_file_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["assess", str(tmp_path / "none.json")])
    assert result.exit_code == 2
    assert "file not found" in result.stderr


def test_each_bad_energy_row_is_named(tmp_path: Path) -> None:
    rows = [
        {"energy_code": "01", "quantity": 5},
        {"energy_code": "33", "quantity": -1},
        {"energy_code": "6", "quantity": 2},
        {"energy_code": "15", "quantity": 1e30},
    ]
    result = runner.invoke(app, ["assess", str(put(tmp_path, project(energy=rows)))])
    assert result.exit_code == 2
    assert "column energy[1].quantity: 数量为负数 / quantity is negative" in result.stderr
    assert "column energy[3].quantity:" in result.stderr
    assert "energy[0]" not in result.stderr


def test_duplicate_energy_rows_exit_2(tmp_path: Path) -> None:
    rows = [{"energy_code": "01", "quantity": 5}, {"energy_code": "1", "quantity": 2}]
    result = runner.invoke(app, ["assess", str(put(tmp_path, project(energy=rows)))])
    assert result.exit_code == 2
    assert "column energy[0].energy_code: 重复记录" in result.stderr
    assert "column energy[1].energy_code: 重复记录" in result.stderr
