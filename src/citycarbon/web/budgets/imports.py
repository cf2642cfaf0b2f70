"""Reading a budget plan from a file in the ``citycarbon budget check`` BUDGETS shape
(``budget_id,level,subject_id,parent_id,year,budget_tco2`` and optionally
``budget_intensity_tco2_per_10k_yuan``, ``budget_energy_tce``, ``name`` and twelve monthly
shares ``profile_01`` … ``profile_12``): a CSV (UTF-8, GBK or GB18030) or the first sheet of
an ``.xlsx`` workbook, bounded like every other upload. Every problem comes back as a row
error (row, column, value, reasons in Chinese and English); nothing is half-read."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import polars as pl
import python_calamine

from citycarbon.core.budgets import tree_problems
from citycarbon.io.csvtable import read_whole
from citycarbon.io.errors import InputFileError, RowError, library_message
from citycarbon.io.limits import Limits
from citycarbon.io.workbook_scan import workbook_extents

REQUIRED: Final = ("budget_id", "level", "subject_id", "parent_id", "year", "budget_tco2")
PROFILE: Final = tuple(f"profile_{m:02d}" for m in range(1, 13))
OPTIONAL: Final = (
    "budget_intensity_tco2_per_10k_yuan",
    "budget_energy_tce",
    "name",
    *PROFILE,
)
SUFFIXES: Final = (".csv", ".xlsx")
PLAN_LINES: Final = pl.Schema(
    {
        "row": pl.Int64(),
        "budget_id": pl.String(),
        "level": pl.String(),
        "subject_id": pl.String(),
        "parent_id": pl.String(),
        "name": pl.String(),
        "budget_tco2": pl.Float64(),
        "budget_intensity_tco2_per_10k_yuan": pl.Float64(),
        "budget_energy_tce": pl.Float64(),
        "monthly_profile": pl.List(pl.Float64()),
        "district_id": pl.Int64(),
        "enterprise_id": pl.Int64(),
    }
)
"""A plan's lines as the actions take them: read from a file, from the stored lines or made
by the demo (the row of the file, the budget tree's columns, the subject's keys)."""

REASONS: Final[dict[str, tuple[str, str]]] = {
    "empty_id": ("预算编号为空", "budget_id is empty"),
    "empty_subject": ("预算对象为空", "subject_id is empty"),
    "bad_year": ("年份应为四位数字，且与方案年份一致", "year must be four digits, the plan's year"),
    "bad_number": ("不是非负的有限数字", "not a non-negative finite number"),
    "root": ("无上级的根预算行须为市级", "the root line (no parent) must be at city level"),
    "unknown_district": ("未知区县代码", "unknown district code"),
    "unknown_enterprise": ("未知企业编号", "unknown enterprise entity id"),
    "bad_profile": (
        "月度分配须为 12 个非负数且合计为 1",
        "the monthly profile must be 12 non-negative numbers adding up to 1",
    ),
    "over_parent": (
        "下级预算合计超过上级",
        "the children's budgets add up to more than the parent",
    ),
    "no_lines": ("文件中没有预算行", "the file holds no budget lines"),
}


def line_error(
    row: int, column: str, code: str, value: str = "", detail: str = "", detail_zh: str = ""
) -> dict[str, Any]:
    """One row error as the upload pages show them (``web.uploads.kept_error``'s shape);
    ``detail_zh``: the detail in Chinese (default ``detail``)."""
    zh, en = REASONS[code]
    detail_zh = detail_zh or detail
    suffix_zh = f"（{detail_zh}）" if detail_zh else ""
    suffix_en = f" ({detail})" if detail else ""
    return {
        "row": row,
        "column": column,
        "code": code,
        "value": value[:100],
        "reason_zh": zh + suffix_zh,
        "reason_en": en + suffix_en,
    }


def of_row_error(e: RowError) -> dict[str, Any]:
    return {
        "row": e.row,
        "column": e.column,
        "code": e.code,
        "value": e.value,
        "reason_zh": e.reason_zh,
        "reason_en": e.reason_en,
    }


@dataclass(frozen=True)
class ReadPlan:
    """The lines read (text columns plus ``row``), or the errors that refuse the file."""

    lines: pl.DataFrame
    errors: list[dict[str, Any]]


def read_table(path: Path, name: str) -> pl.DataFrame:
    """The file as text columns plus ``row`` (the row number as a reader counts it, the
    header being row 1 in a workbook and row 0 of the data in a CSV report)."""
    if path.suffix.lower() == ".xlsx":
        return _read_xlsx(path, name)
    return read_whole(path, REQUIRED, OPTIONAL)


def _read_xlsx(path: Path, name: str) -> pl.DataFrame:
    raw = path.read_bytes()
    limits = Limits.from_env()
    workbook_extents(raw, name, limits=limits)
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(raw))
        rows = book.get_sheet_by_index(0).to_python(skip_empty_area=True)
    except python_calamine.CalamineError as exc:
        raise InputFileError([RowError(name, 0, "", "parse", detail=library_message(exc))]) from exc
    if not rows:
        raise InputFileError([RowError(name, 0, "", "empty_header")])
    header = [_text(c) for c in rows[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputFileError([RowError(name, 0, c, "missing_column") for c in missing])
    keep = [c for c in (*REQUIRED, *OPTIONAL) if c in header]
    at = {c: header.index(c) for c in keep}
    data: dict[str, list[Any]] = {"row": [], **{c: [] for c in keep}}
    for number, row in enumerate(rows[1:], start=2):
        if all(_text(v) == "" for v in row):
            continue
        data["row"].append(number)
        for c in keep:
            data[c].append(_text(row[at[c]]) if at[c] < len(row) else "")
    return pl.DataFrame(data, schema={"row": pl.Int64, **{c: pl.String for c in keep}})


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _number(text: str | None) -> float | None:
    if text is None or text.strip() == "":
        return None
    try:
        value = float(text)
    except ValueError:
        return math.nan
    return value


def _numbers(r: dict[str, Any], n: int, errors: list[dict[str, Any]]) -> dict[str, float | None]:
    numbers: dict[str, float | None] = {}
    for column in ("budget_tco2", "budget_intensity_tco2_per_10k_yuan", "budget_energy_tce"):
        value = _number(r.get(column))
        if column == "budget_tco2" and value is None:
            value = math.nan
        if value is not None and (not math.isfinite(value) or value < 0):
            errors.append(line_error(n, column, "bad_number", str(r.get(column) or "")))
        numbers[column] = value
    return numbers


def _profile(r: dict[str, Any], n: int, errors: list[dict[str, Any]]) -> list[float] | None:
    given = [r.get(c) for c in PROFILE if c in r]
    if not any(str(v or "").strip() for v in given):
        return None
    shares = [_number(v) for v in given]
    ok = len(shares) == 12 and all(s is not None and math.isfinite(s) and s >= 0 for s in shares)
    if not ok or abs(sum(s or 0.0 for s in shares) - 1.0) > 1e-6:
        errors.append(line_error(n, "profile_01", "bad_profile"))
        return None
    return [float(s or 0.0) for s in shares]


def checked(
    table: pl.DataFrame,
    *,
    name: str = "",
    year: int,
    districts: dict[str, int],
    enterprises: dict[str, tuple[int, int | None]],
) -> ReadPlan:
    """The lines of ``table`` checked cell by cell — ids and subjects given, numbers finite
    and ≥ 0, the year the plan's, district and enterprise subjects known (``districts``:
    code → id; ``enterprises``: entity id → (id, district id)), profiles of twelve shares
    adding up to 1, the root at city level — then as a tree by ``core.budgets.tree_problems``
    (levels, unique ids and subjects, known parents, one root, levels deeper than the
    parent's, no cycle). The tree's sums are checked by ``core.budgets.check_tree``
    afterwards."""
    errors: list[dict[str, Any]] = []
    rows = table.to_dicts()
    if not rows:
        return ReadPlan(table, [line_error(0, "", "no_lines")])
    out = []
    for r in rows:
        n = int(r["row"])
        budget_id = str(r.get("budget_id") or "").strip()
        level = str(r.get("level") or "").strip()
        subject = str(r.get("subject_id") or "").strip()
        parent = str(r.get("parent_id") or "").strip()
        if not budget_id:
            errors.append(line_error(n, "budget_id", "empty_id"))
        if not subject:
            errors.append(line_error(n, "subject_id", "empty_subject"))
        if str(r.get("year") or "").strip() != str(year):
            errors.append(line_error(n, "year", "bad_year", str(r.get("year") or ""), str(year)))
        if not parent and level != "city":
            errors.append(line_error(n, "parent_id", "root", parent))
        numbers = _numbers(r, n, errors)
        profile = _profile(r, n, errors)
        district_id = None
        enterprise_id = None
        if level == "district":
            district_id = districts.get(subject)
            if district_id is None:
                errors.append(line_error(n, "subject_id", "unknown_district", subject))
        if level == "enterprise":
            found = enterprises.get(subject)
            if found is None:
                errors.append(line_error(n, "subject_id", "unknown_enterprise", subject))
            else:
                enterprise_id, district_id = found
        out.append(
            {
                "row": n,
                "budget_id": budget_id,
                "level": level,
                "subject_id": subject,
                "parent_id": parent or None,
                "name": str(r.get("name") or "").strip(),
                "budget_tco2": numbers["budget_tco2"],
                "budget_intensity_tco2_per_10k_yuan": numbers["budget_intensity_tco2_per_10k_yuan"],
                "budget_energy_tce": numbers["budget_energy_tce"],
                "monthly_profile": profile,
                "district_id": district_id,
                "enterprise_id": enterprise_id,
            }
        )
    frame = pl.DataFrame(
        out,
        schema=PLAN_LINES,
    )
    if not errors:
        tree = frame.select(
            "row",
            "budget_id",
            "level",
            "subject_id",
            "parent_id",
            pl.lit(year, pl.Int32).alias("year"),
            "budget_tco2",
        )
        errors = [
            of_row_error(RowError(name, row, column, code, value=value or "", detail=detail or ""))
            for row, column, code, value, detail in tree_problems(tree)
            .select("row", "column", "code", "value", "detail")
            .iter_rows()
        ]
    return ReadPlan(frame, sorted(errors, key=lambda e: (e["row"], e["column"])))


def inherited(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each line with the district and enterprise it sits under (a line keeps its own; an
    industry or project line takes its nearest ancestor's), parents before children."""
    by_id = {line["budget_id"]: dict(line) for line in lines}
    done: dict[str, dict[str, Any]] = {}

    def resolve(budget_id: str) -> dict[str, Any]:
        if budget_id in done:
            return done[budget_id]
        line = by_id[budget_id]
        if line["parent_id"]:
            parent = resolve(line["parent_id"])
            if line["district_id"] is None:
                line["district_id"] = parent["district_id"]
            if line["enterprise_id"] is None and line["level"] == "project":
                line["enterprise_id"] = parent["enterprise_id"]
        done[budget_id] = line
        return line

    order: list[dict[str, Any]] = []
    seen: set[str] = set()

    def visit(budget_id: str) -> None:
        line = resolve(budget_id)
        if budget_id in seen:
            return
        if line["parent_id"]:
            visit(line["parent_id"])
        seen.add(budget_id)
        order.append(line)

    for budget_id in by_id:
        visit(budget_id)
    return order
