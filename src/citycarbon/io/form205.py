"""Statistical form 205-1 《工业企业能源购进、消费与库存》 read from Excel or CSV.

A form is read in its official layout: a header block naming the enterprise (单位名称),
its unified social credit code (统一社会信用代码) and the reporting period, then a table
with one row per energy item. Columns are found by their header text, never by position;
the header may span one to three rows with merged parent cells (购进量 over 实物量 and 金额,
消费量 over 合计, 工业生产消费, 用作原材料 and 非工业生产消费) and may be followed by a row
of column letters (甲 乙 丙 1 2 3 …). Reading stops at the first note or signature row
(单位负责人, 填表人, 说明, 注 …); total rows (能源合计, 综合能源消费量 …) are skipped.

The pipeline is the same for every file:
``read_form_sheets`` (cells → ``Form205`` with typed ``items``) → ``check_form`` (per-cell
issues, each ``error`` or ``warning``) → ``form_records`` (canonical energy records by
purpose). ``read_forms`` runs it over many files and folders and adds the checks that span
forms (two forms for one enterprise and period; month-on-month jumps, ``check_jumps``).
Layout, checks and defaults are described in ``docs/forms-205.md``.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Final

import polars as pl
import python_calamine

from citycarbon import data
from citycarbon.core.ids import is_valid_uscc
from citycarbon.core.schemas import ENERGY_RECORDS, Purpose
from citycarbon.io.errors import REASONS, InputFileError, RowError, echoed, library_message
from citycarbon.io.files import write_atomically
from citycarbon.io.limits import Limits, limits_or_env
from citycarbon.io.numbers import MAX_BOUND, quantity_bounds, underflows
from citycarbon.io.safecells import csv_text
from citycarbon.io.textfile import NUL_DETAIL, detect_encoding, line_of
from citycarbon.io.workbook_scan import check_file_size, workbook_extents

SUFFIXES: Final = (".xlsx", ".xls", ".csv")
"""Files ``read_forms`` picks up in folders (case-insensitive)."""

NUMERIC_FIELDS: Final = (
    "opening_stock",
    "purchase_quantity",
    "purchase_value_k_yuan",
    "consumption_total",
    "industrial_use",
    "feedstock_use",
    "non_industrial_use",
    "closing_stock",
    "reference_coefficient",
)
"""The numeric columns of a 205-1 table, in form order."""

FIELD_LABELS: Final[dict[str, str]] = {
    "energy_code": "代码",
    "name": "能源名称",
    "unit": "计量单位",
    "opening_stock": "年初库存量",
    "purchase_quantity": "购进量 实物量",
    "purchase_value_k_yuan": "购进量 金额(千元)",
    "consumption_total": "消费量 合计",
    "industrial_use": "工业生产消费",
    "feedstock_use": "用作原材料",
    "non_industrial_use": "非工业生产消费",
    "closing_stock": "年末库存量",
    "reference_coefficient": "参考折标系数",
    "uscc": "统一社会信用代码",
    "period": "报告期",
}
"""The form's own label of each column, for reports."""

ITEMS_SCHEMA: Final = pl.Schema(
    {
        "row": pl.Int64(),
        "energy_code": pl.String(),
        "name": pl.String(),
        "unit": pl.String(),
        **{f: pl.Float64() for f in NUMERIC_FIELDS},
        "energy_code_cell": pl.String(),
        "unit_cell": pl.String(),
        **{f"{f}_cell": pl.String() for f in NUMERIC_FIELDS},
    }
)
"""One row per energy item as written on the form: ``row`` is the sheet row (1-based, as
Excel shows it), numbers are null where the cell is empty, ``*_cell`` are cell references
such as ``F12`` (null where the form has no such column)."""

ISSUE_COLUMNS: Final = pl.Schema(
    {
        "row": pl.Int64(),
        "cell": pl.String(),
        "column": pl.String(),
        "value": pl.String(),
        "code": pl.String(),
        "level": pl.String(),
        "detail": pl.String(),
    }
)
"""What a check returns: one row per flagged cell; ``code`` is a key of ``REASONS``,
``level`` is ``error`` or ``warning``, ``row`` 0 means the whole form or file."""

ISSUES_SCHEMA: Final = pl.Schema({"source": pl.String(), "sheet": pl.String(), **ISSUE_COLUMNS})
"""Issues of many forms: ``ISSUE_COLUMNS`` plus the file and sheet they are in."""

RECORDS_SCHEMA: Final = pl.Schema(
    {
        **ENERGY_RECORDS,
        "unit": pl.String(),
        "source": pl.String(),
        "sheet": pl.String(),
        "row": pl.Int64(),
        "cell": pl.String(),
    }
)
"""``ENERGY_RECORDS`` (quantity in the standard unit of the code) plus that unit and the
file, sheet, row and cell each record came from."""

JUMPS_SCHEMA: Final = pl.Schema(
    {
        "entity_id": pl.String(),
        "period": pl.String(),
        "energy_code": pl.String(),
        "quantity": pl.Float64(),
        "previous_period": pl.String(),
        "previous_quantity": pl.Float64(),
        "ratio": pl.Float64(),
    }
)

ERROR: Final = "error"
WARNING: Final = "warning"

NO_STOCK_CODES: Final = ("32", "33", "37")
"""热力, 电力 and 余热余压 are not stored: no stock balance, and no feedstock use."""

_EMPTY_MARKS: Final = ("", "-", "--", "—", "——", "–", "/", "×", "x", "X", "无", "_")
_NOTE_PREFIXES: Final = (
    "单位负责人",
    "统计负责人",
    "填表人",
    "填报人",
    "审核人",
    "报出日期",
    "联系电话",
    "说明",
    "注",
    "备注",
)
_SUMMARY_RE: Final = re.compile(r"合计|总计|综合能源消费|能源消费总量|综合能耗|折标准煤|总量")
_LETTERS_RE: Final = re.compile(r"^([甲乙丙丁戊]|[0-9]{1,2})$")
_NAME_LABELS: Final = ("单位详细名称", "企业详细名称", "单位名称", "企业名称", "填报单位")
_USCC_LABELS: Final = ("统一社会信用代码", "社会信用代码", "信用代码")
_PERIOD_LABELS: Final = ("报告期别", "报告期", "统计期间", "统计期", "所属期", "期别", "时间")
_ALL_LABELS: Final = (*_NAME_LABELS, *_USCC_LABELS, *_PERIOD_LABELS)
_NOT_PERIOD: Final = ("有效期", "文号", "批准", "日期", "制定", "制表", "填报时间", "报出")
_CN_DIGITS: Final = {"一": "1", "二": "2", "三": "3", "四": "4"}
_QUARTER_OF_RANGE: Final = {(1, 3): 1, (4, 6): 2, (7, 9): 3, (10, 12): 4}
_PERIOD_CORE: Final = (
    r"(?P<y>[12][0-9]{3})(?:"
    r"年第?(?P<q>[1-4一二三四])季度?"
    r"|年(?P<m1>[0-9]{1,2})-(?P<m2>[0-9]{1,2})月份?"
    r"|年(?P<m>[0-9]{1,2})月份?"
    r"|-(?P<im>0[1-9]|1[0-2])"
    r"|-Q(?P<iq>[1-4])"
    r"|年度?|年报"
    r"|)"
)
_PERIOD_FULL: Final = re.compile(f"^{_PERIOD_CORE}$")
_PERIOD_SEARCH: Final = re.compile(_PERIOD_CORE.replace("|)", ")"))
_USCC_RE: Final = re.compile(r"[0-9A-Z]{18}")

Progress = Callable[[int, int, str], None]
"""``(files done, files in all, file name)``."""


@dataclass(frozen=True)
class CheckOptions:
    """Tolerances of the checks; the defaults are those documented in docs/forms-205.md."""

    balance_tolerance: float = 0.01
    """Relative tolerance of the stock balance and of consumption parts (1 %)."""
    balance_abs_tolerance: float = 0.01
    """Absolute tolerance on top, in the form's unit, for rounding to two decimals."""
    coefficient_tolerance: float = 0.20
    """Relative distance of 参考折标系数 from the catalogue's ``tce_per_unit`` (20 %)."""
    jump_factor: float = 3.0
    """A month over ``jump_factor`` times, or under 1/``jump_factor`` of, the previous one."""


@dataclass(frozen=True)
class Form205:
    """One filled-in form 205-1, as read from one sheet (or one CSV file)."""

    source: str
    """File name as given."""
    sheet: str
    """Sheet name; empty for CSV."""
    enterprise_name: str
    uscc: str
    period: str
    """``YYYY``, ``YYYY-Qn`` or ``YYYY-MM``."""
    sha256: str
    """Of the whole file's bytes."""
    items: pl.DataFrame
    """``ITEMS_SCHEMA``."""
    read_issues: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=ISSUE_COLUMNS))
    """Problems met while reading cells (text that is not a number, a bad check character)."""


@dataclass(frozen=True)
class FormBatch:
    """What ``read_forms`` found in many files."""

    forms: list[Form205]
    records: pl.DataFrame
    """``RECORDS_SCHEMA``, of every form read."""
    issues: pl.DataFrame
    """``ISSUES_SCHEMA``, of every form read, errors and warnings."""
    failures: list[InputFileError]
    """Files that could not be read at all, each with its reasons."""

    @property
    def error_count(self) -> int:
        failed = sum(len(f.errors) for f in self.failures)
        return failed + self.issues.filter(pl.col("level") == ERROR).height

    @property
    def warning_count(self) -> int:
        return self.issues.filter(pl.col("level") == WARNING).height


# --- reading cells -----------------------------------------------------------------------


def _key(text: str) -> str:
    """NFKC (full-width → half-width) with all white space removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def column_letters(index: int) -> str:
    """Spreadsheet column name of a 0-based column index: 0 → ``A``, 27 → ``AB``."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def _fail(
    source: str, code: str, detail: str = "", row: int = 0, detail_en: str = ""
) -> InputFileError:
    return InputFileError([RowError(source, row, "", code, detail=detail, detail_en=detail_en)])


Grid = list[list[str]]
Merges = list[tuple[tuple[int, int], tuple[int, int]]]


def _excel_sheets(
    raw: bytes, source: str, sheet: str | None, limits: Limits
) -> list[tuple[str, Grid, Merges]]:
    extents = workbook_extents(raw, source, limits=limits)
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(raw))
        names = list(book.sheet_names)
        if sheet is not None and sheet not in names:
            raise _fail(
                source,
                "form_no_sheet",
                f"{sheet}；现有：{'、'.join(names)}",
                detail_en=f"{sheet}; there are: {', '.join(names)}",
            )
        if len(extents) != len(names):
            raise _fail(
                source,
                "form_corrupt",
                f"{len(extents)} ≠ {len(names)} 个工作表",
                detail_en=f"{len(extents)} ≠ {len(names)} sheets",
            )
        chosen = [(n, e) for n, e in zip(names, extents, strict=True) if sheet in (None, n)]
        cells = sum(e.cells for _, e in chosen)
        if cells > limits.max_workbook_cells:
            raise _fail(
                source,
                "workbook_too_large",
                f"{cells:,} > {limits.max_workbook_cells:,} "
                f"({Limits.env_name('max_workbook_cells')})",
            )
        sheets = []
        for name, _ in chosen:
            ws = book.get_sheet_by_name(name)
            rows = ws.to_python(skip_empty_area=False)
            grid = [[_cell_text(v) for v in r] for r in rows]
            del rows
            _check_grid(grid, source, limits)
            sheets.append((name, grid, list(ws.merged_cell_ranges or [])))
    except python_calamine.CalamineError as exc:
        raise _fail(source, "form_corrupt", detail_en=library_message(exc)) from exc
    return sheets


def _check_grid(grid: Grid, source: str, limits: Limits) -> None:
    """Raise for a grid over the row or column limit, or with an overlong cell."""
    if len(grid) > limits.max_sheet_rows:
        raise _fail(
            source,
            "sheet_too_large",
            f"行数 {len(grid):,} > {limits.max_sheet_rows:,} ({Limits.env_name('max_sheet_rows')})",
            detail_en=f"rows {len(grid):,} > {limits.max_sheet_rows:,} "
            f"({Limits.env_name('max_sheet_rows')})",
        )
    for r, cells in enumerate(grid, start=1):
        if len(cells) > limits.max_columns:
            raise _fail(
                source,
                "too_many_columns",
                f"{len(cells):,} > {limits.max_columns:,} ({Limits.env_name('max_columns')})",
                row=r,
            )
        for c, text in enumerate(cells):
            if len(text) > limits.max_field_chars:
                raise InputFileError(
                    [
                        RowError(
                            source,
                            r,
                            column_letters(c),
                            "field_too_long",
                            detail=f"{len(text):,} > {limits.max_field_chars:,} "
                            f"({Limits.env_name('max_field_chars')})",
                        )
                    ]
                )


def _csv_grid(raw: bytes, source: str, encoding: str | None, limits: Limits) -> Grid:
    if b"\x00" in raw:
        row = line_of(raw, raw.index(b"\x00"))
        raise _fail(source, "encoding", NUL_DETAIL[0], row=row, detail_en=NUL_DETAIL[1])
    enc = encoding or detect_encoding(raw[: 4 * 1024 * 1024])
    if enc.lower().replace("_", "-") in ("gbk", "gb2312", "cp936", "gb18030"):
        enc = "gb18030"
    try:
        text = raw.decode(enc)
    except UnicodeDecodeError as exc:
        raise _fail(source, "encoding", enc, detail_en=f"{enc}: {exc.reason}") from exc
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise _fail(source, "form_empty")
    # newline="" lets the csv module split at \r\n, \n and a lone \r (old Mac exports).
    reader = csv.reader(io.StringIO(text, newline=""))
    grid: Grid = []
    try:
        for cells in reader:
            grid.append(cells)
            if len(grid) > limits.max_sheet_rows:
                break
    except csv.Error as exc:
        row = reader.line_num
        if "field limit" in str(exc):
            raise InputFileError(
                [
                    RowError(
                        source,
                        row,
                        "",
                        "field_too_long",
                        detail=f"> {min(csv.field_size_limit(), limits.max_field_chars):,} "
                        f"({Limits.env_name('max_field_chars')})",
                    )
                ]
            ) from exc
        raise _fail(source, "parse", row=row, detail_en=str(exc)) from exc
    _check_grid(grid, source, limits)
    return grid


def read_form_sheets(
    path: Path,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    limits: Limits | None = None,
) -> list[Form205]:
    """Every form 205-1 in a file: one per sheet that looks like one (one for CSV).

    ``sheet`` names the one sheet to read (an error when it is not a form); ``encoding``
    forces the encoding of a CSV file (default: UTF-8 with or without BOM, else GB18030,
    which also reads GBK). ``limits`` bounds the file's size and shape (default: those of
    the environment, ``Limits.from_env``); every sheet of a workbook is checked against them
    before it is loaded. Raises ``InputFileError`` when the file cannot be read, is over a
    limit or holds no form.
    """
    limits = limits_or_env(limits)
    source = str(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError as exc:
        raise _fail(source, "form_file_not_found") from exc
    check_file_size(size, limits, source)
    raw = path.read_bytes()
    if not raw.strip():
        raise _fail(source, "form_empty")
    sha = hashlib.sha256(raw).hexdigest()
    if path.suffix.lower() in (".xlsx", ".xls", ".xlsm"):
        sheets = _excel_sheets(raw, source, sheet, limits)
    else:
        sheets = [("", _csv_grid(raw, source, encoding, limits), [])]
    forms: list[Form205] = []
    missing_zh: list[str] = []
    missing_en: list[str] = []
    for name, grid, merges in sheets:
        result = _parse_sheet(grid, merges, source, name, sha)
        if isinstance(result, Form205):
            forms.append(result)
        else:
            missing_zh.append(f"{name}：{result[0]}" if name else result[0])
            missing_en.append(f"{name}: {result[1]}" if name else result[1])
    if not forms:
        raise _fail(
            source, "form_not_found", "；".join(missing_zh), detail_en="; ".join(missing_en)
        )
    return forms


def read_form(
    path: Path,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    limits: Limits | None = None,
) -> Form205:
    """The first form 205-1 of a file (see ``read_form_sheets``)."""
    return read_form_sheets(path, sheet=sheet, encoding=encoding, limits=limits)[0]


def _field_of(label: str) -> str | None:
    c = _key(label)
    rules: tuple[tuple[bool, str], ...] = (
        ("非工业" in c, "non_industrial_use"),
        ("原材料" in c, "feedstock_use"),
        ("工业生产消费" in c, "industrial_use"),
        ("折标" in c, "reference_coefficient"),
        ("年初" in c or "期初" in c, "opening_stock"),
        ("年末" in c or "期末" in c, "closing_stock"),
        ("金额" in c, "purchase_value_k_yuan"),
        ("购进" in c, "purchase_quantity"),
        ("消费" in c and ("合计" in c or c.endswith("消费量")), "consumption_total"),
        ("代码" in c, "energy_code"),
        ("名称" in c, "name"),
        ("单位" in c, "unit"),
    )
    return next((name for hit, name in rules if hit), None)


def _is_letters_row(cells: Sequence[str]) -> bool:
    """The row of column letters and numbers under the header: 甲 乙 丙 1 2 3 …."""
    keys = [_key(c) for c in cells if _key(c)]
    if not keys or not all(_LETTERS_RE.match(k) for k in keys):
        return False
    numbers = [int(k) for k in keys if k.isdigit()]
    counting = len(numbers) >= 3 and numbers == list(range(numbers[0], numbers[0] + len(numbers)))
    return counting or any(k in "甲乙丙丁戊" for k in keys)


def _header_columns(grid: Grid, top: int, merges: Merges) -> tuple[dict[str, int], int]:
    """Map fields to columns from the header rows starting at ``top``; also the first row
    after the header (and after the row of column letters, if any)."""
    width = max(len(r) for r in grid)
    rows = [top]
    name_col = next(i for i, c in enumerate(grid[top]) if "名称" in _key(c))
    code_col = next(i for i, c in enumerate(grid[top]) if "代码" in _key(c))
    r = top + 1
    while r < len(grid) and len(rows) < 3:
        cells = grid[r]
        keys = [_key(c) for c in cells]
        if not any(keys) or _is_letters_row(cells):
            break
        if _key(cells[name_col]) or _key(cells[code_col]):
            break
        if any(re.fullmatch(r"[-+.,0-9]+", k) for k in keys if k):
            break
        rows.append(r)
        r += 1
    labels = [[grid[i][j] if j < len(grid[i]) else "" for j in range(width)] for i in rows]
    for (r0, c0), (_, c1) in merges:
        if r0 in rows:
            text = labels[rows.index(r0)][c0]
            for j in range(c0, min(c1, width - 1) + 1):
                labels[rows.index(r0)][j] = text
    # Without merge information (CSV), a parent label stands over the empty cells to its right
    # that have a sub-label beneath them.
    for level in range(len(rows) - 1):
        carry = ""
        for j in range(width):
            below = any(_key(labels[k][j]) for k in range(level + 1, len(rows)))
            if _key(labels[level][j]):
                carry = labels[level][j]
            elif below and carry:
                labels[level][j] = carry
            else:
                carry = ""
    columns: dict[str, int] = {}
    for j in range(width):
        combined = "".join(labels[k][j] for k in range(len(rows)))
        name = _field_of(combined) if _key(combined) else None
        if name is not None and name not in columns:
            columns[name] = j
    while r < len(grid) and (not any(_key(c) for c in grid[r]) or _is_letters_row(grid[r])):
        r += 1
    return columns, r


def _labelled_value(
    grid: Grid, rows: range, labels: Iterable[str], exclude: Iterable[str] = ()
) -> tuple[str, str] | None:
    """Text after the first of ``labels`` in the header block, with its cell reference;
    cells holding any of ``exclude`` are passed over."""
    label_list = tuple(labels)
    excluded = tuple(exclude)
    for i in rows:
        for j, cell in enumerate(grid[i]):
            k = _key(cell)
            if any(w in k for w in excluded):
                continue
            hit = next((lab for lab in label_list if lab in k), None)
            if hit is None:
                continue
            rest = re.sub(r"^[:：()（）]+", "", k.split(hit, 1)[1]).strip()
            if rest:
                return rest, f"{column_letters(j)}{i + 1}"
            parts: list[str] = []
            ref = ""
            for jj in range(j + 1, len(grid[i])):
                kk = _key(grid[i][jj])
                if not kk or kk in (":", "："):
                    continue
                if (parts and re.search(r"[\u4e00-\u9fff]", kk)) or any(
                    lab in kk for lab in _ALL_LABELS
                ):
                    break
                ref = ref or f"{column_letters(jj)}{i + 1}"
                parts.append(kk)
                if re.search(r"[\u4e00-\u9fff]", kk):
                    break
            if parts:
                return "".join(parts), ref
    return None


def parse_period(text: str) -> str | None:
    """``YYYY``, ``YYYY-Qn`` or ``YYYY-MM`` from a period as forms write it, else ``None``.

    Accepted: ``2025年``, ``2025年度``, ``2025年3月``, ``2025年1-3月`` (and 4-6, 7-9, 10-12
    → quarters; 1-12 → the year; ``n-n`` → that month), ``2025年第一季度`` / ``2025年1季度``,
    and the canonical ``2025``, ``2025-03``, ``2025-Q1``. Full-width digits, spaces and
    ``—``/``~``/``至`` in ranges are accepted. Cumulative periods such as ``1-6月`` are not
    periods of the platform and return ``None``.
    """
    t = re.sub(r"[—–~～至到]", "-", _key(text)).strip("()（）")
    m = _PERIOD_FULL.match(t)
    return _period_from(m) if m else None


def _month_range(year: str, a: int, b: int) -> str | None:
    """``a``-``b``月: one month, a calendar quarter or the whole year; else ``None``."""
    if a == b and 1 <= a <= 12:
        return f"{year}-{a:02d}"
    if (a, b) == (1, 12):
        return year
    quarter = _QUARTER_OF_RANGE.get((a, b))
    return f"{year}-Q{quarter}" if quarter else None


def _period_from(m: re.Match[str]) -> str | None:
    year = m["y"]
    quarter = _CN_DIGITS.get(m["q"], m["q"]) if m["q"] else m["iq"]
    month = m["m"] or m["im"]
    if quarter:
        period: str | None = f"{year}-Q{quarter}"
    elif month:
        period = f"{year}-{int(month):02d}" if 1 <= int(month) <= 12 else None
    elif m["m1"]:
        period = _month_range(year, int(m["m1"]), int(m["m2"]))
    else:
        period = year
    return period


def _find_period(grid: Grid, rows: range, source: str) -> tuple[str, str] | None:
    """The period and its cell, or None when none was found."""
    labelled = _labelled_value(grid, rows, _PERIOD_LABELS, _NOT_PERIOD)
    if labelled is not None:
        period = parse_period(labelled[0])
        if period is None:
            raise InputFileError(
                [RowError(source, 0, labelled[1], "form_bad_period", value=labelled[0])]
            )
        return period, labelled[1]
    found: list[tuple[str, str]] = []
    for i in rows:
        for j, cell in enumerate(grid[i]):
            k = re.sub(r"[—–~～至到]", "-", _key(cell))
            if not k or any(w in k for w in _NOT_PERIOD):
                continue
            whole = parse_period(k)
            if whole is not None:
                return whole, f"{column_letters(j)}{i + 1}"
            m = _PERIOD_SEARCH.search(k)
            if m and "年" in m.group(0):
                period = _period_from(m)
                if period is not None:
                    found.append((period, f"{column_letters(j)}{i + 1}"))
    return found[0] if found else None


def _parse_sheet(
    grid: Grid, merges: Merges, source: str, sheet: str, sha: str
) -> Form205 | tuple[str, str]:
    """A form from a sheet's cells, or what is missing, in Chinese and English."""
    width = max((len(r) for r in grid), default=0)
    grid = [r + [""] * (width - len(r)) for r in grid]
    top = next(
        (
            i
            for i, r in enumerate(grid)
            if any("能源名称" in _key(c) or _key(c) == "名称" for c in r)
            and any(_key(c).endswith("代码") for c in r)
        ),
        None,
    )
    block = range(top if top is not None else min(len(grid), 12))
    missing: list[tuple[str, str]] = []
    columns: dict[str, int] = {}
    first = 0
    if top is None:
        missing.append(("表头（能源名称、代码）", "header (energy name, code)"))
    else:
        columns, first = _header_columns(grid, top, merges)
        if "consumption_total" not in columns and "industrial_use" not in columns:
            missing.append(("消费量列", "consumption column"))
    uscc_found = _labelled_value(grid, block, _USCC_LABELS)
    uscc = ""
    if uscc_found is not None:
        m = _USCC_RE.search(re.sub(r"[^0-9A-Za-z]", "", uscc_found[0]).upper())
        uscc = m.group(0) if m else ""
    if not uscc:
        missing.append(("统一社会信用代码", "USCC"))
    period = _find_period(grid, block, source)
    if period is None:
        missing.append(("报告期", "period"))
    if missing or period is None or uscc_found is None:
        return "缺少" + "、".join(zh for zh, _ in missing), "missing " + ", ".join(
            en for _, en in missing
        )
    name_found = _labelled_value(grid, block, _NAME_LABELS)
    read_issues = []
    if not is_valid_uscc(uscc):
        read_issues.append(
            pl.DataFrame(
                {
                    "row": [int(re.sub(r"[A-Z]", "", uscc_found[1]))],
                    "cell": [uscc_found[1]],
                    "column": ["uscc"],
                    "value": [uscc],
                    "code": ["form_bad_uscc"],
                    "level": [ERROR],
                    "detail": [""],
                },
                schema=ISSUE_COLUMNS,
            )
        )
    items, cell_issues = _items(grid, columns, first)
    return Form205(
        source=source,
        sheet=sheet,
        enterprise_name=name_found[0] if name_found else "",
        uscc=uscc,
        period=period[0],
        sha256=sha,
        items=items,
        read_issues=pl.concat([*read_issues, cell_issues]),
    )


@cache
def _catalogue_names() -> dict[str, str]:
    cat = data.energy_catalogue()
    return {_key(n): c for n, c in zip(cat["name_zh"], cat["energy_code"], strict=True)}


@cache
def _catalogue_codes() -> frozenset[str]:
    return frozenset(data.energy_catalogue()["energy_code"].to_list())


def _normal_code(text: str) -> str:
    k = _key(text)
    m = re.fullmatch(r"([0-9]{1,2})(\.0+)?", k)
    return m.group(1).zfill(2) if m else k


def _items(grid: Grid, columns: dict[str, int], first: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    codes = _catalogue_codes()
    names = _catalogue_names()
    numeric = [f for f in NUMERIC_FIELDS if f in columns]
    rows: list[dict[str, object]] = []
    for i in range(first, len(grid)):
        cells = grid[i]
        keys = [_key(c) for c in cells]
        lead = next((k for k in keys if k), "")
        if not lead:
            continue
        if lead.startswith(_NOTE_PREFIXES):
            break
        if _is_letters_row(cells):
            continue
        name = keys[columns["name"]] if "name" in columns else ""
        code = _normal_code(cells[columns["energy_code"]]) if "energy_code" in columns else ""
        if not code and name in names:
            code = names[name]
        has_value = any(keys[columns[f]] not in _EMPTY_MARKS for f in numeric)
        if code not in codes and (_SUMMARY_RE.search(name) or not has_value):
            continue
        row: dict[str, object] = {
            "row": i + 1,
            "energy_code": code,
            "name": unicodedata.normalize("NFKC", cells[columns["name"]]).strip()
            if "name" in columns
            else "",
            "unit": cells[columns["unit"]].strip() if "unit" in columns else "",
        }
        for f in ("energy_code", "unit", *NUMERIC_FIELDS):
            j = columns.get(f)
            row[f"{f}_cell"] = None if j is None else f"{column_letters(j)}{i + 1}"
        for f in NUMERIC_FIELDS:
            j = columns.get(f)
            row[f"_{f}_text"] = None if j is None else cells[j]
        rows.append(row)
    text_schema = {
        **{k: v for k, v in ITEMS_SCHEMA.items() if k not in NUMERIC_FIELDS},
        **{f"_{f}_text": pl.String() for f in NUMERIC_FIELDS},
    }
    raw = pl.DataFrame(rows, schema=text_schema, orient="row")
    return _typed_items(raw)


def _number_text(col: str) -> pl.Expr:
    """Cell text as a number string: NFKC, no spaces or thousands separators; null if empty."""
    t = (
        pl.col(col)
        .str.normalize("NFKC")
        .str.replace_all(r"\s+", "")
        .str.replace_all(r"(\d),(\d)", "$1$2")
        .str.replace_all(r"(\d),(\d)", "$1$2")
    )
    return pl.when(t.is_in(list(_EMPTY_MARKS))).then(None).otherwise(t)


def _number_issue(text: pl.Expr, value: pl.Expr) -> pl.Expr:
    """The issue code of a parsed cell, null when it is a usable number or empty."""
    finite = value.is_not_null() & value.is_finite()
    return (
        pl.when(text.is_not_null() & (value.is_null() | ~value.is_finite()))
        .then(pl.lit("not_number_value"))
        .when(finite & underflows(text, value))
        .then(pl.lit("underflow"))
        .when(finite & (value.abs() > MAX_BOUND))
        .then(pl.lit("over_bound"))
        .otherwise(pl.lit(None, pl.String))
    )


def _typed_items(raw: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    s = pl.col
    frame = (
        raw.with_columns(*(_number_text(f"_{f}_text").alias(f"_{f}_num") for f in NUMERIC_FIELDS))
        .with_columns(
            *(s(f"_{f}_num").cast(pl.Float64, strict=False).alias(f) for f in NUMERIC_FIELDS)
        )
        .with_columns(
            *(_number_issue(s(f"_{f}_num"), s(f)).alias(f"_{f}_issue") for f in NUMERIC_FIELDS)
        )
    )
    issues = pl.concat(
        [
            frame.filter(s(f"_{f}_issue").is_not_null()).select(
                "row",
                s(f"{f}_cell").alias("cell"),
                pl.lit(f).alias("column"),
                s(f"_{f}_text").alias("value"),
                s(f"_{f}_issue").alias("code"),
                pl.lit(ERROR).alias("level"),
                pl.when(s(f"_{f}_issue") == "over_bound")
                .then(pl.lit(f"> {MAX_BOUND:g}"))
                .otherwise(pl.lit(""))
                .alias("detail"),
            )
            for f in NUMERIC_FIELDS
        ]
    )
    # A number refused above is left out, as an unreadable cell is.
    frame = frame.with_columns(
        *(
            pl.when(s(f"_{f}_issue").is_null()).then(s(f)).otherwise(None).alias(f)
            for f in NUMERIC_FIELDS
        )
    )
    return frame.select(ITEMS_SCHEMA.names()).cast(dict(ITEMS_SCHEMA)), issues.cast(  # type: ignore[arg-type]
        dict(ISSUE_COLUMNS)  # type: ignore[arg-type]
    )


# --- checks ------------------------------------------------------------------------------


@cache
def _reference() -> tuple[pl.DataFrame, pl.DataFrame]:
    catalogue = data.energy_catalogue().select(
        "energy_code",
        pl.col("unit").alias("_std_unit"),
        pl.col("tce_per_unit").alias("_tce_per_unit"),
    )
    units = data.unit_aliases().select(
        pl.col("alias").str.to_lowercase().alias("_unit_key"),
        pl.col("unit").alias("_alias_unit"),
        pl.col("multiplier").alias("_multiplier"),
    )
    return catalogue, units


def prepare_items(items: pl.DataFrame) -> pl.DataFrame:
    """``items`` with the catalogue's standard unit and coefficient and the unit multiplier.

    Adds ``_std_unit`` (null for an unknown code), ``_tce_per_unit``, ``_alias_unit`` (the
    standard unit the form's unit converts to; null for an unknown unit) and ``_multiplier``
    (form unit → standard unit; 1 when the unit cell is empty).
    """
    catalogue, units = _reference()
    s = pl.col
    unit_key = s("unit").str.normalize("NFKC").str.to_lowercase().str.replace_all(r"\s+", "")
    return (
        items.with_columns(unit_key.fill_null("").alias("_unit_key"))
        .join(catalogue, on="energy_code", how="left", maintain_order="left")
        .join(units, on="_unit_key", how="left", maintain_order="left")
        .with_columns(
            pl.when(s("_unit_key") == "")
            .then(s("_std_unit"))
            .otherwise(s("_alias_unit"))
            .alias("_alias_unit"),
            pl.when(s("_unit_key") == "")
            .then(pl.lit(1.0))
            .otherwise(s("_multiplier"))
            .alias("_multiplier"),
        )
    )


def _flag(
    frame: pl.DataFrame,
    cond: pl.Expr,
    column: str,
    code: str,
    level: str,
    detail: pl.Expr | None = None,
) -> pl.DataFrame:
    cell = f"{column}_cell"
    return frame.filter(cond).select(
        "row",
        (pl.col(cell) if cell in frame.columns else pl.lit(None, pl.String)).alias("cell"),
        pl.lit(column).alias("column"),
        pl.col(column).cast(pl.String).alias("value"),
        pl.lit(code).alias("code"),
        pl.lit(level).alias("level"),
        (pl.lit("") if detail is None else detail.cast(pl.String)).alias("detail"),
    )


def _near(a: pl.Expr, b: pl.Expr, rel: float, abs_: float) -> pl.Expr:
    return (a - b).abs() <= pl.max_horizontal((a.abs() + b.abs()) / 2 * rel, pl.lit(abs_))


def _known() -> pl.Expr:
    return pl.col("_std_unit").is_not_null()


def check_codes(frame: pl.DataFrame, options: CheckOptions) -> pl.DataFrame:
    """Codes not in the 205-1 catalogue, and a code given on more than one row."""
    s = pl.col
    return pl.concat(
        [
            _flag(frame, ~_known(), "energy_code", "unknown_code", ERROR),
            _flag(
                frame,
                _known() & s("energy_code").is_duplicated(),
                "energy_code",
                "form_duplicate_item",
                ERROR,
            ),
        ]
    )


def check_units(frame: pl.DataFrame, options: CheckOptions) -> pl.DataFrame:
    """A unit that is not a known alias, or converts to another unit than the code's."""
    s = pl.col
    return pl.concat(
        [
            _flag(frame, _known() & s("_alias_unit").is_null(), "unit", "unknown_unit", ERROR),
            _flag(
                frame,
                _known() & s("_alias_unit").is_not_null() & (s("_alias_unit") != s("_std_unit")),
                "unit",
                "unit_mismatch",
                ERROR,
                pl.format("{} ({})", s("_std_unit"), s("name")),
            ),
        ]
    )


def check_negative(frame: pl.DataFrame, options: CheckOptions) -> pl.DataFrame:
    """Negative numbers anywhere in the table."""
    return pl.concat(
        [_flag(frame, pl.col(f) < 0, f, "negative_value", ERROR) for f in NUMERIC_FIELDS]
    )


QUANTITY_FIELDS: Final = (
    "opening_stock",
    "purchase_quantity",
    "consumption_total",
    "industrial_use",
    "feedstock_use",
    "non_industrial_use",
    "closing_stock",
)
"""The numeric columns that are physical quantities of the item's energy."""


def check_bounds(frame: pl.DataFrame, options: CheckOptions) -> pl.DataFrame:
    """Quantities over the plausible bound of their code, in the standard unit
    (``io.numbers.quantity_bounds``), as the energy CSV checks them."""
    s = pl.col
    bounded = frame.join(quantity_bounds(), on="energy_code", how="left", maintain_order="left")
    return pl.concat(
        [
            _flag(
                bounded,
                _known() & (s(f) * s("_multiplier") > s("_max_quantity")),
                f,
                "over_bound",
                ERROR,
                pl.format("> {} {}", s("_max_quantity"), s("_std_unit")),
            )
            for f in QUANTITY_FIELDS
        ]
    )


def check_stock_balance(frame: pl.DataFrame, options: CheckOptions) -> pl.DataFrame:
    """年初库存量 + 购进量 − 消费量合计 ≈ 年末库存量, where any stock or purchase is given.

    Empty cells count as zero. Skipped for 热力, 电力 and 余热余压, which are not stored.
    """
    s = pl.col
    z = {f: s(f).fill_null(0.0) for f in NUMERIC_FIELDS}
    total = pl.coalesce(
        s("consumption_total"), z["industrial_use"] + z["non_industrial_use"]
    ).fill_null(0.0)
    expected = z["opening_stock"] + z["purchase_quantity"] - total
    given = pl.any_horizontal(
        s("opening_stock").is_not_null(),
        s("purchase_quantity").is_not_null(),
        s("closing_stock").is_not_null(),
    )
    tol = options.balance_tolerance
    scale = pl.max_horizontal(z["opening_stock"] + z["purchase_quantity"], total.abs())
    off = (expected - z["closing_stock"]).abs() > pl.max_horizontal(
        scale * tol, pl.lit(options.balance_abs_tolerance)
    )
    cond = _known() & ~s("energy_code").is_in(list(NO_STOCK_CODES)) & given & off
    detail = pl.format(
        "{} + {} − {} = {} ≠ {}",
        z["opening_stock"],
        z["purchase_quantity"],
        total,
        expected.round(6),
        z["closing_stock"],
    )
    flagged = _flag(
        frame.with_columns(
            pl.coalesce(s("closing_stock_cell"), s("consumption_total_cell")).alias(
                "closing_stock_cell"
            )
        ),
        cond,
        "closing_stock",
        "stock_balance",
        ERROR,
        detail,
    )
    return flagged


def check_consumption_parts(frame: pl.DataFrame, options: CheckOptions) -> pl.DataFrame:
    """工业生产消费 + 非工业生产消费 ≈ 消费量合计 when all three are given."""
    s = pl.col
    parts = s("industrial_use") + s("non_industrial_use")
    cond = (
        s("consumption_total").is_not_null()
        & parts.is_not_null()
        & ~_near(
            s("consumption_total"),
            parts,
            options.balance_tolerance,
            options.balance_abs_tolerance,
        )
    )
    detail = pl.format(
        "{} + {} ≠ {}", s("industrial_use"), s("non_industrial_use"), s("consumption_total")
    )
    return _flag(frame, cond, "consumption_total", "consumption_parts", ERROR, detail)


def check_feedstock(frame: pl.DataFrame, options: CheckOptions) -> pl.DataFrame:
    """用作原材料 above 工业生产消费 (or, without it, above 合计); any feedstock of electricity,
    heat or recovered heat."""
    s = pl.col
    ceiling = pl.coalesce(s("industrial_use"), s("consumption_total"))
    exceeds = s("feedstock_use") > ceiling + options.balance_abs_tolerance
    not_allowed = s("energy_code").is_in(list(NO_STOCK_CODES)) & (s("feedstock_use") > 0)
    return pl.concat(
        [
            _flag(
                frame,
                exceeds,
                "feedstock_use",
                "feedstock_exceeds",
                ERROR,
                pl.format("> {}", ceiling),
            ),
            _flag(frame, not_allowed, "feedstock_use", "feedstock_not_allowed", ERROR),
        ]
    )


def check_coefficient(frame: pl.DataFrame, options: CheckOptions) -> pl.DataFrame:
    """参考折标系数 far from the catalogue's ``tce_per_unit``.

    Accepted within ``coefficient_tolerance`` of any of: the catalogue value per standard
    unit; per the form's unit (tce, or kgce for kg-based units); and a tenth of it, which is
    kgce per m³ or kWh where the standard unit is 10⁴ m³ or 10⁴ kWh.
    """
    s = pl.col
    k = s("_tce_per_unit")
    m = s("_multiplier").fill_null(1.0)
    c = s("reference_coefficient")
    tol = options.coefficient_tolerance
    ok = pl.any_horizontal(
        *((c - ref).abs() <= ref.abs() * tol for ref in (k, k / 10, k * m, k * m * 1000))
    )
    cond = _known() & c.is_not_null() & (c != 0) & ~ok
    return _flag(
        frame,
        cond,
        "reference_coefficient",
        "coefficient_mismatch",
        WARNING,
        pl.format("{} {}", k, s("_std_unit")),
    )


CHECKS: Final = (
    check_codes,
    check_units,
    check_negative,
    check_bounds,
    check_stock_balance,
    check_consumption_parts,
    check_feedstock,
    check_coefficient,
)
"""The per-form checks, in report order; each ``(prepared items, options) → issues``."""


def check_form(form: Form205, options: CheckOptions | None = None) -> pl.DataFrame:
    """Every issue of one form (``ISSUES_SCHEMA``): reading problems, then each check."""
    options = options or CheckOptions()
    frame = prepare_items(form.items)
    found = pl.concat(
        [form.read_issues, *(check(frame, options) for check in CHECKS)], how="vertical_relaxed"
    )
    return found.cast(dict(ISSUE_COLUMNS)).select(  # type: ignore[arg-type]
        pl.lit(form.source).alias("source"), pl.lit(form.sheet).alias("sheet"), pl.all()
    )


# --- records -----------------------------------------------------------------------------


def form_records(form: Form205) -> pl.DataFrame:
    """The form's consumption as canonical energy records (``RECORDS_SCHEMA``).

    Per item, in the standard unit of its code: ``feedstock`` = 用作原材料,
    ``non_industrial`` = 非工业生产消费 and ``fuel`` = 合计 − both (that is 工业生产消费 −
    用作原材料 when the parts add up). 合计, when empty, is 工业生产消费 + 非工业生产消费.
    The records of an item add up to its 合计; zero quantities give no record. Items with an
    unknown code or unit give none either (they are errors of ``check_form``).
    """
    s = pl.col
    frame = prepare_items(form.items).filter(_known() & (s("_alias_unit") == s("_std_unit")))
    m = s("_multiplier")
    parts = pl.when(s("industrial_use").is_not_null() | s("non_industrial_use").is_not_null())
    total = (
        pl.coalesce(
            s("consumption_total"),
            parts.then(s("industrial_use").fill_null(0.0) + s("non_industrial_use").fill_null(0.0)),
        ).fill_null(0.0)
        * m
    )
    feedstock = s("feedstock_use").fill_null(0.0) * m
    non_industrial = s("non_industrial_use").fill_null(0.0) * m
    fuel = total - feedstock - non_industrial
    fuel = pl.when(fuel.abs() <= total.abs() * 1e-12).then(0.0).otherwise(fuel)
    fuel_cell = (
        pl.when(s("industrial_use").is_not_null())
        .then(s("industrial_use_cell"))
        .otherwise(pl.coalesce(s("consumption_total_cell"), s("industrial_use_cell")))
    )
    pieces = [
        (fuel, "fuel", fuel_cell),
        (feedstock, "feedstock", s("feedstock_use_cell")),
        (non_industrial, "non_industrial", s("non_industrial_use_cell")),
    ]
    records = pl.concat(
        [
            frame.select(
                pl.lit(form.uscc).alias("entity_id"),
                pl.lit(form.period).alias("period"),
                "energy_code",
                q.alias("quantity"),
                pl.lit(purpose).cast(Purpose).alias("purpose"),
                s("_std_unit").alias("unit"),
                pl.lit(form.source).alias("source"),
                pl.lit(form.sheet).alias("sheet"),
                "row",
                cell.alias("cell"),
            )
            for q, purpose, cell in pieces
        ]
    )
    return (
        records.filter(s("quantity") != 0).sort("row", "purpose").cast(dict(RECORDS_SCHEMA))  # type: ignore[arg-type]
    )


# --- checks across forms -----------------------------------------------------------------


def check_jumps(records: pl.DataFrame, factor: float = 3.0) -> pl.DataFrame:
    """Month-on-month jumps of one enterprise's use of one energy (``JUMPS_SCHEMA``).

    ``records`` has ``entity_id, period, energy_code, quantity`` (other columns are ignored;
    quantities of one key are summed over purposes). Only monthly periods are compared, each
    with the calendar month before it when that month has the same energy; a month above
    ``factor`` times the previous one, or below 1/``factor`` of it, is a jump. The database
    import passes the new form's records together with the stored ones of the month before.
    """
    s = pl.col
    monthly = (
        records.filter(s("period").str.contains(r"^[12][0-9]{3}-(0[1-9]|1[0-2])$"))
        .group_by("entity_id", "period", "energy_code")
        .agg(s("quantity").sum())
    )
    month_index = s("period").str.slice(0, 4).cast(pl.Int32) * 12 + s("period").str.slice(
        5, 2
    ).cast(pl.Int32)
    monthly = monthly.with_columns(month_index.alias("_m"))
    previous = monthly.select(
        "entity_id",
        "energy_code",
        (s("_m") + 1).alias("_m"),
        s("period").alias("previous_period"),
        s("quantity").alias("previous_quantity"),
    )
    joined = monthly.join(previous, on=["entity_id", "energy_code", "_m"], how="inner")
    ratio = s("quantity") / s("previous_quantity")
    return (
        joined.with_columns(ratio.alias("ratio"))
        .filter(
            (s("previous_quantity") > 0)
            & (s("quantity") > 0)
            & ((s("ratio") > factor) | (s("ratio") < 1 / factor))
        )
        .select(JUMPS_SCHEMA.names())
        .sort("entity_id", "energy_code", "period")
        .cast(dict(JUMPS_SCHEMA))  # type: ignore[arg-type]
    )


def _jump_issues(forms: list[Form205], records: pl.DataFrame, factor: float) -> pl.DataFrame:
    jumps = check_jumps(records, factor)
    if jumps.is_empty():
        return pl.DataFrame(schema=ISSUES_SCHEMA)
    s = pl.col
    where = pl.concat(
        [
            f.items.select(
                pl.lit(f.uscc).alias("entity_id"),
                pl.lit(f.period).alias("period"),
                "energy_code",
                pl.lit(f.source).alias("source"),
                pl.lit(f.sheet).alias("sheet"),
                "row",
                pl.coalesce(s("consumption_total_cell"), s("industrial_use_cell")).alias("cell"),
            )
            for f in forms
        ]
    ).unique(["entity_id", "period", "energy_code"], keep="first", maintain_order=True)
    return (
        jumps.join(where, on=["entity_id", "period", "energy_code"], how="inner")
        .select(
            "source",
            "sheet",
            "row",
            "cell",
            pl.lit("consumption_total").alias("column"),
            s("quantity").cast(pl.String).alias("value"),
            pl.lit("month_jump").alias("code"),
            pl.lit(WARNING).alias("level"),
            pl.format(
                "{} {} → {} {} (×{})",
                s("previous_period"),
                s("previous_quantity"),
                s("period"),
                s("quantity"),
                s("ratio").round(2),
            ).alias("detail"),
        )
        .cast(dict(ISSUES_SCHEMA))  # type: ignore[arg-type]
    )


def _duplicate_issues(forms: list[Form205]) -> pl.DataFrame:
    seen: dict[tuple[str, str], Form205] = {}
    rows = []
    for f in forms:
        first = seen.setdefault((f.uscc, f.period), f)
        if first is not f:
            where = f"{first.source}" + (f" [{first.sheet}]" if first.sheet else "")
            rows.append(
                (
                    f.source,
                    f.sheet,
                    0,
                    None,
                    "uscc",
                    f.uscc,
                    "form_duplicate",
                    ERROR,
                    f"{f.period}; {where}",
                )
            )
    return pl.DataFrame(rows, schema=ISSUES_SCHEMA, orient="row")


def form_files(paths: Iterable[Path]) -> list[Path]:
    """The files to read: each file given, and every .xlsx, .xls and .csv under each folder
    (recursively, in name order, without hidden files and Excel lock files ``~$…``)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file()
                    and p.suffix.lower() in SUFFIXES
                    and not p.name.startswith((".", "~$"))
                )
            )
        else:
            found.append(path)
    return found


def read_forms(
    paths: Iterable[Path],
    *,
    options: CheckOptions | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
    progress: Progress | None = None,
    limits: Limits | None = None,
) -> FormBatch:
    """Read, check and convert every form in ``paths`` (files and folders).

    ``limits`` bounds each file (default: ``Limits.from_env``; see ``read_form_sheets``).

    A file that cannot be read is reported in ``failures`` and the others are still read.
    Two forms of one enterprise and period are an error; month-on-month jumps between the
    forms read are warnings.
    """
    files = form_files(paths)
    limits = limits_or_env(limits)
    forms: list[Form205] = []
    failures: list[InputFileError] = []
    for done, path in enumerate(files, start=1):
        try:
            forms.extend(read_form_sheets(path, sheet=sheet, encoding=encoding, limits=limits))
        except InputFileError as exc:
            failures.append(exc)
        if progress is not None:
            progress(done, len(files), str(path))
    return checked_batch(forms, options, failures)


def checked_batch(
    forms: list[Form205],
    options: CheckOptions | None = None,
    failures: list[InputFileError] | None = None,
) -> FormBatch:
    """Check and convert forms already read: their records, every issue of each form, two
    forms of one enterprise and period (error) and month-on-month jumps between them
    (warnings)."""
    options = options or CheckOptions()
    records = pl.concat([pl.DataFrame(schema=RECORDS_SCHEMA), *(form_records(f) for f in forms)])
    issues = pl.concat(
        [
            pl.DataFrame(schema=ISSUES_SCHEMA),
            *(check_form(f, options) for f in forms),
            _duplicate_issues(forms),
            _jump_issues(forms, records, options.jump_factor),
        ]
    )
    return FormBatch(forms=forms, records=records, issues=issues, failures=failures or [])


def _both(error: RowError) -> str:
    """An issue row has one detail: a worded one in both languages, as ``zh / en``."""
    return " / ".join(d for d in (error.detail, error.detail_en) if d)


def failure_lines(failures: Sequence[InputFileError]) -> list[str]:
    """The report lines of unreadable files (``render_issue``), each detail in its language."""
    return [
        render_issue(
            {
                "source": e.file,
                "row": e.row,
                "column": e.column,
                "value": e.value,
                "code": e.code,
                "level": ERROR,
                "detail": e.detail,
                "detail_en": e.detail_en,
            }
        )
        for f in failures
        for e in f.errors
    ]


def failure_issues(failures: Sequence[InputFileError]) -> pl.DataFrame:
    """Unreadable files as issue rows (``ISSUES_SCHEMA``, row 0, level ``error``); a detail
    worded in both languages is kept as ``zh / en``."""
    rows = [
        (e.file, "", e.row, e.column or None, "", e.value, e.code, ERROR, _both(e))
        for f in failures
        for e in f.errors
    ]
    return pl.DataFrame(rows, schema=ISSUES_SCHEMA, orient="row")


def with_reasons(issues: pl.DataFrame) -> pl.DataFrame:
    """``issues`` with ``label`` (the form's column label), ``reason_zh`` and ``reason_en``."""
    reasons = pl.DataFrame(
        {
            "code": list(REASONS),
            "reason_zh": [v[0] for v in REASONS.values()],
            "reason_en": [v[1] for v in REASONS.values()],
        }
    )
    labels = pl.DataFrame({"column": list(FIELD_LABELS), "label": list(FIELD_LABELS.values())})
    return issues.join(labels, on="column", how="left", maintain_order="left").join(
        reasons, on="code", how="left", maintain_order="left"
    )


def render_issue(issue: dict[str, object]) -> str:
    """One line of a report: ``file [sheet]!cell 列/column label (name): 原因 / reason [value]``;
    ``detail_en``, when the issue has one, is the English of ``detail`` (``RowError``)."""
    where = str(issue["source"])
    if issue.get("sheet"):
        where += f" [{issue['sheet']}]"
    if issue.get("cell"):
        where += f"!{issue['cell']}"
    elif issue.get("row"):
        where += f":{issue['row']}"
    code = str(issue["code"])
    zh, en = REASONS[code]
    detail = str(issue.get("detail") or "")
    detail_en = str(issue.get("detail_en") or detail)
    if detail:
        zh = f"{zh}（{detail}）"
    if detail_en:
        en = f"{en} ({detail_en})"
    column = str(issue.get("column") or "")
    col = f" 列/column {FIELD_LABELS.get(column, column)} ({column}):" if column else ""
    value = f" [{echoed(str(issue['value']))!r}]" if issue.get("value") else ""
    level = "警告/warning" if issue.get("level") == WARNING else "错误/error"
    return f"{where}:{col} {level}: {zh} / {en}{value}"


def energy_csv(records: pl.DataFrame) -> pl.DataFrame:
    """Records in the canonical energy CSV columns that ``citycarbon emissions`` reads."""
    return records.select(
        "entity_id", "period", "energy_code", "quantity", "unit", pl.col("purpose").cast(pl.String)
    )


def _bom_csv(frame: pl.DataFrame, path: Path) -> None:
    path.write_bytes(codecs.BOM_UTF8 + csv_text(frame).encode("utf-8"))


def write_issue_report(issues: pl.DataFrame, path: Path) -> None:
    """All issues with reasons as CSV in UTF-8 with BOM (Excel opens it as Unicode)."""
    frame = with_reasons(issues).select(
        "source",
        "sheet",
        "row",
        "cell",
        "column",
        "label",
        "value",
        "level",
        "code",
        "reason_zh",
        "reason_en",
        "detail",
    )
    write_atomically(path, lambda tmp: _bom_csv(frame, tmp))
