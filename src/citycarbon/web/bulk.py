"""Frames in and out of the database in bulk: COPY on PostgreSQL, one executemany on SQLite.
Batch work never saves large data row by row through the ORM."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence

import polars as pl
from django.db import connection, models
from django.utils import timezone


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def insert_rows(quoted_table: str, frame: pl.DataFrame) -> int:
    """Insert every row of ``frame`` into the table ``quoted_table`` (columns named like the
    frame's); returns the number of rows. Runs in the caller's transaction."""
    if frame.is_empty():
        return 0
    columns = ", ".join(_quote(c) for c in frame.columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            options = "(FORMAT csv, HEADER false, NULL '\\N')"
            sql = f"COPY {quoted_table} ({columns}) FROM STDIN {options}"
            # Django's error wrapper, so that a violated constraint is an IntegrityError on
            # every database.
            with connection.wrap_database_errors, cursor.copy(sql) as copy:
                copy.write(frame.write_csv(include_header=False, null_value="\\N"))
        else:
            marks = ", ".join(["%s"] * frame.width)
            cursor.executemany(
                f"INSERT INTO {quoted_table} ({columns}) VALUES ({marks})",
                frame.rows(),
            )
    return frame.height


def insert_frame(model: type[models.Model], frame: pl.DataFrame) -> int:
    """Insert every row of ``frame`` (columns named like the table's columns) into the table
    of ``model``; returns the number of rows. Runs in the caller's transaction."""
    return insert_rows(table(model), frame)


def drop_keys_if_empty(model: type[models.Model]) -> list[models.UniqueConstraint]:
    """On PostgreSQL, when ``model``'s table is empty, lock it for the rest of the caller's
    transaction and drop its unique constraints; returns those dropped (none elsewhere, or
    when the table holds rows). A first bulk load into an empty table then builds each key's
    index once over the loaded rows (``add_keys``) instead of inserting every row into it,
    which on millions of rows takes longer than the load itself. Readers of the table wait
    for the lock until the load commits; a key repeated by the load fails in ``add_keys``,
    in the same transaction, which rolls the drop back with everything else."""
    if connection.vendor != "postgresql" or model._default_manager.exists():
        return []
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {table(model)} IN ACCESS EXCLUSIVE MODE")
    if model._default_manager.exists():  # filled meanwhile, before the lock
        return []
    keys = [c for c in model._meta.constraints if isinstance(c, models.UniqueConstraint)]
    with connection.schema_editor(atomic=False) as editor:
        for key in keys:
            editor.remove_constraint(model, key)
    return keys


def add_keys(model: type[models.Model], keys: Sequence[models.UniqueConstraint]) -> None:
    """Add back the unique constraints ``drop_keys_if_empty`` dropped, in the caller's
    transaction; an ``IntegrityError`` when the loaded rows repeat a key."""
    if not keys:
        return
    with connection.cursor() as cursor:
        # One sort in memory for the index builds, not spilled to disk.
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    with connection.wrap_database_errors, connection.schema_editor(atomic=False) as editor:
        for key in keys:
            editor.add_constraint(model, key)


def temp_table(name: str, columns: dict[str, str], frame: pl.DataFrame) -> None:
    """Make the temporary table ``name`` anew (``columns``: name → SQL type; dropped at commit
    on PostgreSQL) and fill it with ``frame``, whose columns are the leading ones in order.
    On PostgreSQL it is analysed, so that joins with it are planned on its real size."""
    spec = ", ".join(f"{c} {t}" for c, t in columns.items())
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
        drop = " ON COMMIT DROP" if connection.vendor == "postgresql" else ""
        cursor.execute(f"CREATE TEMPORARY TABLE {name} ({spec}){drop}")
    insert_rows(name, frame)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {name}")


def update_frame(model: type[models.Model], frame: pl.DataFrame) -> int:
    """Update rows of ``model``'s table from ``frame``: its ``id`` column names the rows, its
    other columns (named like the table's columns) the new values; returns the number of
    rows. One temporary table and one ``UPDATE … FROM`` (SQLite 3.33+ and PostgreSQL), where
    Django's ``bulk_update`` builds a ``CASE`` per field and row and takes minutes on
    100,000 rows. Runs in the caller's transaction."""
    if frame.is_empty():
        return 0
    by_column = {f.column: f for f in model._meta.concrete_fields}
    temp_table(
        "cc_update", {c: str(by_column[c].db_type(connection)) for c in frame.columns}, frame
    )
    pk = _quote(str(model._meta.pk.column))
    sets = ", ".join(f"{_quote(c)} = u.{_quote(c)}" for c in frame.columns if c != "id")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table(model)} SET {sets} FROM cc_update u WHERE {table(model)}.{pk} = u.id"
        )
        cursor.execute("DROP TABLE cc_update")
    return frame.height


def refresh_statistics(model: type[models.Model], added: int) -> None:
    """ANALYZE ``model``'s table on PostgreSQL when ``added`` rows grew it by more than a
    tenth (judged on the planner's row count, which inserts do not change), so that the next
    batch's joins are planned on the table as it is and not as it was before a bulk load."""
    if connection.vendor != "postgresql" or added == 0:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table]
        )
        row = cursor.fetchone()
        known = max(float(row[0]), 0.0) if row else 0.0
        if added > 0.1 * known + 1000:
            cursor.execute(f"ANALYZE {table(model)}")


def read_frame(
    sql: str, params: Sequence[str | int | float | None], schema: dict[str, pl.DataType]
) -> pl.DataFrame:
    """The rows of a query as a frame with ``schema`` (in the query's column order). On
    PostgreSQL the rows come as CSV through ``COPY … TO STDOUT`` and are parsed by Polars:
    millions of rows are not made into Python tuples first."""
    if connection.vendor == "postgresql":
        return _copied_frame(sql, params, schema)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return pl.DataFrame(rows, schema=schema, orient="row")


def _copied_frame(
    sql: str, params: Sequence[str | int | float | None], schema: dict[str, pl.DataType]
) -> pl.DataFrame:
    text = io.BytesIO()
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        # psycopg's own cursor: Django's debug wrapper (tests, DEBUG) has a ``copy`` that
        # takes no parameters
        cursor.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv, NULL '\\N')", params) as copy,
    ):
        for block in copy:
            text.write(block)
    if not text.tell():
        return pl.DataFrame(schema=schema)
    # Booleans come as t / f; NULL as \N, so that an empty field is an empty string.
    flags = [c for c, t in schema.items() if t == pl.Boolean()]
    frame = pl.read_csv(
        text.getvalue(),
        has_header=False,
        schema={c: pl.String() if c in flags else t for c, t in schema.items()},
        null_values="\\N",
        empty_string_is_null=False,
    )
    return frame.with_columns((pl.col(c) == "t").alias(c) for c in flags)


def now_value() -> str:
    """The current time as a date-time column's value for ``insert_rows`` (which bypasses
    the ORM's ``auto_now_add``), in the database's own text form."""
    return str(connection.ops.adapt_datetimefield_value(timezone.now()))


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
