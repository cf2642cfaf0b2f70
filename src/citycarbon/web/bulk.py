"""Frames in and out of the database in bulk: COPY on PostgreSQL, one executemany on SQLite.
Batch work never saves large data row by row through the ORM."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import polars as pl
from django.db import connection, models


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def insert_frame(model: type[models.Model], frame: pl.DataFrame) -> int:
    """Insert every row of ``frame`` (columns named like the table's columns) into the table
    of ``model``; returns the number of rows. Runs in the caller's transaction."""
    if frame.is_empty():
        return 0
    table = _quote(model._meta.db_table)
    columns = ", ".join(_quote(c) for c in frame.columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = f"COPY {table} ({columns}) FROM STDIN (FORMAT csv, HEADER false, NULL '\\N')"
            # Django's error wrapper, so that a violated constraint is an IntegrityError on
            # every database.
            with connection.wrap_database_errors, cursor.copy(sql) as copy:
                copy.write(frame.write_csv(include_header=False, null_value="\\N"))
        else:
            marks = ", ".join(["%s"] * frame.width)
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})",
                frame.rows(),
            )
    return frame.height


def read_frame(
    sql: str, params: Sequence[str | int | float | None], schema: dict[str, pl.DataType]
) -> pl.DataFrame:
    """The rows of a query as a frame with ``schema`` (in the query's column order)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return pl.DataFrame(rows, schema=schema, orient="row")


def content_sha256(*frames: pl.DataFrame) -> str:
    """SHA-256 of the frames' CSV text, sorted by every column, so that row order and the
    order of equal content do not matter."""
    digest = hashlib.sha256()
    for frame in frames:
        digest.update(frame.sort(frame.columns).write_csv().encode("utf-8"))
    return digest.hexdigest()


def table(model: type[models.Model]) -> str:
    """The quoted table name of ``model``, for hand-written bulk queries."""
    return _quote(model._meta.db_table)
