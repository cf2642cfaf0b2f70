"""The shipped plan targets of the seed documents: every row complete, its figure read from
its own quote; and, where the seed texts are at hand (``CITYCARBON_SEEDS_DIR``, the folder of
``000_….txt`` to ``004_….txt``; they are not part of the project), every quote a verbatim
substring of its document."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest

from citycarbon.data.targets import SUBJECT_TYPES, seed_targets

TARGETS = seed_targets()
ROWS = list(TARGETS.iter_rows(named=True))


def test_every_row_is_complete() -> None:
    assert TARGETS.height >= 80
    assert TARGETS.get_column("target_id").is_unique().all()
    for row in ROWS:
        assert row["subject_type"] in SUBJECT_TYPES, row["target_id"]
        assert row["comparison"] in {"le", "ge", "lt", "approx"}, row["target_id"]
        assert row["source_doc"] in {"000", "001", "002", "003", "004"}, row["target_id"]
        assert row["confidence"] == "C"
        assert 0 < len(row["quote"]) <= 80
        assert row["basic_value"] == row["value"] and row["incentive_value"] is None
        if row["base_year"] is not None:
            assert row["base_year"] < row["target_year"]


def _spelled(value: float) -> list[str]:
    text = f"{abs(value):g}"
    out = [text]
    if abs(value) >= 10_000:
        out.append(f"{abs(value) / 10_000:g}万")
    return out


WORDED = {"hz-no-new-clinker": "不新增", "hz-industrial-co2-peak": "2030年前"}
"""Targets whose figure is a word of the quote rather than a number."""


@pytest.mark.parametrize("row", ROWS, ids=[r["target_id"] for r in ROWS])
def test_each_figure_is_read_from_its_quote(row: dict[str, object]) -> None:
    quote = str(row["quote"])
    if row["target_id"] in WORDED:
        assert WORDED[str(row["target_id"])] in quote
        return
    assert any(s in quote for s in _spelled(float(row["value"]))), (row["value"], quote)  # type: ignore[arg-type]


def test_the_seed_case_target_is_there() -> None:
    row = TARGETS.filter(pl.col("target_id") == "hu-energy-per-gdp-14fyp").row(0, named=True)
    assert (row["base_year"], row["target_year"], row["value"]) == (2020, 2025, -15.5)
    assert "累計下降15.5%" in row["quote"]


SEEDS = os.environ.get("CITYCARBON_SEEDS_DIR", "")


@pytest.mark.skipif(not SEEDS, reason="the seed texts are not part of the project")
def test_each_quote_is_verbatim_in_its_seed() -> None:
    texts = {p.name[:3]: p.read_text(encoding="utf-8") for p in Path(SEEDS).glob("*.txt")}
    missing = [r["target_id"] for r in ROWS if r["quote"] not in texts[r["source_doc"]]]
    assert not missing
