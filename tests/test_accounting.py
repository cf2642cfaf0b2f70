"""Worked examples of the accounting methods, each small enough to check by hand."""

from __future__ import annotations

import polars as pl
import pytest

from citycarbon.core.accounting import (
    account_records,
    emissions_by_period,
    partial_emissions,
    sum_emissions,
)
from citycarbon.core.factors import FactorSet, load_factor_set
from tests.conftest import records


def one(frame: pl.LazyFrame) -> dict[str, object]:
    rows = frame.collect().to_dicts()
    assert len(rows) == 1
    return rows[0]


def test_natural_gas_worked_example(factors: FactorSet) -> None:
    # 1 万立方米 × 389.31 GJ/10⁴Nm³ × 0.0153 tC/GJ × 0.99 × 44/12 = 21.62 tCO2
    r = one(emissions_by_period(records([("a", "2024-01", "15", 1.0, "fuel")]), factors))
    assert r["scope1_tco2"] == pytest.approx(389.31 * 0.0153 * 0.99 * 44 / 12)
    assert round(r["scope1_tco2"], 2) == 21.62  # type: ignore[call-overload]
    assert r["scope2_tco2"] == 0.0
    assert r["energy_tce"] == pytest.approx(12.143)


def test_electricity_calorific_equivalent(factors: FactorSet) -> None:
    # 1 万千瓦时 × 0.1229 kgce/kWh = 1.229 tce; 10 MWh × 0.5306 t/MWh = 5.306 tCO2
    r = one(emissions_by_period(records([("a", "2024-01", "33", 1.0, "fuel")]), factors))
    assert r["energy_tce"] == pytest.approx(1.229)
    assert r["scope2_tco2"] == pytest.approx(5.306)
    assert r["scope1_tco2"] == 0.0


def test_electricity_coal_equivalent_option() -> None:
    fs = load_factor_set("cn-2023", electricity_method="coal_equivalent")
    r = one(emissions_by_period(records([("a", "2024", "33", 1.0, "fuel")]), fs))
    assert r["energy_tce"] == pytest.approx(2.8498)
    assert r["factor_set"] == "cn-2023+elec=coal_equivalent"


def test_heat(factors: FactorSet) -> None:
    r = one(emissions_by_period(records([("a", "2024", "32", 1.0, "fuel")]), factors))
    assert r["scope2_tco2"] == pytest.approx(0.11)
    assert r["energy_tce"] == pytest.approx(0.03412)


def test_feedstock_counts_energy_but_no_co2(factors: FactorSet) -> None:
    r = one(emissions_by_period(records([("a", "2024", "15", 1.0, "feedstock")]), factors))
    assert r["total_tco2"] == 0.0
    assert r["energy_tce"] == pytest.approx(12.143)


def test_non_industrial_use_counts_like_fuel(factors: FactorSet) -> None:
    both = [("a", "2024", "15", 1.0, "non_industrial"), ("a", "2024", "33", 1.0, "non_industrial")]
    r = one(emissions_by_period(records(both), factors))
    fuel = one(
        emissions_by_period(
            records([("a", "2024", "15", 1.0, "fuel"), ("a", "2024", "33", 1.0, "fuel")]), factors
        )
    )
    assert r["scope1_tco2"] == pytest.approx(fuel["scope1_tco2"])
    assert r["scope2_tco2"] == pytest.approx(5.306)
    assert r["energy_tce"] == pytest.approx(12.143 + 1.229)


def test_green_and_self_generated_electricity_are_netted_and_reported(
    factors: FactorSet,
) -> None:
    rows = [
        ("a", "2024", "33", 3.0, "fuel"),
        ("a", "2024", "33", 1.0, "green_purchase"),
        ("a", "2024", "33", 0.5, "self_generated"),
    ]
    r = one(emissions_by_period(records(rows), factors, detail=True))
    assert r["scope2_tco2"] == pytest.approx(3 * 5.306)
    assert r["energy_tce"] == pytest.approx(4.5 * 1.229)
    assert r["green_purchase_mwh"] == pytest.approx(10.0)
    assert r["self_generated_mwh"] == pytest.approx(5.0)
    assert r["netted_tco2"] == pytest.approx(1.5 * 5.306)
    assert r["renewable_tce"] == pytest.approx(1.5 * 1.229)


def test_grid_and_heat_overrides_change_label_and_hash(factors: FactorSet) -> None:
    fs = load_factor_set("cn-2023", grid_tco2_per_mwh=0.5703, heat_tco2_per_gj=0.1)
    assert fs.label == "cn-2023+grid=0.5703+heat=0.1"
    assert fs.content_hash != factors.content_hash
    rows = [("a", "2024", "33", 1.0, "fuel"), ("a", "2024", "32", 10.0, "fuel")]
    r = one(emissions_by_period(records(rows), fs))
    assert r["scope2_tco2"] == pytest.approx(5.703 + 1.0)


def test_coal_diesel_and_per_tce_fuels(factors: FactorSet) -> None:
    rows = [
        ("a", "2024", "01", 1.0, "fuel"),
        ("a", "2024", "21", 1.0, "fuel"),
        ("a", "2024", "39", 1.0, "fuel"),
        ("a", "2024", "36", 1.0, "fuel"),
    ]
    r = one(emissions_by_period(records(rows), factors))
    raw_coal = 20.908 * 0.02618 * 0.93 * 44 / 12
    diesel = 42.652 * 0.0202 * 0.98 * 44 / 12
    assert r["scope1_tco2"] == pytest.approx(raw_coal + diesel + 2.613)  # biomass adds none
    assert r["energy_tce"] == pytest.approx(0.7143 + 1.4571 + 1.0 + 0.5)


def test_per_record_results_keep_order_and_name_the_factor_set(factors: FactorSet) -> None:
    rows = [("b", "2024-02", "33", 1.0, "fuel"), ("a", "2024-01", "15", 2.0, "fuel")]
    out = account_records(records(rows), factors).collect()
    assert out["entity_id"].to_list() == ["b", "a"]
    assert out["total_tco2"].to_list() == pytest.approx([5.306, 2 * 21.621888])
    assert set(out["factor_set"]) == {"cn-2023"}


@pytest.mark.parametrize(
    ("grain", "periods"),
    [
        ("month", ["2024-01", "2024-02", "2024-04"]),
        ("quarter", ["2024-Q1", "2024-Q2"]),
        ("year", ["2024"]),
    ],
)
def test_grains(factors: FactorSet, grain: str, periods: list[str]) -> None:
    rows = [
        ("a", "2024-01", "33", 1.0, "fuel"),
        ("a", "2024-02", "33", 1.0, "fuel"),
        ("a", "2024-04", "33", 1.0, "fuel"),
    ]
    out = emissions_by_period(records(rows), factors, grain).collect()  # type: ignore[arg-type]
    assert out["period"].to_list() == periods
    assert out["scope2_tco2"].sum() == pytest.approx(3 * 5.306)


def test_quarter_rows_roll_up_to_year_with_months(factors: FactorSet) -> None:
    rows = [("a", "2024-Q3", "33", 1.0, "fuel"), ("a", "2024-11", "33", 1.0, "fuel")]
    out = emissions_by_period(records(rows), factors, "quarter").collect()
    assert out["period"].to_list() == ["2024-Q3", "2024-Q4"]
    year = emissions_by_period(records(rows), factors, "year").collect()
    assert year["scope2_tco2"].to_list() == pytest.approx([2 * 5.306])


def test_sum_emissions_combines_partitions(factors: FactorSet) -> None:
    part1 = partial_emissions(records([("a", "2024-01", "15", 1.0, "fuel")]), factors)
    part2 = partial_emissions(records([("a", "2024-02", "15", 2.0, "fuel")]), factors)
    combined = sum_emissions(pl.concat([part1, part2]), factors).collect()
    assert combined.height == 1
    assert combined["scope1_tco2"][0] == pytest.approx(3 * 21.621888)


ROWS_BY_CODE = [
    ("a", "2024-01", "01", 10.0, "fuel"),  # raw coal
    ("a", "2024-02", "15", 1.0, "fuel"),  # natural gas
    ("a", "2024-03", "15", 1.0, "feedstock"),  # in energy, not in CO2
    ("a", "2024-03", "33", 20.0, "fuel"),  # electricity
    ("a", "2024-04", "33", 5.0, "green_purchase"),
    ("b", "2024-01", "15", 2.0, "fuel"),
]


def test_detail_has_energy_by_category_and_largest_sources(factors: FactorSet) -> None:
    out = emissions_by_period(records(ROWS_BY_CODE), factors, detail=True).collect()
    a = out.row(0, named=True)
    assert a["coal_tce"] == pytest.approx(10 * 0.7143)
    assert a["gas_tce"] == pytest.approx(2 * 12.143)
    assert a["electricity_heat_tce"] == pytest.approx(25 * 1.229)
    assert a["oil_tce"] == a["other_tce"] == 0.0
    categories = sum(a[f"{c}_tce"] for c in ("coal", "oil", "gas", "electricity_heat", "other"))
    assert categories == pytest.approx(a["energy_tce"])
    # electricity 20 × 5.306 = 106.1 t; gas as fuel only 21.6 t; raw coal 10 t → 18.7 t
    assert a["largest_sources"] == "33:106.1;15:21.6;01:18.7"
    assert out.row(1, named=True)["largest_sources"] == f"15:{round(2 * 21.621888, 1)}"


def test_detail_partials_combine_to_the_one_pass_result(factors: FactorSet) -> None:
    one_pass = emissions_by_period(records(ROWS_BY_CODE), factors, detail=True).collect()
    parts = [
        partial_emissions(records(ROWS_BY_CODE[:3]), factors, detail=True),
        partial_emissions(records(ROWS_BY_CODE[3:]), factors, detail=True),
    ]
    combined = sum_emissions(pl.concat(parts), factors, detail=True).collect()
    assert combined.equals(one_pass)


def test_records_with_wrong_schema_are_refused(factors: FactorSet) -> None:
    bad = pl.LazyFrame({"entity_id": ["a"], "period": ["2024"], "energy_code": ["15"]})
    with pytest.raises(ValueError, match="quantity"):
        emissions_by_period(bad, factors)
