"""Carbon portraits and the two benchmark lists, on small hand-made industries."""

from __future__ import annotations

import polars as pl
import pytest

from citycarbon.core.accounting import emissions_by_period
from citycarbon.core.democity import energy_records, generate_city
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
    words = poor.select(poor_efficiency_reasons())
    reasons = words["reasons_zh"][0]
    assert reasons.startswith("综合单位增加值能耗 ")
    assert "电热单位增加值能耗" in reasons
    assert "above" not in reasons
    assert words["reasons_en"][0].startswith("energy ")
    assert "electricity_heat " in words["reasons_en"][0]
    assert "above industry P80" in words["reasons_en"][0]
    assert poor_efficiency(portraits_of(factors), percentile=1.0).is_empty()


def _portrait_rows(rows: list[tuple[str, float, float]], year: int = 2025) -> pl.DataFrame:
    """Portrait rows ``(entity, electricity and heat MWh, green share)``; all energy is
    electricity and heat (0.1229 tce per MWh)."""
    return pl.DataFrame(
        {
            "entity_id": [r[0] for r in rows],
            "year": [year] * len(rows),
            "industry_code_used": ["1711"] * len(rows),
            "district_code": ["339901"] * len(rows),
            "green_share": [r[2] for r in rows],
            "energy_tce": [r[1] * 0.1229 for r in rows],
            "electricity_heat_share": [1.0] * len(rows),
            "grade": [3] * len(rows),
        },
        schema_overrides={"year": pl.Int32, "grade": pl.Int8},
    )


def test_low_green_picks_large_users_with_little_green_ranked_by_switchable_mwh() -> None:
    rows = [
        ("at_floor", 10_000.0, 0.0),  # exactly the minimum MWh: in
        ("below_floor", 9_999.0, 0.0),  # just under the minimum: out
        ("at_cap", 20_000.0, 0.05),  # green share exactly the maximum: in
        ("over_cap", 50_000.0, 0.0501),  # just over the maximum: out
        ("big", 40_000.0, 0.01),
    ]
    green = low_green(_portrait_rows(rows))
    assert green["entity_id"].to_list() == ["big", "at_cap", "at_floor"]
    # switchable = MWh x (0.30 - share): 40,000 x 0.29, 20,000 x 0.25, 10,000 x 0.30
    assert green["switchable_mwh"].to_list() == pytest.approx([11_600.0, 5_000.0, 3_000.0])
    assert green["electricity_heat_mwh"].to_list() == pytest.approx([40_000.0, 20_000.0, 10_000.0])
    assert set(green["rule_version"]) == {"2026.2"}
    words = green.select(low_green_reason())
    reason = words["reason_zh"][1]
    assert reason == "用电用热 20000 MWh,绿色能源占比 5.0% 不高于 5.0%;达到 30% 可转换绿电 5000 MWh"
    assert words["reason_en"][1] == (
        "20000 MWh of electricity and heat, green share 5.0% at or below 5.0%; "
        "5000 MWh could switch to reach 30%"
    )


def test_low_green_keeps_the_top_n_of_each_year() -> None:
    rows = [(f"e{i:03d}", 10_000.0 + i, 0.0) for i in range(250)]
    frame = pl.concat([_portrait_rows(rows, 2024), _portrait_rows(rows[:10], 2025)])
    green = low_green(frame)
    counts = dict(green.group_by("year").len().iter_rows())
    assert counts == {2024: 200, 2025: 10}
    first = green.filter(pl.col("year") == 2024)["entity_id"]
    assert first[0] == "e249"
    assert first[-1] == "e050"


def test_low_green_of_the_demo_city_is_a_small_ranked_fraction(factors: FactorSet) -> None:
    city = generate_city(factors)
    emissions = emissions_by_period(energy_records(city.energy), factors, "year", detail=True)
    emissions = emissions.collect()
    portraits = enterprise_portraits(grade(emissions, city.economics).graded, emissions)
    year = portraits["year"].max()
    graded = portraits.filter(pl.col("year") == year).height
    green = low_green(portraits).filter(pl.col("year") == year)
    assert 0 < green.height <= 0.06 * graded
    assert green["switchable_mwh"].is_sorted(descending=True)
    assert (green["green_share"] <= 0.05).all()
