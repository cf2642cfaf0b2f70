"""Consoles, progress bars and error reports shared by the commands."""

from __future__ import annotations

from typing import Final

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from citycarbon.io.errors import RowError

EXIT_BAD_INPUT: Final = 2
MAX_REPORTED_ERRORS: Final = 200
_WIDTH: Final = 160
"""Width used when the output is not a terminal, so that tables are not squeezed."""

err = Console(stderr=True, highlight=False)
out = Console(highlight=False)
if not out.is_terminal:
    out = Console(highlight=False, width=_WIDTH)


def report_errors(errors: list[RowError], total: int) -> None:
    """Print row errors to stderr, at most ``MAX_REPORTED_ERRORS`` of them."""
    for e in errors[:MAX_REPORTED_ERRORS]:
        err.print(e.render(), markup=False, soft_wrap=True)
    if total > min(len(errors), MAX_REPORTED_ERRORS):
        shown = min(len(errors), MAX_REPORTED_ERRORS)
        err.print(f"… 另有 {total - shown} 处错误 / and {total - shown} more errors", markup=False)


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )
