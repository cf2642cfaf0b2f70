"""A benchmark list (清单) as CSV or an Excel workbook, for download.

Both carry the whole filtered list, one row per enterprise-year, under bilingual headers.
Text cells go through ``io/safecells`` so that a name or a reason starting with ``=``, ``+``,
``-`` or ``@`` stays text; the workbook also writes every string as a string (never a formula,
a number or a link), like the energy balance workbook.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import polars as pl

# xlsxwriter ships no type information.
import xlsxwriter  # type: ignore[import-untyped]

from citycarbon.io.balance_xlsx import WORKBOOK_OPTIONS
from citycarbon.io.safecells import csv_text, neutralise, safe_frame

Column = tuple[str, str]
"""A column of the export: the frame's column name and its header."""


def _table(frame: pl.DataFrame, columns: Sequence[Column]) -> pl.DataFrame:
    return frame.select(pl.col(name).alias(header) for name, header in columns)


def list_csv(frame: pl.DataFrame, columns: Sequence[Column]) -> bytes:
    """``frame``'s ``columns`` as UTF-8 CSV with a byte-order mark (so that Excel reads the
    Chinese), text cells neutralised."""
    return ("\ufeff" + csv_text(_table(frame, columns))).encode()


def list_xlsx(
    frame: pl.DataFrame, columns: Sequence[Column], *, sheet: str, provenance: str
) -> bytes:
    """``frame``'s ``columns`` as a one-sheet workbook: a provenance line, the headers, the
    rows; numbers as numbers, text neutralised and written as strings."""
    table = safe_frame(_table(frame, columns))
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, WORKBOOK_OPTIONS)
    try:
        bold = workbook.add_format({"bold": True})
        ws = workbook.add_worksheet(sheet)
        ws.write_string(0, 0, neutralise(provenance))
        for c, header in enumerate(table.columns):
            ws.write_string(1, c, header, bold)
        for r, row in enumerate(table.iter_rows(), start=2):
            for c, value in enumerate(row):
                if value is None:
                    ws.write_blank(r, c, None)
                elif isinstance(value, str):
                    ws.write_string(r, c, value)
                elif isinstance(value, bool):
                    ws.write_boolean(r, c, value)
                else:
                    ws.write_number(r, c, value)
        ws.freeze_panes(2, 0)
    finally:
        workbook.close()
    return buffer.getvalue()
