"""A blank statistical form 205-1 (工业企业能源购进、消费与库存) as .xlsx, for enterprises to
fill in: the header block (单位详细名称, 统一社会信用代码, 报告期别) with empty cells to fill,
a two-row table header in the official column order, the row of column letters and one row
per energy of the 205-1 catalogue (name, code, unit, reference coefficient). Filled in, it is
what ``io.form205`` reads (``citycarbon convert-205``, the energy upload page)."""

from __future__ import annotations

import io
from typing import Final

# xlsxwriter ships no type information.
import xlsxwriter  # type: ignore[import-untyped]

from citycarbon import data
from citycarbon.io.balance_xlsx import WORKBOOK_OPTIONS

# (parent, leaf) per column; parent None: a column of its own, merged over both header rows
COLUMNS: Final = (
    (None, "能源名称"),
    (None, "代码"),
    (None, "计量单位"),
    (None, "年初库存量"),
    ("购进量", "实物量"),
    ("购进量", "金额（千元）"),
    ("消费量", "合计"),
    ("消费量", "工业生产消费"),
    ("消费量", "其中：用作原材料"),
    ("消费量", "非工业生产消费"),
    (None, "年末库存量"),
    (None, "参考折标系数"),
)
TITLE: Final = "工业企业能源购进、消费与库存"
FORM_NUMBER: Final = "表号：205-1表"
NAME_LABEL: Final = "单位详细名称："
USCC_LABEL: Final = "统一社会信用代码："
PERIOD_LABEL: Final = "报告期别："
NAME_CELL: Final = (2, 1)
"""Where the enterprise's name is written (row, column; from 0): right of its label."""
USCC_CELL: Final = (2, 7)
PERIOD_CELL: Final = (3, 7)
"""The period as forms write it: 2025年, 2025年3月, 2025年第一季度."""
FIRST_ITEM_ROW: Final = 7
"""The row of the first energy (from 0), after the header and the letters row."""
NOTE: Final = (
    "说明：请填写单位名称、统一社会信用代码和报告期别（如 2025年、2025年3月、2025年第一季度）；"
    "计量单位以本表为准，未消费的能源留空。"
)


def blank_form_xlsx() -> bytes:
    """The blank form as the bytes of an .xlsx file."""
    catalogue = data.energy_catalogue().sort("energy_code")
    target = io.BytesIO()
    book = xlsxwriter.Workbook(target, WORKBOOK_OPTIONS)
    ws = book.add_worksheet("205-1")
    bold = book.add_format({"bold": True, "align": "center", "valign": "vcenter"})
    head = book.add_format({"bold": True, "align": "center", "valign": "vcenter", "border": 1})
    cell = book.add_format({"border": 1})
    text = book.add_format({"border": 1, "num_format": "@"})
    last = len(COLUMNS) - 1
    ws.merge_range(0, 0, 0, last, TITLE, bold)
    ws.write_string(1, last - 2, FORM_NUMBER)
    ws.write_string(2, 0, NAME_LABEL)
    ws.write_string(2, USCC_CELL[1] - 1, USCC_LABEL)
    ws.write_string(3, PERIOD_CELL[1] - 1, PERIOD_LABEL)
    j = 0
    while j <= last:
        parent, leaf = COLUMNS[j]
        if parent is None:
            ws.merge_range(4, j, 5, j, leaf, head)
            j += 1
            continue
        k = j
        while k + 1 <= last and COLUMNS[k + 1][0] == parent:
            k += 1
        ws.merge_range(4, j, 4, k, parent, head)
        for jj in range(j, k + 1):
            ws.write_string(5, jj, COLUMNS[jj][1], head)
        j = k + 1
    letters = ["甲", "乙", "丙", *(str(n) for n in range(1, len(COLUMNS) - 2))]
    for jj, letter in enumerate(letters):
        ws.write_string(6, jj, letter, head)
    rows = catalogue.select("name_zh", "energy_code", "unit_zh", "tce_per_unit").iter_rows()
    r = FIRST_ITEM_ROW
    for r, (name, code, unit, coefficient) in enumerate(rows, start=FIRST_ITEM_ROW):
        ws.write_string(r, 0, name, cell)
        ws.write_string(r, 1, code, text)
        ws.write_string(r, 2, unit, cell)
        for jj in range(3, last):
            ws.write_blank(r, jj, None, cell)
        if coefficient is not None:
            ws.write_number(r, last, coefficient, cell)
        else:
            ws.write_blank(r, last, None, cell)
    ws.write_string(r + 2, 0, NOTE)
    ws.set_column(0, 0, 22)
    ws.set_column(1, last, 12)
    ws.freeze_panes(FIRST_ITEM_ROW, 3)
    book.close()
    return target.getvalue()
