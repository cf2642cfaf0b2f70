"""Public-building codes: intensity by hand, percentile grades, fixed bounds, the command."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from citycarbon.cli.main import app
from citycarbon.core import buildings as buildings_module
from citycarbon.core.buildings import building_intensity, grade_buildings
from citycarbon.core.factors import FactorSet
from citycarbon.io.buildings_csv import read_buildings
from tests.conftest import write


def frame(rows: list[tuple[str, str, float, float, float, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema=[
            "building_id",
            "building_type",
            "floor_area_m2",
            "electricity_kwh",
            "gas_m3",
            "green_electricity_kwh",
        ],
        orient="row",
    ).with_columns(pl.lit(2025).cast(pl.Int32).alias("year"))


def test_intensity_by_hand(factors: FactorSet) -> None:
    b = building_intensity(frame([("b", "office", 1000.0, 100_000.0, 1000.0, 20_000.0)]), factors)
    # (100,000 − 20,000) kWh × 0.5306 kg/kWh + 1,000 m³ × 2.1621888 kg/m³, over 1,000 m²
    expected = (80_000 * 0.5306 + 1000 * 2.1621888) / 1000
    assert b["kgco2_per_m2"][0] == pytest.approx(expected)
    assert b["tco2"][0] == pytest.approx(expected)


def test_peer_percentile_grades_within_type(factors: FactorSet) -> None:
    rows = [(f"o{i}", "office", 1000.0, 10_000.0 * (i + 1), 0.0, 0.0) for i in range(5)]
    rows += [("s0", "school", 1000.0, 1_000_000.0, 0.0, 0.0)]
    g = grade_buildings(frame(rows), factors)
    offices = g.filter(pl.col("building_type") == "office").sort("kgco2_per_m2")
    assert offices["grade"].to_list() == ["A", "B", "C", "D", "E"]
    assert offices["grade_zh"][0] == "优秀"
    assert set(offices["threshold_basis"]) == {"peer-percentile: peer percentiles"}
    school = g.filter(pl.col("building_id") == "s0").row(0, named=True)
    assert school["peer_count"] == 1
    assert school["grade"] is None  # alone in its type: a percentile says nothing
    assert school["threshold_basis"] == "peer-percentile: not graded, fewer than 5 peers"
    again = grade_buildings(frame(rows), factors, min_peers=1)
    assert again.filter(pl.col("building_id") == "s0")["grade"][0] == "A"


def test_fixed_bounds_from_data(factors: FactorSet, monkeypatch: pytest.MonkeyPatch) -> None:
    fixed = pl.DataFrame(
        {
            "scheme": ["city-2025"] * 4,
            "building_type": ["office"] * 4,
            "grade": ["A", "B", "C", "D"],
            "upper_bound_kgco2_per_m2": [20.0, 30.0, 40.0, 50.0],
            "upper_percentile": [None, None, None, None],
        },
        schema_overrides={"upper_percentile": pl.Float64},
    )
    monkeypatch.setattr(buildings_module.data, "building_grades", lambda: fixed)
    rows = [
        (f"o{i}", "office", 1000.0, kwh, 0.0, 0.0)
        for i, kwh in enumerate([30_000.0, 37_696.0, 94_000.0])
    ]  # 15.9, 20.0, 49.9 kg/m²
    g = grade_buildings(frame(rows), factors, "city-2025").sort("building_id")
    assert g["grade"].to_list() == ["A", "B", "D"]
    assert set(g["threshold_basis"]) == {"city-2025: fixed bounds"}
    with pytest.raises(ValueError, match="unknown building grade scheme"):
        grade_buildings(frame(rows), factors, "nowhere")


def test_buildings_command(tmp_path: Path) -> None:
    good = write(
        tmp_path / "b.csv",
        "building_id,year,building_type,floor_area_m2,electricity_kwh\n"
        + "".join(f"B{i},2025,office,1000,{(i + 1) * 10000}\n" for i in range(5)),
    )
    out = tmp_path / "g.csv"
    r = CliRunner().invoke(app, ["buildings", str(good), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert pl.read_csv(out).sort("building_id")["grade"].to_list() == ["A", "B", "C", "D", "E"]
    bad = write(
        tmp_path / "bad.csv",
        "building_id,year,building_type,floor_area_m2,electricity_kwh\n"
        "B1,2025,castle,1000,1\nB2,2025,office,0,1\nB3,2025,office,10,-1\n",
    )
    r = CliRunner().invoke(app, ["buildings", str(bad), "--out", str(tmp_path / "x.csv")])
    assert r.exit_code == 2
    assert "unknown building type" in r.stderr and "floor area must be above zero" in r.stderr
    assert "must not be negative" in r.stderr
    assert not (tmp_path / "x.csv").exists()


HEADER = (
    "building_id,year,building_type,floor_area_m2,electricity_kwh,gas_m3,green_electricity_kwh\n"
)
GOOD_ROW = {"floor_area_m2": "1000", "electricity_kwh": "100", "gas_m3": "0"}
GOOD_ROW["green_electricity_kwh"] = "0"


def building_row(**cells: str) -> str:
    values = GOOD_ROW | cells
    return "B1,2025,office," + ",".join(values[c] for c in GOOD_ROW) + "\n"


@pytest.mark.parametrize("column", list(GOOD_ROW))
@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1e308", "超过"),
        ("inf", "不是有效数字"),
        ("-inf", "不是有效数字"),
        ("nan", "不是有效数字"),
        ("1e-400", "非零数值过小"),
        ("4e-320", "非零数值过小"),
        ("0.0000001", "非零数值过小"),
    ],
)
def test_buildings_command_refuses_implausible_numbers(
    tmp_path: Path, column: str, text: str, reason: str
) -> None:
    bad = write(tmp_path / "b.csv", HEADER + building_row(**{column: text}))
    out = tmp_path / "g.csv"
    r = CliRunner().invoke(app, ["buildings", str(bad), "--out", str(out)])
    assert r.exit_code == 2, r.output
    assert f"b.csv:2: 列/column {column}: " in r.stderr
    assert reason in r.stderr and " / " in r.stderr  # zh / en
    assert not out.exists()


@pytest.mark.parametrize(
    ("column", "bound", "unit"),
    [
        ("floor_area_m2", 1e7, "m²"),
        ("electricity_kwh", 1e12, "kWh"),
        ("green_electricity_kwh", 1e12, "kWh"),
        ("gas_m3", 1e11, "m³"),
    ],
)
def test_building_bounds_edge(tmp_path: Path, column: str, bound: float, unit: str) -> None:
    at = write(tmp_path / "at.csv", HEADER + building_row(**{column: f"{bound:g}"}))
    frame, errors = read_buildings(at)
    assert errors == [] and frame[column][0] == bound
    over = write(tmp_path / "over.csv", HEADER + building_row(**{column: f"{bound * 1.01:g}"}))
    _, errors = read_buildings(over)
    assert [(e.column, e.code) for e in errors] == [
        (column, "area_over_bound" if column == "floor_area_m2" else "over_bound")
    ]
    assert errors[0].detail.endswith(unit)
    tiny = write(tmp_path / "tiny.csv", HEADER + building_row(**{column: "1e-6"}))
    assert read_buildings(tiny)[1] == []


def test_building_energy_bounds_follow_the_configured_quantity_bounds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bounds = write(tmp_path / "bounds.csv", "energy_code,max_quantity\n33,1\n")
    monkeypatch.setenv("CITYCARBON_QUANTITY_BOUNDS", str(bounds))
    over = write(tmp_path / "b.csv", HEADER + building_row(electricity_kwh="10001"))
    _, errors = read_buildings(over)
    assert [(e.column, e.code, e.detail) for e in errors] == [
        ("electricity_kwh", "over_bound", "> 10000.0 kWh")
    ]
