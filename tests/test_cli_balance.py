"""``citycarbon balance``: files in, a workbook out that reads back with the right numbers;
bad input exits 2 and writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from citycarbon.cli.main import app
from tests.conftest import write

runner = CliRunner()

ENERGY = """entity_id,period,energy_code,quantity,unit,purpose
plant,2025-01,01,1000,t,fuel
plant,2025-01,33,20,万千瓦时,fuel
steel,2025,33,100,,fuel
steel,2025,15,10,,feedstock
shop,2025,33,5,,green_purchase
shop,2024,33,7,,fuel
"""
ENTERPRISES = """entity_id,industry_code,district_code
plant,D4411,330101
steel,3110,330101
shop,5211,330102
"""


def test_balance_workbook(tmp_path: Path) -> None:
    energy = write(tmp_path / "energy.csv", ENERGY)
    firms = write(tmp_path / "enterprises.csv", ENTERPRISES, "gbk")
    out = tmp_path / "b.xlsx"
    result = runner.invoke(
        app,
        ["balance", str(energy), "--enterprises", str(firms), "--year", "2025", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    book = CalamineWorkbook.from_path(str(out))
    physical = book.get_sheet_by_name("实物量").to_python()
    titles = [r[0] for r in physical if str(r[0]).startswith(("全市", "3301"))]
    assert titles == ["全市 city", "330101", "330102"]
    city_coal = next(r for r in physical if r[0] == "01")
    # supply, transformation input (the power plant's coal), output, then the sectors
    assert city_coal[3:6] == [1000.0, 1000.0, 0.0]
    city_elec = next(r for r in physical if r[0] == "33")
    assert city_elec[3] == 125.0
    standard = book.get_sheet_by_name("标准量").to_python()
    coal_tce = next(r for r in standard if r[0] == "01")
    assert coal_tce[3] == pytest.approx(1000 * 0.7143)
    assert "SHA-256" in str(standard[0][0])


def test_bad_input_exits_2_without_output(tmp_path: Path) -> None:
    energy = write(tmp_path / "energy.csv", ENERGY + "x,2025-13,01,1,t,fuel\n")
    firms = write(tmp_path / "enterprises.csv", ENTERPRISES + ",12,\n")
    out = tmp_path / "b.xlsx"
    result = runner.invoke(
        app,
        ["balance", str(energy), "--enterprises", str(firms), "--year", "2025", "--out", str(out)],
    )
    assert result.exit_code == 2
    assert "bad_period" in result.output or "期间" in result.output
    assert "主体编号为空" in result.output
    assert not out.exists()


@pytest.mark.parametrize(
    ("quantity", "reason"),
    [
        ("1e308", "合理上限"),
        ("inf", "不是有效数字"),
        ("nan", "不是有效数字"),
        ("1e-400", "非零数值过小"),
    ],
)
def test_implausible_quantity_exits_2(tmp_path: Path, quantity: str, reason: str) -> None:
    energy = write(tmp_path / "energy.csv", ENERGY + f"plant,2025-02,01,{quantity},t,fuel\n")
    firms = write(tmp_path / "enterprises.csv", ENTERPRISES)
    out = tmp_path / "b.xlsx"
    result = runner.invoke(
        app,
        ["balance", str(energy), "--enterprises", str(firms), "--year", "2025", "--out", str(out)],
    )
    assert result.exit_code == 2
    assert "energy.csv:8: 列/column quantity: " in result.output and reason in result.output
    assert not out.exists()
