"""Delimited text tables read chunk by chunk into text columns with their line numbers."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import polars as pl

from citycarbon.io.errors import InputFileError, RowError
from citycarbon.io.limits import Limits
from citycarbon.io.textfile import Chunk, TextFile


def check_header(header: bytes, file: str, required: tuple[str, ...]) -> list[str]:
    """The column names of ``header``; raises if a required column is missing (one error per
    missing column, naming it)."""
    try:
        names = [c.strip() for c in next(csv.reader([header.decode("utf-8")]))]
    except csv.Error as exc:
        raise InputFileError([RowError(file, 1, "", "parse", detail_en=str(exc))]) from exc
    missing = [c for c in required if c not in names]
    if missing:
        raise InputFileError([RowError(file, 1, c, "missing_column", detail=c) for c in missing])
    return names


def _field_count_errors(header: bytes, chunk: Chunk, file: str) -> list[RowError]:
    width = len(next(csv.reader([header.decode("utf-8")])))
    errors = []
    text = chunk.data.decode("utf-8", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for fields in reader:
            if fields and len(fields) != width:
                errors.append(
                    RowError(
                        file,
                        chunk.first_row + reader.line_num - 1,
                        "",
                        "field_count",
                        detail=f"{len(fields)} ≠ {width}",
                    )
                )
    except csv.Error as exc:
        errors.append(
            RowError(file, chunk.first_row + reader.line_num - 1, "", "parse", detail_en=str(exc))
        )
    return errors


def _long_field_errors(frame: pl.DataFrame, file: str, limit: int) -> list[RowError]:
    """Fields over ``limit`` characters (checked in bytes first: never fewer than chars)."""
    text = [c for c, t in frame.schema.items() if t == pl.String]
    longest = frame.select(pl.col(text).str.len_bytes().max())
    errors = []
    for c in text:
        if (longest[c][0] or 0) <= limit:
            continue
        long = frame.filter(pl.col(c).str.len_chars() > limit).head(20)
        for row, value in long.select("row", c).iter_rows():
            detail = f"{len(value):,} > {limit:,} ({Limits.env_name('max_field_chars')})"
            errors.append(RowError(file, row, c.strip(), "field_too_long", detail=detail))
    return errors


def parse_chunk(header: bytes, chunk: Chunk, file: str, columns: tuple[str, ...]) -> pl.DataFrame:
    """The chunk as text columns plus ``row`` (line number); blank lines dropped."""
    try:
        frame = pl.read_csv(io.BytesIO(header + chunk.data), infer_schema=False)
    except pl.exceptions.ComputeError as exc:
        errors = _field_count_errors(header, chunk, file)
        if not errors:
            errors = [
                RowError(file, chunk.first_row, "", "parse", detail_en=str(exc).splitlines()[0])
            ]
        raise InputFileError(errors) from exc
    frame = frame.rename({c: c.strip() for c in frame.columns})
    frame = frame.with_row_index("row", offset=chunk.first_row).with_columns(
        pl.col("row").cast(pl.Int64)
    )
    long_fields = _long_field_errors(frame, file, chunk.limits.max_field_chars)
    if long_fields:
        raise InputFileError(long_fields)
    present = [c for c in columns if c in frame.columns]
    blank = pl.all_horizontal(
        pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in present
    )
    return frame.filter(~blank)


def error_rows(
    frame: pl.DataFrame, cond: pl.Expr, column: str, code: str, detail: pl.Expr
) -> pl.DataFrame:
    value = pl.col(column).cast(pl.String) if column in frame.columns else pl.lit(None, pl.String)
    return frame.filter(cond).select(
        "row",
        pl.lit(column).alias("column"),
        value.alias("value"),
        pl.lit(code).alias("code"),
        detail.cast(pl.String).alias("detail"),
    )


def read_whole(
    path: Path,
    required: tuple[str, ...],
    optional: tuple[str, ...] = (),
    encoding: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> pl.DataFrame:
    """A small table read whole: text columns plus ``row``; raises ``InputFileError``.
    ``progress(bytes_done, size)`` is called after each chunk."""
    text = TextFile(path, encoding=encoding)
    check_header(text.header(), text.name, required)
    frames = []
    for header, chunk in text.chunks():
        frames.append(parse_chunk(header, chunk, text.name, (*required, *optional)))
        if progress is not None:
            progress(chunk.bytes_done, text.size)
    if not frames:
        names = check_header(text.header(), text.name, required)
        return pl.DataFrame(schema={"row": pl.Int64, **{n: pl.String for n in names}})
    return pl.concat(frames, how="diagonal_relaxed")
