"""``citycarbon budget check``: the output contract, and every bad input exiting 2 with a
bilingual report and nothing written."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from citycarbon.cli.main import app
from citycarbon.core.budgets import MONITOR_CLI_COLUMNS, PROBLEMS
from citycarbon.io.errors import REASONS
from tests.conftest import write

runner = CliRunner()

BUDGETS = """\
budget_id,level,subject_id,parent_id,year,budget_tco2,budget_intensity_tco2_per_10k_yuan
C,city,330100,,2025,2400,
D1,district,330102,C,2025,1200,
E1,enterprise,E001,D1,2025,600,0.5
E2,enterprise,E002,D1,2025,600,
"""
ACTUALS = """subject_id,period,tco2,value_added_10k_yuan,source
E001,2025-01,100,300,accounted
E001,2025-02,110,300,estimated
E002,2025-Q1,100,,accounted
E002,2025-04,500,,estimated
"""
HEADER = ",".join(MONITOR_CLI_COLUMNS)


def run(tmp_path: Path, budgets: str, actuals: str, *args: str) -> tuple[int, str, Path]:
    b = write(tmp_path / "budgets.csv", budgets)
    a = write(tmp_path / "actuals.csv", actuals)
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["budget", "check", str(b), str(a), *args, "--out", str(out)])
    return result.exit_code, result.output, out


def test_the_output_has_exactly_the_contract_columns_and_hand_computed_rows(tmp_path: Path) -> None:
    code, output, out = run(tmp_path, BUDGETS, ACTUALS, "--as-of", "2025-03")
    assert code == 0, output
    assert out.read_text(encoding="utf-8").splitlines()[0] == HEADER
    rows = {r["budget_id"]: r for r in pl.read_csv(out).to_dicts()}
    # E1: 210 t in 3 months of 600 → 840 projected; 210 ÷ 600 万元 = 0.35 t/万元 vs 0.5
    e1 = rows["E1"]
    assert (e1["months_elapsed"], e1["prorated_budget_tco2"], e1["actual_to_date_tco2"]) == (
        3,
        150.0,
        210.0,
    )
    assert (e1["projected_year_tco2"], e1["projected_overshoot_tco2"]) == (840.0, 240.0)
    assert e1["used_of_annual_pct"] == pytest.approx(35.0)
    assert e1["status"] == "red"
    # April's estimate is after the as-of month; the quarter ends in it
    assert rows["E2"]["actual_to_date_tco2"] == 100.0
    assert rows["E2"]["status"] == "green"
    # D1 has no actuals of its own: its children's 310 t
    assert (rows["D1"]["actual_to_date_tco2"], rows["D1"]["status"]) == (310.0, "red")
    assert (rows["C"]["projected_year_tco2"], rows["C"]["status"]) == (1240.0, "green")
    assert {r["as_of"] for r in rows.values()} == {"2025-03"}


def test_the_bands_option_changes_the_lights(tmp_path: Path) -> None:
    code, output, out = run(
        tmp_path, BUDGETS, ACTUALS, "--as-of", "2025-03", "--bands", "yellow=0.5,red=0.7"
    )
    assert code == 0, output
    rows = {r["budget_id"]: r["status"] for r in pl.read_csv(out).to_dicts()}
    assert rows == {"C": "yellow", "D1": "red", "E1": "red", "E2": "yellow"}


def test_without_out_a_readable_table_is_printed(tmp_path: Path) -> None:
    b = write(tmp_path / "budgets.csv", BUDGETS)
    a = write(tmp_path / "actuals.csv", ACTUALS)
    result = runner.invoke(app, ["budget", "check", str(b), str(a), "--as-of", "2025-03"])
    assert result.exit_code == 0, result.output
    assert "预算执行" in result.output
    assert "E001" in result.output and "840.00" in result.output


def assert_rejected(tmp_path: Path, code: int, output: str, out: Path, *needles: str) -> None:
    assert code == 2, output
    assert not out.exists()
    for needle in needles:
        assert needle in output, output


def test_children_over_their_parent_exit_2_with_the_budget_ids(tmp_path: Path) -> None:
    over = BUDGETS.replace("E2,enterprise,E002,D1,2025,600,", "E2,enterprise,E002,D1,2025,600.5,")
    code, output, out = run(tmp_path, over, ACTUALS, "--as-of", "2025-03")
    assert_rejected(tmp_path, code, output, out, "D1", "E1, E2", "超过上级", "more than the")


@pytest.mark.parametrize(
    ("as_of", "needle"), [("2025-13", "YYYY-MM"), ("2025", "YYYY-MM"), ("March", "截止月份")]
)
def test_a_bad_as_of_exits_2(tmp_path: Path, as_of: str, needle: str) -> None:
    code, output, out = run(tmp_path, BUDGETS, ACTUALS, "--as-of", as_of)
    assert_rejected(tmp_path, code, output, out, needle)


@pytest.mark.parametrize(
    ("bands", "needle"),
    [("yellow=1.1,red=1.0", "below red"), ("yellow=x", "not a number"), ("amber=1", "预警线")],
)
def test_bad_bands_exit_2(tmp_path: Path, bands: str, needle: str) -> None:
    code, output, out = run(tmp_path, BUDGETS, ACTUALS, "--as-of", "2025-03", "--bands", bands)
    assert_rejected(tmp_path, code, output, out, needle)


@pytest.mark.parametrize(
    ("budgets", "needles"),
    [
        (
            BUDGETS.replace("D1,2025,600,0.5", "D1,2025,6OO,0.5"),
            ("budgets.csv:4", "not a valid number"),
        ),
        (
            BUDGETS.replace("D1,2025,600,0.5", "D1,2025,-600,0.5"),
            ("不能为负数", "must not be negative"),
        ),
        (BUDGETS.replace("D1,2025,600,0.5", "D1,2025,600,0"), ("必须大于零", "must be above zero")),
        (BUDGETS.replace("E1,enterprise", "E1,firm"), ("未知预算层级", "unknown budget level")),
        (BUDGETS.replace("E002,D1,2025", "E002,D1,25"), ("malformed year", "YYYY")),
        (
            BUDGETS.replace("E002,D1,", "E002,D9,"),
            ("上级预算编号不存在", "parent_id names no budget"),
        ),
        (BUDGETS.replace("E2,enterprise", "E1,enterprise"), ("duplicate row",)),
        (BUDGETS + "C2,city,330200,,2025,10,\n", ("more than one root",)),
        (BUDGETS.replace("E002,D1,2025", "E002,D1,2024"), ("another year",)),
        (BUDGETS.replace("E2,enterprise,E002,D1", "E2,city,E002,D1"), ("deeper than the parent",)),
        (
            BUDGETS.replace("E2,enterprise,E002", "E2,enterprise,E001"),
            ("more than one budget line",),
        ),
        (BUDGETS.replace(",2400,", ",,"), ("必填值为空", "a required value is empty")),
    ],
)
def test_bad_budgets_exit_2_with_a_bilingual_row_report(
    tmp_path: Path, budgets: str, needles: tuple[str, ...]
) -> None:
    code, output, out = run(tmp_path, budgets, ACTUALS, "--as-of", "2025-03")
    assert_rejected(tmp_path, code, output, out, *needles, "未写出结果", "no output written")


def test_a_missing_budget_column_exits_2(tmp_path: Path) -> None:
    code, output, out = run(
        tmp_path, BUDGETS.replace(",budget_tco2,", ",total,"), ACTUALS, "--as-of", "2025-03"
    )
    assert_rejected(tmp_path, code, output, out, "budget_tco2", "缺少必需列", "required column")


def test_a_missing_column_is_named_alone_and_one_error_is_singular(tmp_path: Path) -> None:
    budgets = "\n".join(
        ",".join(cell for i, cell in enumerate(line.split(",")) if i != 3)
        for line in BUDGETS.splitlines()
    )
    code, output, out = run(tmp_path, budgets + "\n", ACTUALS, "--as-of", "2025-03")
    assert code == 2 and not out.exists()
    assert "缺少必需列（parent_id）" in output and "(parent_id)" in output
    assert "budget_id, level" not in output
    assert "1 errors" not in output


def test_the_row_report_counts_in_correct_english(tmp_path: Path) -> None:
    code, output, _out = run(
        tmp_path, BUDGETS.replace(",2400,", ",,"), ACTUALS, "--as-of", "2025-03"
    )
    assert code == 2 and "1 error, no output written" in output
    code, output, _out = run(tmp_path, BUDGETS, ACTUALS, "--as-of", "2025-03")
    assert code == 0 and "4 budget lines" in output


@pytest.mark.parametrize(
    ("actuals", "needles"),
    [
        (ACTUALS.replace("period", "month"), ("period", "required column is missing")),
        (ACTUALS.replace("2025-01,100", "2025-01,lots"), ("actuals.csv:2", "not a valid number")),
        (ACTUALS.replace("2025-01,100", "2025-01,-1"), ("must not be negative",)),
        (ACTUALS.replace("2025-01", "2025-1"), ("期间格式错误", "malformed period")),
        (ACTUALS.replace("2025-01", "2025-01-15"), ("malformed period",)),
        (ACTUALS.replace("2025-Q1", "2025"), ("runs past the as-of month",)),
        (ACTUALS + "E002,2025-02,1,,\n", ("periods of the subject overlap",)),
        (ACTUALS.replace("estimated\nE002", "guessed\nE002"), ("source must be accounted",)),
        (ACTUALS.replace("E001,2025-01", ",2025-01"), ("a required value is empty",)),
        (ACTUALS.replace("100,300", "100,abc"), ("value_added_10k_yuan", "not a valid number")),
    ],
)
def test_bad_actuals_exit_2_with_a_bilingual_row_report(
    tmp_path: Path, actuals: str, needles: tuple[str, ...]
) -> None:
    code, output, out = run(tmp_path, BUDGETS, actuals, "--as-of", "2025-03")
    assert_rejected(tmp_path, code, output, out, *needles)


def test_a_missing_file_exits_2(tmp_path: Path) -> None:
    b = write(tmp_path / "budgets.csv", BUDGETS)
    out = tmp_path / "out.csv"
    result = runner.invoke(
        app,
        [
            "budget",
            "check",
            str(b),
            str(tmp_path / "nope.csv"),
            "--as-of",
            "2025-03",
            "--out",
            str(out),
        ],
    )
    assert_rejected(tmp_path, result.exit_code, result.output, out, "file not found")


def test_every_budget_problem_has_a_bilingual_reason() -> None:
    assert set(PROBLEMS) <= set(REASONS)
    assert {"empty_value", "not_positive"} <= set(REASONS)


def test_gbk_files_with_chinese_subjects_are_read(tmp_path: Path) -> None:
    b = write(tmp_path / "budgets.csv", BUDGETS.replace("E001", "湖州甲厂"), "gbk")
    a = write(tmp_path / "actuals.csv", ACTUALS.replace("E001", "湖州甲厂"), "gbk")
    out = tmp_path / "out.csv"
    result = runner.invoke(
        app, ["budget", "check", str(b), str(a), "--as-of", "2025-03", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    rows = {r["subject_id"]: r for r in pl.read_csv(out).to_dicts()}
    assert rows["湖州甲厂"]["actual_to_date_tco2"] == 210.0
