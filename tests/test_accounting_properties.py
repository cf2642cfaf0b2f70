"""Invariants of the accounting engine, over generated records."""

from __future__ import annotations

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from citycarbon.core.accounting import emissions_by_period
from citycarbon.core.factors import load_factor_set
from tests.conftest import records

FACTORS = load_factor_set("cn-2023")
CODES = ["01", "06", "09", "15", "16", "21", "29", "32", "33", "36", "37", "39"]
PURPOSE_BY_CODE = {"33": ["fuel", "green_purchase", "self_generated"], "32": ["fuel"]}

record = st.tuples(
    st.sampled_from(["e1", "e2", "e3"]),
    st.integers(1, 12).map(lambda m: f"2024-{m:02d}"),
    st.sampled_from(CODES),
    st.floats(0, 1e6, allow_nan=False, allow_infinity=False),
).flatmap(
    lambda t: st.sampled_from(PURPOSE_BY_CODE.get(t[2], ["fuel", "feedstock"])).map(
        lambda p: (*t, p)
    )
)


def totals(rows: list[tuple[str, str, str, float, str]], grain: str = "year") -> pl.DataFrame:
    return emissions_by_period(records(rows), FACTORS, grain).collect()  # type: ignore[arg-type]


def close(a: pl.DataFrame, b: pl.DataFrame) -> None:
    assert a["entity_id"].to_list() == b["entity_id"].to_list()
    for col in ("energy_tce", "scope1_tco2", "scope2_tco2", "total_tco2"):
        for x, y in zip(a[col], b[col], strict=True):
            assert abs(x - y) <= 1e-9 * max(1.0, abs(x), abs(y))


@given(st.lists(record, min_size=1, max_size=40), st.data())
def test_splitting_a_record_never_changes_totals(
    rows: list[tuple[str, str, str, float, str]], data: st.DataObject
) -> None:
    i = data.draw(st.integers(0, len(rows) - 1))
    frac = data.draw(st.floats(0, 1))
    e, p, c, q, pur = rows[i]
    split = [*rows[:i], (e, p, c, q * frac, pur), (e, p, c, q - q * frac, pur), *rows[i + 1 :]]
    close(totals(rows), totals(split))


@given(st.lists(record, min_size=1, max_size=40))
def test_totals_are_never_negative(rows: list[tuple[str, str, str, float, str]]) -> None:
    out = totals(rows, "month")
    for col in ("energy_tce", "scope1_tco2", "scope2_tco2", "total_tco2"):
        assert (out[col] >= 0).all()
    assert (out["total_tco2"] == out["scope1_tco2"] + out["scope2_tco2"]).all()


@given(st.lists(record, min_size=1, max_size=40))
def test_months_and_quarters_sum_to_the_annual_grain(
    rows: list[tuple[str, str, str, float, str]],
) -> None:
    year = totals(rows, "year")
    for grain in ("month", "quarter"):
        rolled = (
            totals(rows, grain)
            .group_by("entity_id")
            .agg(pl.col("energy_tce", "scope1_tco2", "scope2_tco2", "total_tco2").sum())
            .sort("entity_id")
        )
        close(year, rolled)


@given(st.lists(record, min_size=1, max_size=30), st.randoms())
def test_row_order_does_not_matter(
    rows: list[tuple[str, str, str, float, str]], rnd: object
) -> None:
    shuffled = list(rows)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    close(totals(rows), totals(shuffled))
