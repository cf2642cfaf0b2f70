"""The canonical energy CSV: ``entity_id,period,energy_code,quantity[,unit][,purpose]``.

Each chunk of the file is parsed as text and checked with vectorised rules; rows that pass
are converted to the standard unit of their 205-1 code and returned in the
``ENERGY_RECORDS`` schema, rows that fail are returned as errors naming row and column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import numpy as np
import polars as pl

from citycarbon import data
from citycarbon.core.periods import GRAIN_RANK, PERIOD_PATTERN, Grain, grain_rank_expr
from citycarbon.core.schemas import PURPOSES, Purpose
from citycarbon.io.csvtable import error_rows, parse_chunk
from citycarbon.io.errors import ERROR_SCHEMA, with_reasons
from citycarbon.io.numbers import number_checks, quantity_bounds
from citycarbon.io.textfile import TextFile

REQUIRED_COLUMNS: Final = ("entity_id", "period", "energy_code", "quantity")
OPTIONAL_COLUMNS: Final = ("unit", "purpose")
KEY_COLUMNS: Final = ("entity_id", "period", "energy_code", "purpose")


@dataclass(frozen=True)
class Reference:
    """The catalogue and unit tables the checks need, prepared once per run."""

    catalogue: pl.DataFrame = field(
        default_factory=lambda: data.energy_catalogue().select(
            "energy_code",
            pl.col("unit").alias("_std_unit"),
            pl.col("carbon_method").alias("_method"),
        )
    )
    units: pl.DataFrame = field(
        default_factory=lambda: data.unit_aliases().select(
            pl.col("alias").str.to_lowercase().alias("_unit_key"),
            pl.col("unit").alias("_alias_unit"),
            pl.col("multiplier").alias("_multiplier"),
        )
    )
    bounds: pl.DataFrame = field(default_factory=quantity_bounds)


def validate(
    frame: pl.DataFrame, grain: Grain, ref: Reference
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split parsed rows into valid records (``ENERGY_RECORDS`` + ``row``) and errors."""
    s = pl.col
    if "unit" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, pl.String).alias("unit"))
    if "purpose" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, pl.String).alias("purpose"))
    code = s("energy_code").str.strip_chars()
    frame = frame.with_columns(
        s("entity_id").str.strip_chars().fill_null(""),
        s("period").str.strip_chars().fill_null(""),
        pl.when(code.str.contains(r"^[0-9]$"))
        .then(pl.lit("0") + code)
        .otherwise(code)
        .fill_null("")
        .alias("energy_code"),
        s("quantity").str.strip_chars().fill_null(""),
        s("unit").str.strip_chars().fill_null(""),
        s("purpose").str.strip_chars().str.to_lowercase().fill_null(""),
    ).with_columns(
        pl.when(s("purpose") == "").then(pl.lit("fuel")).otherwise(s("purpose")).alias("purpose"),
        s("quantity").cast(pl.Float64, strict=False).alias("_q"),
        s("unit").str.to_lowercase().str.replace_all(r"\s+", "").alias("_unit_key"),
    )
    frame = (
        frame.join(ref.catalogue, on="energy_code", how="left", maintain_order="left")
        .join(ref.units, on="_unit_key", how="left", maintain_order="left")
        .join(ref.bounds, on="energy_code", how="left", maintain_order="left")
    )
    period_ok = s("period").str.contains(PERIOD_PATTERN)
    known_code = s("_std_unit").is_not_null()
    unit_given = s("unit") != ""
    q_given = s("quantity") != ""
    is_number = s("_q").is_not_null() & s("_q").is_finite()
    standard_q = s("_q") * pl.when(unit_given).then(s("_multiplier")).otherwise(1.0)
    known_purpose = s("purpose").is_in(list(PURPOSES))
    electric = s("_method") == "electricity"
    purpose_ok = (
        s("purpose").is_in(["fuel", "non_industrial"])
        | ((s("purpose") == "feedstock") & ~s("_method").is_in(["electricity", "heat"]))
        | (s("purpose").is_in(["green_purchase", "self_generated"]) & electric)
    )
    checks = [
        (s("entity_id") == "", "entity_id", "empty_entity", pl.lit(None)),
        (~period_ok, "period", "bad_period", pl.lit(None)),
        (
            period_ok & (grain_rank_expr() > GRAIN_RANK[grain]),
            "period",
            "coarse_period",
            pl.lit(grain),
        ),
        (~known_code, "energy_code", "unknown_code", pl.lit(None)),
        (unit_given & s("_alias_unit").is_null(), "unit", "unknown_unit", pl.lit(None)),
        (
            known_code
            & unit_given
            & s("_alias_unit").is_not_null()
            & (s("_alias_unit") != s("_std_unit")),
            "unit",
            "unit_mismatch",
            s("_std_unit"),
        ),
        (~q_given, "quantity", "missing_quantity", pl.lit(None)),
        (q_given & ~is_number, "quantity", "not_number", pl.lit(None)),
        *number_checks("quantity", s("quantity"), standard_q, s("_max_quantity"), s("_std_unit")),
        (is_number & (s("_q") < 0), "quantity", "negative", pl.lit(None)),
        (~known_purpose, "purpose", "bad_purpose", pl.lit(None)),
        (known_code & known_purpose & ~purpose_ok, "purpose", "purpose_not_allowed", pl.lit(None)),
    ]
    errors = pl.concat(
        [error_rows(frame, cond, col, code_, detail) for cond, col, code_, detail in checks]
    )
    bad_rows = errors.get_column("row").unique()
    valid = frame.filter(~s("row").is_in(bad_rows.implode())).select(
        "row",
        "entity_id",
        "period",
        "energy_code",
        standard_q.alias("quantity"),
        s("purpose").cast(Purpose),
    )
    return valid, errors.cast(dict(ERROR_SCHEMA))  # type: ignore[arg-type]


def key_hash() -> pl.Expr:
    """A 64-bit hash of the natural key, for finding duplicate candidates across chunks."""
    return pl.struct(*KEY_COLUMNS).hash(seed=0x5EED).alias("key_hash")


def confirm_duplicates(
    text: TextFile,
    hashes: list[np.ndarray],
    grain: Grain,
    ref: Reference,
    columns: tuple[str, ...],
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Duplicate keys among the valid rows of ``text``, given the key hashes of those rows
    (``key_hash``) chunk by chunk: ``(errors, rejected rows with reasons, duplicate records)``.

    Sorting the hashes in place keeps memory at 8 bytes a row; equal neighbours are only
    candidates, confirmed on the real keys in a second read (a 64-bit hash can collide)."""
    all_hashes = np.concatenate(hashes) if hashes else np.empty(0, dtype=np.uint64)
    hashes.clear()
    all_hashes.sort()
    suspects = np.unique(all_hashes[1:][all_hashes[1:] == all_hashes[:-1]])
    del all_hashes
    if suspects.size == 0:
        return pl.DataFrame(schema=ERROR_SCHEMA), pl.DataFrame(), pl.DataFrame()

    suspect_set = pl.Series("key_hash", suspects).implode()
    candidates: list[pl.DataFrame] = []
    originals: list[pl.DataFrame] = []
    for header, chunk in text.chunks():
        parsed = parse_chunk(header, chunk, text.name, columns)
        valid, _ = validate(parsed, grain, ref)
        hit = valid.filter(key_hash().is_in(suspect_set))
        if not hit.is_empty():
            candidates.append(hit)
            originals.append(parsed.filter(pl.col("row").is_in(hit.get_column("row").implode())))
    found = pl.concat(candidates)
    groups = (
        found.group_by(KEY_COLUMNS)
        .agg(pl.col("row").sort().alias("_rows"))
        .filter(pl.col("_rows").list.len() > 1)
    )
    dup = (
        groups.explode("_rows")
        .rename({"_rows": "row"})
        .join(groups.select(*KEY_COLUMNS, "_rows"), on=KEY_COLUMNS)
    )
    errors = dup.select(
        "row",
        pl.lit("entity_id").alias("column"),
        pl.concat_str(KEY_COLUMNS, separator="|").alias("value"),
        pl.lit("duplicate_key").alias("code"),
        pl.concat_str(
            pl.lit("rows "), pl.col("_rows").cast(pl.List(pl.String)).list.join(", ")
        ).alias("detail"),
    ).cast(dict(ERROR_SCHEMA))  # type: ignore[arg-type]
    if errors.is_empty():
        return errors, pl.DataFrame(), dup
    rejected = with_reasons(
        pl.concat(originals, how="diagonal_relaxed").filter(
            pl.col("row").is_in(errors.get_column("row").implode())
        ),
        errors,
    )
    return errors, rejected, dup
