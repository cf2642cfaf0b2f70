"""Budget trees, allocation and monitoring: hand-computed small trees, every band edge."""

from __future__ import annotations

import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citycarbon.core.budgets import (
    BUDGET_LEVELS,
    MONITOR_CLI_COLUMNS,
    PROBLEMS,
    WARNING_REASONS,
    Bands,
    actuals_problems,
    allocate,
    check_tree,
    combine_sources,
    monitor,
    parse_month,
    tree_problems,
    warning_lines,
)


def budgets(
    *rows: tuple[str, str, str, str | None, float], year: int = 2025, **extra: list[object]
) -> pl.DataFrame:
    """Lines ``(budget_id, level, subject_id, parent_id, budget_tco2)`` of one year."""
    frame = pl.DataFrame(
        {
            "budget_id": [r[0] for r in rows],
            "level": [r[1] for r in rows],
            "subject_id": [r[2] for r in rows],
            "parent_id": pl.Series([r[3] for r in rows], dtype=pl.String),
            "year": [year] * len(rows),
            "budget_tco2": [float(r[4]) for r in rows],
        }
    )
    return frame.with_columns(pl.Series(k, v) for k, v in extra.items())


def actuals(*rows: tuple[str, str, float], **extra: list[object]) -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "subject_id": [r[0] for r in rows],
            "period": [r[1] for r in rows],
            "tco2": [float(r[2]) for r in rows],
        }
    )
    return frame.with_columns(pl.Series(k, v) for k, v in extra.items())


def one(frame: pl.DataFrame, budget_id: str) -> dict[str, object]:
    rows = frame.filter(pl.col("budget_id") == budget_id).to_dicts()
    assert len(rows) == 1
    return rows[0]


DEFAULT_BANDS = Bands()
ENTERPRISE = budgets(("E", "enterprise", "e1", None, 1200))


def line_at(
    actual_to_date: float, as_of: str = "2025-06", bands: Bands = DEFAULT_BANDS
) -> dict[str, object]:
    """The enterprise's line with the whole actual to date in January."""
    return one(monitor(ENTERPRISE, actuals(("e1", "2025-01", actual_to_date)), as_of, bands), "E")


# ------------------------------------------------------------------ proration, projection


def test_three_months_of_an_annual_budget_prorate_and_project_linearly() -> None:
    acts = actuals(("e1", "2025-01", 100), ("e1", "2025-02", 100), ("e1", "2025-03", 50))
    row = one(monitor(ENTERPRISE, acts, "2025-03"), "E")
    assert row["months_elapsed"] == 3
    assert row["prorated_budget_tco2"] == pytest.approx(300.0)
    assert row["actual_to_date_tco2"] == pytest.approx(250.0)
    assert row["used_of_annual_pct"] == pytest.approx(250 / 1200 * 100)
    assert row["projected_year_tco2"] == pytest.approx(1000.0)
    assert row["projected_overshoot_tco2"] == 0.0
    assert row["status"] == "green"


def test_months_after_the_as_of_month_are_not_counted() -> None:
    acts = actuals(("e1", "2025-02", 100), ("e1", "2025-03", 999), ("e1", "2024-12", 999))
    row = one(monitor(ENTERPRISE, acts, "2025-02"), "E")
    assert row["actual_to_date_tco2"] == pytest.approx(100.0)
    assert row["projected_year_tco2"] == pytest.approx(600.0)


def test_projected_overshoot_is_the_projection_above_the_annual_budget() -> None:
    row = line_at(600.0, as_of="2025-04")
    assert row["projected_year_tco2"] == pytest.approx(1800.0)
    assert row["projected_overshoot_tco2"] == pytest.approx(600.0)
    assert row["status"] == "red"


def test_quarters_and_years_count_once_they_end_by_the_as_of_month() -> None:
    acts = actuals(("e1", "2025-Q1", 300), ("e1", "2025-04", 100))
    row = one(monitor(ENTERPRISE, acts, "2025-04"), "E")
    assert row["actual_to_date_tco2"] == pytest.approx(400.0)
    whole = one(monitor(ENTERPRISE, actuals(("e1", "2025", 1100)), "2025-12"), "E")
    assert whole["actual_to_date_tco2"] == pytest.approx(1100.0)
    assert whole["projected_year_tco2"] == pytest.approx(1100.0)


def test_lines_of_other_years_count_twelve_months_before_and_none_after_the_as_of_year() -> None:
    lines = pl.concat(
        [
            budgets(("P", "enterprise", "e1", None, 1200), year=2024),
            budgets(("N", "enterprise", "e1", None, 1200), year=2026),
        ]
    )
    acts = actuals(("e1", "2024-05", 1300), ("e1", "2026-01", 5))
    out = monitor(lines, acts, "2025-03")
    past, future = one(out, "P"), one(out, "N")
    assert past["months_elapsed"] == 12
    assert past["prorated_budget_tco2"] == pytest.approx(1200.0)
    assert past["projected_year_tco2"] == pytest.approx(1300.0)
    assert past["status"] == "red"
    assert future["months_elapsed"] == 0
    assert future["actual_to_date_tco2"] == 0.0
    assert future["prorated_budget_tco2"] == 0.0
    assert future["projected_year_tco2"] is None
    assert future["projected_overshoot_tco2"] is None
    assert future["status"] == "green"


def test_accounted_and_estimated_actuals_are_summed_and_both_kept_visible() -> None:
    acts = actuals(
        ("e1", "2025-01", 100),
        ("e1", "2025-02", 120),
        ("e1", "2025-03", 90),
        source=["accounted", "accounted", "estimated"],
    )
    row = one(monitor(ENTERPRISE, acts, "2025-03"), "E")
    assert (row["accounted_tco2"], row["estimated_tco2"]) == (220.0, 90.0)
    assert row["actual_to_date_tco2"] == pytest.approx(310.0)


def test_a_zero_budget_with_emissions_is_red_and_has_no_share_used() -> None:
    lines = budgets(("Z", "enterprise", "e1", None, 0))
    row = one(monitor(lines, actuals(("e1", "2025-01", 1)), "2025-01"), "Z")
    assert row["used_of_annual_pct"] is None
    assert row["projected_ratio"] == math.inf
    assert row["status"] == "red"
    idle = one(monitor(lines, actuals(("x", "2025-01", 1)), "2025-01"), "Z")
    assert idle["status"] == "green"


# -------------------------------------------------------------------------- band edges
# budget 1200 at June: projected = 2 × actual to date, ratio = actual ÷ 600


def test_exactly_at_the_yellow_band_is_yellow() -> None:
    row = line_at(540.0)
    assert row["projected_ratio"] == pytest.approx(0.9)
    assert row["status"] == "yellow"


def test_just_below_the_yellow_band_is_green() -> None:
    assert line_at(539.99)["status"] == "green"


def test_exactly_at_the_red_band_is_yellow() -> None:
    row = line_at(600.0)
    assert row["projected_ratio"] == pytest.approx(1.0)
    assert row["status"] == "yellow"


def test_just_above_the_red_band_is_red() -> None:
    assert line_at(600.01)["status"] == "red"


def test_an_actual_already_above_the_annual_budget_is_red_whatever_the_bands() -> None:
    wide = Bands(yellow=1.5, red=2.0)
    assert line_at(1201.0, as_of="2025-12", bands=wide)["status"] == "red"
    assert line_at(1200.0, as_of="2025-12", bands=wide)["status"] == "green"


def test_far_below_the_prorated_budget_is_green() -> None:
    assert line_at(10.0)["status"] == "green"


def test_the_bands_are_configurable() -> None:
    assert line_at(480.0, bands=Bands(yellow=0.8, red=0.95))["status"] == "yellow"
    assert line_at(580.0, bands=Bands(yellow=0.8, red=0.95))["status"] == "red"


# --------------------------------------------------------------------------- intensity


def intensity_line(
    tco2: float, value_added: float, budget_intensity: float = 0.5
) -> dict[str, object]:
    lines = budgets(
        ("E", "enterprise", "e1", None, 1200),
        budget_intensity_tco2_per_10k_yuan=[budget_intensity],
    )
    acts = actuals(("e1", "2025-06", tco2), value_added_10k_yuan=[value_added])
    return one(monitor(lines, acts, "2025-06"), "E")


def test_intensity_is_judged_first_a_red_intensity_beats_a_green_total() -> None:
    row = intensity_line(100.0, 150.0)  # 0.667 t/万元 vs 0.5: ratio 1.33; total ratio 0.17
    assert row["intensity_to_date_tco2_per_10k_yuan"] == pytest.approx(100 / 150)
    assert (row["total_status"], row["intensity_status"]) == ("green", "red")
    assert (row["status"], row["judged_by"]) == ("red", "intensity")


def test_a_worse_total_wins_over_a_green_intensity() -> None:
    row = intensity_line(570.0, 10_000.0)  # total ratio 0.95, intensity ratio 0.114
    assert (row["total_status"], row["intensity_status"]) == ("yellow", "green")
    assert (row["status"], row["judged_by"]) == ("yellow", "total")


def test_intensity_decides_when_both_are_equally_bad() -> None:
    row = intensity_line(570.0, 1140.0)  # both ratios 0.95 → yellow
    assert (row["total_status"], row["intensity_status"]) == ("yellow", "yellow")
    assert row["judged_by"] == "intensity"


def test_intensity_band_edges() -> None:
    assert intensity_line(45.0, 100.0)["intensity_status"] == "yellow"  # exactly 0.9
    assert intensity_line(44.99, 100.0)["intensity_status"] == "green"
    assert intensity_line(50.0, 100.0)["intensity_status"] == "yellow"  # exactly 1.0
    assert intensity_line(50.01, 100.0)["intensity_status"] == "red"


def test_without_value_added_only_the_total_is_judged() -> None:
    lines = budgets(("E", "enterprise", "e1", None, 1200), budget_intensity_tco2_per_10k_yuan=[0.5])
    row = one(monitor(lines, actuals(("e1", "2025-06", 100)), "2025-06"), "E")
    assert row["intensity_status"] is None
    assert (row["status"], row["judged_by"]) == ("green", "total")


def test_energy_budgets_get_their_own_status_beside_the_carbon_one() -> None:
    lines = budgets(("E", "enterprise", "e1", None, 1200), budget_energy_tce=[400.0])
    acts = actuals(("e1", "2025-03", 60), energy_tce=[120.0])
    row = one(monitor(lines, acts, "2025-03"), "E")
    assert row["prorated_budget_energy_tce"] == pytest.approx(100.0)
    assert row["projected_year_energy_tce"] == pytest.approx(480.0)
    assert row["projected_overshoot_energy_tce"] == pytest.approx(80.0)
    assert (row["energy_status"], row["status"]) == ("red", "green")
    warned = warning_lines(monitor(lines, acts, "2025-03")).to_dicts()
    assert warned == [
        {
            "budget_id": "E",
            "subject_id": "e1",
            "level": "enterprise",
            "year": 2025,
            "status": "red",
            "as_of": "2025-03",
            "reason": "energy_red",
        }
    ]


# ---------------------------------------------------------------------- trees, roll-up

TREE = budgets(
    ("C", "city", "city", None, 2400),
    ("D1", "district", "d1", "C", 1200),
    ("D2", "district", "d2", "C", 1200),
    ("I1", "industry", "i1", "D1", 600),
    ("E1", "enterprise", "e1", "I1", 300),
    ("E2", "enterprise", "e2", "I1", 300),
    ("E3", "enterprise", "e3", "D2", 600),
)


def test_a_line_without_actuals_of_its_own_takes_its_childrens_recursively() -> None:
    acts = actuals(
        ("e1", "2025-01", 30), ("e2", "2025-02", 45), ("e3", "2025-03", 10), ("d2", "2025-03", 200)
    )
    out = monitor(TREE, acts, "2025-03")
    assert one(out, "I1")["actual_to_date_tco2"] == pytest.approx(75.0)
    assert one(out, "D1")["actual_to_date_tco2"] == pytest.approx(75.0)
    assert one(out, "D1")["actual_basis"] == "children"
    assert one(out, "D2")["actual_to_date_tco2"] == pytest.approx(200.0)  # its own
    assert one(out, "D2")["actual_basis"] == "own"
    assert one(out, "C")["actual_to_date_tco2"] == pytest.approx(275.0)
    assert one(out, "C")["projected_year_tco2"] == pytest.approx(1100.0)


def test_a_line_with_no_actuals_anywhere_below_has_none() -> None:
    out = monitor(TREE, actuals(("e1", "2025-01", 30)), "2025-01")
    assert one(out, "E3")["actual_basis"] == "none"
    assert one(out, "E3")["actual_to_date_tco2"] == 0.0
    assert one(out, "D2")["actual_basis"] == "none"


def test_value_added_rolls_up_only_when_every_child_with_data_has_it() -> None:
    lines = TREE.with_columns(
        pl.when(pl.col("budget_id") == "I1").then(0.5).alias("budget_intensity_tco2_per_10k_yuan")
    )
    acts = actuals(("e1", "2025-01", 30), ("e2", "2025-01", 30), value_added_10k_yuan=[100.0, 20.0])
    row = one(monitor(lines, acts, "2025-01"), "I1")
    assert row["value_added_to_date_10k_yuan"] == pytest.approx(120.0)
    assert row["intensity_to_date_tco2_per_10k_yuan"] == pytest.approx(0.5)
    partial = actuals(
        ("e1", "2025-01", 30), ("e2", "2025-01", 30), value_added_10k_yuan=[100.0, None]
    )
    assert one(monitor(lines, partial, "2025-01"), "I1")["intensity_status"] is None


def test_the_output_keeps_the_budget_order_and_the_command_columns() -> None:
    out = monitor(TREE, actuals(("e1", "2025-01", 30)), "2025-01")
    assert out["budget_id"].to_list() == TREE["budget_id"].to_list()
    assert set(MONITOR_CLI_COLUMNS) <= set(out.columns)
    assert {"level", "parent_id", "accounted_tco2", "estimated_tco2"} <= set(out.columns)


def test_children_adding_up_to_more_than_their_parent_are_found() -> None:
    over = TREE.with_columns(
        pl.when(pl.col("budget_id") == "E2")
        .then(301.0)
        .otherwise("budget_tco2")
        .alias("budget_tco2")
    )
    assert check_tree(TREE).is_empty()
    found = check_tree(over).to_dicts()
    assert found == [
        {
            "parent_id": "I1",
            "year": 2025,
            "measure": "tco2",
            "parent_budget": 600.0,
            "children_sum": 601.0,
            "children": ["E1", "E2"],
        }
    ]


def test_children_over_their_parents_energy_budget_are_found() -> None:
    lines = TREE.with_columns(
        pl.col("budget_id")
        .replace_strict({"C": 100.0, "D1": 60.0, "D2": 50.0}, default=None)
        .alias("budget_energy_tce")
    )
    found = check_tree(lines)
    assert found.select("parent_id", "measure").rows() == [("C", "energy_tce")]
    assert found["children_sum"][0] == pytest.approx(110.0)


def test_children_equal_to_their_parent_within_rounding_are_not_over() -> None:
    thirds = budgets(
        ("P", "district", "p", None, 1.0),
        *[(f"K{i}", "enterprise", f"k{i}", "P", 1 / 3 + 1e-16) for i in range(3)],
    )
    assert check_tree(thirds).is_empty()


def problem_codes(frame: pl.DataFrame) -> set[tuple[str, str]]:
    return set(frame.select("key", "code").rows())


def test_tree_problems_name_each_structural_fault() -> None:
    bad = pl.concat(
        [
            budgets(
                ("C", "city", "c", None, 100),
                ("D", "district", "d", "C", 50),
                ("D", "district", "d2", "C", 10),
                ("X", "enterprise", "x", "Y", 1),
                ("Y", "enterprise", "y", "X", 1),
                ("Z", "enterprise", "z", "Q", 1),
                ("R", "city", "r", None, 1),
                ("L", "planet", "l", "C", 1),
                ("S", "district", "d", "C", 1),
                ("U", "district", "u", "D", 1),
            ),
            budgets(("O", "district", "o", "C", 1), year=2024),
        ]
    )
    found = problem_codes(tree_problems(bad))
    assert found == {
        ("D", "duplicate_budget_id"),
        ("D", "duplicate_subject"),
        ("S", "duplicate_subject"),
        ("X", "level_not_deeper"),
        ("Y", "level_not_deeper"),
        ("X", "parent_cycle"),
        ("Y", "parent_cycle"),
        ("Z", "unknown_parent"),
        ("C", "multiple_roots"),
        ("R", "multiple_roots"),
        ("L", "unknown_level"),
        ("U", "level_not_deeper"),
        ("O", "parent_other_year"),
    }
    assert set(PROBLEMS) >= {code for _, code in found}
    assert tree_problems(TREE).is_empty()


def test_a_line_that_is_its_own_parent_is_a_cycle() -> None:
    found = problem_codes(tree_problems(budgets(("A", "city", "a", "A", 1))))
    assert ("A", "parent_cycle") in found


def test_actuals_problems_name_each_fault() -> None:
    acts = actuals(
        ("x", "2025-02", 1),
        ("x", "2025-Q1", 1),
        ("y", "2025-Q2", 1),
        ("y", "2025-13", 1),
        ("z", "2025", 1),
        ("w", "2025-01", 1),
        source=["accounted", "estimated", None, None, None, "guess"],
    )
    found = actuals_problems(acts, "2025-05")
    assert set(found.select("row", "code").rows()) == {
        (0, "overlapping_periods"),
        (1, "overlapping_periods"),
        (2, "period_straddles_as_of"),
        (3, "bad_period"),
        (4, "period_straddles_as_of"),
        (5, "bad_source"),
    }
    assert actuals_problems(acts.head(1), "2025-05").is_empty()


# ----------------------------------------------------------------------------- profile

PROFILE = pl.DataFrame(
    {
        "level": ["enterprise"] * 12,
        "month": list(range(1, 13)),
        "share": [0.2, 0.1, 0.1] + [0.6 / 9] * 9,
    }
)


def test_a_monthly_profile_prorates_by_its_cumulative_share() -> None:
    row = one(monitor(ENTERPRISE, actuals(("e1", "2025-03", 480)), "2025-03", profile=PROFILE), "E")
    assert row["prorated_budget_tco2"] == pytest.approx(1200 * 0.4)
    assert row["projected_year_tco2"] == pytest.approx(480 * 12 / 3)  # linear by default


def test_the_profile_projection_divides_by_last_years_cumulative_share() -> None:
    out = monitor(
        ENTERPRISE,
        actuals(("e1", "2025-03", 480)),
        "2025-03",
        profile=PROFILE,
        projection="profile",
    )
    row = one(out, "E")
    assert row["projected_year_tco2"] == pytest.approx(1200.0)
    assert row["status"] == "yellow"


def test_lines_without_a_profile_use_equal_months() -> None:
    profile = PROFILE.with_columns(pl.lit("district").alias("level"))
    row = one(monitor(ENTERPRISE, actuals(("e1", "2025-03", 480)), "2025-03", profile=profile), "E")
    assert row["prorated_budget_tco2"] == pytest.approx(300.0)


def test_a_profile_by_budget_id() -> None:
    profile = pl.DataFrame({"budget_id": ["E", "E"], "month": [1, 7], "share": [0.25, 0.75]})
    row = one(monitor(ENTERPRISE, actuals(("e1", "2025-06", 300)), "2025-06", profile=profile), "E")
    assert row["prorated_budget_tco2"] == pytest.approx(300.0)


@pytest.mark.parametrize(
    ("profile", "message"),
    [
        (pl.DataFrame({"level": ["enterprise"], "month": [1], "share": [0.5]}), "sum to 1"),
        (pl.DataFrame({"level": ["enterprise"], "month": [13], "share": [1.0]}), "months"),
        (pl.DataFrame({"month": [1], "share": [1.0]}), "budget_id or level"),
    ],
)
def test_a_bad_profile_is_refused(profile: pl.DataFrame, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        monitor(ENTERPRISE, actuals(("e1", "2025-03", 1)), "2025-03", profile=profile)


def test_a_profile_projection_needs_a_profile_and_the_projection_must_be_known() -> None:
    with pytest.raises(ValueError, match="needs a monthly profile"):
        monitor(ENTERPRISE, actuals(("e1", "2025-03", 1)), "2025-03", projection="profile")
    with pytest.raises(ValueError, match="linear or profile"):
        monitor(ENTERPRISE, actuals(("e1", "2025-03", 1)), "2025-03", projection="quadratic")


# ---------------------------------------------------------------------- bands, as-of


def test_bands_parse() -> None:
    assert Bands.parse("yellow=0.8,red=1.1") == Bands(0.8, 1.1)
    assert Bands.parse(" red = 1.2 ") == Bands(0.9, 1.2)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("yellow=1.0,red=0.9", "below red"),
        ("yellow=0.9,red=0.9", "below red"),
        ("yellow=abc", "not a number"),
        ("orange=0.5", "expected yellow"),
        ("yellow=0.5,yellow=0.6", "twice"),
        ("yellow=-0.1", "positive"),
        ("red=nan", "positive"),
        ("", "expected yellow"),
    ],
)
def test_bad_bands_are_refused_with_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Bands.parse(text)


@pytest.mark.parametrize("text", ["2025-13", "2025-1", "2025", "2025-Q1", "25-01", "2025-00"])
def test_a_bad_as_of_month_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        parse_month(text)


# -------------------------------------------------------------------------- warnings


def test_warning_lines_are_the_yellow_and_red_lines_with_their_reason() -> None:
    lines = budgets(
        ("G", "enterprise", "g", None, 1200),
        ("Y", "enterprise", "y", None, 1200),
        ("R", "enterprise", "r", None, 1200),
        ("O", "enterprise", "o", None, 1000),
        ("I", "enterprise", "i", None, 1200),
        budget_intensity_tco2_per_10k_yuan=[None, None, None, None, 0.1],
    )
    acts = actuals(
        ("g", "2025-06", 100),
        ("y", "2025-06", 560),
        ("r", "2025-06", 700),
        ("o", "2025-06", 1001),
        ("i", "2025-06", 100),
        value_added_10k_yuan=[None, None, None, None, 100.0],
    )
    warned = warning_lines(monitor(lines, acts, "2025-06"))
    assert warned.select("budget_id", "status", "reason").rows() == [
        ("Y", "yellow", "total_yellow"),
        ("R", "red", "total_red"),
        ("O", "red", "actual_over_annual"),
        ("I", "red", "intensity_red"),
    ]
    assert set(warned["reason"]) <= set(WARNING_REASONS)
    assert warned.columns == [
        "budget_id",
        "subject_id",
        "level",
        "year",
        "status",
        "as_of",
        "reason",
    ]


# ---------------------------------------------------------------------------- allocation


def test_allocation_by_history_shares_the_parent_by_historic_emissions() -> None:
    kids = pl.DataFrame({"budget_id": ["a", "b"], "historic_tco2": [300.0, 100.0]})
    out = allocate(200.0, kids, "history")
    assert out["budget_tco2"].to_list() == [150.0, 50.0]


def test_allocation_by_history_relative_to_the_parent_leaves_the_rest_with_it() -> None:
    # a district that emitted 1,000 t of which its two listed key enterprises 300 and 100:
    # of a 2,000 t budget they get 600 and 200, and 1,200 stays with the district
    kids = pl.DataFrame({"budget_id": ["a", "b"], "historic_tco2": [300.0, 100.0]})
    out = allocate(2000.0, kids, "history", parent_historic=1000.0)
    assert out["budget_tco2"].to_list() == [600.0, 200.0]
    assert out["scale"].to_list() == [2.0, 2.0]
    # children that are the whole parent: the same as without it
    whole = allocate(200.0, kids, "history", parent_historic=400.0)
    assert whole["budget_tco2"].to_list() == [150.0, 50.0]


def test_allocation_relative_to_the_parent_refuses_a_parent_below_its_children() -> None:
    kids = pl.DataFrame({"budget_id": ["a", "b"], "historic_tco2": [300.0, 100.0]})
    with pytest.raises(ValueError, match="exceed the parent"):
        allocate(2000.0, kids, "history", parent_historic=399.0)
    for bad in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="parent_historic"):
            allocate(2000.0, kids, "history", parent_historic=bad)


def test_allocation_by_benchmark_is_scaled_down_to_fit_the_parent() -> None:
    kids = pl.DataFrame(
        {
            "budget_id": ["a", "b"],
            "benchmark_intensity_tco2_per_10k_yuan": [1.0, 2.0],
            "planned_output_10k_yuan": [100.0, 100.0],
        }
    )
    scaled = allocate(150.0, kids, "benchmark")
    assert scaled["budget_tco2"].to_list() == pytest.approx([50.0, 100.0])
    assert scaled["scale"][0] == pytest.approx(0.5)
    roomy = allocate(1000.0, kids, "benchmark")
    assert roomy["budget_tco2"].to_list() == [100.0, 200.0]
    assert roomy["scale"][0] == 1.0


def test_allocation_by_intensity_times_planned_output() -> None:
    kids = pl.DataFrame(
        {
            "budget_id": ["a"],
            "budget_intensity_tco2_per_10k_yuan": [0.4],
            "planned_output_10k_yuan": [500.0],
        }
    )
    assert allocate(1000.0, kids, "intensity")["budget_tco2"].to_list() == [200.0]


def test_allocation_refuses_bad_rules_and_inputs() -> None:
    kids = pl.DataFrame({"historic_tco2": [0.0, 0.0]})
    with pytest.raises(ValueError, match="above zero"):
        allocate(10.0, kids, "history")
    with pytest.raises(ValueError, match="rule must be"):
        allocate(10.0, kids, "lottery")
    with pytest.raises(ValueError, match="needs column"):
        allocate(10.0, kids, "benchmark")
    with pytest.raises(ValueError, match="finite number"):
        allocate(10.0, pl.DataFrame({"historic_tco2": [-1.0]}), "history")


amounts = st.floats(min_value=0.0, max_value=1e9, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(
    parent=st.floats(min_value=0.0, max_value=1e9),
    rows=st.lists(st.tuples(amounts, amounts), min_size=1, max_size=12),
    rule=st.sampled_from(["benchmark", "intensity", "history"]),
)
def test_allocated_children_never_add_up_to_more_than_the_parent(
    parent: float, rows: list[tuple[float, float]], rule: str
) -> None:
    col = {
        "benchmark": "benchmark_intensity_tco2_per_10k_yuan",
        "intensity": "budget_intensity_tco2_per_10k_yuan",
        "history": "historic_tco2",
    }[rule]
    kids = pl.DataFrame(
        {col: [r[0] for r in rows], "planned_output_10k_yuan": [r[1] for r in rows]}
    ).with_columns(pl.format("k{}", pl.int_range(pl.len())).alias("budget_id"))
    if rule == "history" and sum(r[0] for r in rows) <= 0:
        return
    out = allocate(parent, kids, rule)
    total = math.fsum(out["budget_tco2"].to_list())
    assert total <= parent * (1 + 1e-12) + 1e-300
    if rule == "history" or out["scale"][0] < 1.0:
        assert total == pytest.approx(parent, rel=1e-9)
    tree = pl.concat(
        [
            pl.DataFrame(
                {"budget_id": ["P"], "parent_id": [None], "year": [2025], "budget_tco2": [parent]}
            ),
            out.select(
                "budget_id",
                pl.lit("P").alias("parent_id"),
                pl.lit(2025).alias("year"),
                "budget_tco2",
            ),
        ],
        how="vertical_relaxed",
    )
    assert check_tree(tree).is_empty()


# ------------------------------------------------------------------- additivity property

month_values = st.lists(
    st.tuples(st.integers(1, 12), st.floats(0.0, 1e6, allow_nan=False)),
    max_size=6,
    unique_by=lambda t: t[0],
)


@settings(max_examples=60, deadline=None)
@given(
    children=st.lists(month_values, min_size=1, max_size=5),
    as_of_month=st.integers(1, 12),
    with_profile=st.booleans(),
)
def test_monitoring_is_additive_over_children(
    children: list[list[tuple[int, float]]], as_of_month: int, with_profile: bool
) -> None:
    lines = budgets(
        ("P", "district", "p", None, 1e7),
        *[(f"K{i}", "enterprise", f"k{i}", "P", 1e6) for i in range(len(children))],
    )
    acts = pl.DataFrame(
        {
            "subject_id": [f"k{i}" for i, rows in enumerate(children) for _ in rows],
            "period": [f"2025-{m:02d}" for rows in children for m, _ in rows],
            "tco2": [v for rows in children for _, v in rows],
        },
        schema={"subject_id": pl.String, "period": pl.String, "tco2": pl.Float64},
    )
    profile = (
        pl.DataFrame(
            {
                "level": ["district"] * 12 + ["enterprise"] * 12,
                "month": list(range(1, 13)) * 2,
                "share": [1 / 12] * 24,
            }
        )
        if with_profile
        else None
    )
    projection = "profile" if with_profile else "linear"
    out = monitor(lines, acts, f"2025-{as_of_month:02d}", profile=profile, projection=projection)
    parent, kids = out.filter(pl.col("budget_id") == "P"), out.filter(pl.col("budget_id") != "P")
    for col in ("actual_to_date_tco2", "projected_year_tco2", "accounted_tco2"):
        assert parent[col][0] == pytest.approx(kids[col].sum(), rel=1e-9, abs=1e-6)
    assert parent["actual_basis"][0] in ("children", "none")


def test_the_levels_run_from_city_to_project() -> None:
    assert BUDGET_LEVELS == ("city", "district", "industry", "enterprise", "project")


def test_estimates_fill_only_the_months_not_yet_accounted() -> None:
    accounted = actuals(("e1", "2025-Q1", 300), ("e1", "2025-04", 90), ("e2", "2025-01", 5))
    estimated = actuals(
        ("e1", "2025-02", 999),  # inside the accounted quarter
        ("e1", "2025-05", 80),
        ("e1", "2025-Q2", 999),  # April is accounted
        ("e2", "2025-02", 7),
        ("e3", "2025-01", 1),
    )
    both = combine_sources(accounted, estimated)
    assert both.select("subject_id", "period", "tco2", "source").rows() == [
        ("e1", "2025-Q1", 300.0, "accounted"),
        ("e1", "2025-04", 90.0, "accounted"),
        ("e2", "2025-01", 5.0, "accounted"),
        ("e1", "2025-05", 80.0, "estimated"),
        ("e2", "2025-02", 7.0, "estimated"),
        ("e3", "2025-01", 1.0, "estimated"),
    ]
    assert actuals_problems(both, "2025-05").is_empty()
    row = one(monitor(ENTERPRISE, both, "2025-05"), "E")
    assert (row["accounted_tco2"], row["estimated_tco2"]) == (390.0, 80.0)


def test_projects_roll_up_into_an_enterprise_without_actuals_of_its_own() -> None:
    lines = budgets(
        ("E", "enterprise", "e1", None, 1200),
        ("P1", "project", "p1", "E", 400),
        ("P2", "project", "p2", "E", 400),
        ("F", "enterprise", "f1", None, 100),
    )
    out = monitor(lines, actuals(("p1", "2025-01", 10), ("p2", "2025-01", 20)), "2025-01")
    assert one(out, "E")["actual_to_date_tco2"] == pytest.approx(30.0)
    own = monitor(lines, actuals(("e1", "2025-01", 5), ("p1", "2025-01", 10)), "2025-01")
    assert (one(own, "E")["actual_to_date_tco2"], one(own, "E")["actual_basis"]) == (5.0, "own")
