"""GB/T 4754-2017 industry names: the shipped sections, divisions and classes and the lookup."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from citycarbon import data

# The division ranges of each section in GB/T 4754-2017.
SECTIONS = {
    "A": (1, 5), "B": (6, 12), "C": (13, 43), "D": (44, 46), "E": (47, 50), "F": (51, 52),
    "G": (53, 60), "H": (61, 62), "I": (63, 65), "J": (66, 69), "K": (70, 70), "L": (71, 72),
    "M": (73, 75), "N": (76, 79), "O": (80, 82), "P": (83, 83), "Q": (84, 85), "R": (86, 90),
    "S": (91, 96), "T": (97, 97),
}  # fmt: skip


def test_twenty_sections_and_ninety_seven_divisions() -> None:
    table = data.industries()
    sections = table.filter(pl.col("level") == "section")
    divisions = table.filter(pl.col("level") == "division")
    assert sections.get_column("code").to_list() == list("ABCDEFGHIJKLMNOPQRST")
    assert divisions.height == 97
    assert divisions.get_column("code").to_list() == [f"{d:02d}" for d in range(1, 98)]
    for code, section in divisions.select("code", "section").iter_rows():
        low, high = SECTIONS[section]
        assert low <= int(code) <= high, code
    assert table.get_column("code").is_unique().all()


def test_every_row_has_names_a_source_and_a_confidence() -> None:
    table = data.industries()
    for column in ("name_zh", "name_en", "source", "confidence", "confidence_en"):
        assert table.get_column(column).is_not_null().all(), column
        assert (table.get_column(column) != "").all(), column
    assert set(table.get_column("confidence")) <= {"C", "S", "I"}
    assert set(table.get_column("level")) <= set(data.INDUSTRY_LEVELS)
    lengths = table.select(pl.col("code").str.len_chars(), "level").iter_rows()
    assert all(n == (1 if lv == "section" else data.INDUSTRY_LEVELS[lv]) for n, lv in lengths)


def test_known_names() -> None:
    assert data.industry_name("C") == "制造业"
    assert data.industry_name("26") == "化学原料和化学制品制造业"
    assert data.industry_name("44") == "电力、热力生产和供应业"
    assert data.industry_name("97") == "国际组织"
    assert data.industry_name("T", "en") == "International organisations"


def test_demo_classes_keep_their_names_and_every_one_is_shipped() -> None:
    demo = data.read_table("demo_industries").get_column("industry_code").to_list()
    classes = data.industries().filter(pl.col("level") == "class")
    assert sorted(demo) == sorted(classes.get_column("code").to_list())
    assert data.industry_name("2614") == "有机化学原料制造"
    assert data.industry_name("C2614", "en") == "organic chemical raw materials"


def test_lookup_falls_back_class_group_division() -> None:
    assert data.industry_name("2699") == "化学原料和化学制品制造业"  # class not shipped
    assert data.industry_name("261") == "化学原料和化学制品制造业"  # group not shipped
    city = {"261": "基础化学原料制造"}
    assert data.industry_name("2619", names=city) == "基础化学原料制造"
    assert data.industry_name("2614", names=city) == "有机化学原料制造"
    assert data.industry_name("98") is None
    assert data.industry_name("") is None
    assert data.industry_name(None) is None


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_division_without_a_name_falls_back_to_its_section(
    language: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = dict(data.industry_names(language))  # type: ignore[arg-type]
    del shipped["26"]
    monkeypatch.setattr(data, "industry_names", lambda _language="zh": shipped)
    assert data.industry_name("2699", language) == shipped["C"]  # type: ignore[arg-type]


@given(st.integers(1, 97), st.integers(0, 99), st.sampled_from(["", "C", "c"]))
def test_every_code_under_a_division_has_a_name(division: int, tail: int, letter: str) -> None:
    code = f"{letter}{division:02d}{tail:02d}"
    assert data.industry_name(code)
    assert data.industry_name(code, "en")
