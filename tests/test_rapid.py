"""Rapid estimation from electricity: fit, fall-back, reconciliation, readings roll-up, and the
back-test on the demo city."""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest

from citycarbon.core import rapid
from citycarbon.core.accounting import emissions_by_period
from citycarbon.core.democity import energy_records, generate_city
from citycarbon.core.factors import FactorSet


def _enterprises(rows: list[tuple[str, str, str]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=rapid.ENTERPRISES, orient="row")


def _elec(rows: list[tuple[str, str, float]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=rapid.ELECTRICITY, orient="row")


def _acc(rows: list[tuple[str, str, float]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=rapid.ACCOUNTED, orient="row")


def test_ratio_of_totals_and_fallback_to_coarser_industry() -> None:
    # Two enterprises in class 2651 of district A, one in 2652 of district B.
    ent = _enterprises([("a", "A", "2651"), ("b", "A", "2651"), ("c", "B", "2652")])
    pairs = pl.DataFrame(
        {
            "entity_id": ["a", "b", "c"],
            "tco2": [10.0, 30.0, 60.0],
            "kwh": [10_000.0, 30_000.0, 20_000.0],
        }
    )
    ratios = rapid.fit_ratios(pairs, ent, min_enterprises=2)
    got = {(r["level"], r["district_code"], r["industry_key"]): r for r in ratios.to_dicts()}
    # district × class A/2651: (10 + 30) t / 40 MWh = 1.0 t/MWh
    assert got[("district_class", "A", "2651")]["tco2_per_mwh"] == pytest.approx(1.0)
    # class 2652 has one enterprise (< 2): no ratio; group 265 has three: 100 t / 60 MWh
    assert ("class", "", "2652") not in got
    assert got[("group", "", "265")]["tco2_per_mwh"] == pytest.approx(100 / 60)
    assert got[("city", "", "")]["enterprises"] == 3
    assigned = dict(rapid.assign_ratios(ent, ratios).select("entity_id", "ratio_level").iter_rows())
    assert assigned == {"a": "district_class", "b": "district_class", "c": "group"}


def test_estimate_is_replaced_by_accounted_figure_but_both_stay() -> None:
    ent = _enterprises([("a", "A", "2651"), ("b", "A", "2651")])
    ratios = rapid.fit_ratios(
        pl.DataFrame({"entity_id": ["a", "b"], "tco2": [5.0, 5.0], "kwh": [10_000.0, 10_000.0]}),
        ent,
        min_enterprises=2,
    )  # 0.5 tCO2/MWh
    elec = _elec([("a", "2025-01", 2_000.0), ("a", "2025-02", 4_000.0), ("b", "2025-01-15", 100.0)])
    acc = _acc([("a", "2025-01", 1.2), ("b", "2025-01", 7.0)])
    out = rapid.estimate(elec, ent, ratios, acc)
    rows = {(r["entity_id"], r["period"]): r for r in out.to_dicts()}
    jan = rows[("a", "2025-01")]
    assert jan["estimated_tco2"] == pytest.approx(1.0)
    assert jan["accounted_tco2"] == pytest.approx(1.2)
    assert (jan["reported_tco2"], jan["reported_source"]) == (pytest.approx(1.2), "accounted")
    feb = rows[("a", "2025-02")]
    assert (feb["reported_tco2"], feb["reported_source"]) == (pytest.approx(2.0), "estimated")
    assert feb["accounted_tco2"] is None
    day = rows[("b", "2025-01-15")]
    assert day["estimated_tco2"] == pytest.approx(0.05)
    # accounted month without electricity: kept, no estimate
    only = rows[("b", "2025-01")]
    assert only["estimated_tco2"] is None and only["reported_source"] == "accounted"
    assert only["district_code"] == "A"
    sums = rapid.aggregate(out.filter(pl.col("period").str.len_chars() == 7), ["period"])
    jan_sum = sums.filter(pl.col("period") == "2025-01").row(0, named=True)
    assert jan_sum["estimated_tco2"] == pytest.approx(1.0)
    assert jan_sum["accounted_tco2"] == pytest.approx(8.2)
    assert jan_sum["reported_tco2"] == pytest.approx(8.2)
    feb_sum = sums.filter(pl.col("period") == "2025-02").row(0, named=True)
    assert feb_sum["accounted_tco2"] is None


def _readings(rows: list[tuple[str, str, datetime, str, float]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=rapid.READINGS, orient="row")


def test_readings_roll_up_without_double_counting() -> None:
    r = _readings(
        [
            # account 1: a monthly reading and daily readings of the same month → monthly wins
            ("e", "1", datetime(2025, 1, 1), "month", 1000.0),
            ("e", "1", datetime(2025, 1, 1), "day", 30.0),
            ("e", "1", datetime(2025, 1, 2), "day", 40.0),
            # account 2 (same enterprise): daily only in January, 15-minute in February
            ("e", "2", datetime(2025, 1, 5), "day", 7.0),
            ("e", "2", datetime(2025, 1, 5, 0, 15), "15min", 99.0),
            ("e", "2", datetime(2025, 2, 1, 0, 0), "15min", 1.5),
            ("e", "2", datetime(2025, 2, 1, 0, 15), "15min", 2.5),
            ("e", "2", datetime(2025, 2, 2, 23, 45), "15min", 3.0),
        ]
    )
    monthly = dict(rapid.monthly_electricity(r).select("period", "kwh").iter_rows())
    assert monthly == {"2025-01": pytest.approx(1007.0), "2025-02": pytest.approx(7.0)}
    daily = dict(rapid.daily_electricity(r).select("period", "kwh").iter_rows())
    assert daily == {
        "2025-01-01": pytest.approx(30.0),
        "2025-01-02": pytest.approx(40.0),
        "2025-01-05": pytest.approx(7.0),
        "2025-02-01": pytest.approx(4.0),
        "2025-02-02": pytest.approx(3.0),
    }


def test_complete_years_and_fit_year() -> None:
    acc = _acc([("a", f"2024-{m:02d}", 1.0) for m in range(1, 13)] + [("a", "2025-01", 1.0)])
    assert rapid.complete_years(acc) == [2024]
    assert rapid.fit_year(acc, _elec([("a", "2025-01", 5.0)])) is None
    assert rapid.fit_year(acc, _elec([("a", "2024-03", 5.0)])) == 2024


def test_backtest_is_exact_when_every_enterprise_keeps_its_ratio() -> None:
    ent = _enterprises([("a", "A", "2651"), ("b", "B", "3011")])
    months = [f"{y}-{m:02d}" for y in (2024, 2025) for m in range(1, 13)]
    elec = _elec(
        [
            (e, p, 1000.0 * (i + 1) * k)
            for i, p in enumerate(months)
            for e, k in (("a", 1), ("b", 3))
        ]
    )
    acc = _acc([(e, p, kwh / 1000 * (0.5 if e == "a" else 2.0)) for e, p, kwh in elec.iter_rows()])
    bt = rapid.backtest(acc, elec, ent, test_year=2025, min_enterprises=1)
    assert bt.fit_year == 2024 and bt.enterprise_months == 24
    assert bt.summary.get_column("max_ape_pct").max() == pytest.approx(0.0, abs=1e-9)
    # one enterprise's ratio drifts by +10 % in the test year: its division, district and
    # enterprise errors are 10 %, the city's is its share of the total
    drifted = acc.with_columns(
        pl.when((pl.col("entity_id") == "a") & pl.col("period").str.starts_with("2025"))
        .then(pl.col("total_tco2") * 1.1)
        .otherwise(pl.col("total_tco2"))
    )
    bt = rapid.backtest(drifted, elec, ent, test_year=2025, min_enterprises=1)
    s = {(r["scope"], r["key"]): r for r in bt.summary.to_dicts()}
    assert s[("division", "26")]["mape_pct"] == pytest.approx(100 / 11, rel=1e-6)
    assert s[("division", "26")]["bias_pct"] == pytest.approx(-100 / 11, rel=1e-6)
    assert s[("division", "30")]["max_ape_pct"] == pytest.approx(0.0, abs=1e-9)
    # city: estimate 0.5 + 6 = 6.5 per unit vs accounted 0.55 + 6 = 6.55
    assert s[("city", "")]["bias_pct"] == pytest.approx((6.5 - 6.55) / 6.55 * 100, rel=1e-6)


def demo_inputs(city_size: int, factors: FactorSet, seed: int = 2024) -> tuple[pl.DataFrame, ...]:
    """Accounted monthly emissions, grid electricity and enterprises of a demo city. The grid
    reads the electricity bought from the grid: 205-1 code 33, purposes fuel and
    green_purchase (green power comes through the same meter); self-generated power does not."""
    city = generate_city(factors, seed=seed, enterprises=city_size)
    acc = (
        emissions_by_period(energy_records(city.energy), factors, "month")
        .collect()
        .select(rapid.ACCOUNTED.names())
    )
    elec = (
        city.energy.filter(
            (pl.col("energy_code") == "33") & pl.col("purpose").is_in(["fuel", "green_purchase"])
        )
        .group_by("entity_id", "period")
        .agg((pl.col("quantity").sum() * 1e4).alias("kwh"))
        .select(rapid.ELECTRICITY.names())
    )
    return acc, elec, city.enterprises.select(rapid.ENTERPRISES.names())


def test_backtest_on_the_demo_city(factors: FactorSet) -> None:
    """The figures of docs/estimation.md (printed with -s)."""
    acc, elec, ent = demo_inputs(4200, factors)
    bt = rapid.backtest(acc, elec, ent, test_year=2025)
    assert bt.enterprises_fitted == 4200
    assert bt.enterprise_months == 4200 * 12
    s = bt.summary
    with pl.Config(tbl_rows=40, tbl_cols=10, float_precision=2, tbl_width_chars=120):
        print(s.filter(pl.col("scope") != "division"))
        print(
            s.group_by("scope").agg(
                pl.len(), pl.col("mape_pct").mean(), pl.col("max_ape_pct").max()
            )
        )
    city = s.filter(pl.col("scope") == "city").row(0, named=True)
    assert city["points"] == 12
    # the figures are what they are; these bounds only catch a broken pipeline
    assert 0 < city["mape_pct"] < 5
    worst = s.filter(pl.col("scope") == "enterprise").row(0, named=True)
    assert worst["max_ape_pct"] > city["max_ape_pct"]
