"""Carbon portraits and the two benchmark lists, on small hand-made industries."""

from __future__ import annotations

import polars as pl
import pytest

from citycarbon.core.accounting import emissions_by_period
from citycarbon.core.factors import FactorSet
from citycarbon.core.grading import grade
from citycarbon.core.peer_lists import (
    low_green,
    low_green_reason,
    poor_efficiency,
    poor_efficiency_reasons,
)
from citycarbon.core.portrait import enterprise_portraits, group_portraits
from tests.conftest import records


def city(factors: FactorSet, *, detail: bool = True) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Six textile firms over two years; f5 uses much more electricity, f0 buys green power."""
    rows: list[tuple[str, str, str, float, str]] = []
    for year, scale in (("2023", 1.1), ("2024", 1.0)):
        for i in range(6):
            elec = (10.0 if i < 5 else 40.0) * scale
            rows.append((f"f{i}", f"{year}-01", "33", elec, "fuel"))
            rows.append((f"f{i}", f"{year}-02", "15", 1.0, "fuel"))
        rows.append(("f0", f"{year}-03", "33", 5.0, "green_purchase"))
    rec = records(rows)
    economics = pl.DataFrame(
        {
            "entity_id": [f"f{i}" for i in range(6)] * 2,
            "year": [2023] * 6 + [2024] * 6,
            "industry_code": ["1711"] * 12,
            "value_added_10k_yuan": [100.0] * 12,
            "district_code": (["339901"] * 3 + ["339902"] * 3) * 2,
        }
    )
    emissions = emissions_by_period(rec, factors, detail=detail).collect()
    return grade(emissions, economics).graded, emissions


def portraits_of(factors: FactorSet) -> pl.DataFrame:
    graded, emissions = city(factors)
    return enterprise_portraits(graded, emissions)


def test_energy_structure_splits_energy_by_category_and_green(factors: FactorSet) -> None:
    f0 = (
        portraits_of(factors)
        .filter((pl.col("entity_id") == "f0") & (pl.col("year") == 2024))
        .row(0, named=True)
    )
    energy = 15 * 1.229 + 12.143
    assert f0["energy_tce"] == pytest.approx(energy)
    assert f0["electricity_heat_share"] == pytest.approx(15 * 1.229 / energy)
    assert f0["gas_share"] == pytest.approx(12.143 / energy)
    assert f0["green_share"] == pytest.approx(5 * 1.229 / energy)


def test_portraits_without_detailed_emissions_have_empty_structure(factors: FactorSet) -> None:
    p = enterprise_portraits(*city(factors, detail=False))
    assert p.height == 12
    assert p["gas_share"].is_null().all()
    assert p["largest_sources"].is_null().all()
    assert p["intensity_rank_in_industry"].null_count() == 0


def test_portrait_position_trend_and_sources(factors: FactorSet) -> None:
    p = portraits_of(factors).filter(pl.col("year") == 2024)
    f5 = p.filter(pl.col("entity_id") == "f5").row(0, named=True)
    assert f5["intensity_rank_in_industry"] == 6
    assert f5["intensity_percentile_in_industry"] == pytest.approx(1.0)
    assert f5["intensity_rank_in_district"] == 3
    assert f5["largest_sources"].startswith("33:")
    assert f5["previous_grade"] == f5["grade"]
    expected_l = (40 * 5.306 + 21.621888) / 100
    assert f5["intensity_tco2_per_10k_yuan"] == pytest.approx(expected_l)
    assert f5["intensity_change"] == pytest.approx(
        expected_l / ((44 * 5.306 + 21.621888) / 100) - 1
    )
    shares = [f5[f"{c}_share"] for c in ("coal", "oil", "gas", "electricity_heat", "other")]
    assert sum(shares) == pytest.approx(1.0)
    district = group_portraits(portraits_of(factors), "district_code")
    d2 = district.filter((pl.col("year") == 2024) & (pl.col("district_code") == "339902"))
    assert d2["enterprises"][0] == 3
    assert sum(d2[f"grade_{g}"][0] for g in range(1, 6)) == 3


def test_poor_efficiency_names_the_outlier_and_its_measures(factors: FactorSet) -> None:
    poor = poor_efficiency(portraits_of(factors)).filter(pl.col("year") == 2024)
    assert poor["entity_id"].to_list() == ["f5"]
    assert poor["measures"][0] == "energy;electricity_heat"
    reasons = poor.select(poor_efficiency_reasons())["reasons"][0]
    assert reasons.startswith("综合单位增加值能耗 ")
    assert "电热单位增加值能耗" in reasons
    assert "above industry P80" in reasons
    assert poor_efficiency(portraits_of(factors), percentile=1.0).is_empty()


def test_low_green_lists_firms_without_green_power(factors: FactorSet) -> None:
    green = low_green(portraits_of(factors)).filter(pl.col("year") == 2024)
    assert "f0" not in green["entity_id"].to_list()
    assert set(green["entity_id"]) == {"f1", "f2", "f3", "f4", "f5"}
    assert green["entity_id"][0] == "f5"  # largest electricity user first
    assert "green share 0.0%" in green.select(low_green_reason())["reason"][0]
