"""A simplified energy balance (能源平衡表) from 205-1 energy records.

Rows are the 205-1 energy codes present (grouped by catalogue category); columns are the
uses the forms tell apart (definitions in ``docs/energy-balance.md``):

- ``supply``: total use reported, all purposes — the balance's supply side, since a 205-1
  balance sees energy only where it is used;
- ``transformation_input``: fuel (purpose ``fuel``) used by enterprises of GB/T 4754
  division 44 (电力、热力生产和供应业) to generate power and heat, electricity and heat
  themselves excepted;
- ``transformation_output``: self-generated electricity (purpose ``self_generated``), the
  only transformation output the forms report; shown, not part of the identity;
- final consumption by sector (``final_*``): the other ``fuel``, ``green_purchase`` and
  ``self_generated`` use, by the sector of the enterprise's division;
- ``non_industrial``: 205-1 非工业生产消费; ``feedstock``: 用作原材料 (non-energy use).

Identity, per code: ``supply = transformation_input + Σ final_* + non_industrial +
feedstock`` (``check_identity``). Quantities are in the code's standard unit; ``in_tce``
multiplies by the catalogue coefficient (electricity at the factor set's method).
"""

from __future__ import annotations

from typing import Final

import polars as pl

from citycarbon import data
from citycarbon.core.factors import FactorSet
from citycarbon.core.schemas import ENERGY_MIX_CATEGORIES, ENERGY_RECORDS, check_schema

METHOD_VERSION: Final = "balance/1"

ENTERPRISES: Final = pl.Schema(
    {"entity_id": pl.String(), "district_code": pl.String(), "industry_code": pl.String()}
)

TRANSFORMATION_DIVISION: Final = "44"
"""GB/T 4754 电力、热力生产和供应业: its fuel is transformation input."""

ENERGY_INTENSIVE_MANUFACTURING: Final = ("25", "26", "30", "31", "32")
"""The energy-intensive manufacturing divisions (六大高耗能行业 less division 44)."""

SECTORS: Final = (
    ("final_mining", "采矿业", "mining (B 06–12)"),
    ("final_intensive", "高耗能制造业", "energy-intensive manufacturing (C 25, 26, 30–32)"),
    ("final_manufacturing_other", "其他制造业", "other manufacturing (C 13–43)"),
    ("final_utilities", "电力热力燃气及水生产和供应业", "utilities (D 44–46)"),
    ("final_other", "其他行业", "other industries"),
)
"""Final-consumption sectors: column, Chinese and English name."""

COLUMNS: Final = (
    ("supply", "供应量（消费合计）", "supply (total use)"),
    ("transformation_input", "加工转换投入（发电供热）", "transformation input (power and heat)"),
    ("transformation_output", "加工转换产出（自发电）", "transformation output (self-generated)"),
    *((c, f"终端消费：{zh}", f"final consumption: {en}") for c, zh, en in SECTORS),
    ("final_total", "终端消费合计", "final consumption, total"),
    ("non_industrial", "非工业生产消费", "non-industrial use"),
    ("feedstock", "用作原材料（非能源用途）", "feedstock (non-energy use)"),
)
"""Value columns in order: name, Chinese header, English header."""

VALUE_COLUMNS: Final = tuple(c for c, _, _ in COLUMNS)

BALANCE: Final = pl.Schema(
    {
        "scope": pl.String(),
        "category": pl.String(),
        "energy_code": pl.String(),
        "name_zh": pl.String(),
        "name_en": pl.String(),
        "unit": pl.String(),
        "unit_zh": pl.String(),
        "tce_per_unit": pl.Float64(),
        **{c: pl.Float64() for c in VALUE_COLUMNS},
    }
)
"""One row per scope (``city`` or a district code) and energy code, in physical units."""


def sector_expr(industry_code: str = "industry_code") -> pl.Expr:
    """The final-consumption sector column of a GB/T 4754 code (any depth, digits only)."""
    div = pl.col(industry_code).str.slice(0, 2).cast(pl.Int32, strict=False)
    return (
        pl.when(div.is_between(6, 12))
        .then(pl.lit("final_mining"))
        .when(pl.col(industry_code).str.slice(0, 2).is_in(ENERGY_INTENSIVE_MANUFACTURING))
        .then(pl.lit("final_intensive"))
        .when(div.is_between(13, 43))
        .then(pl.lit("final_manufacturing_other"))
        .when(div.is_between(44, 46))
        .then(pl.lit("final_utilities"))
        .otherwise(pl.lit("final_other"))
    )


def _column_expr() -> pl.Expr:
    """Where a record goes (``supply`` aside)."""
    purpose = pl.col("purpose").cast(pl.String)
    transform = (
        (purpose == "fuel")
        & (pl.col("industry_code").str.slice(0, 2) == TRANSFORMATION_DIVISION)
        & ~pl.col("energy_code").is_in(["32", "33"])
    )
    return (
        pl.when(purpose == "feedstock")
        .then(pl.lit("feedstock"))
        .when(purpose == "non_industrial")
        .then(pl.lit("non_industrial"))
        .when(transform)
        .then(pl.lit("transformation_input"))
        .otherwise(sector_expr())
    )


def energy_balance(
    records: pl.DataFrame,
    enterprises: pl.DataFrame,
    factors: FactorSet,
    year: int,
) -> pl.DataFrame:
    """The balance of ``year`` for the city and each district (``BALANCE``), in physical
    units; records of any grain within the year count. Enterprises missing from
    ``enterprises`` count in the city only, in sector ``final_other``."""
    check_schema(records, ENERGY_RECORDS, "energy records")
    check_schema(enterprises, ENTERPRISES, "enterprises")
    rows = (
        records.filter(pl.col("period").str.starts_with(str(year)))
        .join(enterprises.select(ENTERPRISES.names()), on="entity_id", how="left")
        .with_columns(
            pl.col("industry_code").fill_null(""),
            _column_expr().alias("column"),
        )
    )
    self_made = (pl.col("purpose").cast(pl.String) == "self_generated").cast(pl.Float64)
    parts = []
    for scope, frame in (
        ("city", rows),
        (None, rows.filter(pl.col("district_code").is_not_null())),
    ):
        keys = ["energy_code"] if scope else ["district_code", "energy_code"]
        long = frame.group_by([*keys, "column"]).agg(pl.col("quantity").sum())
        wide = long.pivot(on="column", index=keys, values="quantity")
        totals = frame.group_by(keys).agg(
            pl.col("quantity").sum().alias("supply"),
            (pl.col("quantity") * self_made).sum().alias("transformation_output"),
        )
        out = totals.join(wide, on=keys, how="left")
        out = out.with_columns(
            pl.lit(scope).alias("scope") if scope else pl.col("district_code").alias("scope")
        )
        parts.append(out)
    sectors = [c for c, _, _ in SECTORS]
    combined = pl.concat(parts, how="diagonal_relaxed")
    for c in VALUE_COLUMNS:
        if c not in combined.columns:
            combined = combined.with_columns(pl.lit(0.0).alias(c))
    combined = combined.with_columns(
        pl.col(c).fill_null(0.0).cast(pl.Float64) for c in VALUE_COLUMNS
    ).with_columns(pl.sum_horizontal(sectors).alias("final_total"))
    catalogue = data.energy_catalogue().select("energy_code", "name_zh", "name_en", "unit_zh")
    coeff = factors.energy.select("energy_code", "unit", "category", "tce_per_unit")
    order = {c: i for i, c in enumerate(ENERGY_MIX_CATEGORIES)}
    return (
        combined.join(coeff, on="energy_code", how="left")
        .join(catalogue, on="energy_code", how="left")
        .with_columns(
            (pl.col("scope") != "city").alias("_district"),
            pl.col("category").replace_strict(order, default=len(order)).alias("_cat"),
        )
        .sort("_district", "scope", "_cat", "energy_code")
        .select(BALANCE.names())
    )


def in_tce(balance: pl.DataFrame) -> pl.DataFrame:
    """The balance with every value column in tonnes of standard coal (× ``tce_per_unit``)."""
    check_schema(balance, BALANCE, "balance")
    return balance.with_columns(
        (pl.col(c) * pl.col("tce_per_unit")).alias(c) for c in VALUE_COLUMNS
    ).with_columns(pl.lit("tce").alias("unit"), pl.lit("吨标准煤").alias("unit_zh"))


def category_totals(balance_tce: pl.DataFrame) -> pl.DataFrame:
    """Per scope, a subtotal row per category and a ``total`` row (``energy_code`` "")."""
    sums = [pl.col(c).sum() for c in VALUE_COLUMNS]
    by_cat = balance_tce.group_by("scope", "category", maintain_order=True).agg(sums)
    total = balance_tce.group_by("scope", maintain_order=True).agg(sums)
    return pl.concat(
        [by_cat, total.with_columns(pl.lit("total").alias("category"))], how="diagonal"
    ).select("scope", "category", *VALUE_COLUMNS)


def check_identity(balance: pl.DataFrame, rel: float = 1e-9) -> pl.DataFrame:
    """Rows where supply differs from transformation input + final + non-industrial +
    feedstock by more than ``rel`` of supply (empty when the balance closes)."""
    used = (
        pl.col("transformation_input")
        + pl.col("final_total")
        + pl.col("non_industrial")
        + pl.col("feedstock")
    )
    gap = (pl.col("supply") - used).abs()
    return balance.filter(gap > rel * pl.max_horizontal(pl.col("supply").abs(), pl.lit(1.0)))
