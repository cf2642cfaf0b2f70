"""The electricity readings CSV: encodings, grains and their start spellings, row errors."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from citycarbon.io.electricity_csv import canonical, read_readings, validate_readings
from citycarbon.io.errors import REASONS, InputFileError
from tests.conftest import write

SHANGHAI = ZoneInfo("Asia/Shanghai")
HEADER = "account_no,start,grain,kwh,account_name\n"


def text_frame(rows: list[tuple[str, str, str, str]]) -> pl.DataFrame:
    return (
        pl.DataFrame(rows, schema=["account_no", "start", "grain", "kwh"], orient="row")
        .with_row_index("row")
        .with_columns(pl.col("row").cast(pl.Int64))
    )


@pytest.mark.parametrize("encoding", ["utf-8", "gbk", "gb18030"])
def test_reads_each_encoding(tmp_path: Path, encoding: str) -> None:
    path = write(
        tmp_path / "r.csv",
        HEADER + "3300000001,2026-01,month,1200.5,演示企业（合成）\n"
        "3300000001,2026-10-02,day,40,演示企业（合成）\n",
        encoding,
    )
    frame, errors, sha = read_readings(path)
    assert errors == [] and len(sha) == 64
    assert frame["account_name"].to_list() == ["演示企业（合成）"] * 2
    assert frame["start"].to_list() == [
        datetime(2026, 1, 1, tzinfo=SHANGHAI),
        datetime(2026, 10, 2, tzinfo=SHANGHAI),
    ]
    assert frame["kwh"].to_list() == [1200.5, 40.0]


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        ("2026-10-01 00:15", datetime(2026, 10, 1, 0, 15, tzinfo=SHANGHAI)),
        ("2026-10-01T00:30", datetime(2026, 10, 1, 0, 30, tzinfo=SHANGHAI)),
        ("2026-10-01 00:45:00", datetime(2026, 10, 1, 0, 45, tzinfo=SHANGHAI)),
        ("2026-10-01T00:15:00+08:00", datetime(2026, 10, 1, 0, 15, tzinfo=SHANGHAI)),
        ("2026-09-30T16:15:00Z", datetime(2026, 10, 1, 0, 15, tzinfo=SHANGHAI)),
        ("2026-10-01T01:15:00+0900", datetime(2026, 10, 1, 0, 15, tzinfo=SHANGHAI)),
    ],
)
def test_quarter_hour_spellings(start: str, expected: datetime) -> None:
    valid, errors = validate_readings(text_frame([("A", start, "15min", "1")]))
    assert errors.is_empty()
    assert valid["start"].item() == expected


@pytest.mark.parametrize(
    ("row", "column", "code"),
    [
        (("", "2026-01", "month", "1"), "account_no", "empty_account"),
        (("A" * 33, "2026-01", "month", "1"), "account_no", "text_too_long"),
        (("A", "2026-01", "week", "1"), "grain", "bad_grain"),
        (("A", "", "month", "1"), "start", "missing_start"),
        (("A", "2026-1", "month", "1"), "start", "bad_start"),
        (("A", "2026-13", "month", "1"), "start", "bad_start"),
        (("A", "2026-01-01", "month", "1"), "start", "bad_start"),
        (("A", "2026-01", "day", "1"), "start", "bad_start"),
        (("A", "2026-02-30", "day", "1"), "start", "bad_start"),
        (("A", "2026-10-01", "15min", "1"), "start", "bad_start"),
        (("A", "2026-10-01 00:10", "15min", "1"), "start", "off_quarter_hour"),
        (("A", "2026-10-01 00:15:30", "15min", "1"), "start", "off_quarter_hour"),
        (("A", "2026-01", "month", ""), "kwh", "missing_kwh"),
        (("A", "2026-01", "month", "abc"), "kwh", "not_number_value"),
        (("A", "2026-01", "month", "inf"), "kwh", "not_number_value"),
        (("A", "2026-01", "month", "-0.1"), "kwh", "negative_value"),
    ],
)
def test_row_errors(row: tuple[str, str, str, str], column: str, code: str) -> None:
    valid, errors = validate_readings(text_frame([row]))
    assert valid.is_empty()
    assert (column, code) in set(errors.select("column", "code").iter_rows())
    assert code in REASONS


def test_zero_kwh_is_a_reading() -> None:
    valid, errors = validate_readings(text_frame([("A", "2026-01", "month", "0")]))
    assert errors.is_empty() and valid["kwh"].item() == 0.0


def test_duplicate_keys_in_one_batch_and_across_chunks(tmp_path: Path) -> None:
    rows = "".join(f"A{i},2026-01,month,{i}\n" for i in range(200))
    rows += "A7,2026-01,month,99\n"  # same key as line 9, far from it
    rows += "B,2026-10-01 08:00,15min,1\nB,2026-10-01T00:00:00Z,15min,2\n"  # same instant
    path = write(tmp_path / "d.csv", "account_no,start,grain,kwh\n" + rows)
    # small chunks, so that the two A7 rows are in different chunks
    frame, errors, _ = read_readings(path, chunk_bytes=256)
    dup = sorted(e.row for e in errors if e.code == "duplicate_reading")
    assert dup == [9, 202, 203, 204]
    assert frame.height == 199


def test_missing_column_is_a_file_error(tmp_path: Path) -> None:
    path = write(tmp_path / "m.csv", "account_no,start,kwh\nA,2026-01,1\n")
    with pytest.raises(InputFileError) as exc:
        read_readings(path)
    assert exc.value.errors[0].code == "missing_column"
    assert exc.value.errors[0].column == "grain"


def test_canonical_round_trip(tmp_path: Path) -> None:
    path = write(
        tmp_path / "c.csv",
        HEADER
        + "A,2026-01,month,1.5,\nA,2026-10-02,day,2,\nA,2026-10-02T08:15:00+08:00,15min,3,\n",
    )
    frame, errors, _ = read_readings(path)
    assert errors == []
    text = canonical(frame)
    assert text["start"].to_list() == ["2026-01", "2026-10-02", "2026-10-02 08:15"]
    again = write(tmp_path / "again.csv", text.write_csv())
    assert read_readings(again)[0].equals(frame)
