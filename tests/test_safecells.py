"""CSV and XLSX injection: text cells that a spreadsheet would run are written with a
leading quote; numbers stay numbers; reading back and ``restore`` give the original."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from citycarbon.cli.main import app
from citycarbon.core.balance import energy_balance
from citycarbon.core.factors import load_factor_set
from citycarbon.io.balance_xlsx import write_balance_xlsx
from citycarbon.io.files import write_csv
from citycarbon.io.safecells import needs_quote, neutralise, restore, safe_frame
from tests.conftest import records as energy_records
from tests.conftest import write
from tests.form205_fixtures import USCC_A, Item, write_form_xlsx

runner = CliRunner()
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
ATTACKS = [
    "=1+1",
    "\t=1+1",
    "\r=1+1",
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A2)",
    '=HYPERLINK("http://x","y")',
    "'=1+1",
]
PLAIN = ["-5", "+1.5e3", "0", "abc", "演示企业", "", "1-2", "a=b"]


text = st.text(alphabet=st.sampled_from([*TRIGGERS, "'", "1", "5", ".", "e", "a", "中", " "]))


@given(text)
def test_neutralise_round_trips_and_agrees_with_the_frame_version(value: str) -> None:
    out = neutralise(value)
    assert restore(out) == value
    assert not out or out[0] not in TRIGGERS or not needs_quote(out)
    assert safe_frame(pl.DataFrame({"t": [value]}))["t"].item() == out


@pytest.mark.parametrize("value", ATTACKS)
def test_attacks_get_a_quote(value: str) -> None:
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", PLAIN)
def test_plain_text_and_numbers_unchanged(value: str) -> None:
    assert neutralise(value) == value


def test_numeric_columns_untouched(tmp_path: Path) -> None:
    frame = pl.DataFrame({"t": ATTACKS + PLAIN, "n": [-5.0] * (len(ATTACKS) + len(PLAIN))})
    write_csv(frame, tmp_path / "o.csv")
    back = pl.read_csv(tmp_path / "o.csv", infer_schema=False)
    assert back["n"].to_list() == ["-5.0"] * frame.height
    assert all(c.startswith("'") for c in back["t"][: len(ATTACKS)])
    assert [restore(c or "") for c in back["t"]] == frame["t"].to_list()


def read_cells(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


HEADER = "entity_id,period,energy_code,quantity,unit,purpose\n"


def test_emissions_outputs_and_rejected_rows(tmp_path: Path) -> None:
    rows = "".join(f"{e},2024-01,15,1,,\n" for e in ["=1+1", "@x", "+cmd", '"\t=2+2"'])
    rows += "=bad,2024-01,15,-5,,\n-x,2024-13,15,2,,\n"
    src = write(tmp_path / "e.csv", HEADER + rows)
    out, rejected = tmp_path / "out.csv", tmp_path / "rejected.csv"
    result = runner.invoke(
        app, ["emissions", str(src), "--out", str(out), "--skip-invalid", str(rejected)]
    )
    assert result.exit_code == 0, result.stderr
    cells = read_cells(out)
    ids = [r["entity_id"] for r in cells]
    assert sorted(ids) == sorted(["'=1+1", "'@x", "'+cmd", "'=2+2"])
    assert all(float(r["total_tco2"]) > 0 for r in cells)
    bad = read_cells(rejected)
    assert [(r["entity_id"], r["quantity"], r["period"]) for r in bad] == [
        ("'=bad", "-5", "2024-01"),
        ("'-x", "2", "2024-13"),
    ]
    assert restore(bad[0]["entity_id"]) == "=bad"
    stdout = runner.invoke(app, ["emissions", str(src), "--skip-invalid", str(rejected)])
    printed = list(csv.DictReader(io.StringIO(stdout.stdout)))
    assert sorted(r["entity_id"] for r in printed) == sorted(ids)


def test_grade_output(tmp_path: Path) -> None:
    em = write(
        tmp_path / "em.csv",
        "entity_id,period,total_tco2\n"
        + "".join(f"{e},2024,{i + 1}\n" for i, e in enumerate(["=a", "@b", "c"])),
    )
    econ = write(
        tmp_path / "econ.csv",
        "entity_id,year,industry_code,value_added_10k_yuan\n=a,2024,1711,10\n@b,2024,1711,20\nc,2024,1711,30\n",
    )
    out = tmp_path / "g.csv"
    result = runner.invoke(
        app, ["grade", str(em), str(econ), "--out", str(out), "--min-peers", "1"]
    )
    assert result.exit_code == 0, result.output
    ids = sorted(r["entity_id"] for r in read_cells(out))
    assert ids == sorted(["'=a", "'@b", "c"])


def test_balance_workbook_holds_no_formula(tmp_path: Path) -> None:
    factors = load_factor_set("cn-2023")
    records = energy_records([("e1", "2025", "01", 5.0, "fuel")]).collect()
    firms = pl.DataFrame(
        {"entity_id": ["e1"], "industry_code": ["3110"], "district_code": ["=2+2"]}
    )
    balance = energy_balance(records, firms, factors, year=2025)
    out = tmp_path / "b.xlsx"
    write_balance_xlsx(
        balance,
        out,
        year=2025,
        factor_set="cn-2023",
        input_sha256="0" * 64,
        scope_names={"=2+2": "@evil"},
    )
    with zipfile.ZipFile(out) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and not any("<f>" in z.read(n).decode() for n in sheets)
    physical = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("实物量").to_python()
    labels = [r[0] for r in physical if isinstance(r[0], str) and "2+2" in r[0]]
    assert labels == ["'=2+2 @evil"]
    coal = next(r for r in physical if r[0] == "01")
    assert isinstance(coal[3], float)


def test_convert_205_report_and_stdout(tmp_path: Path) -> None:
    path = write_form_xlsx(
        tmp_path / "f.xlsx",
        USCC_A,
        "=公司",
        "2025",
        [Item("15", total="+1+1", unit="@cmd")],  # type: ignore[arg-type]
    )
    report = tmp_path / "issues.csv"
    result = runner.invoke(app, ["convert-205", str(path), "--report", str(report)])
    assert result.exit_code == 2
    cells = read_cells(report)
    values = {r["value"] for r in cells}
    assert {"'+1+1", "'@cmd"} <= values
    assert all(restore(v) in {"+1+1", "@cmd"} for v in values if v.startswith("'"))
    ok = write_form_xlsx(tmp_path / "g.xlsx", USCC_A, "=公司", "2025", [Item("15", total=1.0)])
    printed = runner.invoke(app, ["convert-205", str(ok)])
    assert printed.exit_code == 0, printed.stderr
    rows = list(csv.DictReader(io.StringIO(printed.stdout)))
    assert rows and all(not r["entity_id"].startswith(("=", "@")) for r in rows)


def test_buildings_output(tmp_path: Path) -> None:
    src = write(
        tmp_path / "b.csv",
        "building_id,year,building_type,floor_area_m2,electricity_kwh\n"
        + "".join(
            f"{b},2024,office,1000,{1000 * (i + 1)}\n" for i, b in enumerate(["=b1", "-b2", "b3"])
        ),
    )
    out = tmp_path / "g.csv"
    result = runner.invoke(app, ["buildings", str(src), "--out", str(out), "--min-peers", "1"])
    assert result.exit_code == 0, result.output
    assert sorted(r["building_id"] for r in read_cells(out)) == ["'-b2", "'=b1", "b3"]
    printed = runner.invoke(app, ["buildings", str(src), "--min-peers", "1"])
    ids = sorted(r["building_id"] for r in csv.DictReader(io.StringIO(printed.stdout)))
    assert ids == ["'-b2", "'=b1", "b3"]
