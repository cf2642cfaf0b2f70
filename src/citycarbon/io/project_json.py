"""Inputs of ``citycarbon assess``: a project file (JSON) and an optional benchmarks file (the
output of ``citycarbon grade``), checked key by key.

Every problem is a ``RowError`` naming the key (``energy[2].quantity``) and the reason in
Chinese and English. The energy plan goes through the same row checks as the energy CSV
(``io.energy_csv.validate``): codes, units, quantities, bounds and purposes.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Final

import polars as pl

from citycarbon.core.assessment import PROJECT_TYPES, Project, Technology
from citycarbon.io.csvtable import read_whole
from citycarbon.io.energy_csv import Reference, validate
from citycarbon.io.errors import RowError, errors_from_frame
from citycarbon.io.grading_inputs import (
    INDUSTRY_PATTERN,
    MIN_VALUE_ADDED_10K_YUAN,
    finish_checks,
    number,
    number_checks,
)
from citycarbon.io.numbers import MAX_BOUND

MAX_PROJECT_BYTES: Final = 4 * 1024 * 1024
"""A project file is a few kilobytes; anything above this is refused unread."""
PLAN_PERIOD: Final = "2000"
"""The period the energy plan's records carry inside the accounting (one year, any year: the
figures do not depend on it and it is never reported)."""
REQUIRED_KEYS: Final = (
    "project_id",
    "name",
    "project_type",
    "district_code",
    "industry_code",
    "value_added_10k_yuan",
    "gross_output_10k_yuan",
    "energy",
)
BENCHMARK_COLUMNS: Final = ("year", "industry_code", "industry_avg_intensity")


class _Errors:
    def __init__(self, file: str) -> None:
        self.file = file
        self.found: list[RowError] = []

    def add(self, key: str, code: str, value: object = "", detail: str = "") -> None:
        text = "" if value is None else str(value)
        self.found.append(RowError(self.file, 0, key, code, value=text, detail=detail))


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _text(doc: dict[str, object], key: str, errors: _Errors) -> str:
    value = doc.get(key)
    if not isinstance(value, str):
        errors.add(key, "wrong_type", value, "string / 字符串")
        return ""
    if not value.strip():
        errors.add(key, "empty_value")
    return value.strip()


def _amount(
    value: object, key: str, errors: _Errors, *, positive: bool, least: float = 0.0
) -> float:
    if not _is_number(value):
        errors.add(key, "wrong_type", value, "number / 数值")
        return 0.0
    x = float(value)  # type: ignore[arg-type]
    if not math.isfinite(x):
        errors.add(key, "not_number_value", value)
    elif abs(x) > MAX_BOUND:
        errors.add(key, "over_bound", value, f"> {MAX_BOUND:g}")
    elif x < 0:
        errors.add(key, "negative_value", value)
    elif positive and x < least:
        small = "value_added_too_small" if key == "value_added_10k_yuan" else "not_positive"
        errors.add(key, small, value, f"≥ {least:g}")
    else:
        return x
    return 0.0


def _energy(items: object, entity: str, errors: _Errors) -> pl.DataFrame | None:
    if not isinstance(items, list):
        errors.add("energy", "wrong_type", "", "list / 列表")
        return None
    if not items:
        errors.add("energy", "empty_energy")
        return None
    rows: list[dict[str, str | int | None]] = []
    for i, item in enumerate(items):
        key = f"energy[{i}]"
        if not isinstance(item, dict):
            errors.add(key, "wrong_type", "", "object / 对象")
            continue
        row: dict[str, str | int | None] = {"row": i, "entity_id": entity, "period": PLAN_PERIOD}
        ok = True
        for col in ("energy_code", "quantity", "unit", "purpose"):
            value = item.get(col)
            if value is None:
                if col in ("energy_code", "quantity"):
                    errors.add(f"{key}.{col}", "missing_key")
                    ok = False
                row[col] = None
            elif col == "quantity" and _is_number(value):
                row[col] = repr(float(value)) if isinstance(value, float) else str(value)
            elif isinstance(value, str):
                row[col] = value
            else:
                errors.add(f"{key}.{col}", "wrong_type", value, "string / 字符串")
                ok = False
        if ok:
            rows.append(row)
    if not rows:
        return None
    frame = pl.DataFrame(
        rows,
        schema={
            "row": pl.Int64,
            "entity_id": pl.String,
            "period": pl.String,
            "energy_code": pl.String,
            "quantity": pl.String,
            "unit": pl.String,
            "purpose": pl.String,
        },
    )
    valid, problems = validate(frame, "year", Reference())
    for row, column, value, code, detail in problems.sort("row", "column").iter_rows():
        errors.add(f"energy[{row}].{column}", code, value or "", detail or "")
    keys = ["energy_code", "purpose"]
    dup = valid.filter(pl.len().over(keys) > 1)
    for row, code_, purpose in dup.select("row", "energy_code", "purpose").iter_rows():
        errors.add(f"energy[{row}].energy_code", "duplicate_row", f"{code_}|{purpose}")
    return valid if problems.is_empty() and dup.is_empty() else None


def _technologies(items: object, errors: _Errors) -> tuple[Technology, ...]:
    if items is None:
        return ()
    if not isinstance(items, list):
        errors.add("technologies", "wrong_type", "", "list / 列表")
        return ()
    found = []
    for i, item in enumerate(items):
        key = f"technologies[{i}]"
        if not isinstance(item, dict):
            errors.add(key, "wrong_type", "", "object / 对象")
            continue
        if "name" not in item or "reduction_tco2" not in item:
            for k in ("name", "reduction_tco2"):
                if k not in item:
                    errors.add(f"{key}.{k}", "missing_key")
            continue
        name = item["name"]
        if not isinstance(name, str) or not name.strip():
            errors.add(f"{key}.name", "wrong_type" if not isinstance(name, str) else "empty_value")
            continue
        n = len(errors.found)
        reduction = _amount(item["reduction_tco2"], f"{key}.reduction_tco2", errors, positive=False)
        if len(errors.found) == n:
            found.append(Technology(name.strip(), reduction))
    return tuple(found)


def _decode(path: Path, errors: _Errors) -> object:
    size = path.stat().st_size
    if size > MAX_PROJECT_BYTES:
        errors.add("", "file_too_large", "", f"> {MAX_PROJECT_BYTES} bytes")
        return None

    def refuse_constant(name: str) -> float:
        raise ValueError(name)

    try:
        return json.loads(path.read_bytes().decode("utf-8-sig"), parse_constant=refuse_constant)
    except UnicodeDecodeError:
        errors.add("", "encoding")
    except (json.JSONDecodeError, ValueError, RecursionError) as exc:
        errors.add("", "not_json", "", str(exc).splitlines()[0] if str(exc) else "")
    return None


def read_project(path: Path) -> tuple[Project | None, list[RowError]]:
    """The project of ``path`` (``None`` with the errors when any key fails its check)."""
    errors = _Errors(str(path))
    doc = _decode(path, errors)
    if errors.found:
        return None, errors.found
    if not isinstance(doc, dict):
        errors.add("", "wrong_type", "", "object / 对象")
        return None, errors.found
    for key in REQUIRED_KEYS:
        if key not in doc:
            errors.add(key, "missing_key")
    if errors.found:
        return None, errors.found
    project_id = _text(doc, "project_id", errors)
    name = _text(doc, "name", errors)
    project_type = _text(doc, "project_type", errors)
    if project_type and project_type not in PROJECT_TYPES:
        errors.add("project_type", "bad_project_type", project_type)
    district = _text(doc, "district_code", errors)
    if district and not pl.Series([district]).str.contains(r"^[0-9]{6}$").item():
        errors.add("district_code", "bad_district", district)
    industry = _text(doc, "industry_code", errors)
    if industry and not pl.Series([industry]).str.contains(INDUSTRY_PATTERN).item():
        errors.add("industry_code", "bad_industry", industry)
    va, go = (
        _amount(doc[k], k, errors, positive=True, least=MIN_VALUE_ADDED_10K_YUAN)
        for k in ("value_added_10k_yuan", "gross_output_10k_yuan")
    )
    process = doc.get("process_emissions_tco2")
    process_tco2 = (
        0.0
        if process is None
        else _amount(process, "process_emissions_tco2", errors, positive=False)
    )
    technologies = _technologies(doc.get("technologies"), errors)
    energy = _energy(doc["energy"], project_id or "project", errors)
    if errors.found or energy is None:
        return None, errors.found
    project = Project(
        project_id=project_id,
        name=name,
        project_type=project_type,  # type: ignore[arg-type]
        district_code=district,
        industry_code=industry,
        value_added_10k_yuan=va,
        gross_output_10k_yuan=go,
        energy=energy.drop("row"),
        process_tco2=process_tco2,
        technologies=technologies,
    )
    return project, []


def read_benchmarks(path: Path, encoding: str | None = None) -> tuple[pl.DataFrame, list[RowError]]:
    """Industry averages from a ``citycarbon grade`` output: ``year, industry_code,
    industry_avg_intensity`` per row (other columns ignored), checked cell by cell."""
    raw = read_whole(path, BENCHMARK_COLUMNS, (), encoding)
    raw = raw.with_columns(pl.col("year", "industry_code").str.strip_chars().fill_null(""))
    avg, given = number("industry_avg_intensity")
    checks = [
        (~pl.col("year").str.contains(r"^[12][0-9]{3}$"), "year", "bad_year"),
        (~pl.col("industry_code").str.contains(INDUSTRY_PATTERN), "industry_code", "bad_industry"),
        *number_checks("industry_avg_intensity"),
        (~given, "industry_avg_intensity", "not_number_value"),
        (avg <= 0, "industry_avg_intensity", "not_positive"),
    ]
    valid, errors = finish_checks(raw, checks, ["row"])
    found = errors_from_frame(str(path), errors)
    table = valid.select(
        pl.col("year").cast(pl.Int32),
        "industry_code",
        avg.alias("industry_avg_intensity"),
    )
    return table, found
