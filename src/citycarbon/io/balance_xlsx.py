"""The energy balance as an Excel workbook (能源平衡表).

Two sheets: ``实物量`` (physical quantities, each code in its standard unit) and ``标准量``
(tonnes of standard coal, with category subtotals and a total). Each sheet starts with a
provenance line (year, method, factor set and its tce coefficients, input hash) and holds one
block per scope: the city first, then each district. Headers are Chinese with English and
the unit; values are numbers.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import Final

import polars as pl

# xlsxwriter ships no type information.
import xlsxwriter  # type: ignore[import-untyped]
from xlsxwriter.worksheet import Worksheet  # type: ignore[import-untyped]

from citycarbon.core.balance import COLUMNS, METHOD_VERSION, category_totals, in_tce
from citycarbon.io.safecells import neutralise

WORKBOOK_OPTIONS: Final = {
    "in_memory": True,
    # Text is text: never read as a formula, a number or a link, whatever it starts with.
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
}

SHEET_PHYSICAL: Final = "实物量"
SHEET_TCE: Final = "标准量"
CATEGORY_NAMES: Final = {
    "coal": "煤 coal",
    "oil": "油 oil",
    "gas": "气 gas",
    "electricity_heat": "电力热力 electricity and heat",
    "other": "其他 other",
    "total": "合计 total",
}


def provenance(year: int, factor_set: str, input_sha256: str) -> str:
    return (
        f"{year}年能源平衡表（简表）energy balance {year}, simplified — 方法 method "
        f"{METHOD_VERSION}; 折标系数 tce coefficients: 205-1 catalogue, factor set {factor_set} "
        f"(电力按当量值 electricity at its calorific equivalent unless the set says otherwise); "
        f"输入 input SHA-256 {input_sha256}"
    )


def write_balance_xlsx(
    balance: pl.DataFrame,
    target: Path | io.BytesIO,
    *,
    year: int,
    factor_set: str,
    input_sha256: str,
    scope_names: Mapping[str, str] | None = None,
) -> None:
    """Write ``balance`` (``core.balance.BALANCE``) to ``target`` (a path or a buffer)."""
    names = {"city": "全市 city", **(scope_names or {})}
    book = xlsxwriter.Workbook(target, WORKBOOK_OPTIONS)
    bold = book.add_format({"bold": True})
    head = book.add_format({"bold": True, "text_wrap": True, "valign": "top", "border": 1})
    num = book.add_format({"num_format": "#,##0.00"})
    num_bold = book.add_format({"num_format": "#,##0.00", "bold": True})
    line = provenance(year, factor_set, input_sha256)
    tce = in_tce(balance)
    totals = category_totals(tce)
    scopes = list(dict.fromkeys(balance.get_column("scope").to_list()))
    for sheet_name, frame, unit_note in (
        (SHEET_PHYSICAL, balance, "计量单位 unit: 各能源标准单位 standard unit of each code"),
        (SHEET_TCE, tce, "计量单位 unit: 吨标准煤 tce"),
    ):
        ws = book.add_worksheet(sheet_name)
        ws.write_string(0, 0, neutralise(line))
        ws.write_string(1, 0, unit_note)
        ws.set_column(0, 0, 10)
        ws.set_column(1, 1, 24)
        ws.set_column(2, 2, 14)
        ws.set_column(3, 3 + len(COLUMNS), 16)
        row = 3
        for scope in scopes:
            label = names["city"] if scope == "city" else f"{scope} {names.get(scope, '')}"
            ws.write_string(row, 0, neutralise(label.strip()), bold)
            row += 1
            row = _block_header(ws, row, head, tce=sheet_name == SHEET_TCE)
            part = frame.filter(pl.col("scope") == scope)
            for r in part.iter_rows(named=True):
                ws.write_string(row, 0, neutralise(r["energy_code"]))
                ws.write_string(row, 1, neutralise(f"{r['name_zh']} {r['name_en']}"))
                ws.write_string(row, 2, neutralise(f"{r['unit_zh']} {r['unit']}"))
                for j, (c, _, _) in enumerate(COLUMNS):
                    ws.write_number(row, 3 + j, float(r[c]), num)
                row += 1
            if sheet_name == SHEET_TCE:
                for r in totals.filter(pl.col("scope") == scope).iter_rows(named=True):
                    ws.write_string(row, 0, "")
                    ws.write_string(row, 1, CATEGORY_NAMES.get(r["category"], r["category"]), bold)
                    ws.write_string(row, 2, "吨标准煤 tce")
                    for j, (c, _, _) in enumerate(COLUMNS):
                        ws.write_number(row, 3 + j, float(r[c]), num_bold)
                    row += 1
            row += 1
    book.close()


def _block_header(ws: Worksheet, row: int, fmt: object, *, tce: bool) -> int:
    unit = "吨标准煤 tce" if tce else "标准单位 standard unit"
    ws.write_string(row, 0, "能源代码\ncode", fmt)
    ws.write_string(row, 1, "能源名称\nenergy", fmt)
    ws.write_string(row, 2, "计量单位\nunit", fmt)
    for j, (_, zh, en) in enumerate(COLUMNS):
        ws.write_string(row, 3 + j, f"{zh}\n{en}\n({unit})", fmt)
    return row + 1
