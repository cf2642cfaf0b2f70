"""The simplified energy balance: where each record goes, the identity, tce conversion."""

from __future__ import annotations

import polars as pl
import pytest

from citycarbon.core import balance
from citycarbon.core.factors import FactorSet
from tests.conftest import records

ENTERPRISES = pl.DataFrame(
    {
        "entity_id": ["plant", "steel", "mine", "shop", "textile"],
        "district_code": ["D1", "D1", "D2", "D2", "D2"],
        "industry_code": ["4411", "3110", "0610", "5211", "1711"],
    }
)


def hand_made() -> pl.DataFrame:
    return records(
        [
            ("plant", "2025-01", "01", 1000.0, "fuel"),  # coal burnt for power → transformation
            ("plant", "2025-02", "01", 500.0, "fuel"),
            ("plant", "2025-01", "33", 20.0, "fuel"),  # plant's own electricity use → utilities
            ("steel", "2025", "01", 300.0, "fuel"),
            ("steel", "2025", "15", 10.0, "feedstock"),
            ("steel", "2025", "33", 100.0, "fuel"),
            ("steel", "2025", "33", 8.0, "self_generated"),
            ("mine", "2025-03", "21", 40.0, "fuel"),
            ("mine", "2025-03", "21", 2.0, "non_industrial"),
            ("shop", "2025", "33", 5.0, "green_purchase"),
            ("textile", "2025", "33", 30.0, "fuel"),
            ("textile", "2024", "33", 999.0, "fuel"),  # another year: not counted
            ("nobody", "2025", "33", 1.0, "fuel"),  # enterprise unknown: city only, other
        ]
    ).collect()


def row(frame: pl.DataFrame, scope: str, code: str) -> dict[str, object]:
    return frame.filter((pl.col("scope") == scope) & (pl.col("energy_code") == code)).row(
        0, named=True
    )


def test_records_go_to_their_columns_and_the_balance_closes(factors: FactorSet) -> None:
    b = balance.energy_balance(hand_made(), ENTERPRISES, factors, 2025)
    coal = row(b, "city", "01")
    assert coal["supply"] == 1800.0
    assert coal["transformation_input"] == 1500.0
    assert coal["final_intensive"] == 300.0
    elec = row(b, "city", "33")
    assert elec["supply"] == 20 + 100 + 8 + 5 + 30 + 1
    assert elec["transformation_input"] == 0.0
    assert elec["transformation_output"] == 8.0
    assert elec["final_utilities"] == 20.0
    assert elec["final_intensive"] == 108.0
    assert elec["final_other"] == 6.0  # the shop's green power and the unknown enterprise
    assert elec["final_manufacturing_other"] == 30.0
    assert elec["final_total"] == 164.0
    diesel = row(b, "city", "21")
    assert (diesel["final_mining"], diesel["non_industrial"]) == (40.0, 2.0)
    assert row(b, "city", "15")["feedstock"] == 10.0
    # districts: D1 has the plant and the steel works; the unknown enterprise is in no district
    assert row(b, "D1", "33")["supply"] == 128.0
    assert row(b, "D2", "33")["supply"] == 35.0
    assert set(b.get_column("scope")) == {"city", "D1", "D2"}
    assert balance.check_identity(b).is_empty()
    # district rows add up to the city rows, apart from the enterprise without a district
    d = b.filter(pl.col("scope") != "city").group_by("energy_code").agg(pl.col("supply").sum())
    assert dict(d.iter_rows())["33"] == 163.0


def test_tce_is_physical_times_coefficient(factors: FactorSet) -> None:
    b = balance.energy_balance(hand_made(), ENTERPRISES, factors, 2025)
    t = balance.in_tce(b)
    coef = dict(factors.energy.select("energy_code", "tce_per_unit").iter_rows())
    assert row(t, "city", "01")["supply"] == pytest.approx(1800 * coef["01"])
    assert row(t, "city", "33")["final_intensive"] == pytest.approx(108 * 1.229)
    assert row(t, "city", "33")["unit"] == "tce"
    totals = balance.category_totals(t)
    city_total = totals.filter((pl.col("scope") == "city") & (pl.col("category") == "total"))
    assert city_total["supply"][0] == pytest.approx(
        t.filter(pl.col("scope") == "city")["supply"].sum()
    )
    assert balance.check_identity(t, rel=1e-12).is_empty()


def test_identity_check_finds_a_broken_row(factors: FactorSet) -> None:
    b = balance.energy_balance(hand_made(), ENTERPRISES, factors, 2025)
    broken = b.with_columns(
        pl.when(pl.col("energy_code") == "01")
        .then(pl.col("supply") + 1)
        .otherwise(pl.col("supply"))
        .alias("supply")
    )
    assert set(balance.check_identity(broken).get_column("energy_code")) == {"01"}


def test_sectors_of_divisions() -> None:
    codes = ["0610", "12", "13", "2511", "3311", "43", "44", "4610", "47", "5211", "", "X"]
    got = pl.DataFrame({"industry_code": codes}).select(balance.sector_expr())
    assert got.to_series().to_list() == [
        "final_mining",
        "final_mining",
        "final_manufacturing_other",
        "final_intensive",
        "final_manufacturing_other",
        "final_manufacturing_other",
        "final_utilities",
        "final_utilities",
        "final_other",
        "final_other",
        "final_other",
        "final_other",
    ]
