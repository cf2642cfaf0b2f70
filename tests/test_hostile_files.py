"""Hostile and broken files through the readers and the commands: each is refused with a
clear message in Chinese and English and exit code 2, never a crash or a traceback, and
nothing is written; workbooks are refused before they are loaded, in bounded memory and
time. Valid files with awkward line ends or encodings are read."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from citycarbon.cli.main import app
from citycarbon.io.electricity_csv import read_readings
from citycarbon.io.errors import InputFileError
from citycarbon.io.form205 import read_form_sheets
from citycarbon.io.limits import Limits, LimitsError
from citycarbon.io.textfile import TextFile
from citycarbon.io.workbook_scan import workbook_extents
from tests import hostile
from tests.form205_fixtures import USCC_A, Item, stocked, write_form_csv, write_form_xlsx

runner = CliRunner()
PEAK_RSS_MB = 400
SECONDS = 60
ITEMS = [stocked("01", 100.0, industrial=100.0), Item("33", total=560.0, industrial=560.0)]


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    assert result.exit_code in (0, 2), result.exception
    return result.exit_code, result.stdout, result.stderr


def refused(err: str, *reasons: str) -> None:
    assert "Traceback" not in err
    for reason in reasons:
        assert reason in err, err


# --- workbooks: refused before calamine loads them, in a child process ---------------


def workbooks(tmp_path: Path) -> dict[str, tuple[Path, str, str]]:
    """name → (file, zh reason, en detail) of each hostile workbook."""
    d = tmp_path
    return {
        "far corner": (
            hostile.xlsx_far_corner(d / "corner.xlsx"),
            "工作表过大",
            "1,048,576 > 100,000 (CITYCARBON_MAX_SHEET_ROWS)",
        ),
        "AZ column": (
            hostile.xlsx_far_corner(d / "az.xlsx", "AZ1048576"),
            "工作表过大",
            "CITYCARBON_MAX_SHEET_ROWS",
        ),
        "lying dimension": (
            hostile.xlsx_lying_dimension(d / "lie.xlsx"),
            "工作表过大",
            "CITYCARBON_MAX_SHEET_ROWS",
        ),
        "zip bomb": (
            hostile.xlsx_zip_bomb(d / "bomb.xlsx"),
            "压缩内容异常",
            "CITYCARBON_MAX_COMPRESSION_RATIO",
        ),
        "4M cells": (
            hostile.xlsx_many_cells(d / "many.xlsx"),
            "工作表过大",
            "> 1,000,000 (CITYCARBON_MAX_SHEET_CELLS)",
        ),
        "xls 1.26M cells": (
            hostile.xls_too_large(d / "big.xls"),
            "工作表过大",
            "1,260,000 > 1,000,000 (CITYCARBON_MAX_SHEET_CELLS)",
        ),
        "truncated": (
            hostile.truncated_xlsx(
                d / "truncated.xlsx",
                write_form_xlsx(d / "good.xlsx", USCC_A, "甲", "2025-03", ITEMS),
            ),
            "Excel 文件已损坏或不完整",
            "corrupt or truncated",
        ),
        "garbage": (
            hostile.garbage(d / "garbage.xlsx"),
            "Excel 文件已损坏或不完整",
            "not an Excel file",
        ),
    }


def _line_of(err: str, path: Path) -> str:
    lines = [line for line in err.splitlines() if str(path) in line]
    assert lines, err
    return lines[0]


@pytest.mark.parametrize("command", [["convert-205"], ["import", "energy"]])
def test_hostile_workbooks_are_refused_in_bounded_memory(
    tmp_path: Path, command: list[str]
) -> None:
    cases = workbooks(tmp_path)
    var = tmp_path / "var"
    done = hostile.run_cli([*command, *(str(p) for p, _, _ in cases.values())], var)
    assert done.code == 2, done.stderr[-3000:]
    refused(done.stderr)
    for name, (path, zh, en) in cases.items():
        line = _line_of(done.stderr, path)
        assert zh in line and en in line, (name, line)
    assert 0 < done.peak_rss_mb < PEAK_RSS_MB, done.peak_rss_mb
    assert done.seconds < SECONDS
    assert not done.stdout.strip() or "database" in done.stdout
    assert set(hostile.database_rows(var).values()) <= {0}


def test_sheet_extent_is_found_from_the_cells_not_the_declared_dimension(
    tmp_path: Path,
) -> None:
    lax = Limits(max_sheet_rows=2**21, max_columns=2**15, max_sheet_cells=2**40)
    raw = hostile.xlsx_lying_dimension(tmp_path / "lie.xlsx").read_bytes()
    [extent] = workbook_extents(raw, "lie.xlsx", limits=lax)
    assert (extent.rows, extent.columns) == (1_048_576, 16_384)
    raw = hostile.xlsx_many_cells(tmp_path / "many.xlsx", rows=30, columns=7).read_bytes()
    [extent] = workbook_extents(raw, "many.xlsx", limits=lax)
    assert (extent.rows, extent.columns) == (30, 7)
    raw = hostile.xls_too_large(tmp_path / "big.xls", rows=40, last_column=9).read_bytes()
    [extent] = workbook_extents(raw, "big.xls", limits=lax)
    assert (extent.rows, extent.columns) == (40, 10)


def test_real_forms_pass_the_scan_and_read_as_before(tmp_path: Path) -> None:
    path = write_form_xlsx(tmp_path / "f.xlsx", USCC_A, "甲", "2025-03", ITEMS, extra_sheet=True)
    [extent, form_sheet] = workbook_extents(path.read_bytes(), "f.xlsx", limits=Limits())
    assert extent.name == "填报说明" and form_sheet.name == "205-1"
    assert 10 < form_sheet.rows < 40 and 5 < form_sheet.columns < 20
    [form] = read_form_sheets(path, limits=Limits())
    assert form.items.height == 2


def test_limits_come_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = hostile.xls_rows(tmp_path / "rows.xls", 2_000)
    code, _, err = run("convert-205", str(path))
    assert code == 2 and "未找到 205-1 表" in err  # read: it is just not a form
    monkeypatch.setenv("CITYCARBON_MAX_SHEET_ROWS", "1_000")
    code, _, err = run("convert-205", str(path))
    assert code == 2
    refused(
        err,
        "工作表过大（行数、列数或单元格数超限）（工作表 '205-1'：行数 1,001 > 1,000 "
        "(CITYCARBON_MAX_SHEET_ROWS)） / the sheet is too large (sheet '205-1': rows 1,001 > "
        "1,000 (CITYCARBON_MAX_SHEET_ROWS))",
    )
    monkeypatch.setenv("CITYCARBON_MAX_SHEET_ROWS", "many")
    code, _, err = run("convert-205", str(path))
    assert code == 2
    refused(err, "CITYCARBON_MAX_SHEET_ROWS='many': 应为正整数 / must be a positive integer")
    src = hostile.csv_cr_only(tmp_path / "e.csv")
    code, _, err = run("emissions", str(src))
    assert code == 2 and "must be a positive integer" in err


def test_limits_from_env_parses_each_variable() -> None:
    assert Limits.from_env({}) == Limits()
    limits = Limits.from_env({"CITYCARBON_MAX_COLUMNS": "12", "CITYCARBON_MAX_FILE_BYTES": " 9 "})
    assert (limits.max_columns, limits.max_file_bytes) == (12, 9)
    assert limits.max_sheet_cells == Limits().max_sheet_cells
    for bad in ("0", "-1", "1.5", "1e6"):
        with pytest.raises(LimitsError):
            Limits.from_env({"CITYCARBON_MAX_FIELD_CHARS": bad})


def test_workbook_cell_total_is_bounded(tmp_path: Path) -> None:
    path = write_form_xlsx(tmp_path / "f.xlsx", USCC_A, "甲", "2025-03", ITEMS, extra_sheet=True)
    with pytest.raises(InputFileError) as exc:
        read_form_sheets(path, limits=Limits(max_workbook_cells=50))
    assert exc.value.errors[0].code == "workbook_too_large"
    assert "CITYCARBON_MAX_WORKBOOK_CELLS" in exc.value.errors[0].reason_en


def test_workbook_file_size_is_bounded(tmp_path: Path) -> None:
    path = write_form_xlsx(tmp_path / "f.xlsx", USCC_A, "甲", "2025-03", ITEMS)
    with pytest.raises(InputFileError) as exc:
        read_form_sheets(path, limits=Limits(max_file_bytes=1000))
    assert exc.value.errors[0].code == "file_too_large"


# --- delimited files ---------------------------------------------------------------------


def test_cr_only_energy_csv_is_read_like_the_same_file_with_lf(tmp_path: Path) -> None:
    cr = hostile.csv_cr_only(tmp_path / "cr.csv")
    lf = tmp_path / "lf.csv"
    lf.write_text(hostile.HEADER + "".join(hostile.ROWS), encoding="utf-8")
    code, cr_out, err = run("emissions", str(cr))
    assert code == 0, err
    code, lf_out, _ = run("emissions", str(lf))
    assert cr_out == lf_out
    assert pl.read_csv(cr_out.encode()).height == 2


def test_cr_only_form_csv_is_read(tmp_path: Path) -> None:
    cr = hostile.form_csv_cr_only(tmp_path / "cr.csv", ITEMS)
    assert b"\n" not in cr.read_bytes()
    lf = write_form_csv(tmp_path / "lf.csv", USCC_A, "宁波示例化工有限公司", "2025-03", ITEMS)
    code, cr_out, err = run("convert-205", str(cr))
    assert code == 0, err
    assert cr_out == run("convert-205", str(lf))[1]
    assert USCC_A in cr_out


def test_cr_only_line_numbers_are_right(tmp_path: Path) -> None:
    path = tmp_path / "cr.csv"
    rows = (*hostile.ROWS, "E3,2024-01,99,1,,\n")
    path.write_bytes((hostile.HEADER + "".join(rows)).replace("\n", "\r").encode())
    code, _, err = run("emissions", str(path))
    assert code == 2
    refused(err, f"{path}:5: 列/column energy_code: 未知能源代码")


def test_gbk_energy_csv_is_read(tmp_path: Path) -> None:
    code, out, err = run("emissions", str(hostile.csv_gbk(tmp_path / "gbk.csv")))
    assert code == 0, err
    assert "甲企业" in out and "乙企业" in out


@pytest.mark.parametrize("command", ["emissions", "convert-205"])
def test_nul_byte_is_a_clear_error(tmp_path: Path, command: str) -> None:
    path = hostile.csv_nul(tmp_path / "nul.csv")
    code, _, err = run(command, str(path), "--out", str(tmp_path / "out.csv"))
    assert code == 2
    refused(err, f"{path}:3", "文件编码无法识别", "NUL byte")
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize("command", ["emissions", "convert-205"])
def test_a_million_header_columns_are_refused(tmp_path: Path, command: str) -> None:
    path = hostile.csv_many_columns(tmp_path / "cols.csv")
    code, _, err = run(command, str(path))
    assert code == 2
    refused(err, "列数过多", "too many columns", "1,000,000 > 256 (CITYCARBON_MAX_COLUMNS)")


def test_a_50_mb_field_is_refused_at_its_line(tmp_path: Path) -> None:
    path = hostile.csv_huge_field(tmp_path / "field.csv")
    code, _, err = run("emissions", str(path))
    assert code == 2
    refused(err, f"{path}:2", "行过长", "the line is too long")


def test_a_field_over_the_limit_names_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text(hostile.HEADER + hostile.ROWS[0] + f"E1,2024-02,33,{'9' * 5000},,\n")
    code, _, err = run("emissions", str(path))
    assert code == 2
    refused(
        err,
        f"{path}:3: 列/column quantity: 字段过长",
        "the field is too long (5,000 > 4,096 (CITYCARBON_MAX_FIELD_CHARS))",
    )


@pytest.mark.parametrize("command", ["emissions", "convert-205"])
def test_a_long_header_field_is_refused(tmp_path: Path, command: str) -> None:
    path = hostile.csv_long_header_field(tmp_path / "header.csv")
    code, _, err = run(command, str(path))
    assert code == 2
    refused(err, "字段过长", "the field is too long", "CITYCARBON_MAX_FIELD_CHARS")


def test_a_long_form_cell_names_its_cell(tmp_path: Path) -> None:
    path = write_form_csv(tmp_path / "f.csv", USCC_A, "甲" * 5000, "2025-03", ITEMS)
    code, _, err = run("convert-205", str(path))
    assert code == 2
    refused(err, "字段过长", "5,000 > 4,096")


@pytest.mark.parametrize(
    ("name", "build", "command", "reason"),
    [
        ("garbage.csv", hostile.garbage, "emissions", "cannot decode the file"),
        ("garbage.csv", hostile.garbage, "convert-205", "cannot decode the file"),
        ("empty.csv", hostile.empty, "emissions", "file is empty or has no header row"),
        ("empty.csv", hostile.empty, "convert-205", "the file is empty"),
        ("empty.xlsx", hostile.empty, "convert-205", "the file is empty"),
        ("garbage.xlsx", hostile.garbage, "emissions", "cannot decode the file"),
    ],
)
def test_broken_files_are_clear_errors(
    tmp_path: Path, name: str, build: object, command: str, reason: str
) -> None:
    path = build(tmp_path / name)  # type: ignore[operator]
    code, _, err = run(command, str(path), "--out", str(tmp_path / "out.csv"))
    assert code == 2
    refused(err, str(path), reason)
    assert not (tmp_path / "out.csv").exists()


def test_text_file_line_bound_follows_the_limits(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text(hostile.HEADER + "E1,2024-01,15," + "1" * 2000 + ",,\n" + hostile.ROWS[0])
    limits = Limits(max_columns=6, max_field_chars=12)
    text = TextFile(path, limits=limits, chunk_bytes=64)
    with pytest.raises(InputFileError) as exc:
        list(text.chunks())
    assert (exc.value.errors[0].row, exc.value.errors[0].code) == (2, "line_too_long")


def test_electricity_readings_with_cr_only_and_nul(tmp_path: Path) -> None:
    cr = tmp_path / "cr.csv"
    cr.write_bytes(
        b"account_no,start,grain,kwh\r3300001,2026-01,month,5\r3300002,2026-01,month,7\r"
    )
    frame, errors, _ = read_readings(cr)
    assert (frame.height, errors) == (2, [])
    nul = tmp_path / "nul.csv"
    nul.write_bytes(
        b"account_no,start,grain,kwh\n3300001,2026-01,month,5\n33\x0001,2026-01,day,1\n"
    )
    with pytest.raises(InputFileError) as exc:
        read_readings(nul)
    assert (exc.value.errors[0].row, exc.value.errors[0].code) == (3, "encoding")
