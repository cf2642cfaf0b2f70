"""Files that onboard a city: its districts, its enterprises and their yearly economics.

Each reader checks what the file alone can tell (formats, check characters, duplicates)
and returns the good rows, still carrying their line number in ``row``, with the errors of
the others; what the platform must already hold (districts, enterprises) the import
actions check.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Final

import polars as pl

from citycarbon.core.ids import make_uscc, valid_uscc
from citycarbon.io.csvtable import read_whole
from citycarbon.io.errors import ERROR_SCHEMA, RowError, errors_from_frame
from citycarbon.io.grading_inputs import (
    INDUSTRY_PATTERN,
    Check,
    economics_rows,
    finish_checks,
    industry_digits,
    number,
)

Progress = Callable[[int, int], None]

DISTRICT_PATTERN: Final = r"^[1-9][0-9]{5}$"
"""A GB/T 2260 county-level code: six digits."""
REGIONS_REQUIRED: Final = ("district_code", "name")
REGIONS_OPTIONAL: Final = ("name_en", "parent_code")
ENTERPRISES_REQUIRED: Final = ("entity_id", "uscc", "name", "district_code", "industry_code")
ENTERPRISES_OPTIONAL: Final = ("address", "key_energy_user")
ECONOMICS_IMPORT_OPTIONAL: Final = ("gross_output_10k_yuan",)
TRUE_WORDS: Final = frozenset({"1", "true", "yes", "y", "是"})
FALSE_WORDS: Final = frozenset({"0", "false", "no", "n", "否"})


def _trimmed(frame: pl.DataFrame, columns: tuple[str, ...]) -> pl.DataFrame:
    return frame.with_columns(
        pl.col(c).str.strip_chars().fill_null("") for c in columns if c in frame.columns
    )


def _duplicates(frame: pl.DataFrame, key: str) -> pl.DataFrame:
    """Rows whose non-empty ``key`` repeats in the file, each naming the rows it shares."""
    dup = frame.filter((pl.col(key) != "") & (pl.len().over(key) > 1))
    return dup.select(
        "row",
        pl.lit(key).alias("column"),
        pl.col(key).alias("value"),
        pl.lit("duplicate_row").alias("code"),
        pl.concat_str(
            pl.lit("rows "), pl.col("row").cast(pl.String).str.join(", ").over(key)
        ).alias("detail"),
    ).cast(dict(ERROR_SCHEMA))  # type: ignore[arg-type]


def _refuse_duplicates(
    valid: pl.DataFrame, errors: pl.DataFrame, key: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    dup = _duplicates(valid, key)
    return valid.filter(~pl.col("row").is_in(dup["row"].implode())), pl.concat([errors, dup])


def read_regions(
    path: Path, encoding: str | None = None, progress: Progress | None = None
) -> tuple[pl.DataFrame, list[RowError]]:
    """``row, district_code, name, name_en, parent_code`` (empty strings when not given)."""
    raw = _trimmed(
        read_whole(path, REGIONS_REQUIRED, REGIONS_OPTIONAL, encoding, progress),
        (*REGIONS_REQUIRED, *REGIONS_OPTIONAL),
    )
    raw = raw.with_columns(pl.lit("").alias(c) for c in REGIONS_OPTIONAL if c not in raw.columns)
    checks: list[Check] = [
        (~pl.col("district_code").str.contains(DISTRICT_PATTERN), "district_code", "bad_district"),
        (pl.col("name") == "", "name", "empty_name"),
        (
            (pl.col("parent_code") != "") & ~pl.col("parent_code").str.contains(DISTRICT_PATTERN),
            "parent_code",
            "bad_district",
        ),
    ]
    valid, errors = finish_checks(raw, checks, ["district_code"])
    out = valid.select("row", "district_code", "name", "name_en", "parent_code")
    return out, errors_from_frame(str(path), errors)


def read_enterprises(
    path: Path, encoding: str | None = None, progress: Progress | None = None
) -> tuple[pl.DataFrame, list[RowError]]:
    """``row, entity_id, uscc, name, district_code, industry_code`` (digits, as stored) and the
    optional ``address`` and ``key_energy_user`` (boolean) when the file has them."""
    raw = read_whole(path, ENTERPRISES_REQUIRED, ENTERPRISES_OPTIONAL, encoding, progress)
    raw = _trimmed(raw, (*ENTERPRISES_REQUIRED, *ENTERPRISES_OPTIONAL)).with_columns(
        pl.col("uscc").str.to_uppercase(), pl.col("industry_code").str.to_uppercase()
    )
    uscc_ok = valid_uscc(pl.col("uscc"))
    checks: list[Check] = [
        (pl.col("entity_id") == "", "entity_id", "empty_entity"),
        (~uscc_ok, "uscc", "bad_uscc"),
        (pl.col("name") == "", "name", "empty_name"),
        (~pl.col("district_code").str.contains(DISTRICT_PATTERN), "district_code", "bad_district"),
        (~pl.col("industry_code").str.contains(INDUSTRY_PATTERN), "industry_code", "bad_industry"),
    ]
    if "key_energy_user" in raw.columns:
        word = pl.col("key_energy_user").str.to_lowercase()
        known = word.is_in(sorted(TRUE_WORDS | FALSE_WORDS)) | (word == "")
        checks.append((~known, "key_energy_user", "bad_flag"))
    valid, errors = finish_checks(raw, checks, ["entity_id"])
    valid, errors = _refuse_duplicates(valid, errors, "uscc")
    extra = []
    if "address" in valid.columns:
        extra.append(pl.col("address"))
    if "key_energy_user" in valid.columns:
        extra.append(pl.col("key_energy_user").str.to_lowercase().is_in(sorted(TRUE_WORDS)))
    out = valid.select(
        "row",
        "entity_id",
        "uscc",
        "name",
        "district_code",
        industry_digits().alias("industry_code"),
        *extra,
    )
    return out, errors_from_frame(str(path), errors)


def read_economics_import(
    path: Path, encoding: str | None = None, progress: Progress | None = None
) -> tuple[pl.DataFrame, list[RowError]]:
    """``row, entity_id, year, industry_code, value_added_10k_yuan`` and, when the file has
    it, ``gross_output_10k_yuan``, checked as ``citycarbon grade`` checks its economics (an
    empty value added is kept)."""
    valid, errors = economics_rows(path, encoding, ECONOMICS_IMPORT_OPTIONAL, progress)
    gross = [number(c)[0].alias(c) for c in ECONOMICS_IMPORT_OPTIONAL if c in valid.columns]
    out = valid.select(
        "row",
        "entity_id",
        pl.col("year").cast(pl.Int32),
        industry_digits().alias("industry_code"),
        number("value_added_10k_yuan")[0].alias("value_added_10k_yuan"),
        *gross,
    )
    return out, errors_from_frame(str(path), errors)


# --- templates: the header and one example row of each file ---------------------------------

EXAMPLE_USCC: Final = make_uscc("330102", 1)
TEMPLATES: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "regions": (
        (*REGIONS_REQUIRED, *REGIONS_OPTIONAL),
        ("330102", "上城区", "Shangcheng District", "330100"),
    ),
    "enterprises": (
        (*ENTERPRISES_REQUIRED, *ENTERPRISES_OPTIONAL),
        ("E0001", EXAMPLE_USCC, "示例纺织有限公司", "330102", "C1711", "示例路 1 号", "否"),
    ),
    "economics": (
        ("entity_id", "year", "industry_code", "value_added_10k_yuan", "gross_output_10k_yuan"),
        ("E0001", "2025", "C1711", "1200.5", "5000"),
    ),
}
"""Each kind's columns (required first) and an example row; the examples refer to each
other, so the three templates import in order (districts, enterprises, economics)."""


def template_csv(kind: str) -> bytes:
    """The template of ``kind`` as a file: UTF-8 with a BOM (which spreadsheet programs set
    to GBK open as UTF-8), the header and the example row, CRLF line ends."""
    header, example = TEMPLATES[kind]
    lines = [",".join(header), ",".join(example)]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")
