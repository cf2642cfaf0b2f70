"""No output is ever inf or NaN: accounting, grading and rapid estimation over inputs up to
the plausible bounds that the readers enforce (``io.numbers``)."""

from __future__ import annotations

from datetime import datetime

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citycarbon import data
from citycarbon.core import rapid
from citycarbon.core.accounting import emissions_by_period
from citycarbon.core.buildings import grade_buildings
from citycarbon.core.factors import list_factor_sets, load_factor_set
from citycarbon.core.grading import grade, grade_confidence
from citycarbon.io.buildings_csv import column_bounds
from citycarbon.io.grading_inputs import MIN_VALUE_ADDED_10K_YUAN
from citycarbon.io.numbers import MAX_BOUND
from tests.conftest import records

SETS = {s: load_factor_set(s) for s in list_factor_sets()["set_id"]}
BOUNDS = dict(data.quantity_bounds().select("energy_code", "max_quantity").iter_rows())
READING_BOUNDS = dict(data.reading_bounds().select("grain", "max_kwh").iter_rows())
METHOD = dict(data.energy_catalogue().select("energy_code", "carbon_method").iter_rows())
TINY = (1e-6, 1e-5)
"""The smallest numbers the readers let through: they make the largest ratios."""
PROFILE = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def purposes(code: str) -> list[str]:
    if METHOD[code] == "electricity":
        return ["fuel", "non_industrial", "green_purchase", "self_generated"]
    if METHOD[code] == "heat":
        return ["fuel", "non_industrial"]
    return ["fuel", "non_industrial", "feedstock"]


def quantity(code: str) -> st.SearchStrategy[float]:
    """Anything the reader lets through: 0, tiny normal numbers, the bound itself."""
    return st.one_of(
        st.just(BOUNDS[code]),
        st.just(0.0),
        st.sampled_from(TINY),
        st.floats(0, BOUNDS[code], allow_nan=False, allow_subnormal=False),
    )


record = st.sampled_from(sorted(BOUNDS)).flatmap(
    lambda code: st.tuples(
        st.sampled_from(["e1", "e2", "e3", "e4", "e5", "e6"]),
        st.integers(1, 12).map(lambda m: f"2024-{m:02d}"),
        st.just(code),
        quantity(code),
        st.sampled_from(purposes(code)),
    )
)


def unique_keys(
    rows: list[tuple[str, str, str, float, str]],
) -> list[tuple[str, str, str, float, str]]:
    seen: dict[tuple[str, str, str, str], tuple[str, str, str, float, str]] = {}
    for r in rows:
        seen.setdefault((r[0], r[1], r[2], r[4]), r)
    return list(seen.values())


def assert_finite(frame: pl.DataFrame, what: str) -> None:
    for name, dtype in frame.schema.items():
        if dtype.is_float():
            column = frame[name].drop_nulls()
            assert column.is_finite().all(), f"{what}.{name}: {column.to_list()}"


@PROFILE
@given(
    st.lists(record, min_size=1, max_size=60).map(unique_keys),
    st.sampled_from(sorted(SETS)),
    st.sampled_from(["month", "quarter", "year"]),
)
def test_accounting_outputs_are_finite(
    rows: list[tuple[str, str, str, float, str]], set_id: str, grain: str
) -> None:
    for detail in (False, True):
        out = emissions_by_period(records(rows), SETS[set_id], grain, detail=detail).collect()  # type: ignore[arg-type]
        assert_finite(out, f"emissions[{set_id},{grain},{detail}]")


value_added = st.one_of(
    st.none(),
    st.just(0.0),
    st.just(-1.0),
    st.just(MIN_VALUE_ADDED_10K_YUAN),
    st.just(MAX_BOUND),
    st.floats(MIN_VALUE_ADDED_10K_YUAN, MAX_BOUND, allow_nan=False),
)


@PROFILE
@given(
    st.lists(record, min_size=1, max_size=60).map(unique_keys),
    st.dictionaries(
        st.sampled_from(["e1", "e2", "e3", "e4", "e5", "e6"]),
        st.tuples(st.sampled_from(["1711", "1712", "2614", "3311"]), value_added),
        min_size=1,
    ),
    st.sampled_from(["ratio", "mean"]),
)
def test_grading_outputs_are_finite(
    rows: list[tuple[str, str, str, float, str]],
    econ: dict[str, tuple[str, float | None]],
    average: str,
) -> None:
    emissions = emissions_by_period(records(rows), SETS["cn-2023"], "year").collect()
    economics = pl.DataFrame(
        [(e, 2024, ind, va) for e, (ind, va) in econ.items()],
        schema={
            "entity_id": pl.String,
            "year": pl.Int32,
            "industry_code": pl.String,
            "value_added_10k_yuan": pl.Float64,
        },
        orient="row",
    )
    result = grade(emissions, economics, average=average, min_peers=1)  # type: ignore[arg-type]
    assert_finite(result.graded, "graded")
    assert_finite(result.industries, "industries")
    assert_finite(
        grade_confidence(result, samples=20, average=average),  # type: ignore[arg-type]
        "confidence",
    )


reading = st.sampled_from(["month", "day", "15min"]).flatmap(
    lambda grain: st.tuples(
        st.sampled_from(["e1", "e2", "e3", "e4", "e5", "e6"]),
        st.sampled_from(["A", "B"]),
        st.integers(1, 12),
        st.integers(1, 28),
        st.integers(0, 95),
        st.just(grain),
        st.one_of(
            st.just(READING_BOUNDS[grain]),
            st.just(0.0),
            st.sampled_from(TINY),
            st.floats(0, READING_BOUNDS[grain], allow_nan=False, allow_subnormal=False),
        ),
    )
)


def readings_frame(rows: list[tuple[str, str, int, int, int, str, float]]) -> pl.DataFrame:
    seen: dict[tuple[str, str, datetime, str], float] = {}
    for entity, account, month, day, quarter, grain, kwh in rows:
        for year in (2024, 2025):
            if grain == "month":
                start = datetime(year, month, 1)
            elif grain == "day":
                start = datetime(year, month, day)
            else:
                start = datetime(year, month, day, quarter // 4, 15 * (quarter % 4))
            seen.setdefault((entity, f"{entity}-{account}", start, grain), kwh)
    return pl.DataFrame([(*k, v) for k, v in seen.items()], schema=rapid.READINGS, orient="row")


@PROFILE
@given(
    st.lists(record, min_size=1, max_size=40).map(unique_keys),
    st.lists(reading, min_size=1, max_size=40),
    st.integers(1, 3),
)
def test_rapid_estimates_are_finite(
    rows: list[tuple[str, str, str, float, str]],
    meter: list[tuple[str, str, int, int, int, str, float]],
    min_enterprises: int,
) -> None:
    # Every month of 2024 and 2025 accounted, so both years are complete.
    full = [
        (e, f"{y}-{m:02d}", c, q, p)
        for e, _, c, q, p in rows
        for y in (2024, 2025)
        for m in range(1, 13)
    ]
    accounted = (
        emissions_by_period(records(unique_keys(full)), SETS["cn-2023"], "month")
        .collect()
        .select("entity_id", "period", "total_tco2")
    )
    enterprises = pl.DataFrame(
        {
            "entity_id": [f"e{i}" for i in range(1, 7)],
            "district_code": ["339901", "339902"] * 3,
            "industry_code": ["1711", "1712", "1711", "2614", "3311", "1711"],
        }
    )
    readings = readings_frame(meter)
    monthly = rapid.monthly_electricity(readings)
    daily = rapid.daily_electricity(readings)
    assert_finite(monthly, "monthly")
    assert_finite(daily, "daily")
    year = rapid.fit_year(accounted, monthly) or 2025
    ratios = rapid.fit_ratios(
        rapid.year_pairs(accounted, monthly, year), enterprises, min_enterprises=min_enterprises
    )
    assert_finite(ratios, "ratios")
    for electricity in (monthly, daily):
        est = rapid.estimate(electricity, enterprises, ratios, accounted)
        assert_finite(est, "estimates")
        for by in (["period"], ["district_code"], ["period", "division"]):
            assert_finite(rapid.aggregate(est, by), "aggregate")
    test = rapid.backtest(
        accounted, monthly, enterprises, test_year=2025, min_enterprises=min_enterprises
    )
    assert_finite(test.ratios, "backtest ratios")
    assert_finite(test.monthly, "backtest monthly")
    assert_finite(test.summary, "backtest summary")


BUILDING_BOUNDS = column_bounds()


def building_number(column: str, *, positive: bool = False) -> st.SearchStrategy[float]:
    """Anything ``read_buildings`` lets through in ``column`` (the floor area is above 0)."""
    bound = BUILDING_BOUNDS[column][0]
    return st.one_of(
        st.just(bound),
        st.sampled_from(TINY),
        st.floats(TINY[0] if positive else 0, bound, allow_nan=False, allow_subnormal=False),
        *([] if positive else [st.just(0.0)]),
    )


building = st.tuples(
    st.sampled_from(["office", "school", "hospital"]),
    building_number("floor_area_m2", positive=True),
    building_number("electricity_kwh"),
    building_number("gas_m3"),
    building_number("green_electricity_kwh"),
)


@PROFILE
@given(
    st.lists(building, min_size=1, max_size=40),
    st.sampled_from(sorted(SETS)),
    st.integers(1, 6),
)
def test_building_grades_are_finite(
    rows: list[tuple[str, float, float, float, float]], set_id: str, min_peers: int
) -> None:
    frame = pl.DataFrame(
        [(f"b{i}", 2025, *r) for i, r in enumerate(rows)],
        schema={
            "building_id": pl.String,
            "year": pl.Int32,
            "building_type": pl.String,
            "floor_area_m2": pl.Float64,
            "electricity_kwh": pl.Float64,
            "gas_m3": pl.Float64,
            "green_electricity_kwh": pl.Float64,
        },
        orient="row",
    )
    graded = grade_buildings(frame, SETS[set_id], min_peers=min_peers)
    assert_finite(graded, f"buildings[{set_id}]")
    assert graded["kgco2_per_m2"].is_not_null().all()
