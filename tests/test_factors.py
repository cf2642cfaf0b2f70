"""The factor library: shipped tables, named sets, immutability."""

from __future__ import annotations

import polars as pl
import pytest
from typer.testing import CliRunner

from citycarbon import data
from citycarbon.cli.main import app
from citycarbon.core import factors as factors_module
from citycarbon.core.factors import FactorSet, FactorSetError, list_factor_sets, load_factor_set

TABLES = [
    "energy_catalogue",
    "fuel_parameters",
    "electricity_factors",
    "parameters",
    "demo_industries",
    "industries",
    "carbon_efficiency_thresholds",
    "benchmark_rules",
    "list_rules",
    "building_grades",
    "building_types",
    "quantity_bounds",
    "reading_bounds",
]


@pytest.mark.parametrize("name", TABLES)
def test_every_row_has_source_year_or_confidence(name: str) -> None:
    table = data.read_table(name)
    assert table.height > 0
    assert table["source"].is_not_null().all()
    assert (table["source"].str.len_chars() > 0).all()
    assert table["confidence"].is_in(["C", "S", "I"]).all()
    if "year" in table.columns:
        assert table["year"].str.contains(r"^\d{4}$").all()


def test_catalogue_has_the_39_codes_of_form_205_1() -> None:
    cat = data.energy_catalogue()
    assert cat["energy_code"].to_list() == [f"{i:02d}" for i in range(1, 40)]
    assert set(cat["category"]) == {"coal", "oil", "gas", "electricity_heat", "other"}
    elec = cat.filter(pl.col("energy_code") == "33").row(0, named=True)
    assert elec["tce_per_unit"] == 1.229
    assert elec["confidence"] == "C"
    assert cat.filter(pl.col("energy_code") == "32")["tce_per_unit"][0] == 0.03412
    assert cat.filter(pl.col("renewable"))["energy_code"].to_list() == ["36"]


def test_published_grid_factors() -> None:
    g = data.electricity_factors()
    national = dict(
        g.filter((pl.col("region_level") == "national") & (pl.col("variant") == "average"))
        .select("data_year", "tco2_per_mwh")
        .iter_rows()
    )
    assert national == {2021: 0.5568, 2022: 0.5366, 2023: 0.5306}
    zj = g.filter(pl.col("factor_id") == "zj-2023-avg")["tco2_per_mwh"][0]
    assert zj == 0.4974
    assert g["factor_id"].is_unique().all()


def test_every_set_loads_and_matches_its_released_hash() -> None:
    sets = list_factor_sets()
    assert "cn-2023" in sets["set_id"].to_list()
    for row in sets.iter_rows(named=True):
        fs = load_factor_set(row["set_id"])
        assert fs.content_hash == row["content_sha256"]
        assert fs.energy.height == 39
        assert (fs.energy["tce_per_unit"] > 0).all()


def test_a_changed_released_set_refuses_to_load(monkeypatch: pytest.MonkeyPatch) -> None:
    original = data.fuel_parameters()
    changed = original.with_columns(
        pl.when(pl.col("energy_code") == "15")
        .then(pl.col("oxidation_rate") * 0.99)
        .otherwise(pl.col("oxidation_rate"))
        .alias("oxidation_rate")
    )
    monkeypatch.setattr(factors_module.data, "fuel_parameters", lambda: changed)
    with pytest.raises(FactorSetError, match="immutable"):
        load_factor_set("cn-2023")


def test_unknown_set_and_bad_override() -> None:
    with pytest.raises(FactorSetError, match="unknown factor set"):
        load_factor_set("xx-1999")
    with pytest.raises(FactorSetError, match="outside"):
        load_factor_set("cn-2023", grid_tco2_per_mwh=-1.0)


def test_factors_commands() -> None:
    runner = CliRunner()
    listed = runner.invoke(app, ["factors", "list"])
    assert listed.exit_code == 0
    assert "cn-2023" in listed.stdout and "zj-2023" in listed.stdout
    shown = runner.invoke(app, ["factors", "show", "zj-2023"])
    assert shown.exit_code == 0
    assert "0.4974" in shown.stdout and "天然气" in shown.stdout
    as_csv = runner.invoke(app, ["factors", "show", "cn-2023", "--csv"])
    frame = pl.read_csv(as_csv.stdout.encode(), schema_overrides={"energy_code": pl.String})
    gas = frame.filter(pl.col("energy_code") == "15")["scope1_tco2_per_unit"][0]
    assert gas == pytest.approx(21.621888, rel=1e-6)
    missing = runner.invoke(app, ["factors", "show", "nope"])
    assert missing.exit_code == 2


def test_quantity_bounds_cover_every_code_in_its_standard_unit() -> None:
    bounds = data.quantity_bounds()
    cat = data.energy_catalogue()
    assert bounds.select("energy_code", "unit").equals(cat.select("energy_code", "unit"))
    assert (bounds["max_quantity"] > 0).all()
    assert bounds["max_quantity"].is_finite().all()
    assert sorted(data.reading_bounds()["grain"]) == ["15min", "day", "month"]


def test_from_label_loads_the_recorded_set_and_checks_its_hash() -> None:
    overridden = load_factor_set("cn-2023", grid_tco2_per_mwh=0.55, heat_tco2_per_gj=0.1)
    assert overridden.label == "cn-2023+grid=0.55+heat=0.1"
    again = FactorSet.from_label(overridden.label, content_hash=overridden.content_hash)
    assert (again.grid_tco2_per_mwh, again.heat_tco2_per_gj) == (0.55, 0.1)
    coal = load_factor_set("zj-2023", electricity_method="coal_equivalent")
    assert FactorSet.from_label(coal.label, content_hash=coal.content_hash).label == coal.label
    plain = load_factor_set("cn-2023")
    with pytest.raises(FactorSetError, match="now hashes to"):
        FactorSet.from_label("cn-2023", content_hash=coal.content_hash)
    with pytest.raises(FactorSetError, match="unknown factor set"):
        FactorSet.from_label("xx-1999", content_hash=plain.content_hash)
