"""Finite, exact and plausible quantities: bounds per energy code and reading grain."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from citycarbon import data
from citycarbon.cli.main import app
from citycarbon.io.electricity_csv import validate_readings
from citycarbon.io.errors import InputFileError
from citycarbon.io.grading_inputs import read_economics, read_emissions
from citycarbon.io.numbers import QUANTITY_BOUNDS_ENV, READING_BOUNDS_ENV, quantity_bounds
from tests.conftest import write

runner = CliRunner()
HEADER = "entity_id,period,energy_code,quantity,unit,purpose\n"


def emissions(tmp_path: Path, rows: str) -> tuple[int, str, Path]:
    src = write(tmp_path / "e.csv", HEADER + "E0,2024-01,33,1,,\n" + rows)
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["emissions", str(src), "--out", str(out)])
    return result.exit_code, result.stderr, out


@pytest.mark.parametrize(
    ("quantity", "zh", "en"),
    [
        ("1e308", "合理上限", "plausible bound"),
        ("1e309", "数量不是有效数字", "not a valid number"),
        ("-inf", "数量不是有效数字", "not a valid number"),
        ("Infinity", "数量不是有效数字", "not a valid number"),
        ("1e-400", "数值过小", "too small"),
        ("4e-320", "数值过小", "too small"),
        ("0.1e-307", "数值过小", "too small"),
    ],
)
def test_extreme_quantities_are_row_errors(tmp_path: Path, quantity: str, zh: str, en: str) -> None:
    code, err, out = emissions(tmp_path, f"E1,2024-01,15,{quantity},,\n")
    assert code == 2
    assert "e.csv:3:" in err and "column quantity" in err
    assert zh in err and en in err
    assert not out.exists()


def test_bound_applies_in_the_standard_unit(tmp_path: Path) -> None:
    # 1e12 kg is 1e9 t of raw coal: over the 1e8 t bound although the literal is small.
    code, err, _ = emissions(tmp_path, "E1,2024-01,01,1e12,kg,\n")
    assert code == 2 and "合理上限" in err
    assert "100000000" in err and " t" in err


def test_zero_and_the_smallest_plausible_quantity_pass(tmp_path: Path) -> None:
    code, _, out = emissions(tmp_path, "E1,2024-01,15,0e-999,,\nE1,2024-02,15,1e-6,,\n")
    assert code == 0
    assert out.exists()


def test_a_quantity_below_the_smallest_plausible_one_is_refused(tmp_path: Path) -> None:
    code, err, out = emissions(tmp_path, "E1,2024-01,15,9.9e-7,,\nE1,2024-02,15,1e-300,,\n")
    assert code == 2
    assert err.count("1e-6") >= 2
    assert not out.exists()


def test_quantities_at_every_bound_give_finite_emissions(tmp_path: Path) -> None:
    bounds = data.quantity_bounds()
    rows = "".join(
        f"E1,2024-{1 + i % 12:02d},{c},{q!r},,{'feedstock' if i >= 36 else ''}\n"
        for i, (c, q) in enumerate(bounds.select("energy_code", "max_quantity").iter_rows())
    )
    rows = rows.replace(",feedstock", ",")  # every code combusted
    code, err, out = emissions(tmp_path, rows)
    assert code == 0, err
    frame = pl.read_csv(out)
    for column in ("energy_tce", "scope1_tco2", "scope2_tco2", "total_tco2"):
        assert all(math.isfinite(v) for v in frame[column]), column
        assert frame[column].max() > 0


def test_bounds_can_be_replaced_by_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    override = write(tmp_path / "bounds.csv", "energy_code,max_quantity\n15,10\n")
    monkeypatch.setenv(QUANTITY_BOUNDS_ENV, str(override))
    bounds = dict(quantity_bounds().iter_rows())
    assert bounds["15"] == 10.0 and bounds["01"] == 1e8
    code, err, _ = emissions(tmp_path, "E1,2024-01,15,11,,\n")
    assert code == 2 and "合理上限" in err
    code, _, _ = emissions(tmp_path, "E1,2024-01,15,10,,\n")
    assert code == 0


@pytest.mark.parametrize(
    "line", ["15,inf", "15,0", "15,1e16", "15,nan", "15,abc", "99,10", "15,-1"]
)
def test_a_bad_bounds_file_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line: str
) -> None:
    override = write(tmp_path / "bounds.csv", f"energy_code,max_quantity\n{line}\n")
    monkeypatch.setenv(QUANTITY_BOUNDS_ENV, str(override))
    with pytest.raises(InputFileError) as exc:
        quantity_bounds()
    assert exc.value.errors[0].row == 2
    assert exc.value.errors[0].code in {"bad_bound", "bad_bound_key"}


def readings_frame(rows: list[tuple[str, str, str, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "row": list(range(2, 2 + len(rows))),
            **{
                c: [r[i] for r in rows]
                for i, c in enumerate(("account_no", "start", "grain", "kwh"))
            },
        }
    )


@pytest.mark.parametrize(
    ("grain", "start", "kwh", "code"),
    [
        ("month", "2026-01", "7.44e9", None),
        ("month", "2026-01", "7.45e9", "over_bound"),
        ("day", "2026-01-01", "2.4e8", None),
        ("day", "2026-01-01", "2.5e8", "over_bound"),
        ("15min", "2026-01-01 00:15", "2.5e6", None),
        ("15min", "2026-01-01 00:15", "2.6e6", "over_bound"),
        ("month", "2026-01", "1e308", "over_bound"),
        ("month", "2026-01", "1e-400", "underflow"),
        ("month", "2026-01", "1e400", "not_number_value"),
        ("month", "2026-01", "NaN", "not_number_value"),
    ],
)
def test_reading_bounds_per_grain(grain: str, start: str, kwh: str, code: str | None) -> None:
    valid, errors = validate_readings(readings_frame([("A", start, grain, kwh)]))
    assert errors["code"].to_list() == ([code] if code else [])
    assert valid.height == (0 if code else 1)


def test_reading_bounds_can_be_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    override = write(tmp_path / "r.csv", "grain,max_kwh\nmonth,100\n")
    monkeypatch.setenv(READING_BOUNDS_ENV, str(override))
    _, errors = validate_readings(readings_frame([("A", "2026-01", "month", "101")]))
    assert errors["code"].to_list() == ["over_bound"]


@pytest.mark.parametrize(
    ("value_added", "code"),
    [("1e-5", "value_added_too_small"), ("1e-400", "underflow"), ("1e308", "over_bound")],
)
def test_grading_refuses_value_added_no_intensity_can_use(
    tmp_path: Path, value_added: str, code: str
) -> None:
    path = write(
        tmp_path / "econ.csv",
        f"entity_id,year,industry_code,value_added_10k_yuan\nE1,2024,1711,{value_added}\n",
    )
    valid, errors = read_economics(path)
    assert valid.is_empty()
    assert [(e.row, e.column, e.code) for e in errors] == [(2, "value_added_10k_yuan", code)]


@pytest.mark.parametrize(("total", "code"), [("1e308", "over_bound"), ("4e-320", "underflow")])
def test_grading_refuses_emissions_out_of_range(tmp_path: Path, total: str, code: str) -> None:
    path = write(tmp_path / "em.csv", f"entity_id,period,total_tco2\nE1,2024,{total}\n")
    valid, errors = read_emissions(path)
    assert valid.is_empty()
    assert [e.code for e in errors] == [code]
