"""Consoles, progress bars and error reports shared by the commands."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from citycarbon.core.factors import FactorSetError
from citycarbon.io.errors import InputFileError, RowError
from citycarbon.io.limits import LimitsError

EXIT_BAD_INPUT: Final = 2
MAX_REPORTED_ERRORS: Final = 200
_WIDTH: Final = 160
"""Width used when the output is not a terminal, so that tables are not squeezed."""

err = Console(stderr=True, highlight=False)
out = Console(highlight=False)
if not out.is_terminal:
    out = Console(highlight=False, width=_WIDTH)


def errors_en(n: int) -> str:
    """``n`` errors in English, singular for one ("1 error", "2 errors")."""
    return f"{n} error" if n == 1 else f"{n} errors"


def report_errors(errors: list[RowError], total: int) -> None:
    """Print row errors to stderr, at most ``MAX_REPORTED_ERRORS`` of them."""
    for e in errors[:MAX_REPORTED_ERRORS]:
        err.print(e.render(), markup=False, soft_wrap=True)
    if total > min(len(errors), MAX_REPORTED_ERRORS):
        shown = min(len(errors), MAX_REPORTED_ERRORS)
        more = total - shown
        err.print(f"… 另有 {more} 处错误 / and {errors_en(more)} more", markup=False)


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


def fail(message: str) -> typer.Exit:
    """Print ``message`` on stderr; return the bad-input exit for the caller to raise."""
    err.print(message, markup=False)
    return typer.Exit(EXIT_BAD_INPUT)


def reject(
    errors: list[RowError], total: int | None = None, *, nothing_written: bool = False
) -> typer.Exit:
    """Report row errors; return the bad-input exit for the caller to raise."""
    total = len(errors) if total is None else total
    report_errors(errors, total)
    if nothing_written:
        err.print(
            f"{total} 处错误，未写出结果 / {errors_en(total)}, no output written", markup=False
        )
    return typer.Exit(EXIT_BAD_INPUT)


def require_files(*paths: Path) -> None:
    """Exit with code 2 unless every path is an existing file."""
    for path in paths:
        if not path.is_file():
            raise fail(f"{path}: 文件不存在 / file not found")


@contextmanager
def bad_input_exits() -> Iterator[None]:
    """Turn unreadable files, unknown factor sets and unknown encodings into exit code 2."""
    try:
        yield
    except InputFileError as exc:
        raise reject(exc.errors) from exc
    except FactorSetError as exc:
        raise fail(f"factor set: {exc}") from exc
    except LimitsError as exc:
        raise fail(str(exc)) from exc
    except LookupError as exc:
        raise fail(f"encoding: {exc}") from exc
