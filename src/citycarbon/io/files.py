"""Writing result files whole or not at all."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import polars as pl

from citycarbon.io.safecells import safe_frame


def write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """Call ``write`` on a temporary file beside ``path``, then move it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_csv(frame: pl.DataFrame, path: Path) -> None:
    """Write ``frame`` as UTF-8 CSV to ``path`` atomically, text cells that a spreadsheet
    would run as formulas neutralised (``io.safecells``)."""
    write_atomically(path, safe_frame(frame).write_csv)


def write_text(text: str, path: Path) -> None:
    """Write ``text`` as UTF-8 to ``path`` atomically."""
    write_atomically(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
