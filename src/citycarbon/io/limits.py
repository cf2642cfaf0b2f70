"""Limits on the size and shape of input files, so that a hostile or broken file is refused
with a clear error instead of exhausting memory.

Files read whole (workbooks, 205-1 forms in CSV) are bounded in bytes, in unpacked bytes and
compression ratio (zip bombs), and in the rows, columns and cells of each sheet. Delimited
files read in chunks (the canonical energy CSV, electricity readings) may be of any size:
their columns, line length and field length are bounded instead. Defaults are in
``docs/imports.md``; each limit can be changed with an environment variable, read by the
command line and the web pages through ``Limits.from_env``.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

ENV_PREFIX: Final = "CITYCARBON_"


class LimitsError(ValueError):
    """An environment variable of a limit that is not a positive integer."""


@dataclass(frozen=True)
class Limits:
    """Bounds on one input file; ``Limits()`` holds the documented defaults."""

    max_file_bytes: int = 50 * 1024 * 1024
    """Bytes of a file read whole: .xlsx, .xls and 205-1 forms in CSV (50 MiB)."""
    max_unpacked_bytes: int = 256 * 1024 * 1024
    """Bytes of an .xlsx once unpacked, all parts together (256 MiB)."""
    max_compression_ratio: int = 200
    """Unpacked ÷ packed size of one .xlsx part above 1 MiB unpacked."""
    max_sheet_rows: int = 100_000
    """Rows of one sheet (or of a 205-1 form in CSV), up to the last cell with a value."""
    max_sheet_cells: int = 1_000_000
    """Rows × columns of one sheet, from A1 to the last row and column with a value."""
    max_workbook_cells: int = 3_000_000
    """``max_sheet_cells`` summed over the sheets read from one workbook."""
    max_columns: int = 256
    """Columns of a CSV header or of a sheet (256 is the width of an .xls sheet)."""
    max_field_chars: int = 4096
    """Characters of one field or cell."""

    @property
    def max_line_bytes(self) -> int:
        """Bytes of one line of a delimited file: every column at its longest, in UTF-8."""
        return self.max_columns * (self.max_field_chars * 4 + 3)

    @staticmethod
    def env_name(field_name: str) -> str:
        """``max_file_bytes`` → ``CITYCARBON_MAX_FILE_BYTES``."""
        return ENV_PREFIX + field_name.upper()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Limits:
        """The defaults, each overridden by its ``CITYCARBON_MAX_…`` variable when set.

        Raises ``LimitsError`` (message in Chinese and English) for a value that is not a
        positive integer."""
        environ = os.environ if environ is None else environ
        values: dict[str, int] = {}
        for f in dataclasses.fields(cls):
            name = cls.env_name(f.name)
            text = environ.get(name, "").strip().replace("_", "")
            if not text:
                continue
            if not text.isdigit() or int(text) <= 0:
                raise LimitsError(
                    f"{name}={environ[name]!r}: 应为正整数 / must be a positive integer"
                )
            values[f.name] = int(text)
        return cls(**values)


def limits_or_env(limits: Limits | None) -> Limits:
    """``limits``, or when ``None`` the limits of the environment (``Limits.from_env``)."""
    return Limits.from_env() if limits is None else limits
