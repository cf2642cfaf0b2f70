"""What-if: changes applied to one enterprise's records, industry average held fixed."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from citycarbon.cli.main import app
from citycarbon.core.factors import FactorSet
from citycarbon.core.whatif import Changes, apply_changes, what_if
from tests.conftest import records

COAL_T = 20.908 * 0.02618 * 0.93 * 44 / 12  # tCO2 per t of raw coal
GAS = 21.621888  # tCO2 per 万m³
GRID = 5.306  # tCO2 per 万kWh


def firm() -> pl.DataFrame:
    return records(
        [("x", "2024-01", "01", 100.0, "fuel"), ("x", "2024-01", "33", 10.0, "fuel")]
    ).collect()


def test_nothing_changed_keeps_the_code(factors: FactorSet) -> None:
    r = what_if(firm(), 100.0, 1.0, Changes(), factors)
    before, after = r.row(0, named=True), r.row(1, named=True)
    assert before["total_tco2"] == pytest.approx(100 * COAL_T + 10 * GRID)
    assert after == before | {"scenario": "after"}


def test_coal_to_gas_green_cut_and_value_added(factors: FactorSet) -> None:
    changes = Changes(
        coal_to_gas_tce=71.43,
        green_electricity_mwh=50.0,
        energy_cut_pct=10.0,
        value_added_increase_pct=25.0,
    )
    r = what_if(firm(), 100.0, 2.0, changes, factors).row(1, named=True)
    gas_units = 71.43 / 12.143
    expected = 0.9 * (gas_units * GAS + 5.0 * GRID)
    assert r["total_tco2"] == pytest.approx(expected)
    assert r["value_added_10k_yuan"] == pytest.approx(125.0)
    assert r["intensity_tco2_per_10k_yuan"] == pytest.approx(expected / 125)
    assert r["k_value"] == pytest.approx(expected / 125 / 2.0)
    assert r["energy_tce"] == pytest.approx(0.9 * (71.43 + 10 * 1.229))


def test_more_coal_than_there_is_only_replaces_what_exists(factors: FactorSet) -> None:
    after = apply_changes(firm(), Changes(coal_to_electricity_tce=1_000.0), factors)
    coal = after.filter(pl.col("energy_code") == "01")["quantity"].sum()
    added = after.filter(pl.col("energy_code") == "33")["quantity"].sum() - 10.0
    assert coal == pytest.approx(0.0)
    assert added == pytest.approx(71.43 / 1.229)
    green = apply_changes(firm(), Changes(green_electricity_mwh=1e6), factors)
    assert green.filter(pl.col("purpose") == "green_purchase")["quantity"].sum() == 10.0


def test_grade_moves_with_the_changes(factors: FactorSet) -> None:
    # L before = (186.65 + 53.06) / 100 ≈ 2.40 (高碳); K = 2.40 / 2.0 = 1.2 → grade 3.
    r = what_if(
        firm(),
        100.0,
        2.0,
        Changes(green_electricity_mwh=100.0, value_added_increase_pct=100.0),
        factors,
    )
    before, after = r.row(0, named=True), r.row(1, named=True)
    assert (before["level"], before["grade"]) == ("高碳", 3)
    assert after["intensity_tco2_per_10k_yuan"] == pytest.approx(100 * COAL_T / 200)
    assert (after["level"], after["grade"]) == ("中碳", 1)  # L 0.93, K 0.47


def test_invalid_changes_are_named() -> None:
    assert Changes(energy_cut_pct=120).problems() == ["energy_cut_pct must be between 0 and 100"]
    assert Changes(coal_to_gas_tce=-1).problems() == ["coal_to_gas_tce must not be negative"]


@pytest.mark.django_db(transaction=True)  # the demo also loads the database
def test_whatif_command(tmp_path: Path) -> None:
    runner = CliRunner()
    demo = runner.invoke(
        app, ["demo", "--no-serve", "--out-dir", str(tmp_path), "--enterprises", "200"]
    )
    assert demo.exit_code == 0
    grades = pl.read_csv(tmp_path / "grades.csv").filter(pl.col("year") == 2025)
    entity = grades.sort("total_tco2", descending=True)["entity_id"][0]
    r = runner.invoke(
        app,
        [
            "whatif",
            str(tmp_path / "energy.csv"),
            str(tmp_path / "economics.csv"),
            "--entity",
            entity,
            "--cut-energy-pct",
            "50",
        ],
    )
    assert r.exit_code == 0, r.output
    assert "→" in r.stdout and "before" in r.stdout and "after" in r.stdout
    bad = runner.invoke(
        app,
        [
            "whatif",
            str(tmp_path / "energy.csv"),
            str(tmp_path / "economics.csv"),
            "--entity",
            "nobody",
        ],
    )
    assert bad.exit_code == 2 and "not graded" in bad.stderr
    bad = runner.invoke(
        app,
        [
            "whatif",
            str(tmp_path / "energy.csv"),
            str(tmp_path / "economics.csv"),
            "--entity",
            entity,
            "--cut-energy-pct",
            "101",
        ],
    )
    assert bad.exit_code == 2 and "between 0 and 100" in bad.stderr
