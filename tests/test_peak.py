"""Path to the peak, by hand: growth, intensity, fuel switch and green power one at a time;
the peak year; the current-year forecast from year-to-date months."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citycarbon.core.peak import (
    LIMITS,
    MAX_END_YEAR,
    Scenario,
    forecast_year,
    project,
    scenario_problems,
)


def base(*rows: tuple[str, float, float]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["industry_code", "scope1_tco2", "scope2_tco2"], orient="row")


def levers(*rows: tuple[str, float, float, float]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema=["industry_code", "activity_growth_pct", "intensity_decline_pct", "fuel_switch_pct"],
        orient="row",
    )


def totals(frame: pl.DataFrame) -> list[float]:
    return frame.get_column("total_tco2").to_list()


def test_growth_alone_peaks_at_the_end() -> None:
    peak = project(base(("26", 100.0, 50.0)), levers(("26", 10.0, 0.0, 0.0)), Scenario(2024, 2026))
    assert totals(peak.city) == pytest.approx([150.0, 165.0, 181.5])
    assert (peak.peak_year, peak.peak_tco2, peak.peaked) == (2026, pytest.approx(181.5), False)


def test_intensity_decline_alone_has_peaked() -> None:
    peak = project(base(("26", 100.0, 50.0)), levers(("*", 0.0, 10.0, 0.0)), Scenario(2024, 2026))
    assert totals(peak.city) == pytest.approx([150.0, 135.0, 121.5])
    assert (peak.peak_year, peak.peaked) == (2024, True)


def test_growth_against_decline_peaks_in_between() -> None:
    # two industries: one grows 20 %/yr with no decline, the other falls 50 %/yr
    peak = project(
        base(("13", 100.0, 0.0), ("26", 100.0, 0.0)),
        levers(("13", 20.0, 0.0, 0.0), ("26", 0.0, 50.0, 0.0)),
        Scenario(2024, 2027),
    )
    # 200, 120+50=170, 144+25=169, 172.8+12.5=185.3
    assert totals(peak.city) == pytest.approx([200.0, 170.0, 169.0, 185.3])
    assert peak.peak_year == 2024 and peak.peaked is True


def test_fuel_switch_moves_fuel_emissions_to_electricity() -> None:
    scenario = Scenario(2024, 2026, switch_ratio=0.5)
    peak = project(base(("31", 100.0, 0.0)), levers(("31", 0.0, 0.0, 50.0)), scenario)
    rows = peak.by_industry.select("scope1_tco2", "scope2_tco2").rows()
    assert rows == [(100.0, 0.0), (50.0, 25.0), (0.0, 50.0)]


def test_green_power_nets_electricity_linearly_to_its_target() -> None:
    scenario = Scenario(2024, 2026, green_share_base_pct=20.0, green_share_target_pct=60.0)
    peak = project(base(("44", 0.0, 100.0)), levers(("*", 0.0, 0.0, 0.0)), scenario)
    assert totals(peak.city) == pytest.approx([100.0, 75.0, 50.0])


def test_an_industry_without_levers_stays_flat() -> None:
    peak = project(base(("01", 10.0, 0.0)), levers(("26", 50.0, 0.0, 0.0)), Scenario(2024, 2025))
    assert totals(peak.city) == [10.0, 10.0]


def test_forecast_prorates_year_to_date() -> None:
    monthly = pl.DataFrame(
        {"subject_id": ["c"] * 3, "period": ["2025-01", "2025-02", "2025-03"], "tco2": [10.0] * 3}
    )
    row = forecast_year(monthly, year=2025, through_month=3).row(0, named=True)
    assert (row["ytd_tco2"], row["forecast_tco2"], row["method"]) == (30.0, 120.0, "prorate")


def test_forecast_from_last_year_s_profile() -> None:
    last = [f"2024-{m:02d}" for m in range(1, 13)]
    monthly = pl.DataFrame(
        {
            "subject_id": ["c"] * 15 + ["d"] * 2,
            "period": [*last, "2025-01", "2025-02", "2025-03", "2024-01", "2025-01"],
            "tco2": [5.0, 5.0, 10.0, *[80.0 / 9] * 9, 10.0, 10.0, 10.0, 4.0, 8.0],
        }
    )
    rows = {
        r["subject_id"]: r
        for r in forecast_year(monthly, year=2025, through_month=3, method="profile").iter_rows(
            named=True
        )
    }
    # last year 100 t in all, 20 t in January–March: 30 × 100 / 20
    assert rows["c"]["forecast_tco2"] == pytest.approx(150.0)
    assert rows["c"]["method"] == "profile"
    # no full profile: prorated, and said so
    assert rows["d"]["forecast_tco2"] == pytest.approx(8.0 * 12 / 3)
    assert rows["d"]["method"] == "prorate"


@settings(max_examples=50, deadline=None)
@given(
    st.floats(min_value=0.0, max_value=20.0),
    st.floats(min_value=0.0, max_value=30.0),
    st.floats(min_value=1.0, max_value=1e6),
    st.floats(min_value=0.0, max_value=1e6),
)
def test_growth_no_faster_than_the_decline_has_peaked(
    growth: float, decline: float, scope1: float, scope2: float
) -> None:
    """(1 + g)(1 − d) ≤ 1 with no switch and no green power: never above the base year."""
    if (1 + growth / 100) * (1 - decline / 100) > 1:
        decline = (1 - 1 / (1 + growth / 100)) * 100 + 1e-6
    peak = project(
        base(("26", scope1, scope2)), levers(("*", growth, decline, 0.0)), Scenario(2024, 2030)
    )
    assert peak.peak_year == 2024 and peak.peaked
    assert all(t <= totals(peak.city)[0] * (1 + 1e-12) for t in totals(peak.city))


def test_scenario_limits_at_their_edges() -> None:
    def levers(**values: float) -> pl.DataFrame:
        row = {"industry_code": "*", "activity_growth_pct": 0.0, "intensity_decline_pct": 0.0}
        return pl.DataFrame([{**row, "fuel_switch_pct": 0.0, **values}])

    ok = Scenario(base_year=2025, end_year=MAX_END_YEAR)
    assert scenario_problems(levers(), ok) == []
    assert scenario_problems(levers(), Scenario(base_year=2025, end_year=2025)) == [
        ("end_year", 2025.0)
    ]
    assert scenario_problems(levers(), Scenario(base_year=2025, end_year=2061)) == [
        ("end_year", 2061.0)
    ]
    for name in ("activity_growth_pct", "intensity_decline_pct", "fuel_switch_pct"):
        low, high = LIMITS[name]
        assert scenario_problems(levers(**{name: low}), ok) == []
        assert scenario_problems(levers(**{name: high}), ok) == []
        assert scenario_problems(levers(**{name: high + 0.01}), ok) == [(name, high + 0.01)]
        assert scenario_problems(levers(**{name: low - 0.01}), ok) == [(name, low - 0.01)]
    for name in ("green_share_base_pct", "green_share_target_pct", "switch_ratio"):
        low, high = LIMITS[name]
        assert scenario_problems(levers(), Scenario(2025, 2030, **{name: high})) == []
        over = Scenario(2025, 2030, **{name: high + 0.01})
        assert scenario_problems(levers(), over) == [(name, high + 0.01)]
