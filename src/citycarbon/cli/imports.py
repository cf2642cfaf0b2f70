"""``citycarbon import …``: data into the platform's database, one command per kind of data."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import polars as pl
import typer

from citycarbon.cli.console import (
    bad_input_exits,
    err,
    fail,
    out,
    progress_bar,
    reject,
    require_files,
)
from citycarbon.io import onboarding_csv
from citycarbon.io.errors import InputFileError, RowError
from citycarbon.io.form205 import form_files

if TYPE_CHECKING:
    from citycarbon.web.energy.ingest import ImportOutcome

import_app = typer.Typer(
    help="Import data into the platform's database (all-or-nothing unless --partial).",
    no_args_is_help=True,
)


def energy_files(paths: list[Path]) -> list[Path]:
    """The files named, folders expanded to their .csv, .xlsx and .xls files (sorted)."""
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise fail(f"{missing[0]}: 文件不存在 / file not found")
    found = form_files(paths)
    if not found:
        raise fail("没有可导入的文件 / no files to import")
    return found


@import_app.command("energy")
def import_energy(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Canonical energy CSV files, 205-1 forms (.xlsx/.xls/.csv), folders."),
    ],
    partial: Annotated[
        bool,
        typer.Option(help="Import the good rows and quarantine the rejected ones."),
    ] = False,
    encoding: Annotated[
        str | None, typer.Option(help="Force the input encoding (default: detect).")
    ] = None,
) -> None:
    """Energy records into the platform: one import per file, all-or-nothing by default.

    The same file again changes nothing; a file with records for an enterprise and period
    already in the platform supersedes them (the old records stay in the history). With
    --partial, rejected rows go to a quarantine that the upload page lets you download.
    Bad input: exit code 2 with a row report, and that file imports nothing.
    """
    from citycarbon.web import bootstrap  # noqa: PLC0415  (Django is set up first)

    bootstrap.migrate()
    failed = _import_energy_files(energy_files(paths), partial=partial, encoding=encoding)
    out.print(f"database: {bootstrap.database_label()}", markup=False)
    if failed:
        raise typer.Exit(2)


def _import_energy_files(paths: list[Path], *, partial: bool, encoding: str | None) -> int:
    """Import each energy file (Django set up, schema migrated); returns how many failed."""
    from citycarbon.web.audit.actions import Actor  # noqa: PLC0415
    from citycarbon.web.energy.ingest import (  # noqa: PLC0415
        EnergyImportRejectedError,
        do_import_energy_file,
        do_import_form_file,
        is_canonical_csv,
    )
    from citycarbon.web.enterprises.actions import ImportRejectedError  # noqa: PLC0415

    actor = Actor.system("import")
    failed = 0
    for path in paths:
        try:
            with bad_input_exits(), progress_bar() as bar:
                task = bar.add_task(path.name, total=path.stat().st_size)

                def show(done: int, total: int) -> None:
                    bar.update(task, completed=done, total=total)  # noqa: B023

                if is_canonical_csv(path):
                    outcome = do_import_energy_file(
                        path, actor=actor, partial=partial, encoding=encoding, progress=show
                    )
                else:
                    outcome = do_import_form_file(path, actor=actor, partial=partial)
        except EnergyImportRejectedError as exc:
            reject(exc.errors, exc.error_count)
            err.print(f"{path}: 未导入 / nothing imported", markup=False)
            failed += 1
            continue
        except ImportRejectedError as exc:
            err.print(f"{path}: {exc}", markup=False)
            failed += 1
            continue
        except typer.Exit:
            failed += 1
            continue
        out.print(_summary(path, outcome), markup=False)
        for warning in outcome.warnings[:20]:
            err.print(f"  warning: {warning}", markup=False, soft_wrap=True)
    return failed


def _summary(path: Path, o: ImportOutcome) -> str:
    if o.status == "unchanged":
        return f"{path}: 已导入过，未作更改 / already imported, nothing changed"
    text = f"{path}: {o.rows_imported}/{o.rows_read} 行已导入 / rows imported"
    if o.pairs_superseded:
        text += f"; 替换 {o.pairs_superseded} 个企业-期间 / enterprise-periods superseded"
    if o.rows_quarantined and o.upload is not None:
        upload = o.upload.pk
        text += (
            f"; {o.rows_quarantined} 行进入隔离区 / rows quarantined "
            f"(upload {upload}: /energy/uploads/{upload}/)"
        )
    return text


EncodingOption = Annotated[
    str | None, typer.Option(help="Force the input encoding (default: detect).")
]
Reader = Callable[
    [Path, str | None, Callable[[int, int], None]], tuple[pl.DataFrame, list[RowError]]
]


def _onboard(kind: str, file: Path, encoding: str | None) -> None:
    """Read ``file`` with the reader of ``kind``, then write it with its action: bad rows
    or rows that refer to what the platform lacks → exit 2, a row report, nothing written."""
    frame = _checked(kind, file, encoding)
    from citycarbon.web import bootstrap  # noqa: PLC0415  (Django is set up first)

    bootstrap.migrate()
    _write(kind, file, frame)
    out.print(f"database: {bootstrap.database_label()}", markup=False)


def _checked(kind: str, file: Path, encoding: str | None) -> pl.DataFrame:
    """The rows of ``file`` read and checked by the reader of ``kind``; bad rows → exit 2
    with a row report."""
    readers: dict[str, Reader] = {
        "regions": onboarding_csv.read_regions,
        "enterprises": onboarding_csv.read_enterprises,
        "economics": onboarding_csv.read_economics_import,
    }
    require_files(file)
    with bad_input_exits(), progress_bar() as bar:
        task = bar.add_task(f"checking {file.name}", total=file.stat().st_size)

        def show(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        try:
            frame, errors = readers[kind](file, encoding, show)
        except InputFileError as exc:  # unreadable: reported like bad rows
            frame, errors = pl.DataFrame(), exc.errors
    if errors:
        raise reject(errors, nothing_written=True)
    return frame


def _write(kind: str, file: Path, frame: pl.DataFrame) -> None:
    """Write checked rows with the action of ``kind`` (Django set up, schema migrated); rows
    that refer to what the platform lacks → exit 2, a row report, nothing written."""
    from citycarbon.web.audit.actions import Actor  # noqa: PLC0415
    from citycarbon.web.enterprises.actions import (  # noqa: PLC0415
        do_import_economics,
        do_onboard_enterprises,
    )
    from citycarbon.web.regions.actions import (  # noqa: PLC0415
        ImportCounts,
        RowsRejectedError,
        do_import_regions,
    )

    actions: dict[str, Callable[..., ImportCounts]] = {
        "regions": do_import_regions,
        "enterprises": do_onboard_enterprises,
        "economics": do_import_economics,
    }
    try:
        with err.status("writing / 写入数据库 …"):
            counts = actions[kind](frame, actor=Actor.system("import"), file=str(file))
    except RowsRejectedError as exc:
        raise reject(exc.errors, nothing_written=True) from exc
    out.print(
        f"{file}: 新增 {counts.created}，更新 {counts.updated}，未变 {counts.unchanged} / "
        f"created {counts.created}, updated {counts.updated}, unchanged {counts.unchanged}",
        markup=False,
    )


CITY_FILES = ("regions", "enterprises", "economics")
"""The register files of ``import city``, in the order they depend on each other."""


@import_app.command("city")
def import_city(
    folder: Annotated[
        Path,
        typer.Argument(
            help="Folder with regions.csv, enterprises.csv, economics.csv, energy.csv "
            "and/or an energy/ folder of energy files."
        ),
    ],
    partial: Annotated[
        bool,
        typer.Option(help="Energy files: import the good rows, quarantine the rejected ones."),
    ] = False,
    encoding: EncodingOption = None,
) -> None:
    """A city's files from one folder in one command, in the order they depend on each
    other: regions.csv, enterprises.csv, economics.csv, then energy.csv and the energy
    files of an energy/ subfolder (canonical CSV or 205-1 forms).

    Each file is its own import with the same checks, audit and outcome as its own
    command (import regions, enterprises, economics, energy). A file missing from the
    folder is skipped. A register file refused stops the command with exit code 2 and its
    row report: that file writes nothing, the files before it stay imported, the files
    after it are not read. Energy files are then imported one by one as import energy
    does: a refused one writes nothing and makes the exit code 2.
    """
    if not folder.is_dir():
        raise fail(f"{folder}: 不是文件夹 / not a folder")
    registers = [(k, folder / f"{k}.csv") for k in CITY_FILES if (folder / f"{k}.csv").is_file()]
    energy = [folder / "energy.csv"] if (folder / "energy.csv").is_file() else []
    if (folder / "energy").is_dir():
        energy += form_files([folder / "energy"])
    if not registers and not energy:
        names = ", ".join([f"{k}.csv" for k in CITY_FILES] + ["energy.csv", "energy/"])
        raise fail(f"{folder}: 没有可导入的文件 / no files to import ({names})")
    from citycarbon.web import bootstrap  # noqa: PLC0415  (Django is set up first)

    bootstrap.migrate()
    for kind, file in registers:
        _write(kind, file, _checked(kind, file, encoding))
    failed = _import_energy_files(energy, partial=partial, encoding=encoding)
    out.print(f"database: {bootstrap.database_label()}", markup=False)
    if failed:
        raise typer.Exit(2)


@import_app.command("regions")
def import_regions(
    file: Annotated[
        Path, typer.Argument(help="CSV: district_code,name[,name_en,parent_code] (GB/T 2260).")
    ],
    encoding: EncodingOption = None,
) -> None:
    """Districts (区县) by their six-digit GB/T 2260 code, all rows or none.

    A district already in the platform is updated (audited, before and after); the same
    file again changes nothing. Bad input: exit code 2, a row report, nothing written.
    """
    _onboard("regions", file, encoding)


@import_app.command("enterprises")
def import_enterprises(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV: entity_id,uscc,name,district_code,industry_code[,address,key_energy_user]."
        ),
    ],
    encoding: EncodingOption = None,
) -> None:
    """Enterprises, all rows or none: the USCC's check characters are verified (GB 32100-2015)
    and the district must already be in the platform (citycarbon import regions first).

    industry_code is a GB/T 4754 code of 2-4 digits, with an optional section letter. An
    enterprise already in the platform (same entity_id) is updated, audited with before and
    after; the same file again changes nothing. Bad input: exit code 2, a row report,
    nothing written.
    """
    _onboard("enterprises", file, encoding)


@import_app.command("economics")
def import_economics(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV: entity_id,year,industry_code,value_added_10k_yuan[,gross_output_10k_yuan]."
        ),
    ],
    encoding: EncodingOption = None,
) -> None:
    """Value added (万元) per enterprise and year, the columns citycarbon grade reads, all
    rows or none; the enterprise must be in the platform (citycarbon import enterprises).

    An enterprise-year already stored is replaced (audited, before and after); the same file
    again changes nothing. Bad input: exit code 2, a row report, nothing written.
    """
    _onboard("economics", file, encoding)


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")
