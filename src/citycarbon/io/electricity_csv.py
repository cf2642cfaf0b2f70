"""Grid electricity readings per electricity account (户号):
``account_no,start,grain,kwh[,account_name]``.

``grain`` is ``month``, ``day`` or ``15min``; ``start`` is the first moment of the interval in
Asia/Shanghai time: ``YYYY-MM`` for a month, ``YYYY-MM-DD`` for a day, and for a quarter hour
``YYYY-MM-DD HH:MM`` (``T`` also accepted, seconds optional) or ISO 8601 with an offset
(``2026-10-01T00:15:00+08:00``), on a quarter hour. ``kwh`` is the energy over the interval,
zero or more. A key (account, start, grain) appears once per batch.

The same checks serve files (``read_readings``, chunk by chunk like the energy CSV) and the
API (``validate_readings`` on a frame built from the JSON body), so both reject the same
rows for the same reasons.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Final

import polars as pl

from citycarbon.io.csvtable import check_header, error_rows, parse_chunk
from citycarbon.io.errors import ERROR_SCHEMA, RowError, empty_errors, errors_from_frame
from citycarbon.io.limits import Limits
from citycarbon.io.numbers import number_checks, reading_bounds
from citycarbon.io.textfile import DEFAULT_CHUNK_BYTES, TextFile

REQUIRED_COLUMNS: Final = ("account_no", "start", "grain", "kwh")
OPTIONAL_COLUMNS: Final = ("account_name",)
KEY_COLUMNS: Final = ("account_no", "start", "grain")
GRAINS: Final = ("month", "day", "15min")
TIME_ZONE: Final = "Asia/Shanghai"
ACCOUNT_NO_MAX: Final = 32
START_YEARS: Final = (1990, 2099)
"""First and last year a reading may start in (outside them: ``start_out_of_range``)."""
TEXT_COLUMNS: Final = ("account_no", "start", "grain", "kwh", "account_name")
ACCOUNT_NAME_MAX: Final = 200

READINGS: Final = pl.Schema(
    {
        "account_no": pl.String(),
        "start": pl.Datetime("us", TIME_ZONE),
        "grain": pl.String(),
        "kwh": pl.Float64(),
        "account_name": pl.String(),
    }
)
"""Validated readings; ``start`` in Asia/Shanghai, ``account_name`` empty when not given."""

_MONTH: Final = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
_DAY: Final = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_MINUTE: Final = r"^([0-9]{4}-[0-9]{2}-[0-9]{2}) ([0-9]{2}:[0-9]{2})($|[+-])"
_OFFSET: Final = r"[+-][0-9]{2}:?[0-9]{2}$"


def _parsed_start() -> pl.Expr:
    """``start`` as a Datetime in Asia/Shanghai, null when it does not match its grain."""
    s = pl.col("start")
    g = pl.col("grain")
    month = (s + "-01").str.to_datetime("%Y-%m-%d", strict=False, time_unit="us")
    day = s.str.to_datetime("%Y-%m-%d", strict=False, time_unit="us")
    # Quarter hours: one spelling (``YYYY-MM-DD HH:MM:SS`` with an optional offset) first.
    text = (
        s.str.replace("T", " ", literal=True)
        .str.replace(r"Z$", "+00:00")
        .str.replace(_MINUTE, "${1} ${2}:00${3}")
    )
    local = text.str.to_datetime(
        "%Y-%m-%d %H:%M:%S", strict=False, time_unit="us", time_zone=TIME_ZONE
    )
    aware = text.str.to_datetime(
        "%Y-%m-%d %H:%M:%S%z", strict=False, time_unit="us"
    ).dt.convert_time_zone(TIME_ZONE)
    quarter = pl.when(text.str.contains(_OFFSET)).then(aware).otherwise(local)
    return (
        pl.when((g == "month") & s.str.contains(_MONTH))
        .then(month.dt.replace_time_zone(TIME_ZONE))
        .when((g == "day") & s.str.contains(_DAY))
        .then(day.dt.replace_time_zone(TIME_ZONE))
        .when(g == "15min")
        .then(quarter)
        .otherwise(pl.lit(None, pl.Datetime("us", TIME_ZONE)))
    )


def validate_readings(
    frame: pl.DataFrame, bounds: Mapping[str, float] | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split text columns (``REQUIRED_COLUMNS``, optional ``account_name``, and ``row``) into
    valid readings (``READINGS`` + ``row``) and errors (``ERROR_SCHEMA``). ``kwh`` may also
    arrive as numbers; it must be finite and within ``bounds`` (kWh per grain, default
    ``io.numbers.reading_bounds()``). Duplicate keys within ``frame`` are errors on every row
    involved."""
    s = pl.col
    bounds = reading_bounds() if bounds is None else bounds
    if "account_name" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, pl.String).alias("account_name"))
    frame = frame.with_columns(
        s("account_no").cast(pl.String).str.strip_chars().fill_null(""),
        s("start").cast(pl.String).str.strip_chars().fill_null(""),
        s("grain").cast(pl.String).str.strip_chars().str.to_lowercase().fill_null(""),
        s("kwh").cast(pl.String).str.strip_chars().fill_null(""),
        s("account_name").cast(pl.String).str.strip_chars().fill_null(""),
    )
    frame = frame.with_columns(
        s("kwh").cast(pl.Float64, strict=False).alias("_kwh"),
        _parsed_start().alias("_start"),
    )
    grain_ok = s("grain").is_in(list(GRAINS))
    start_given = s("start") != ""
    kwh_given = s("kwh") != ""
    number = s("_kwh").is_not_null() & s("_kwh").is_finite()
    on_quarter = (s("_start").dt.minute() % 15 == 0) & (s("_start").dt.second() == 0)
    quarter = s("grain") == "15min"
    checks = [
        (s("account_no") == "", "account_no", "empty_account", pl.lit(None)),
        (
            s("account_no").str.len_chars() > ACCOUNT_NO_MAX,
            "account_no",
            "text_too_long",
            pl.lit(str(ACCOUNT_NO_MAX)),
        ),
        (
            s("account_name").str.len_chars() > ACCOUNT_NAME_MAX,
            "account_name",
            "text_too_long",
            pl.lit(str(ACCOUNT_NAME_MAX)),
        ),
        (~grain_ok, "grain", "bad_grain", pl.lit(None)),
        (~start_given, "start", "missing_start", pl.lit(None)),
        (
            grain_ok & start_given & s("_start").is_null(),
            "start",
            "bad_start",
            s("grain"),
        ),
        (
            quarter & s("_start").is_not_null() & ~on_quarter,
            "start",
            "off_quarter_hour",
            pl.lit(None),
        ),
        (
            s("_start").dt.year().is_between(*START_YEARS).not_(),
            "start",
            "start_out_of_range",
            pl.lit(f"{START_YEARS[0]}–{START_YEARS[1]}"),
        ),
        *(
            (s(c).str.contains("\x00", literal=True), c, "nul_character", pl.lit(None))
            for c in TEXT_COLUMNS
        ),
        (~kwh_given, "kwh", "missing_kwh", pl.lit(None)),
        (kwh_given & ~number, "kwh", "not_number_value", pl.lit(None)),
        *number_checks(
            "kwh",
            s("kwh"),
            s("_kwh"),
            s("grain").replace_strict(dict(bounds), default=None, return_dtype=pl.Float64),
            pl.lit("kWh"),
        ),
        (number & (s("_kwh") < 0), "kwh", "negative_value", pl.lit(None)),
    ]
    errors = pl.concat(
        [error_rows(frame, cond, col, code, detail) for cond, col, code, detail in checks]
    ).cast(dict(ERROR_SCHEMA))  # type: ignore[arg-type]
    ok = frame.filter(~s("row").is_in(errors["row"].implode()))
    valid = ok.select(
        "row",
        "account_no",
        s("_start").alias("start"),
        "grain",
        s("_kwh").alias("kwh"),
        "account_name",
    )
    dup = duplicate_errors(valid)
    if dup.height:
        errors = pl.concat([errors, dup])
        valid = valid.filter(~s("row").is_in(dup["row"].implode()))
    return valid, errors


def duplicate_errors(valid: pl.DataFrame) -> pl.DataFrame:
    """An error on every row whose key (account, start, grain) another row also has."""
    keys = list(KEY_COLUMNS)
    dup = valid.filter(pl.len().over(keys) > 1)
    return dup.select(
        "row",
        pl.lit("start").alias("column"),
        pl.concat_str(
            "account_no",
            pl.col("start").dt.strftime("%Y-%m-%d %H:%M"),
            "grain",
            separator="|",
        ).alias("value"),
        pl.lit("duplicate_reading").alias("code"),
        pl.concat_str(
            pl.lit("rows "), pl.col("row").cast(pl.String).str.join(", ").over(keys)
        ).alias("detail"),
    ).cast(dict(ERROR_SCHEMA))  # type: ignore[arg-type]


def readings(valid: pl.DataFrame) -> pl.DataFrame:
    """Validated rows in the ``READINGS`` schema (``row`` dropped)."""
    return valid.select(list(READINGS.names())).cast(dict(READINGS))  # type: ignore[arg-type]


def read_readings(
    path: Path,
    *,
    encoding: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    limits: Limits | None = None,
) -> tuple[pl.DataFrame, list[RowError], str]:
    """The readings of one file (``READINGS``), its row errors, and its SHA-256. Raises
    ``InputFileError`` when the file cannot be read at all (encoding, header, ``limits``,
    by default those of the environment)."""
    text = TextFile(path, encoding=encoding, chunk_bytes=chunk_bytes, limits=limits)
    check_header(text.header(), text.name, REQUIRED_COLUMNS)
    bounds = reading_bounds()
    valid_parts: list[pl.DataFrame] = []
    error_parts: list[pl.DataFrame] = [empty_errors()]
    for header, chunk in text.chunks():
        raw = parse_chunk(header, chunk, text.name, (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS))
        valid, errors = validate_readings(raw, bounds)
        valid_parts.append(valid)
        error_parts.append(errors)
        if progress is not None:
            progress(chunk.bytes_done, text.size)
    valid = (
        pl.concat(valid_parts)
        if valid_parts
        else pl.DataFrame(schema={"row": pl.Int64, **dict(READINGS)})
    )
    # Keys repeated across chunks: the per-chunk check cannot see them.
    if len(valid_parts) > 1:
        dup = duplicate_errors(valid)
        if dup.height:
            error_parts.append(dup)
            valid = valid.filter(~pl.col("row").is_in(dup["row"].implode()))
    errors = pl.concat(error_parts).unique()
    return readings(valid), errors_from_frame(text.name, errors), text.sha256


def canonical(frame: pl.DataFrame) -> pl.DataFrame:
    """Readings (``READINGS``) as the canonical CSV's text columns, ``start`` spelled for its
    grain in Asia/Shanghai time."""
    start = pl.col("start").dt.convert_time_zone(TIME_ZONE)
    return frame.select(
        "account_no",
        pl.when(pl.col("grain") == "month")
        .then(start.dt.strftime("%Y-%m"))
        .when(pl.col("grain") == "day")
        .then(start.dt.strftime("%Y-%m-%d"))
        .otherwise(start.dt.strftime("%Y-%m-%d %H:%M"))
        .alias("start"),
        "grain",
        "kwh",
        pl.col("account_name").fill_null(""),
    )
