"""Text cells that a spreadsheet would run as formulas, neutralised on the way out.

Excel, WPS and LibreOffice treat a CSV cell starting with ``=``, ``+``, ``-`` or ``@`` as a
formula, and skip a leading TAB or CR before looking (CSV injection, OWASP). Every CSV and
XLSX the platform writes goes through this module: a text cell that starts with one of those
characters, and is not a plain number, gets a single quote ``'`` in front (the OWASP advice),
which a spreadsheet shows as text. Numeric columns are left alone, and so is text that is a
plain number (``-5``, ``+1.5e3``): it is data, not a formula.

A text that already starts with quotes in front of such a character gets one more quote, so
that ``restore`` gives back exactly what was written: ``restore(neutralise(x)) == x``.
"""

from __future__ import annotations

import re
from typing import Final

import polars as pl

_NUMBER: Final = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_DANGEROUS: Final = re.compile(r"'*[=+\-@\t\r]")
_PLAIN_NUMBER: Final = re.compile(rf"'*{_NUMBER}")


def needs_quote(text: str) -> bool:
    """``text`` (after any leading quotes) starts like a formula and is not a plain number."""
    return bool(_DANGEROUS.match(text)) and not _PLAIN_NUMBER.fullmatch(text)


def neutralise(text: str) -> str:
    """``text`` with a ``'`` in front when a spreadsheet would read it as a formula."""
    return "'" + text if needs_quote(text) else text


def restore(text: str) -> str:
    """The text ``neutralise`` was given: one leading ``'`` dropped where it added one."""
    return text[1:] if text.startswith("'") and needs_quote(text[1:]) else text


def neutralise_expr(column: pl.Expr) -> pl.Expr:
    """``neutralise`` as a Polars expression over a text column (nulls stay null)."""
    dangerous = column.str.contains(r"^'*[=+\-@\t\r]")
    number = column.str.contains(rf"^'*{_NUMBER}$")
    return pl.when(dangerous & ~number).then(pl.lit("'") + column).otherwise(column)


def safe_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with every text column neutralised; other columns unchanged."""
    text = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    if not text:
        return frame
    return frame.with_columns(neutralise_expr(pl.col(c)).alias(c) for c in text)


def csv_text(frame: pl.DataFrame) -> str:
    """``frame`` as CSV text (``DataFrame.write_csv``) with its text cells neutralised."""
    return safe_frame(frame).write_csv()


def safe_row(cells: list[object]) -> list[object]:
    """A row for ``csv.writer``: strings neutralised, numbers and other values as they are."""
    return [neutralise(c) if isinstance(c, str) else c for c in cells]
