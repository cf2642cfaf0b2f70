"""Progress against plan targets and the two-target assessment, by hand: the seed case of
document 000 (T23), compounding against adding, every threshold edge, and properties."""

from __future__ import annotations

import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citycarbon.core.targets import (
    CHANGES,
    AssessmentRule,
    assess,
    changes_from_values,
    progress,
    target_scores,
)


def targets(*rows: tuple[str, str, int, int, float, float | None]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "target_id": t,
                "subject_id": s,
                "indicator": "energy_per_gdp",
                "base_year": b,
                "target_year": y,
                "target_change_pct": v,
                "incentive_change_pct": i,
            }
            for t, s, b, y, v, i in rows
        ],
        schema_overrides={"incentive_change_pct": pl.Float64},
    )


def changes(subject: str, *rows: tuple[int, int, float]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "subject_id": subject,
                "indicator": "energy_per_gdp",
                "year_from": a,
                "year_to": b,
                "change_pct": c,
            }
            for a, b, c in rows
        ]
    )


HUZHOU = targets(("huzhou-14", "huzhou", 2020, 2025, -15.5, None))
SEED = changes("huzhou", (2021, 2022, 3.3), (2023, 2023, -5.9), (2024, 2024, -5.7))


def one(frame: pl.DataFrame) -> dict[str, object]:
    assert frame.height == 1
    return frame.row(0, named=True)


def test_the_seed_case_compounds_as_the_arithmetic_says() -> None:
    """000: +3.3 % over 2021–22, −5.9 % in 2023, −5.7 % in H1 2024 (as 2024), −15.5 % by 2025."""
    row = one(progress(HUZHOU, SEED).progress)
    assert row["latest_year"] == 2024
    assert row["remaining_years"] == 1
    assert row["cumulative_change_pct"] == pytest.approx((1.033 * 0.941 * 0.943 - 1) * 100)
    assert row["cumulative_change_pct"] == pytest.approx(-8.3354021)
    assert row["required_annual_change_pct"] == pytest.approx(
        (0.845 / (1.033 * 0.941 * 0.943) - 1) * 100
    )
    assert row["required_annual_change_pct"] == pytest.approx(-7.8161014, abs=1e-6)
    # adding the changes would say −8.3 % to date and −7.2 % still required: not this
    assert row["required_annual_change_pct"] < -7.5
    assert row["average_annual_change_pct"] == pytest.approx(
        ((1.033 * 0.941 * 0.943) ** 0.25 - 1) * 100
    )
    assert row["on_track"] is False
    assert row["met"] is False


def test_the_seed_case_at_the_end_of_2023() -> None:
    """1.033 × 0.941 = 0.9721: −2.8 % by 2023; two years left."""
    row = one(progress(HUZHOU, SEED.filter(pl.col("year_to") <= 2023)).progress)
    assert row["cumulative_change_pct"] == pytest.approx(-2.7947)
    assert row["remaining_years"] == 2
    assert row["required_annual_change_pct"] == pytest.approx(
        (math.sqrt(0.845 / 0.972053) - 1) * 100
    )


def test_on_track_when_the_pace_so_far_is_enough() -> None:
    # −4 % a year for two years: cumulative 0.9216; required over 3 years to reach 0.85:
    # (0.85 / 0.9216)^(1/3) − 1 = −2.66 %, gentler than the −4 % achieved
    t = targets(("a", "d1", 2020, 2025, -15.0, None))
    row = one(progress(t, changes("d1", (2021, 2021, -4.0), (2022, 2022, -4.0))).progress)
    assert row["cumulative_change_pct"] == pytest.approx(-7.84)
    assert row["required_annual_change_pct"] == pytest.approx(
        ((0.85 / 0.9216) ** (1 / 3) - 1) * 100
    )
    assert row["on_track"] is True


def test_on_track_edge_required_equal_to_the_pace() -> None:
    # −10 % then nothing asked beyond the same pace: target (0.9)^4 − 1 over 4 years
    target = (0.9**4 - 1) * 100
    t = targets(("a", "d1", 2020, 2024, target, None))
    row = one(progress(t, changes("d1", (2021, 2021, -10.0))).progress)
    assert row["required_annual_change_pct"] == pytest.approx(-10.0)
    assert row["on_track"] is True
    slower = one(progress(t, changes("d1", (2021, 2021, -9.999))).progress)
    assert slower["on_track"] is False


def test_a_target_met_exactly_counts_as_met() -> None:
    """T34: −20 % or more (以上 includes the number): 0.80 passes, 0.81 fails."""
    t = targets(("co2", "hz", 2020, 2025, -20.0, None))
    exact = one(progress(t, changes("hz", (2021, 2025, -20.0))).progress)
    assert exact["met"] is True and exact["on_track"] is True
    assert exact["remaining_years"] == 0 and exact["required_annual_change_pct"] is None
    short = one(progress(t, changes("hz", (2021, 2025, -19.0))).progress)
    assert short["met"] is False and short["on_track"] is False


def test_an_increase_target() -> None:
    # a share to rise 50 % by 2025: +20 % so far in one year is ahead of the required pace
    t = targets(("share", "hz", 2020, 2025, 50.0, None))
    row = one(progress(t, changes("hz", (2021, 2021, 20.0))).progress)
    assert row["required_annual_change_pct"] == pytest.approx(((1.5 / 1.2) ** 0.25 - 1) * 100)
    assert row["on_track"] is True
    behind = one(progress(t, changes("hz", (2021, 2021, 5.0))).progress)
    assert behind["on_track"] is False


def test_no_observation_yet() -> None:
    row = one(progress(targets(("a", "d1", 2020, 2025, -10.0, None)), SEED.head(0)).progress)
    assert row["latest_year"] == 2020 and row["cumulative_change_pct"] == 0.0
    assert row["remaining_years"] == 5
    assert row["required_annual_change_pct"] == pytest.approx((0.9**0.2 - 1) * 100)
    assert row["on_track"] is False


def test_values_outside_the_target_window_are_ignored() -> None:
    extra = pl.concat([SEED, changes("huzhou", (2020, 2020, 50.0), (2026, 2026, 50.0))])
    row = one(progress(HUZHOU, extra).progress)
    assert row["cumulative_change_pct"] == pytest.approx(-8.3354021)


def test_gaps_and_overlaps_are_problems_not_figures() -> None:
    gap = progress(HUZHOU, changes("huzhou", (2021, 2021, 1.0), (2023, 2023, -1.0)))
    assert gap.progress.is_empty()
    assert gap.problems.rows() == [("huzhou-14", "gap", 2022, "2022–2022")]
    late = progress(HUZHOU, changes("huzhou", (2022, 2022, 1.0)))
    assert late.problems.rows() == [("huzhou-14", "gap", 2021, "2021–2021")]
    overlap = progress(HUZHOU, changes("huzhou", (2021, 2022, 1.0), (2022, 2022, -1.0)))
    assert overlap.problems.rows() == [("huzhou-14", "overlap", 2022, "2022–2022")]


def test_absolute_values_become_changes_against_the_base_year() -> None:
    values = pl.DataFrame(
        {
            "subject_id": ["d1"] * 4,
            "indicator": ["energy_per_gdp"] * 4,
            "year": [2020, 2021, 2023, 2019],
            "value": [0.50, 0.45, 0.40, 9.0],
        }
    )
    bases = pl.DataFrame(
        {"subject_id": ["d1"], "indicator": ["energy_per_gdp"], "base_year": [2020]}
    )
    got = changes_from_values(values, bases)
    assert got.rows() == [
        ("d1", "energy_per_gdp", 2021, 2021, pytest.approx(-10.0)),
        ("d1", "energy_per_gdp", 2022, 2023, pytest.approx((0.40 / 0.45 - 1) * 100)),
    ]
    row = one(progress(targets(("a", "d1", 2020, 2025, -30.0, None)), got).progress)
    assert row["cumulative_change_pct"] == pytest.approx(-20.0)
    assert row["latest_year"] == 2023


def test_absolute_values_without_a_base_year_value_give_no_change() -> None:
    values = pl.DataFrame(
        {"subject_id": ["d1"], "indicator": ["x"], "year": [2021], "value": [1.0]}
    )
    bases = pl.DataFrame({"subject_id": ["d1"], "indicator": ["x"], "base_year": [2020]})
    assert changes_from_values(values, bases).is_empty()


# --- assessment -----------------------------------------------------------------------------

TWO = targets(
    ("inc", "d1", 2020, 2025, -14.0, -16.0),
    ("mid", "d2", 2020, 2025, -14.0, -16.0),
    ("bas", "d3", 2020, 2025, -14.0, -16.0),
    ("low", "d4", 2020, 2025, -14.0, -16.0),
    ("bad", "d5", 2020, 2025, -14.0, -16.0),
)
ACHIEVED = pl.concat(
    [
        changes("d1", (2021, 2025, -16.0)),
        changes("d2", (2021, 2025, -15.0)),
        changes("d3", (2021, 2025, -14.0)),
        changes("d4", (2021, 2025, -7.0)),
        changes("d5", (2021, 2025, 3.0)),
    ]
)


def test_target_scores_at_every_edge() -> None:
    scores = target_scores(progress(TWO, ACHIEVED).progress)
    got = {r["target_id"]: (r["level"], r["target_score"]) for r in scores.iter_rows(named=True)}
    assert got["inc"] == ("incentive", 100.0)
    assert got["mid"][0] == "basic" and got["mid"][1] == pytest.approx(80.0)
    assert got["bas"] == ("basic", 60.0)
    assert got["low"][0] == "missed" and got["low"][1] == pytest.approx(30.0)
    assert got["bad"] == ("missed", 0.0)


def test_a_target_without_incentive_scores_full_at_basic() -> None:
    t = targets(("x", "d1", 2020, 2025, -10.0, None))
    row = one(target_scores(progress(t, changes("d1", (2021, 2025, -10.0))).progress))
    assert (row["level"], row["target_score"]) == ("incentive", 100.0)


def test_assessment_deducts_unresolved_cases_up_to_the_cap() -> None:
    p = progress(TWO, ACHIEVED).progress
    cases = pl.DataFrame({"subject_id": ["d1", "d2", "d3"], "unresolved_cases": [1, 10, 0]})
    rows = {r["subject_id"]: r for r in assess(p, cases).iter_rows(named=True)}
    assert rows["d1"]["score"] == 95.0 and rows["d1"]["deduction"] == 5.0
    assert rows["d2"]["deduction"] == 20.0 and rows["d2"]["score"] == pytest.approx(60.0)
    assert rows["d3"]["score"] == 60.0 and rows["d3"]["level"] == "basic"
    assert rows["d5"]["score"] == 0.0 and rows["d5"]["level"] == "missed"
    assert rows["d4"]["unresolved_cases"] == 0
    rule = AssessmentRule(points_per_case=2.0, max_deduction=100.0)
    assert one(assess(p, cases, rule).filter(pl.col("subject_id") == "d2"))["score"] == (
        pytest.approx(60.0)
    )


def test_the_deduction_reaches_its_cap_at_four_cases() -> None:
    p = progress(TWO, ACHIEVED).progress
    for cases, deduction in ((3, 15.0), (4, 20.0), (5, 20.0)):
        unresolved = pl.DataFrame({"subject_id": ["d1"], "unresolved_cases": [cases]})
        row = one(assess(p, unresolved).filter(pl.col("subject_id") == "d1"))
        assert row["deduction"] == deduction and row["score"] == 100.0 - deduction


def test_a_subject_is_at_its_weakest_target_s_level() -> None:
    t = targets(("a", "d1", 2020, 2025, -10.0, -12.0), ("b", "d1", 2020, 2025, -10.0, -12.0))
    c = pl.concat([changes("d1", (2021, 2025, -12.0))])
    c = pl.concat([c, c.with_columns(pl.lit("other").alias("indicator"))])
    t = t.with_columns(pl.Series("indicator", ["energy_per_gdp", "other"]))
    t = t.with_columns(
        pl.when(pl.col("target_id") == "b")
        .then(-13.0)
        .otherwise(-12.0)
        .alias("incentive_change_pct")
    )
    row = one(assess(progress(t, c).progress))
    assert row["targets"] == 2 and row["incentive_met"] == 1 and row["basic_met"] == 1
    assert row["level"] == "basic"


# --- properties -----------------------------------------------------------------------------

change = st.floats(min_value=-30.0, max_value=30.0, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(st.lists(change, min_size=1, max_size=5), st.randoms(use_true_random=False))
def test_compounding_does_not_depend_on_row_order(values: list[float], rnd: object) -> None:
    rows = [(2021 + i, 2021 + i, v) for i, v in enumerate(values)]
    shuffled = list(rows)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    t = targets(("a", "d1", 2020, 2030, -10.0, None))
    a = one(progress(t, changes("d1", *rows)).progress)
    b = one(progress(t, changes("d1", *shuffled)).progress)
    assert a["cumulative_change_pct"] == pytest.approx(b["cumulative_change_pct"], abs=1e-9)
    product = math.prod(1 + v / 100 for v in values)
    assert a["cumulative_change_pct"] == pytest.approx((product - 1) * 100, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.lists(change, min_size=2, max_size=6), st.integers(min_value=0, max_value=4))
def test_a_span_gives_the_same_cumulative_as_its_years(values: list[float], cut: int) -> None:
    cut = min(cut, len(values) - 2)
    years = [(2021 + i, 2021 + i, v) for i, v in enumerate(values)]
    joined = math.prod(1 + v / 100 for _, _, v in years[cut : cut + 2])
    spanned = [*years[:cut], (2021 + cut, 2022 + cut, (joined - 1) * 100), *years[cut + 2 :]]
    t = targets(("a", "d1", 2020, 2030, -10.0, None))
    a = one(progress(t, changes("d1", *years)).progress)
    b = one(progress(t, changes("d1", *spanned)).progress)
    assert a["cumulative_change_pct"] == pytest.approx(b["cumulative_change_pct"], abs=1e-9)
    assert a["required_annual_change_pct"] == pytest.approx(
        b["required_annual_change_pct"], abs=1e-9
    )


def test_a_rate_target_is_compounded_over_its_years() -> None:
    # 杭州 战略性新兴产业增加值年均增长10%以上, 2020–2025: (1.1)^5 − 1 = 61.051 % cumulative.
    rate = targets(("hz-sei", "hz", 2020, 2025, 10.0, None)).with_columns(
        pl.lit(True).alias("per_year")
    )
    fresh = one(progress(rate, pl.DataFrame(schema=CHANGES)).progress)
    assert fresh["target_change_pct"] == pytest.approx(61.051)
    assert fresh["annual_target_pct"] == pytest.approx(10.0)
    # with nothing observed the rate itself is what is still required each year
    assert fresh["required_annual_change_pct"] == pytest.approx(10.0)
    assert fresh["observed"] is False
    assert fresh["met"] is False
    # 2021 = +12 %: required (1.61051 ÷ 1.12)^(1/4) − 1 = 9.5056 %, on track, not met
    after = one(progress(rate, changes("hz", (2021, 2021, 12.0))).progress)
    assert after["cumulative_change_pct"] == pytest.approx(12.0)
    assert after["required_annual_change_pct"] == pytest.approx(9.5056, abs=1e-4)
    assert after["met"] is False
    assert after["on_track"] is True
    # five years at exactly 10 % meet it
    five = changes("hz", *((y, y, 10.0) for y in range(2021, 2026)))
    assert one(progress(rate, five).progress)["met"] is True


def test_a_rate_target_one_step_short_is_not_met() -> None:
    rate = targets(("hz-sei", "hz", 2020, 2025, 10.0, None)).with_columns(
        pl.lit(True).alias("per_year")
    )
    short = changes("hz", *((y, y, 10.0) for y in range(2021, 2025)), (2025, 2025, 9.99))
    assert one(progress(rate, short).progress)["met"] is False


def test_a_value_of_zero_or_below_gives_no_change_never_an_infinite_one() -> None:
    bases = pl.DataFrame(
        {"subject_id": ["d1"], "indicator": ["energy_per_gdp"], "base_year": [2020]}
    )
    for bad in (0.0, -0.5):
        values = pl.DataFrame(
            {
                "subject_id": ["d1"] * 3,
                "indicator": ["energy_per_gdp"] * 3,
                "year": [2020, 2021, 2022],
                "value": [0.5, bad, 0.4],
            }
        )
        got = changes_from_values(values, bases)
        assert got.filter(~pl.col("change_pct").is_finite()).is_empty()
        assert got.filter(pl.col("change_pct") <= -100).is_empty()


def test_a_target_without_data_counts_as_no_data_and_scores_zero() -> None:
    t = targets(
        ("seen", "d1", 2020, 2025, -10.0, None),
        ("unseen", "d1", 2020, 2025, -10.0, None),
        ("gappy", "d1", 2020, 2025, -10.0, None),
    )
    seen = changes("d1", (2021, 2025, -10.0)).with_columns(pl.lit("seen").alias("subject_id"))
    gap = changes("gappy", (2021, 2021, -5.0), (2023, 2023, -5.0))
    p = progress(t.with_columns(pl.col("target_id").alias("subject_id")), pl.concat([seen, gap]))
    assert p.problems.get_column("target_id").to_list() == ["gappy"]
    frame = p.progress.with_columns(pl.lit("d1").alias("subject_id"))
    incomplete = pl.DataFrame(
        {
            "target_id": ["gappy"],
            "subject_id": ["d1"],
            "target_change_pct": [-10.0],
            "incentive_change_pct": [None],
        }
    )
    scores = {
        r["target_id"]: r for r in target_scores(frame, incomplete=incomplete).iter_rows(named=True)
    }
    assert scores["unseen"]["level"] == "no_data" and scores["unseen"]["target_score"] == 0
    assert scores["unseen"]["cumulative_change_pct"] is None
    assert scores["gappy"]["level"] == "no_data"
    assert scores["seen"]["level"] == "incentive" and scores["seen"]["target_score"] == 100
    row = one(assess(frame, incomplete=incomplete))
    assert row["targets"] == 3 and row["no_data"] == 2
    assert row["score"] == pytest.approx(100 / 3)
    assert row["level"] == "incomplete"
