"""``citycarbon targets progress``: the exact output columns, the seed case through files,
absolute values, and exit code 2 with a bilingual row report and nothing written."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from citycarbon.cli.main import app
from tests.conftest import write

runner = CliRunner()

HEADER = "target_id,subject_id,indicator,base_year,target_year,target_change_pct"
TARGETS = (
    HEADER
    + """,incentive_change_pct
huzhou-energy,huzhou,energy_per_gdp,2020,2025,-15.5,
d1-co2,330502,co2_per_iva,2020,2025,-20,-22
"""
)
VALUES = """subject_id,indicator,year,change_pct,value
huzhou,energy_per_gdp,2021-2022,3.3,
huzhou,energy_per_gdp,2023,-5.9,
huzhou,energy_per_gdp,2024,-5.7,
330502,co2_per_iva,2020,,2.0
330502,co2_per_iva,2021,,1.9
330502,co2_per_iva,2022,,1.5
"""
COLUMNS = [
    "target_id",
    "latest_year",
    "cumulative_change_pct",
    "remaining_years",
    "required_annual_change_pct",
    "on_track",
]


def run(tmp_path: Path, targets: str, values: str) -> tuple[int, str, Path]:
    t = write(tmp_path / "targets.csv", targets)
    v = write(tmp_path / "values.csv", values, "gbk")
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["targets", "progress", str(t), str(v), "--out", str(out)])
    return result.exit_code, result.output, out


def test_progress_writes_the_contract_columns(tmp_path: Path) -> None:
    code, output, out = run(tmp_path, TARGETS, VALUES)
    assert code == 0, output
    frame = pl.read_csv(out)
    assert frame.columns == COLUMNS
    rows = {r["target_id"]: r for r in frame.iter_rows(named=True)}
    seed = rows["huzhou-energy"]
    assert seed["latest_year"] == 2024 and seed["remaining_years"] == 1
    assert seed["cumulative_change_pct"] == pytest.approx(-8.335402)
    assert seed["required_annual_change_pct"] == pytest.approx(-7.816101)
    assert seed["on_track"] is False
    # 2.0 → 1.5 is −25 %: beyond the −22 % incentive threshold, met already
    d1 = rows["d1-co2"]
    assert d1["cumulative_change_pct"] == pytest.approx(-25.0)
    assert d1["latest_year"] == 2022 and d1["remaining_years"] == 3
    assert d1["on_track"] is True


def test_a_values_file_of_absolute_values_only(tmp_path: Path) -> None:
    values = "subject_id,indicator,year,value\n330502,co2_per_iva,2020,2.0\n"
    values += "330502,co2_per_iva,2023,1.7\n"
    code, output, out = run(tmp_path, TARGETS, values)
    assert code == 0, output
    rows = {r["target_id"]: r for r in pl.read_csv(out).iter_rows(named=True)}
    # 1.7 / 2.0 − 1 = −15 %; two years left: (0.8 / 0.85)^(1/2) − 1 = −2.986 %, gentler than
    # the −5.27 % a year achieved
    assert rows["d1-co2"]["cumulative_change_pct"] == pytest.approx(-15.0)
    assert rows["d1-co2"]["required_annual_change_pct"] == pytest.approx(
        ((0.8 / 0.85) ** 0.5 - 1) * 100, abs=1e-6
    )
    assert rows["d1-co2"]["on_track"] is True
    # no value for the Huzhou target: nothing observed yet, five years left
    assert rows["huzhou-energy"]["latest_year"] == 2020
    assert rows["huzhou-energy"]["remaining_years"] == 5
    assert rows["huzhou-energy"]["on_track"] is False


def test_progress_to_standard_output(tmp_path: Path) -> None:
    t = write(tmp_path / "t.csv", TARGETS)
    v = write(tmp_path / "v.csv", VALUES)
    result = runner.invoke(app, ["targets", "progress", str(t), str(v)])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == ",".join(COLUMNS)


@pytest.mark.parametrize(
    ("targets", "values", "reason"),
    [
        (TARGETS.replace(",2025,-15.5", ",2019,-15.5"), VALUES, "目标年须晚于基准年"),
        (TARGETS.replace("-15.5", "-100"), VALUES, "−100%"),
        (TARGETS.replace("-15.5", "abc"), VALUES, "不是有效数字"),
        (TARGETS + "huzhou-energy,x,y,2020,2025,-1,\n", VALUES, "duplicate row"),
        (TARGETS, VALUES.replace("2021-2022", "2022-2021"), "YYYY-YYYY"),
        (TARGETS, VALUES.replace("2023,-5.9,", "2023,-5.9,7"), "exactly one of"),
        (TARGETS, VALUES.replace("2022,,1.5", "2022-2023,,1.5"), "single year"),
        (TARGETS, VALUES.replace("2023,-5.9", "2023,-120"), "above −100 %"),
        (TARGETS, VALUES.replace("2022,,1.5", "2022,,0"), "必须大于零 / must be above zero"),
        (TARGETS, VALUES.replace("2022,,1.5", "2022,,-1.5"), "必须大于零 / must be above zero"),
        (TARGETS, VALUES.replace("huzhou,energy_per_gdp,2023,-5.9,\n", ""), "2023–2023"),
        (TARGETS, VALUES + "huzhou,energy_per_gdp,2022,1,\n", "same years"),
        ("target_id,subject_id\n", VALUES, "required column is missing"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(
    tmp_path: Path, targets: str, values: str, reason: str
) -> None:
    code, output, out = run(tmp_path, targets, values)
    assert code == 2, output
    assert reason in output
    assert "未写出结果" in output or "缺少必需列" in output
    assert not out.exists()


def test_a_missing_file_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["targets", "progress", str(tmp_path / "no.csv"), "x.csv"])
    assert result.exit_code == 2


def test_a_rate_target_in_a_targets_file(tmp_path: Path) -> None:
    targets = HEADER + ",per_year\nhz-sei,hz,sei,2020,2025,10,是\n"
    values = "subject_id,indicator,year,change_pct\nhz,sei,2021,12\n"
    code, output, out = run(tmp_path, targets, values)
    assert code == 0, output
    row = pl.read_csv(out).row(0, named=True)
    # (1.1^5 ÷ 1.12)^(1/4) − 1 = 9.5056 %, on track
    assert row["required_annual_change_pct"] == pytest.approx(9.505605, abs=1e-6)
    assert row["on_track"] is True
    bad = HEADER + ",per_year\nhz-sei,hz,sei,2020,2025,10,maybe\n"
    code, output, _out = run(tmp_path, bad, values)
    assert code == 2 and "per_year" in output


def invoke(tmp_path: Path, targets: str, values: str) -> tuple[int, str, str]:
    t = write(tmp_path / "gt.csv", targets)
    v = write(tmp_path / "gv.csv", values)
    result = runner.invoke(app, ["targets", "progress", str(t), str(v)])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("line", "year"),
    [
        ("huzhou,energy_per_gdp,2020,1,", "2020"),  # a change of the base year itself
        ("huzhou,energy_per_gdp,2019,1,", "2019"),
        ("huzhou,energy_per_gdp,2026,1,", "2026"),
        ("huzhou,energy_per_gdp,2024-2026,1,", "2024-2026"),
        ("330502,co2_per_iva,2019,,2.1", "2019"),
        ("330502,co2_per_iva,2031,,1.0", "2031"),
    ],
)
def test_values_outside_the_target_s_years_are_refused(
    tmp_path: Path, line: str, year: str
) -> None:
    code, _out, stderr = invoke(tmp_path, TARGETS, VALUES + line + "\n")
    assert code == 2
    assert "gv.csv:8: 列/column year:" in stderr and f"['{year}']" in stderr
    assert "超出" in stderr and "outside the target's years" in stderr
    assert "1 处错误，未写出结果 / 1 error, no output written" in stderr


def test_the_edges_of_the_target_s_years_are_inside(tmp_path: Path) -> None:
    values = VALUES + "huzhou,energy_per_gdp,2025,-1,\n330502,co2_per_iva,2025,,1.4\n"
    code, _out, stderr = invoke(tmp_path, TARGETS, values)
    assert code == 0, stderr


def test_values_no_target_has_are_warned_about_and_ignored(tmp_path: Path) -> None:
    values = VALUES + "wenzhou,energy_per_gdp,2021,-1,\nwenzhou,energy_per_gdp,2022,-1,\n"
    code, stdout, stderr = invoke(tmp_path, TARGETS, values)
    assert code == 0, stderr
    assert "警告" in stderr and "wenzhou" in stderr and "warning: 2 rows" in stderr
    assert "wenzhou" not in stdout


def test_a_gap_points_at_the_values_rows_either_side(tmp_path: Path) -> None:
    values = VALUES.replace("huzhou,energy_per_gdp,2023,-5.9,\n", "")
    code, _out, stderr = invoke(tmp_path, TARGETS, values)
    assert code == 2
    # rows 2 (2021-2022) and 3 (2024, was row 4) border the missing 2023
    assert re.search(r"gv\.csv:2: 列/column year:.*\['2021-2022'\]", stderr)
    assert re.search(r"gv\.csv:3: 列/column year:.*\['2024'\]", stderr)
    assert "gt.csv" not in stderr
    assert "2 处错误，未写出结果 / 2 errors, no output written" in stderr


def test_an_overlap_points_at_the_values_rows_covering_the_year(tmp_path: Path) -> None:
    code, _out, stderr = invoke(tmp_path, TARGETS, VALUES + "huzhou,energy_per_gdp,2022,1,\n")
    assert code == 2
    assert re.search(r"gv\.csv:2: 列/column year:.*\['2021-2022'\]", stderr)
    assert re.search(r"gv\.csv:8: 列/column year:.*\['2022'\]", stderr)
    assert "gt.csv" not in stderr
