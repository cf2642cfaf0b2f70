"""Construction-project carbon assessment (core.assessment): hand-computed projects in,
figures, replacement and verdict out; one test per threshold edge."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citycarbon.core.accounting import emissions_by_period
from citycarbon.core.assessment import (
    Project,
    Technology,
    assess,
    budget_share,
    ledger_cover,
    replacement,
)
from citycarbon.core.factors import load_factor_set
from citycarbon.core.schemas import ENERGY_RECORDS
from citycarbon.data import assessment as assessment_data

FACTORS = load_factor_set("cn-2023")
COAL_EQ = load_factor_set("cn-2023", electricity_method="coal_equivalent")
RATIOS = assessment_data.replacement_ratios()
THRESHOLDS = assessment_data.thresholds()


def energy(*rows: tuple[str, float, str]) -> pl.DataFrame:
    return pl.DataFrame(
        [("p", "2000", code, q, purpose) for code, q, purpose in rows],
        schema=ENERGY_RECORDS,
        orient="row",
    )


def project(
    rows: pl.DataFrame,
    *,
    industry: str = "2614",
    kind: str = "new",
    va: float = 1000.0,
    go: float = 4000.0,
    process: float = 0.0,
    tech: tuple[Technology, ...] = (),
) -> Project:
    return Project("p", "项目", kind, "330502", industry, va, go, rows, process, tech)  # type: ignore[arg-type]


def run(p: Project, benchmarks: pl.DataFrame | None = None, **kw: float) -> dict:
    return assess(p, FACTORS, COAL_EQ, RATIOS, THRESHOLDS, benchmarks=benchmarks, **kw)  # type: ignore[arg-type]


def grades(avg: float, industry: str = "2614", year: int = 2025) -> pl.DataFrame:
    return pl.DataFrame(
        {"year": [year], "industry_code": [industry], "industry_avg_intensity": [avg]}
    )


# 36 (biomass, renewable): 0.5 tce/t and no CO2, so energy and CO2 can be set apart;
# 39 (other fuel, in tce): 1 tce and 2.613 tCO2 per unit.
LOW_ENERGY = energy(("36", 20.0, "fuel"))  # 10 tce, energy intensity 0.01 at VA 1000


def test_new_chemical_10000_tce_needs_11000() -> None:
    r = run(project(energy(("39", 10_000.0, "fuel")), va=100_000.0))
    assert r["energy_tce"] == pytest.approx(10_000.0)
    assert r["scope1_tco2"] == pytest.approx(26_130.0)
    assert r["replacement_ratio"] == 1.1
    assert r["replacement_required_tce"] == pytest.approx(11_000.0)


def test_chemical_expansion_falls_back_to_equal_replacement() -> None:
    r = run(project(energy(("39", 10_000.0, "fuel")), kind="expansion", va=100_000.0))
    assert r["replacement_ratio"] == 1.0
    assert r["replacement_ratio_confidence"] == "I"
    assert r["replacement_required_tce"] == pytest.approx(10_000.0)


@pytest.mark.parametrize(
    ("industry", "kind", "ratio"),
    [
        ("1713", "new", 1.2),
        ("1752", "expansion", 1.2),
        ("C1762", "new", 1.2),
        ("1713", "retrofit", 1.0),
        ("1711", "new", 1.0),
        ("3110", "new", 1.0),
    ],
)
def test_printing_and_dyeing_ratio(industry: str, kind: str, ratio: float) -> None:
    rep = replacement(5_000.0, 0.0, industry, kind, RATIOS)
    assert rep.ratio == ratio
    assert rep.required_tce == pytest.approx(ratio * 5_000.0)


def test_coal_replaced_one_to_one() -> None:
    # 1,000 t raw coal = 714.3 tce, plus 100 万kWh = 122.9 tce
    r = run(project(energy(("01", 1000.0, "fuel"), ("33", 100.0, "fuel")), va=100_000.0))
    assert r["coal_tce"] == pytest.approx(714.3)
    assert r["coal_replacement_ratio"] == 1.0
    assert r["coal_replacement_required_tce"] == pytest.approx(714.3)
    assert r["energy_tce"] == pytest.approx(714.3 + 122.9)
    assert r["energy_tce_coal_equivalent"] == pytest.approx(714.3 + 284.98)
    assert r["scope2_tco2"] == pytest.approx(100.0 * FACTORS.grid_tco2_per_mwh * 10)


def test_same_engine_as_enterprises() -> None:
    rows = energy(("01", 321.0, "fuel"), ("15", 12.5, "fuel"), ("33", 77.0, "fuel"))
    r = run(project(rows, va=50_000.0, process=40.0))
    e = emissions_by_period(rows.lazy(), FACTORS).collect().row(0, named=True)
    assert r["energy_tce"] == pytest.approx(e["energy_tce"])
    assert r["scope1_tco2"] == pytest.approx(e["scope1_tco2"])
    assert r["scope2_tco2"] == pytest.approx(e["scope2_tco2"])
    assert r["total_tco2"] == pytest.approx(e["total_tco2"] + 40.0)


def test_intensities_productivity_and_technologies() -> None:
    tech = (Technology("余热回收", 30.0), Technology("光伏", 20.0))
    r = run(project(LOW_ENERGY, va=1000.0, go=4000.0, process=500.0, tech=tech))
    assert r["total_tco2"] == pytest.approx(500.0)  # claimed reductions not subtracted
    assert r["claimed_reduction_tco2"] == pytest.approx(50.0)
    assert r["intensity_tco2_per_10k_yuan"] == pytest.approx(0.5)
    assert r["intensity_tco2_per_10k_yuan_gross_output"] == pytest.approx(0.125)
    assert r["carbon_productivity_10k_yuan_per_tco2"] == pytest.approx(2.0)
    assert r["energy_intensity_tce_per_10k_yuan"] == pytest.approx(0.01)
    assert r["verdict"] == "acceptable"
    assert r["reasons"] == []


def codes(r: dict) -> list[str]:
    return [x["code"] for x in r["reasons"]]


def test_energy_intensity_at_0308_passes() -> None:
    r = run(project(energy(("39", 30.8, "feedstock")), va=100.0))
    assert r["energy_intensity_tce_per_10k_yuan"] == pytest.approx(0.308)
    assert r["verdict"] == "acceptable"


def test_energy_intensity_just_above_0308() -> None:
    r = run(project(energy(("39", 30.8001, "feedstock")), va=100.0))
    assert r["verdict"] == "acceptable_with_measures"
    assert codes(r) == ["energy_intensity_above_approved_average"]
    reason = r["reasons"][0]
    assert "0.308" in reason["zh"] and "0.308" in reason["en"]


def test_benchmark_ratio() -> None:
    r = run(project(LOW_ENERGY, va=1000.0, process=500.0), grades(0.25))
    assert r["industry_avg_intensity_tco2_per_10k_yuan"] == 0.25
    assert r["intensity_ratio"] == pytest.approx(2.0)


def test_benchmark_uses_latest_year_of_the_industry() -> None:
    table = pl.concat([grades(2.0, year=2024), grades(0.5, year=2025), grades(0.1, "3110")])
    r = run(project(LOW_ENERGY, va=1000.0, process=500.0), table)
    assert r["benchmark_year"] == 2025
    assert r["intensity_ratio"] == pytest.approx(1.0)


def test_intensity_ratio_at_one_passes() -> None:
    r = run(project(LOW_ENERGY, va=1000.0, process=1000.0), grades(1.0))
    assert r["intensity_ratio"] == pytest.approx(1.0)
    assert r["verdict"] == "acceptable"


def test_intensity_ratio_just_above_one() -> None:
    r = run(project(LOW_ENERGY, va=1000.0, process=1000.001), grades(1.0))
    assert r["verdict"] == "acceptable_with_measures"
    assert codes(r) == ["intensity_above_industry"]


def test_intensity_ratio_at_two_needs_measures_only() -> None:
    r = run(project(LOW_ENERGY, va=1000.0, process=2000.0), grades(1.0))
    assert r["verdict"] == "acceptable_with_measures"


def test_intensity_ratio_just_above_two_not_acceptable() -> None:
    r = run(project(LOW_ENERGY, va=1000.0, process=2000.001), grades(1.0))
    assert r["verdict"] == "not_acceptable"
    assert codes(r) == ["intensity_above_industry", "intensity_far_above_industry"]
    assert all(set(x) >= {"code", "zh", "en"} for x in r["reasons"])


def test_missing_benchmark_is_a_note() -> None:
    r = run(project(LOW_ENERGY, va=1000.0, process=5000.0), grades(1.0, "3110"))
    assert r["intensity_ratio"] is None
    assert r["verdict"] == "acceptable"
    assert codes(r) == ["no_benchmark"]


def test_budget_share() -> None:
    assert budget_share(1_000.0, 20_000.0) == pytest.approx(0.05)
    with pytest.raises(ValueError, match="above zero"):
        budget_share(1.0, 0.0)


def test_budget_share_at_bound_passes() -> None:
    r = run(project(LOW_ENERGY, va=10_000.0, process=1000.0), budget_tco2=20_000.0)
    assert r["budget_share"] == pytest.approx(0.05)
    assert r["verdict"] == "acceptable"


def test_budget_share_above_bound() -> None:
    r = run(project(LOW_ENERGY, va=10_000.0, process=1000.0), budget_tco2=19_999.0)
    assert r["verdict"] == "acceptable_with_measures"
    assert codes(r) == ["budget_share_high"]


def test_ledger_cover_and_not() -> None:
    assert ledger_cover(11_000.0, 11_000.0).covered
    short = ledger_cover(10_000.0, 11_000.0)
    assert not short.covered
    assert short.shortfall_tce == pytest.approx(1_000.0)


def test_ledger_that_covers_the_replacement() -> None:
    p = project(energy(("39", 10_000.0, "feedstock")), va=100_000.0)
    r = run(p, available_space_tce=11_000.0)
    assert r["ledger_covered"] is True
    assert r["verdict"] == "acceptable"


def test_ledger_that_cannot_cover_the_replacement() -> None:
    p = project(energy(("39", 10_000.0, "feedstock")), va=100_000.0)
    r = run(p, available_space_tce=10_999.0)
    assert r["ledger_covered"] is False
    assert r["ledger_shortfall_tce"] == pytest.approx(1.0)
    assert r["verdict"] == "not_acceptable"
    assert codes(r) == ["replacement_not_covered"]


def test_shipped_data_is_sourced_and_marked() -> None:
    for table in (RATIOS, THRESHOLDS):
        assert table.filter(pl.col("source").str.strip_chars() == "").is_empty()
        assert set(table["confidence"]) <= {"C", "S", "I"}
    assert set(THRESHOLDS["effect"]) <= {"acceptable_with_measures", "not_acceptable"}
    quotes = RATIOS.filter(pl.col("confidence") == "C")["quote"].to_list()
    assert "「新建化工项目,按1.1:1实施用能减量替代」" in quotes
    assert "「新、扩建项目按1.2:1实施用能减量替代」" in quotes
    assert "「新增耗煤项目严格实施等量减量替代」" in quotes


def test_benchmark_ignores_section_letter() -> None:
    r = run(project(LOW_ENERGY, industry="C2614", va=1000.0, process=500.0), grades(0.5))
    assert r["intensity_ratio"] == pytest.approx(1.0)


@settings(max_examples=60, deadline=None)
@given(
    tce=st.floats(0.0, 1e6),
    extra=st.floats(0.0, 1e5),
    kind=st.sampled_from(["new", "expansion", "retrofit"]),
    industry=st.sampled_from(["2614", "1713", "3110", "26"]),
)
def test_replacement_is_ratio_times_energy_and_more_co2_never_helps(
    tce: float, extra: float, kind: str, industry: str
) -> None:
    rows = energy(("39", tce, "feedstock"))
    base = run(project(rows, industry=industry, kind=kind, va=1e5, process=100.0), grades(0.01))
    worse = run(
        project(rows, industry=industry, kind=kind, va=1e5, process=100.0 + extra), grades(0.01)
    )
    assert base["replacement_required_tce"] == pytest.approx(base["replacement_ratio"] * tce)
    assert base["replacement_ratio"] >= 1.0
    order = ["acceptable", "acceptable_with_measures", "not_acceptable"]
    assert order.index(worse["verdict"]) >= order.index(base["verdict"])
