"""``citycarbon import electricity`` and ``citycarbon import electricity-accounts``: grid
readings per electricity account (户号) and the accounts' enterprises, into the database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.progress import TaskID
from rich.table import Table

from citycarbon.cli.console import (
    bad_input_exits,
    err,
    fail,
    out,
    progress_bar,
    reject,
    require_files,
)
from citycarbon.cli.imports import import_app
from citycarbon.io.csvtable import error_rows, read_whole
from citycarbon.io.electricity_csv import read_readings
from citycarbon.io.errors import ERROR_SCHEMA, RowError, errors_from_frame

EncodingOption = Annotated[
    str | None, typer.Option(help="Force the input encoding (default: detect).")
]


def import_electricity(
    files: Annotated[
        list[Path],
        typer.Argument(help="Readings CSV: account_no,start,grain,kwh[,account_name]."),
    ],
    encoding: EncodingOption = None,
) -> None:
    """Grid electricity readings, one batch per file, all files or none.

    grain is month, day or 15min; start is YYYY-MM, YYYY-MM-DD or YYYY-MM-DD HH:MM (or ISO
    8601 with offset) in Asia/Shanghai time. A reading already stored with another kWh is a
    correction (the old value is kept in history); the same file again changes nothing.
    Accounts not seen before are created unmapped. Bad input: exit code 2, a row report,
    nothing written.
    """
    require_files(*files)
    frames: list[tuple[Path, pl.DataFrame, str]] = []
    errors: list[RowError] = []
    with bad_input_exits(), progress_bar() as bar:
        for path in files:
            task = bar.add_task(f"checking {path.name}", total=path.stat().st_size)

            def advance(done: int, total: int, task: TaskID = task) -> None:
                bar.update(task, completed=done, total=total)

            frame, file_errors, sha = read_readings(path, encoding=encoding, progress=advance)
            frames.append((path, frame, sha))
            errors += file_errors
    if errors:
        raise reject(errors, nothing_written=True)
    from citycarbon.web import bootstrap  # noqa: PLC0415  (Django is set up first)

    bootstrap.migrate()
    from django.db import transaction  # noqa: PLC0415

    from citycarbon.web.audit.actions import Actor  # noqa: PLC0415
    from citycarbon.web.electricity.actions import do_ingest_readings  # noqa: PLC0415

    table = Table(title=f"electricity readings → {bootstrap.database_label()}")
    for col in ("file", "readings", "new", "corrected", "unchanged", "new accounts"):
        table.add_column(col, justify="left" if col == "file" else "right")
    with err.status("writing / 写入数据库 …"), transaction.atomic():
        for path, frame, sha in frames:
            batch = do_ingest_readings(
                frame, actor=Actor.system("cli"), source=f"{path.name} sha256:{sha[:16]}"
            )
            table.add_row(
                str(path),
                f"{batch.rows:,}",
                f"{batch.inserted:,}",
                f"{batch.corrected:,}",
                f"{batch.unchanged:,}",
                f"{batch.new_accounts:,}",
            )
    out.print(table)


def import_electricity_accounts(
    file: Annotated[
        Path, typer.Argument(help="CSV: account_no and entity_id or uscc (empty: unmap).")
    ],
    encoding: EncodingOption = None,
) -> None:
    """Map electricity accounts to enterprises in bulk (by entity id or USCC), all rows or
    none, audited. An unknown account or enterprise: exit code 2, nothing changed."""
    require_files(file)
    with bad_input_exits():
        raw = read_whole(file, ("account_no",), ("entity_id", "uscc"), encoding)
    if "entity_id" not in raw.columns and "uscc" not in raw.columns:
        raise reject([RowError(str(file), 1, "entity_id", "missing_column", detail="or uscc")])
    for col in ("entity_id", "uscc"):
        if col not in raw.columns:
            raw = raw.with_columns(pl.lit(None, pl.String).alias(col))
    raw = raw.with_columns(
        pl.col("account_no", "entity_id", "uscc").str.strip_chars().fill_null("")
    ).with_columns(
        pl.when(pl.col("entity_id") != "")
        .then(pl.col("entity_id"))
        .otherwise(pl.col("uscc"))
        .alias("enterprise")
    )
    found = pl.concat(
        [
            error_rows(
                raw, pl.col("account_no") == "", "account_no", "empty_account", pl.lit(None)
            ),
            error_rows(
                raw,
                (pl.col("account_no") != "") & pl.col("account_no").is_duplicated(),
                "account_no",
                "duplicate_row",
                pl.lit(None),
            ),
        ]
    ).cast(dict(ERROR_SCHEMA))  # type: ignore[arg-type]
    if found.height:
        raise reject(errors_from_frame(str(file), found), nothing_written=True)
    from citycarbon.web import bootstrap  # noqa: PLC0415  (Django is set up first)

    bootstrap.migrate()
    from citycarbon.web.audit.actions import Actor  # noqa: PLC0415
    from citycarbon.web.electricity.actions import MappingError, do_map_accounts  # noqa: PLC0415

    try:
        changed = do_map_accounts(
            dict(raw.select("account_no", "enterprise").iter_rows()), actor=Actor.system("cli")
        )
    except MappingError as exc:
        raise fail(f"{file}: {exc}; nothing changed / 未作任何更改") from exc
    out.print(
        f"{changed} of {raw.height} accounts mapped anew in {bootstrap.database_label()}",
        markup=False,
    )


def register(app: typer.Typer) -> None:
    """Add the commands to ``citycarbon import`` (``app`` is the top-level command)."""
    del app  # the import group is registered on it by ``cli.imports``
    import_app.command("electricity")(import_electricity)
    import_app.command("electricity-accounts")(import_electricity_accounts)
