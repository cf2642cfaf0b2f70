"""Carbon-efficiency grading: thresholds, industry averages, peer fallback, invariants."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from citycarbon.cli.main import app
from citycarbon.core.grading import GRADE_COLUMNS, grade, grade_confidence, load_scheme
from tests.conftest import write


def frames(
    rows: list[tuple[str, str, float, float | None]], year: int = 2024
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(entity, industry, tCO2, value added) → emissions and economics frames."""
    emissions = pl.DataFrame(
        {
            "entity_id": [r[0] for r in rows],
            "period": [str(year)] * len(rows),
            "total_tco2": [float(r[2]) for r in rows],
        }
    )
    economics = pl.DataFrame(
        {
            "entity_id": [r[0] for r in rows],
            "year": [year] * len(rows),
            "industry_code": [r[1] for r in rows],
            "value_added_10k_yuan": [r[3] for r in rows],
        },
        schema_overrides={"value_added_10k_yuan": pl.Float64},
    )
    return emissions, economics


def graded(rows: list[tuple[str, str, float, float | None]], **kw: object) -> pl.DataFrame:
    e, k = frames(rows)
    return grade(e, k, **kw).graded.sort("entity_id")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("intensity", "level"),
    [
        (0.0, "低碳"),
        (0.6, "低碳"),
        (0.6000001, "中碳"),
        (2.0, "中碳"),
        (2.0000001, "高碳"),
        (7.01, "高碳"),
    ],
)
def test_level_edges(intensity: float, level: str) -> None:
    # One enterprise at the tested L and four peers; L is independent of peers.
    rows = [("x", "1711", intensity * 1000, 1000.0)] + [
        (f"p{i}", "1711", 1000.0, 1000.0) for i in range(4)
    ]
    g = graded(rows).filter(pl.col("entity_id") == "x")
    assert g["intensity_tco2_per_10k_yuan"][0] == pytest.approx(intensity)
    assert g["level"][0] == level


@pytest.mark.parametrize(
    ("k", "grade_"),
    [
        (0.6, 1),
        (0.6000001, 2),
        (0.8, 2),
        (0.8000001, 3),
        (1.2, 3),
        (1.2000001, 4),
        (2.0, 4),
        (2.0000001, 5),
        (0.0, 1),
    ],
)
def test_grade_edges(k: float, grade_: int) -> None:
    # With the mean of ratios and 4 peers at L = 1 plus the tested enterprise at L = k·avg,
    # solving avg = (4 + k·avg) / 5 gives avg = 4 / (5 - k).
    avg = 4 / (5 - k)
    rows = [("x", "2822", k * avg * 100, 100.0)] + [
        (f"p{i}", "2822", 100.0, 100.0) for i in range(4)
    ]
    g = graded(rows, average="mean").filter(pl.col("entity_id") == "x")
    assert g["industry_avg_intensity"][0] == pytest.approx(avg)
    assert g["k_value"][0] == pytest.approx(k)
    assert g["grade"][0] == grade_


def test_published_case_7_01_is_high_carbon_grade_3() -> None:
    # 湖州中跃化纤: 7.01 tCO2 per 万元 in 2022, rated 高碳3级; chemical fibre averages about 7.
    rows = [("zhongyue", "2822", 7010.0, 1000.0)] + [
        (f"p{i}", "2822", 7000.0 * f, 1000.0 * f) for i, f in enumerate([1, 2, 3, 4])
    ]
    g = graded(rows).filter(pl.col("entity_id") == "zhongyue").row(0, named=True)
    assert g["level"] == "高碳"
    assert g["grade"] == 3
    assert g["industry_avg_intensity"] == pytest.approx(7001.0 * 1000 / 1000 / 1000, rel=1e-3)


def test_ratio_and_mean_averages_by_hand() -> None:
    rows = [
        ("a", "1711", 100.0, 100.0),
        ("b", "1711", 300.0, 100.0),
        ("c", "1711", 100.0, 200.0),
        ("d", "1711", 50.0, 100.0),
        ("e", "1711", 450.0, 500.0),
    ]
    # ratio: ΣCO2 / ΣVA = 1000 / 1000 = 1.0; mean: (1 + 3 + 0.5 + 0.5 + 0.9) / 5 = 1.18
    ratio = graded(rows)
    assert ratio["industry_avg_intensity"].to_list() == pytest.approx([1.0] * 5)
    assert ratio["k_value"].to_list() == pytest.approx([1.0, 3.0, 0.5, 0.5, 0.9])
    assert ratio["grade"].to_list() == [3, 5, 1, 1, 3]
    mean = graded(rows, average="mean")
    assert mean["industry_avg_intensity"][0] == pytest.approx(1.18)
    assert mean["k_value"].to_list() == pytest.approx(
        [1 / 1.18, 3 / 1.18, 0.5 / 1.18, 0.5 / 1.18, 0.9 / 1.18]
    )
    assert mean["grade"].to_list() == [3, 5, 1, 1, 2]


def test_peer_fallback_class_group_division() -> None:
    rows = (
        [(f"c{i}", "2822", 100.0, 100.0) for i in range(5)]  # class 2822: 5 peers
        + [("g1", "2821", 200.0, 100.0), ("g2", "2821", 200.0, 100.0)]  # group 282 via 2821
        + [("d1", "2811", 50.0, 100.0)]  # only division 28 has enough peers
    )
    g = graded(rows)
    by = {r["entity_id"]: r for r in g.iter_rows(named=True)}
    assert by["c0"]["industry_level_used"] == "class" and by["c0"]["peer_count"] == 5
    assert by["g1"]["industry_level_used"] == "group" and by["g1"]["peer_count"] == 7
    assert by["g1"]["industry_avg_intensity"] == pytest.approx(900 / 700)
    assert by["d1"]["industry_level_used"] == "division" and by["d1"]["peer_count"] == 8
    assert by["d1"]["industry_avg_intensity"] == pytest.approx(950 / 800)
    strict = graded(rows, min_peers=8)
    assert set(strict["industry_level_used"]) == {"division"}
    e, k = frames(rows)
    too_strict = grade(e, k, min_peers=9)
    assert too_strict.graded.is_empty()
    assert set(too_strict.ungraded["reason"]) == {"too_few_peers"}


def test_ungraded_with_reasons() -> None:
    e, k = frames(
        [(f"p{i}", "1711", 100.0, 100.0) for i in range(5)]
        + [("noVA", "1711", 100.0, None), ("zeroVA", "1711", 100.0, 0.0)]
    )
    k = pl.concat(
        [
            k,
            pl.DataFrame(
                {
                    "entity_id": ["noEnergy"],
                    "year": [2024],
                    "industry_code": ["1711"],
                    "value_added_10k_yuan": [10.0],
                }
            ),
        ]
    )
    result = grade(e, k)
    reasons = dict(result.ungraded.select("entity_id", "reason").iter_rows())
    assert reasons == {
        "noVA": "no_value_added",
        "zeroVA": "nonpositive_value_added",
        "noEnergy": "no_energy_data",
    }
    assert result.graded.height == 5
    assert result.ungraded["reason_en"].str.len_chars().min() > 0  # type: ignore[operator]


@pytest.mark.parametrize("co2", [0.0, 1e-11])
def test_zero_industry_average_is_not_graded(co2: float) -> None:
    e, k = frames([(f"p{i}", "1711", co2, 100.0) for i in range(5)])  # average 1e-13 or 0
    result = grade(e, k)
    assert result.graded.is_empty()
    assert set(result.ungraded["reason"]) == {"zero_industry_average"}


# CO2 of an enterprise-year: none, or at least a kilogram.
industry_rows = st.lists(
    st.tuples(st.one_of(st.just(0.0), st.floats(1e-3, 1e5)), st.floats(1.0, 1e5)),
    min_size=5,
    max_size=15,
)


@given(industry_rows, st.floats(0.01, 100.0))
def test_scaling_all_energy_of_an_industry_keeps_k_and_grade(
    rows: list[tuple[float, float]], factor: float
) -> None:
    base = [(f"e{i}", "2822", co2, va) for i, (co2, va) in enumerate(rows)]
    scaled = [(f"e{i}", "2822", co2 * factor, va) for i, (co2, va) in enumerate(rows)]
    a, b = graded(base), graded(scaled)
    assert a["grade"].to_list() == b["grade"].to_list()
    assert a["k_value"].to_list() == pytest.approx(b["k_value"].to_list(), rel=1e-9)


@given(industry_rows, st.randoms())
def test_grading_is_independent_of_row_order(rows: list[tuple[float, float]], rnd: object) -> None:
    base = [(f"e{i}", ["2822", "2821"][i % 2], co2, va) for i, (co2, va) in enumerate(rows)]
    shuffled = list(base)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    a, b = graded(base), graded(shuffled)
    assert a.select("entity_id", "level", "grade", "peer_count").equals(
        b.select("entity_id", "level", "grade", "peer_count")
    )
    assert a["k_value"].to_list() == pytest.approx(b["k_value"].to_list(), rel=1e-12)


def test_confidence_is_certain_for_identical_peers_and_lower_near_a_bound() -> None:
    same = [(f"s{i}", "1711", 100.0, 100.0) for i in range(6)]
    e, k = frames(same)
    conf = grade_confidence(grade(e, k), samples=100, seed=1)
    assert conf["grade_confidence"].to_list() == [1.0] * 6
    spread = [(f"v{i}", "1711", 100.0 * (i + 1), 100.0) for i in range(8)]
    e, k = frames(spread)
    conf = grade_confidence(grade(e, k), samples=300, seed=1)
    assert conf["grade_confidence"].min() < 0.9  # type: ignore[operator]
    assert conf["grade_may_flip"].any()
    assert (conf["grade_low"] <= conf["grade_high"]).all()
    again = grade_confidence(grade(e, k), samples=300, seed=1)
    assert again.equals(conf)


def test_scheme_comes_from_data() -> None:
    s = load_scheme()
    assert s.level_bounds == (0.6, 2.0)
    assert s.grade_bounds == (0.6, 0.8, 1.2, 2.0)
    with pytest.raises(ValueError, match="unknown"):
        load_scheme("nowhere")


runner = CliRunner()


def test_grade_command_contract(tmp_path: Path) -> None:
    em = write(
        tmp_path / "em.csv",
        "entity_id,period,energy_tce,scope1_tco2,scope2_tco2,"
        "total_tco2,factor_set\n"
        + "".join(
            f"E{i},2024-0{m},1,0,{50 * (i + 1)},{50 * (i + 1)},cn-2023\n"
            for i in range(6)
            for m in (1, 2)
        ),
    )
    ec = write(
        tmp_path / "ec.csv",
        "entity_id,year,industry_code,value_added_10k_yuan,"
        "district_code\n"
        + "".join(f"E{i},2024,C1711,100,339901\n" for i in range(6))
        + "E9,2024,1711,,339901\n",
    )
    out, ung = tmp_path / "g.csv", tmp_path / "u.csv"
    r = runner.invoke(app, ["grade", str(em), str(ec), "--out", str(out), "--ungraded", str(ung)])
    assert r.exit_code == 0, r.output
    g = pl.read_csv(out)
    assert tuple(g.columns) == GRADE_COLUMNS
    assert g["intensity_tco2_per_10k_yuan"].to_list() == pytest.approx([i + 1.0 for i in range(6)])
    assert g["industry_avg_intensity"][0] == pytest.approx(3.5)
    assert g["level"].to_list() == ["中碳", "中碳", "高碳", "高碳", "高碳", "高碳"]
    assert g["grade"].to_list() == [1, 1, 3, 3, 4, 4]
    assert g["industry_level_used"].to_list() == ["class"] * 6
    assert pl.read_csv(ung)["reason"].to_list() == ["no_value_added"]
    assert "E9" in r.stderr and "value added is missing" in r.stderr
    detail = runner.invoke(app, ["grade", str(em), str(ec), "--detail"])
    assert "grade_confidence" in detail.stdout and "中碳1级" in detail.stdout


def test_grade_command_bad_input(tmp_path: Path) -> None:
    em = write(
        tmp_path / "em.csv", "entity_id,period,total_tco2\nE1,2024,abc\nE1,2024,1\nE2,24,1\n"
    )
    ec = write(
        tmp_path / "ec.csv",
        "entity_id,year,industry_code,value_added_10k_yuan\nE1,2024,17x1,1\nE1,20x4,1711,1\n",
    )
    out = tmp_path / "g.csv"
    r = runner.invoke(app, ["grade", str(em), str(ec), "--out", str(out)])
    assert r.exit_code == 2
    assert f"{em}:2:" in r.stderr and "not a valid number" in r.stderr
    assert f"{em}:4:" in r.stderr and "malformed period" in r.stderr
    assert f"{ec}:2:" in r.stderr and "malformed industry code" in r.stderr
    assert f"{ec}:3:" in r.stderr and "malformed year" in r.stderr
    assert not out.exists()
    dup = write(tmp_path / "dup.csv", "entity_id,period,total_tco2\nE1,2024,1\nE1,2024,2\n")
    r = runner.invoke(app, ["grade", str(dup), str(ec)])
    assert r.exit_code == 2 and "rows 2, 3" in r.stderr and "duplicate row" in r.stderr
    missing = write(tmp_path / "m.csv", "entity_id,year\nE1,2024\n")
    r = runner.invoke(app, ["grade", str(em), str(missing)])
    assert r.exit_code == 2 and "industry_code" in r.stderr
