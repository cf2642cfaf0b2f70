"""Filled-in forms 205-1 in the official layout, written as .xlsx, .xls and CSV for tests.

``write_form_xlsx(path, uscc, name, period, items, **awkward)`` writes one form the way the
statistics system exports it: a title, the header block (单位名称, 统一社会信用代码, the
period), a table header of one to three rows with merged parent cells, a row of column letters,
one row per item, a total row and the signature and note rows. Keyword options make it
awkward in the ways real files are (see ``Layout``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xlsxwriter
import xlwt

from citycarbon import data
from citycarbon.core.ids import make_uscc

USCC_A = make_uscc("330502", 101)
USCC_B = make_uscc("330502", 102)

OFFICIAL_ORDER = (
    "name",
    "code",
    "unit",
    "opening",
    "purchase",
    "purchase_value",
    "total",
    "industrial",
    "feedstock",
    "non_industrial",
    "closing",
    "coefficient",
)

# (parent label, leaf label, single-row label); parent None: the column stands alone.
_LABELS: dict[str, tuple[str | None, str, str]] = {
    "name": (None, "能源名称", "能源名称"),
    "code": (None, "代码", "代 码"),
    "unit": (None, "计量单位", "计量单位"),
    "opening": (None, "年初库存量", "年初库存量"),
    "purchase": ("购进量", "实物量", "购进量"),
    "purchase_value": ("购进量", "金额（千元）", "购进金额（千元）"),
    "total": ("消费量", "合计", "消费量合计"),
    "industrial": ("消费量", "工业生产消费", "工业生产消费"),
    "feedstock": ("消费量", "其中：用作原材料", "#用作原材料"),
    "non_industrial": ("消费量", "非工业生产消费", "非工业生产消费"),
    "closing": (None, "年末库存量", "年末库存量"),
    "coefficient": (None, "参考折标系数", "参考折标系数"),
}
_LETTERS = {"name": "甲", "code": "乙", "unit": "丙"}


@dataclass(frozen=True)
class Item:
    """One energy row of the form, in the form's own unit (default: the catalogue's)."""

    code: str
    total: float | None = None
    industrial: float | None = None
    feedstock: float | None = None
    non_industrial: float | None = None
    opening: float | None = None
    purchase: float | None = None
    purchase_value: float | None = None
    closing: float | None = None
    coefficient: float | None = None
    unit: str | None = None
    name: str | None = None


def catalogue_row(code: str) -> dict[str, Any]:
    cat = data.energy_catalogue().filter(energy_code=code)
    return cat.row(0, named=True) if cat.height else {"name_zh": "未知能源", "unit_zh": "吨"}


def stocked(code: str, total: float, **kw: Any) -> Item:
    """An item whose stocks balance: opening 10 % of use, closing the same, purchases = use."""
    opening = kw.pop("opening", round(total / 10, 2))
    return Item(code, total=total, opening=opening, purchase=total, closing=opening, **kw)


def period_label(period: str) -> str:
    """How forms write a canonical period: 2025 → 2025年, 2025-03 → 2025年3月, Q1 → 1-3月."""
    if len(period) == 4:
        return f"{period}年"
    year, rest = period.split("-")
    if rest.startswith("Q"):
        q = int(rest[1])
        return f"{year}年{3 * q - 2}-{3 * q}月"
    return f"{year}年{int(rest)}月"


def fullwidth(text: str) -> str:
    return "".join(
        "，" if c == "," else chr(ord(c) + 0xFEE0) if c.isascii() and c.isprintable() else c
        for c in text
    )


@dataclass
class Layout:
    """Cells of one sheet (row-major, ``None`` empty) and merged ranges (r0, c0, r1, c1)."""

    rows: list[list[Any]] = field(default_factory=list)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)

    def add(self, cells: Sequence[Any]) -> int:
        self.rows.append(list(cells))
        return len(self.rows) - 1


def _table_header(lay: Layout, columns: Sequence[str], header_rows: int) -> None:
    """One to three header rows; parents merged over their columns, lone labels downwards."""
    width = len(columns)
    if header_rows == 1:
        lay.add([_LABELS[c][2].replace("#", "其中：") for c in columns])
    else:
        top = lay.add([None] * width)
        subs = [lay.add([None] * width) for _ in range(header_rows - 1)]
        j = 0
        while j < width:
            parent, leaf, _ = _LABELS[columns[j]]
            if parent is None:
                lay.rows[top][j] = leaf
                lay.merges.append((top, j, subs[-1], j))
                j += 1
                continue
            k = j
            while k + 1 < width and _LABELS[columns[k + 1]][0] == parent:
                k += 1
            lay.rows[top][j] = parent
            if k > j:
                lay.merges.append((top, j, top, k))
            for jj in range(j, k + 1):
                col = columns[jj]
                sub_leaf = _LABELS[col][1]
                if (
                    header_rows == 3
                    and col == "industrial"
                    and jj + 1 <= k
                    and (columns[jj + 1] == "feedstock")
                ):
                    lay.rows[subs[0]][jj] = sub_leaf
                    lay.merges.append((subs[0], jj, subs[0], jj + 1))
                    lay.rows[subs[1]][jj] = "小计"
                elif (
                    header_rows == 3
                    and col == "feedstock"
                    and jj > j
                    and (columns[jj - 1] == "industrial")
                ):
                    lay.rows[subs[1]][jj] = sub_leaf
                else:
                    lay.rows[subs[0]][jj] = sub_leaf
                    if header_rows == 3:
                        lay.merges.append((subs[0], jj, subs[1], jj))
            j = k + 1


def form_layout(
    uscc: str,
    name: str,
    period: str,
    items: Sequence[Item],
    *,
    title: bool = True,
    header_rows: int = 2,
    letters_row: bool = True,
    blank_rows: bool = False,
    text_numbers: bool = False,
    full_width: bool = False,
    notes: bool = True,
    summary_row: bool = True,
    empty_mark: str | None = None,
    period_text: str | None = None,
    inline_labels: bool = False,
    columns: Sequence[str] = OFFICIAL_ORDER,
    numeric_codes: bool = False,
    leading_blank_rows: int = 0,
    uscc_text: str | None = None,
    extra_header: str | None = None,
) -> Layout:
    """The cells of a form; every keyword makes it awkward in one way real files are."""
    lay = Layout()
    width = len(columns)
    blank = [None] * width

    def row(*cells: Any) -> list[Any]:
        return [*cells, *([None] * (width - len(cells)))]

    for _ in range(leading_blank_rows):
        lay.add(blank)
    if title:
        r = lay.add(row("工业企业能源购进、消费与库存"))
        lay.merges.append((r, 0, r, width - 1))
        lay.add(
            row(
                extra_header, *([None] * (width - 4)), "表号：205-1表", None, "有效期至：2026年12月"
            )
        )
    uscc_cell = uscc_text if uscc_text is not None else uscc
    if inline_labels:
        lay.add(row(f"单位详细名称：{name}", *([None] * 5), f"统一社会信用代码：{uscc_cell}"))
    else:
        lay.add(row("单位名称：", name, None, None, None, "统一社会信用代码", uscc_cell))
    lay.add(row(*([None] * 5), period_text or period_label(period)))
    _table_header(lay, columns, header_rows)
    if letters_row:
        n = 0
        letters = []
        for c in columns:
            if c in _LETTERS:
                letters.append(_LETTERS[c])
            else:
                n += 1
                letters.append(str(n))
        lay.add(letters)

    def number(v: float | None) -> Any:
        if v is None:
            return empty_mark
        if full_width:
            return fullwidth(f"{v:,}")
        if text_numbers:
            return f"{v:,}"
        return v

    for it in items:
        cat = catalogue_row(it.code)
        values = {
            "name": it.name or cat["name_zh"],
            "code": int(it.code) if numeric_codes and it.code.isdigit() else it.code,
            "unit": it.unit or cat["unit_zh"],
            **{
                f: number(getattr(it, f))
                for f in OFFICIAL_ORDER
                if f not in ("name", "code", "unit")
            },
        }
        lay.add([values[c] for c in columns])
        if blank_rows:
            lay.add(blank)
    if summary_row:
        totals = sum(it.total for it in items if isinstance(it.total, float))
        lay.add(
            [
                "能源合计" if c == "name" else number(totals) if c == "total" else None
                for c in columns
            ]
        )
    if notes:
        lay.add(blank)
        lay.add(
            row(
                "单位负责人：张三",
                None,
                "统计负责人：李四",
                None,
                "填表人：王五",
                None,
                "报出日期：2026年1月15日",
            )
        )
        lay.add(
            row(
                "说明：1. 本表由规模以上工业法人单位填报；"
                "2. 主要逻辑审核关系：消费量合计≥工业生产消费。"
            )
        )
        lay.add(row("注：参考折标系数 12.143 仅供参考"))
    return lay


def write_form_xlsx(
    path: Path,
    uscc: str,
    name: str,
    period: str,
    items: Sequence[Item],
    *,
    sheet_name: str = "205-1",
    extra_sheet: bool = False,
    **awkward: Any,
) -> Path:
    """Write one form as .xlsx with xlsxwriter; ``awkward`` goes to ``form_layout``."""
    lay = form_layout(uscc, name, period, items, **awkward)
    book = xlsxwriter.Workbook(str(path))
    if extra_sheet:
        book.add_worksheet("填报说明").write(0, 0, "本表按国家统计局能源统计报表制度填报。")
    ws = book.add_worksheet(sheet_name)
    merged = set()
    for r0, c0, r1, c1 in lay.merges:
        value = lay.rows[r0][c0]
        if (r0, c0) != (r1, c1):
            ws.merge_range(r0, c0, r1, c1, value)
        merged.update((r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1))
    for r, cells in enumerate(lay.rows):
        for c, value in enumerate(cells):
            if value is not None and (r, c) not in merged:
                ws.write(r, c, value)
    book.close()
    return path


def write_form_xls(
    path: Path, uscc: str, name: str, period: str, items: Sequence[Item], **awkward: Any
) -> Path:
    """Write one form as legacy .xls (BIFF) with xlwt."""
    lay = form_layout(uscc, name, period, items, **awkward)
    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet("205-1")
    merged = set()
    for r0, c0, r1, c1 in lay.merges:
        if (r0, c0) != (r1, c1):
            ws.write_merge(r0, r1, c0, c1, lay.rows[r0][c0])
        merged.update((r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1))
    for r, cells in enumerate(lay.rows):
        for c, value in enumerate(cells):
            if value is not None and (r, c) not in merged:
                ws.write(r, c, value)
    book.save(str(path))
    return path


def write_form_csv(
    path: Path,
    uscc: str,
    name: str,
    period: str,
    items: Sequence[Item],
    *,
    encoding: str = "utf-8",
    **awkward: Any,
) -> Path:
    """Write one form as CSV (merged cells keep their value in the top-left cell only)."""
    lay = form_layout(uscc, name, period, items, **awkward)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for cells in lay.rows:
        writer.writerow(["" if v is None else v for v in cells])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path
