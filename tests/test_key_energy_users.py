"""Key energy users (重点用能单位): ≥ 1,000 tce a year, 以上 including the number."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from citycarbon.core.key_energy_users import KEY_ENERGY_USER_TCE, OUTPUT, key_energy_users


def frame(rows: list[tuple[str, str, float | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={"entity_id": pl.String, "period": pl.String, "energy_tce": pl.Float64},
        orient="row",
    )


def test_the_line_is_one_thousand_tce_inclusive() -> None:
    assert KEY_ENERGY_USER_TCE == 1000.0
    out = key_energy_users(
        frame([("A", "2025", 999.99), ("B", "2025", 1000.0), ("C", "2025", 1000.01)])
    )
    assert out.schema == OUTPUT
    assert dict(out.select("entity_id", "key_energy_user").iter_rows()) == {
        "A": False,
        "B": True,
        "C": True,
    }


def test_months_are_summed_per_year() -> None:
    months = [("A", f"2025-{m:02d}", 1000 / 12) for m in range(1, 13)]
    out = key_energy_users(frame([*months, ("A", "2024-01", 999.0), ("A", "2024-02", None)]))
    rows = {r["year"]: r for r in out.iter_rows(named=True)}
    assert rows[2025]["key_energy_user"] and rows[2025]["energy_tce"] == pytest.approx(1000)
    assert not rows[2024]["key_energy_user"] and rows[2024]["energy_tce"] == 999.0


def test_twelve_months_adding_up_to_the_line_are_key_despite_float_rounding() -> None:
    # These add up to 1,000.00 exactly in decimals; in binary floats to 999.9999999999999.
    tce = [30.71, 24.93, 45.91, 101.59, 139.82, 90.05, 79.87, 139.1, 28.33, 135.82, 99.99, 83.88]
    out = key_energy_users(frame([("A", f"2025-{m:02d}", t) for m, t in enumerate(tce, 1)]))
    assert out.item(0, "energy_tce") < 1000
    assert out.item(0, "key_energy_user")


def test_the_threshold_is_a_parameter() -> None:
    out = key_energy_users(frame([("A", "2025", 5000.0)]), threshold_tce=10_000.0)
    assert not out.item(0, "key_energy_user")


def test_a_wrong_input_schema_is_refused() -> None:
    with pytest.raises(ValueError, match="energy_tce"):
        key_energy_users(pl.DataFrame({"entity_id": ["A"], "period": ["2025"]}))


@given(st.floats(0, 1e7, allow_nan=False), st.floats(0, 1e7, allow_nan=False))
def test_flag_is_monotone_in_energy(a: float, b: float) -> None:
    out = key_energy_users(frame([("A", "2025", min(a, b)), ("B", "2025", max(a, b))]))
    flags = dict(out.select("entity_id", "key_energy_user").iter_rows())
    assert flags["B"] >= flags["A"]
    assert flags["B"] == (round(max(a, b), 6) >= KEY_ENERGY_USER_TCE)
