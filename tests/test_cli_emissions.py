"""``citycarbon emissions``: the command-line contract, bad input and encodings."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from citycarbon.cli.main import app
from citycarbon.core.factors import load_factor_set
from citycarbon.io.emissions_job import run_emissions
from citycarbon.io.errors import MAX_ECHOED_CHARS, RowError
from tests.conftest import write

runner = CliRunner()
HEADER = "entity_id,period,energy_code,quantity,unit,purpose\n"
CONTRACT = [
    "entity_id",
    "period",
    "energy_tce",
    "scope1_tco2",
    "scope2_tco2",
    "total_tco2",
    "factor_set",
]


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_output_contract(tmp_path: Path) -> None:
    src = write(
        tmp_path / "e.csv",
        HEADER + "E1,2024-01,15,1,,\nE1,2024-02,33,10000,kWh,\nE2,2024-03,32,1,百万千焦,fuel\n",
    )
    out = tmp_path / "out.csv"
    code, _, err = run("emissions", str(src), "--out", str(out))
    assert code == 0, err
    frame = pl.read_csv(out)
    assert frame.columns == CONTRACT
    assert frame["entity_id"].to_list() == ["E1", "E2"]
    assert frame["period"].to_list() == [2024, 2024]
    e1 = frame.row(0, named=True)
    assert e1["scope1_tco2"] == pytest.approx(21.621888, rel=1e-6)
    assert e1["scope2_tco2"] == pytest.approx(5.306)
    assert e1["total_tco2"] == pytest.approx(e1["scope1_tco2"] + e1["scope2_tco2"])
    assert e1["factor_set"] == "cn-2023"
    meta = json.loads((tmp_path / "out.csv.meta.json").read_text())
    assert meta["factor_set"] == "cn-2023"
    assert len(meta["input_sha256"]) == 64
    assert meta["rows_read"] == 3


def test_stdout_when_no_out_and_grain_and_overrides(tmp_path: Path) -> None:
    src = write(
        tmp_path / "e.csv",
        "entity_id,period,energy_code,quantity\n"
        "E1,2024-01,33,1\nE1,2024-05,33,1\nE1,2024-06,32,1\n",
    )
    code, out, err = run(
        "emissions",
        str(src),
        "--period-grain",
        "quarter",
        "--grid-factor",
        "0.5",
        "--heat-factor",
        "0.2",
    )
    assert code == 0, err
    frame = pl.read_csv(out.encode())
    assert frame["period"].to_list() == ["2024-Q1", "2024-Q2"]
    assert frame["scope2_tco2"].to_list() == pytest.approx([5.0, 5.2])
    assert frame["factor_set"][0] == "cn-2023+grid=0.5+heat=0.2"


def test_factor_set_option(tmp_path: Path) -> None:
    src = write(tmp_path / "e.csv", "entity_id,period,energy_code,quantity\nE1,2023,33,1\n")
    code, out, _ = run("emissions", str(src), "--factor-set", "zj-2023")
    assert code == 0
    assert pl.read_csv(out.encode())["scope2_tco2"][0] == pytest.approx(4.974)
    code, _, err = run("emissions", str(src), "--factor-set", "nope")
    assert code == 2
    assert "unknown factor set" in err


BAD_ROWS = [
    ("unknown_code", "E1,2024-01,99,1,,", "energy_code", "未知能源代码", "unknown energy code"),
    ("unknown_unit", "E1,2024-01,15,1,barrel,", "unit", "未知计量单位", "unknown unit"),
    (
        "unit_mismatch",
        "E1,2024-01,15,1,kWh,",
        "unit",
        "计量单位与能源代码不符",
        "unit does not match",
    ),
    ("negative", "E1,2024-01,15,-1,,", "quantity", "数量为负数", "quantity is negative"),
    ("not_number", "E1,2024-01,15,abc,,", "quantity", "数量不是有效数字", "not a valid number"),
    ("missing_quantity", "E1,2024-01,15,,,", "quantity", "数量为空", "quantity is empty"),
    ("bad_period", "E1,2024-13,15,1,,", "period", "期间格式错误", "malformed period"),
    ("bad_period_text", "E1,Jan 2024,15,1,,", "period", "期间格式错误", "malformed period"),
    ("bad_purpose", "E1,2024-01,15,1,,burn", "purpose", "未知用途", "unknown purpose"),
    (
        "purpose_not_allowed",
        "E1,2024-01,15,1,,green_purchase",
        "purpose",
        "不适用此用途",
        "purpose not allowed",
    ),
    ("empty_entity", ",2024-01,15,1,,", "entity_id", "主体编号为空", "entity_id is empty"),
    ("nan", "E1,2024-01,15,nan,,", "quantity", "数量不是有效数字", "not a valid number"),
]


@pytest.mark.parametrize(
    ("name", "row", "column", "zh", "en"), BAD_ROWS, ids=[b[0] for b in BAD_ROWS]
)
def test_bad_rows_exit_2_with_row_column_and_reason(
    tmp_path: Path, name: str, row: str, column: str, zh: str, en: str
) -> None:
    src = write(tmp_path / "bad.csv", HEADER + "E0,2024-01,33,1,,\n" + row + "\n")
    out = tmp_path / "out.csv"
    code, stdout, err = run("emissions", str(src), "--out", str(out))
    assert code == 2
    assert f"{src}:3:" in err
    assert f"column {column}" in err
    assert zh in err
    assert en in err
    assert not out.exists()
    assert not list(tmp_path.glob(".out.csv*"))
    assert stdout == ""


def test_missing_column(tmp_path: Path) -> None:
    src = write(tmp_path / "bad.csv", "entity_id,period,quantity\nE1,2024,1\n")
    out = tmp_path / "out.csv"
    code, _, err = run("emissions", str(src), "--out", str(out))
    assert code == 2
    assert f"{src}:1:" in err
    assert "energy_code" in err
    assert "缺少必需列" in err and "required column is missing" in err
    assert not out.exists()


def test_duplicate_key_rows(tmp_path: Path) -> None:
    src = write(
        tmp_path / "dup.csv",
        HEADER + "E1,2024-01,15,1,,\nE1,2024-02,15,1,,\nE1,2024-01,15,2,万立方米,fuel\n",
    )
    code, _, err = run("emissions", str(src), "--out", str(tmp_path / "o.csv"))
    assert code == 2
    assert f"{src}:2:" in err and f"{src}:4:" in err
    assert "rows 2, 4" in err
    assert "重复记录" in err and "duplicate row" in err


def test_coarse_period_for_requested_grain(tmp_path: Path) -> None:
    src = write(tmp_path / "e.csv", HEADER + "E1,2024,15,1,,\n")
    code, _, err = run("emissions", str(src), "--period-grain", "month")
    assert code == 2
    assert "period is coarser than the requested grain (month)" in err


def test_ragged_row_and_empty_file(tmp_path: Path) -> None:
    src = write(tmp_path / "e.csv", HEADER + "E1,2024,15,1,,\nE1,2024,21,1,,,,extra\n")
    code, _, err = run("emissions", str(src))
    assert code == 2
    assert f"{src}:3:" in err and "number of fields differs" in err
    empty = write(tmp_path / "empty.csv", "")
    code, _, err = run("emissions", str(empty))
    assert code == 2 and "no header row" in err
    code, _, err = run("emissions", str(tmp_path / "missing.csv"))
    assert code == 2 and "file not found" in err


def test_header_only_gives_empty_result(tmp_path: Path) -> None:
    src = write(tmp_path / "e.csv", HEADER)
    code, out, _ = run("emissions", str(src))
    assert code == 0
    assert out.strip() == ",".join(CONTRACT)


def test_skip_invalid_writes_quarantine_and_computes_the_rest(tmp_path: Path) -> None:
    src = write(
        tmp_path / "e.csv",
        HEADER + "E1,2024-01,15,1,,\nE1,2024-02,99,1,,\n"
        "E2,2024-01,33,-5,,\nE2,2024-02,33,1,,\nE3,2024-01,15,1,,\nE3,2024-01,15,1,,\n",
    )
    out, quarantine = tmp_path / "out.csv", tmp_path / "rejected.csv"
    code, _, err = run("emissions", str(src), "--out", str(out), "--skip-invalid", str(quarantine))
    assert code == 0, err
    result = pl.read_csv(out)
    assert result["entity_id"].to_list() == ["E1", "E2"]
    assert result["total_tco2"].to_list() == pytest.approx([21.621888, 5.306], rel=1e-6)
    rejected = pl.read_csv(quarantine, infer_schema=False)
    assert rejected["row"].to_list() == ["3", "4", "6", "7"]
    assert rejected["error_codes"].to_list() == [
        "unknown_code",
        "negative",
        "duplicate_key",
        "duplicate_key",
    ]
    assert {"entity_id", "period", "energy_code", "quantity", "reason_zh", "reason_en"} <= set(
        rejected.columns
    )
    meta = json.loads((tmp_path / "out.csv.meta.json").read_text())
    assert meta["rows_rejected"] == 4


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig"])
def test_chinese_encodings(tmp_path: Path, encoding: str) -> None:
    text = (
        "entity_id,period,energy_code,quantity,unit,purpose\n"
        "湖州某化纤公司,2024-01,15,1,万立方米,\n湖州某化纤公司,2024-02,33,1,万千瓦时,\n"
        "湖州某化纤公司,2024-03,01,1000,千克,\n"
    )
    src = write(tmp_path / "e.csv", text, encoding)
    code, out, err = run("emissions", str(src))
    assert code == 0, err
    frame = pl.read_csv(out.encode())
    assert frame["entity_id"].to_list() == ["湖州某化纤公司"]
    raw_coal = 20.908 * 0.02618 * 0.93 * 44 / 12
    assert frame["total_tco2"][0] == pytest.approx(21.621888 + 5.306 + raw_coal, rel=1e-6)


def test_gbk_bad_row_report_is_readable(tmp_path: Path) -> None:
    src = write(tmp_path / "e.csv", HEADER + "某公司,2024-01,15,1,桶,\n", "gbk")
    code, _, err = run("emissions", str(src))
    assert code == 2
    assert "桶" in err


def test_units_are_converted_at_the_edge(tmp_path: Path) -> None:
    src = write(
        tmp_path / "e.csv",
        HEADER + "A,2024,33,10,MWh,\nB,2024,33,100000,度,\n"
        "C,2024,15,10000,m3,\nD,2024,32,1000,MJ,\nE,2024,39,1000,kgce,\n",
    )
    code, out, err = run("emissions", str(src), "--detail")
    assert code == 0, err
    frame = pl.read_csv(out.encode())
    assert frame["energy_tce"].to_list() == pytest.approx([1.229, 12.29, 12.143, 0.03412, 1.0])
    assert "netted_tco2" in frame.columns


@pytest.mark.parametrize("detail", [False, True])
def test_chunked_streaming_matches_one_pass(tmp_path: Path, detail: bool) -> None:
    lines = [HEADER]
    for i in range(400):
        lines.append(
            f"E{i % 37},2024-{i % 12 + 1:02d},{['15', '33', '21', '01'][i % 4]},{i * 1.5 + 1},,\n"
        )
    lines.append("E0,2024-01,15,7,,\n")  # duplicate key of row 2, far away in another chunk
    src = write(tmp_path / "e.csv", "".join(lines))
    factors = load_factor_set()
    whole = run_emissions(src, factors, "year", skip_invalid=True, detail=detail)
    chunked = run_emissions(src, factors, "year", skip_invalid=True, detail=detail, chunk_bytes=300)
    assert whole.error_count == chunked.error_count == 2
    assert chunked.rejected["row"].to_list() == [2, 402]
    # Sums of the same records in another order: equal up to rounding.
    assert_frame_equal(whole.emissions, chunked.emissions, check_exact=False, rel_tol=1e-12)
    strict = run_emissions(src, factors, "month", chunk_bytes=300)
    assert strict.emissions.is_empty()
    assert [e.row for e in strict.errors] == [2, 402]


def test_a_long_value_is_echoed_cut_short(tmp_path: Path) -> None:
    src = write(tmp_path / "e.csv", HEADER + f"E1,2024-01,{'9' * 3000},1,t,\n")
    code, _, err = run("emissions", str(src))
    assert code != 0
    assert "'" + "9" * 100 + "…（共 3000 字符 / 3000 chars）'" in err
    assert "9" * 101 not in err


@given(st.text(max_size=300))
def test_echoed_values_are_short_and_keep_their_start(value: str) -> None:
    shown = RowError("f.csv", 2, "unit", "unknown_unit", value=value).value
    assert shown.startswith(value[:MAX_ECHOED_CHARS])
    assert shown == value if len(value) <= MAX_ECHOED_CHARS else f"共 {len(value)} 字符" in shown
    assert len(shown) <= MAX_ECHOED_CHARS + 40
