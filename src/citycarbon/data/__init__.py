"""Shipped reference data: the 205-1 energy catalogue, fuel parameters, grid factors, factor sets.

Every table is a CSV file beside this module. Rows carry ``source``, ``year`` and
``confidence`` (C confirmed, S secondary, I placeholder), the marks of the project's
methods reference. Loaders return fresh Polars frames; the files are read once per process.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Literal

import polars as pl

__all__ = [
    "benchmark_rules",
    "building_grades",
    "carbon_efficiency_thresholds",
    "electricity_factors",
    "energy_catalogue",
    "factor_set_definitions",
    "fuel_parameters",
    "industries",
    "industry_name",
    "industry_names",
    "list_rules",
    "parameters",
    "quantity_bounds",
    "read_table",
    "reading_bounds",
    "unit_aliases",
]


@cache
def read_table(name: str) -> pl.DataFrame:
    """Read ``NAME.csv`` shipped in this package, every column as text unless typed below."""
    ref = resources.files(__package__).joinpath(f"{name}.csv")
    return pl.read_csv(ref.read_bytes(), infer_schema=False)


def energy_catalogue() -> pl.DataFrame:
    """The energy items of statistical form 205-1 with standard units and tce coefficients."""
    return read_table("energy_catalogue").with_columns(
        pl.col("tce_per_unit").cast(pl.Float64),
        pl.col("renewable") == "true",
        pl.col("year").cast(pl.Int32),
    )


def fuel_parameters() -> pl.DataFrame:
    """Combustion parameters (NCV, carbon content, oxidation rate) per guideline vintage."""
    return read_table("fuel_parameters").with_columns(
        pl.col("ncv_gj_per_unit", "carbon_content_tc_per_gj", "oxidation_rate").cast(pl.Float64),
        pl.col("year").cast(pl.Int32),
    )


def electricity_factors() -> pl.DataFrame:
    """Published grid electricity CO2 factors by data year, region and variant."""
    return read_table("electricity_factors").with_columns(
        pl.col("tco2_per_mwh").cast(pl.Float64),
        pl.col("data_year").cast(pl.Int32),
    )


def parameters() -> pl.DataFrame:
    """Single-valued parameters (heat factor, electricity tce coefficients, ...)."""
    return read_table("parameters").with_columns(pl.col("value").cast(pl.Float64))


def factor_set_definitions() -> pl.DataFrame:
    """Named factor sets: which fuel vintage, grid factor and heat factor each one binds."""
    return read_table("factor_sets")


def unit_aliases() -> pl.DataFrame:
    """Unit spellings accepted on input, each mapped to a standard unit and a multiplier."""
    return read_table("units").with_columns(pl.col("multiplier").cast(pl.Float64))


def carbon_efficiency_thresholds() -> pl.DataFrame:
    """Level (碳效水平) and grade (碳效等级) bounds per scheme; each bound is inclusive."""
    return read_table("carbon_efficiency_thresholds").with_columns(
        pl.col("upper_bound").cast(pl.Float64)
    )


def benchmark_rules() -> dict[tuple[str, str], float]:
    """Thresholds of the benchmark lists, keyed by ``(rule, parameter)``."""
    table = read_table("benchmark_rules").with_columns(pl.col("value").cast(pl.Float64))
    return {(r, p): v for r, p, v in table.select("rule", "parameter", "value").iter_rows()}


def list_rules(rule: str) -> tuple[str, dict[str, float]]:
    """The version and parameters of one benchmark-list rule of ``list_rules.csv``.

    A rule has one version in the file; a new version replaces the rows of the old one.
    """
    table = read_table("list_rules").filter(pl.col("rule") == rule)
    versions = table.get_column("version").unique().to_list()
    if len(versions) != 1:
        msg = f"list rule {rule!r}: expected one version, found {sorted(versions)}"
        raise ValueError(msg)
    params = table.select("parameter", pl.col("value").cast(pl.Float64))
    return versions[0], dict(params.iter_rows())


def building_grades() -> pl.DataFrame:
    """Public-building grade bounds: fixed kgCO2/m² per type, or percentiles of peers."""
    return read_table("building_grades").with_columns(
        pl.col("upper_bound_kgco2_per_m2", "upper_percentile").cast(pl.Float64)
    )


def quantity_bounds() -> pl.DataFrame:
    """Largest plausible quantity of one record per 205-1 code, in the code's standard unit."""
    return read_table("quantity_bounds").with_columns(pl.col("max_quantity").cast(pl.Float64))


def reading_bounds() -> pl.DataFrame:
    """Largest plausible kWh of one electricity reading per grain (month, day, 15min)."""
    return read_table("reading_bounds").with_columns(pl.col("max_kwh").cast(pl.Float64))


INDUSTRY_LEVELS = {"section": 1, "division": 2, "group": 3, "class": 4}
"""GB/T 4754 levels: 门类 (a letter), 大类 (2 digits), 中类 (3), 小类 (4)."""


def industries() -> pl.DataFrame:
    """GB/T 4754-2017 (国民经济行业分类): the 20 sections A–T, the 97 divisions 01–97 and the
    groups and classes the project uses, with ``level``, the ``section`` letter, Chinese and
    English names."""
    return read_table("industries").with_columns(pl.col("year").cast(pl.Int32))


@cache
def industry_names(language: Literal["zh", "en"] = "zh") -> Mapping[str, str]:
    """Shipped names by code (sections by their letter); English falls back to Chinese."""
    table = industries()
    names = table.select("code", pl.col(f"name_{language}").fill_null(pl.col("name_zh")))
    return dict(names.iter_rows())


@cache
def _division_sections() -> Mapping[str, str]:
    divisions = industries().filter(pl.col("level") == "division")
    return dict(divisions.select("code", "section").iter_rows())


def industry_name(
    code: str | None, language: Literal["zh", "en"] = "zh", names: Mapping[str, str] | None = None
) -> str | None:
    """The name of a GB/T 4754 code (``2614``, ``C2614``, ``261``, ``26`` or ``C``), falling
    back class → group → division → section when the code itself is not known; ``names``
    (for example a city's own list) is tried before the shipped names at every level.
    ``None`` for an empty code or one whose division is not in the standard."""
    if not code:
        return None
    code = code.strip().upper()
    shipped = industry_names(language)
    if code[:1].isalpha():
        if len(code) == 1:
            return (names or {}).get(code) or shipped.get(code)
        code = code[1:]
    for digits in (4, 3, 2):
        if len(code) >= digits:
            prefix = code[:digits]
            found = (names or {}).get(prefix) or shipped.get(prefix)
            if found:
                return found
    section = _division_sections().get(code[:2])
    return shipped.get(section) if section else None
