"""Writes: energy records into the database from files and frames, with quarantine and
supersede.

One import is one ``DataImport`` (by the SHA-256 of its file or content: the same content
again changes nothing). Records are written chunk by chunk with COPY on PostgreSQL; before a
chunk is written, every record of another import for the same enterprise and period is moved
to ``EnergyRecordHistory`` (a corrected form supersedes the old one, both stay visible). An
import is all-or-nothing unless ``partial`` is asked for, in which case rejected rows go to
``QuarantinedRow`` under the upload, ready to be downloaded, fixed and sent again.

In a partial import the enterprise-period is the unit: when any row of an enterprise and
period is rejected, every other row of that pair in the file is quarantined with it
(``held_back``), so that the pair's current records are never replaced by part of a
correction. A partial import reads its file twice for that (once for the rejected pairs).
An import that wrote no record (every row quarantined, or an empty file) keeps no
``DataImport``, so the same bytes can be uploaded again once fixed elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Final

import polars as pl
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.db.backends.utils import CursorWrapper

from citycarbon import data
from citycarbon.io import form205
from citycarbon.io.csvtable import check_header, error_rows
from citycarbon.io.energy_csv import KEY_COLUMNS, REQUIRED_COLUMNS
from citycarbon.io.energy_import import (
    RECORD_COLUMNS,
    CheckedChunk,
    checked_chunks,
    duplicates,
    file_sha256,
    open_energy_file,
    prefetched,
)
from citycarbon.io.errors import (
    ERROR_SCHEMA,
    InputFileError,
    RowError,
    errors_from_frame,
    with_reasons,
)
from citycarbon.io.form205 import CheckOptions, Form205
from citycarbon.io.textfile import DEFAULT_CHUNK_BYTES, TextFile
from citycarbon.web.audit.actions import Actor, record
from citycarbon.web.audit.models import DataImport
from citycarbon.web.bulk import (
    add_keys,
    drop_keys_if_empty,
    insert_frame,
    refresh_statistics,
    table,
    temp_table,
)
from citycarbon.web.energy.models import (
    EnergyRecord,
    EnergyRecordHistory,
    EnergyUpload,
    QuarantinedRow,
    UploadStatus,
)
from citycarbon.web.enterprises.actions import ImportRejectedError
from citycarbon.web.enterprises.models import Enterprise
from citycarbon.web.jobs.registry import inputs_changed

Progress = Callable[[int, int], None]
MAX_KEPT_ERRORS: Final = 10_000
"""Errors kept for the report of a rejected import; more are counted."""
QUARANTINE_LIMIT: Final = 1_000_000
"""A partial import that would set aside more rows than this is refused instead."""


class EnergyImportRejectedError(ImportRejectedError):
    """An all-or-nothing import with rejected rows: nothing was written."""

    def __init__(self, errors: list[RowError], error_count: int) -> None:
        shown = "; ".join(e.render() for e in errors[:5])
        more = f" (+{error_count - 5} more)" if error_count > 5 else ""
        super().__init__(f"{error_count} errors, nothing imported: {shown}{more}")
        self.errors = errors
        self.error_count = error_count


class _DuplicateKeysError(Exception):
    """The database's unique key refused a chunk: the batch repeats a key."""


@dataclass
class ImportOutcome:
    """What an import did."""

    status: str
    source: str
    rows_read: int = 0
    rows_imported: int = 0
    rows_quarantined: int = 0
    pairs_superseded: int = 0
    upload: EnergyUpload | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Target:
    """Who the records may belong to: entity id or USCC → enterprise pk."""

    ids: dict[str, int]
    own: int | None = None

    @classmethod
    def load(cls, enterprise: Enterprise | None) -> _Target:
        ids: dict[str, int] = {}
        for pk, entity_id, uscc in Enterprise.objects.values_list("pk", "entity_id", "uscc"):
            ids[entity_id] = pk
            if uscc:
                ids[uscc] = pk
        return cls(ids, enterprise.pk if enterprise is not None else None)

    def resolve(self, chunk: CheckedChunk) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
        """``(mapped records, extra errors, extra rejected rows)`` of a checked chunk."""
        records = chunk.records.with_columns(
            pl.col("entity_id")
            .replace_strict(self.ids, default=None, return_dtype=pl.Int64)
            .alias("enterprise_id")
        )
        mapped = pl.col("enterprise_id")
        foreign = mapped != self.own if self.own is not None else pl.lit(value=False)
        none = pl.lit(None, pl.String)
        errors = pl.concat(
            [
                error_rows(records, mapped.is_null(), "entity_id", "unknown_enterprise", none),
                error_rows(records, foreign, "entity_id", "not_own_enterprise", none),
            ]
        )
        if errors.is_empty():
            return records, errors, pl.DataFrame()
        bad = errors["row"].implode()
        return (
            records.filter(~pl.col("row").is_in(bad)),
            errors,
            with_reasons(
                records.filter(pl.col("row").is_in(bad)).select(
                    "row",
                    "entity_id",
                    "period",
                    "energy_code",
                    pl.col("quantity").cast(pl.String),
                    pl.col("purpose").cast(pl.String),
                ),
                errors,
            ),
        )


class _Writer:
    """Writes mapped chunks of one import inside its transaction."""

    def __init__(self, batch: DataImport) -> None:
        self.batch = batch
        self.rows = 0
        # Nothing to supersede in an empty table: the bulk first load skips the look-ups
        # and, on PostgreSQL, builds the records' key once at the end.
        self.dropped_keys = drop_keys_if_empty(EnergyRecord)
        self.table_empty = bool(self.dropped_keys) or not EnergyRecord.objects.exists()
        self.superseded_imports: set[int] = set()
        self.superseded_records = 0
        self.years: set[int] = set()
        """The years written: their derived runs are stale (``inputs_changed``)."""

    def write(self, mapped: pl.DataFrame) -> None:
        if mapped.is_empty():
            return
        self.years.update(int(y) for y in mapped["period"].str.slice(0, 4).unique().to_list())
        if not self.table_empty:
            self._supersede(mapped.select("enterprise_id", "period").unique())
        frame = mapped.select(
            "enterprise_id",
            "period",
            "energy_code",
            pl.col("purpose").cast(pl.String),
            "quantity",
            pl.lit(self.batch.pk, pl.Int64).alias("data_import_id"),
        )
        try:
            with transaction.atomic():
                insert_frame(EnergyRecord, frame)
        except IntegrityError as exc:
            raise _DuplicateKeysError from exc
        self.rows += frame.height

    def finish(self) -> None:
        """Build the keys dropped for a first load (a repeated key is a duplicate) and
        refresh the planner's statistics after a large load."""
        try:
            with transaction.atomic():
                add_keys(EnergyRecord, self.dropped_keys)
        except IntegrityError as exc:
            raise _DuplicateKeysError from exc
        refresh_statistics(EnergyRecord, self.rows)

    def _supersede(self, pairs: pl.DataFrame) -> None:
        """Move the records of other imports for these (enterprise, period) pairs to history."""
        # Analysed on PostgreSQL, so that the planner walks the key index for the few pairs
        # instead of scanning the table.
        temp_table(
            "cc_pairs",
            {"e": "bigint", "p": "varchar(10)"},
            pairs.select(pl.col("enterprise_id").alias("e"), pl.col("period").alias("p")),
        )
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                moved = self._move_postgresql(cursor)
            else:
                moved = self._move_sqlite(cursor)
        for data_import, count in moved:
            self.superseded_imports.add(data_import)
            self.superseded_records += count

    _COLUMNS = "enterprise_id, period, energy_code, purpose, quantity, data_import_id"

    def _move_postgresql(self, cursor: CursorWrapper) -> list[tuple[int, int]]:
        records, history = table(EnergyRecord), table(EnergyRecordHistory)
        cursor.execute(
            f"WITH moved AS (DELETE FROM {records} r USING cc_pairs q "
            "WHERE r.enterprise_id = q.e AND r.period = q.p AND r.data_import_id <> %s "
            f"RETURNING r.{self._COLUMNS.replace(', ', ', r.')}), "
            f"kept AS (INSERT INTO {history} ({self._COLUMNS}, replaced_by_id) "
            f"SELECT {self._COLUMNS}, %s FROM moved RETURNING data_import_id) "
            "SELECT data_import_id, count(*) FROM kept GROUP BY data_import_id",
            [self.batch.pk, self.batch.pk],
        )
        return [(int(i), int(n)) for i, n in cursor.fetchall()]

    def _move_sqlite(self, cursor: CursorWrapper) -> list[tuple[int, int]]:
        records, history = table(EnergyRecord), table(EnergyRecordHistory)
        old = (
            f"SELECT r.id FROM {records} r JOIN cc_pairs q "
            "ON r.enterprise_id = q.e AND r.period = q.p WHERE r.data_import_id <> %s"
        )
        cursor.execute(
            f"SELECT data_import_id, count(*) FROM {records} WHERE id IN ({old}) "
            "GROUP BY data_import_id",
            [self.batch.pk],
        )
        moved = [(int(i), int(n)) for i, n in cursor.fetchall()]
        if moved:
            cursor.execute(
                f"INSERT INTO {history} ({self._COLUMNS}, replaced_by_id) "
                f"SELECT {self._COLUMNS}, %s FROM {records} WHERE id IN ({old})",
                [self.batch.pk, self.batch.pk],
            )
            cursor.execute(f"DELETE FROM {records} WHERE id IN ({old})", [self.batch.pk])
        return moved

    def superseded_pairs(self) -> int:
        return (
            EnergyRecordHistory.objects.filter(replaced_by=self.batch)
            .values("enterprise", "period")
            .distinct()
            .count()
        )


@dataclass
class _Collected:
    errors: list[pl.DataFrame] = field(default_factory=list)
    error_count: int = 0
    rejected: list[pl.DataFrame] = field(default_factory=list)
    rejected_rows: int = 0

    def add(self, errors: pl.DataFrame, rejected: pl.DataFrame) -> None:
        if errors.is_empty():
            return
        self.error_count += errors.height
        if sum(f.height for f in self.errors) < MAX_KEPT_ERRORS:
            self.errors.append(errors)
        if not rejected.is_empty():
            self.rejected.append(rejected)
            self.rejected_rows += rejected.height


@dataclass
class _Request:
    actor: Actor
    source: str
    sha256: str
    file_format: str
    partial: bool
    enterprise: Enterprise | None
    uploaded_by: User | None
    warnings: list[str]
    upload: EnergyUpload | None = None


PAIR_SCHEMA: Final = {"enterprise_id": pl.Int64, "period": pl.String}


def _pairs_of(rejected: pl.DataFrame, target: _Target) -> pl.DataFrame:
    """The (enterprise, period) pairs of rejected rows as read, where both are known."""
    if rejected.is_empty() or "period" not in rejected.columns:
        return pl.DataFrame(schema=PAIR_SCHEMA)
    who = [c for c in ("entity_id", "uscc") if c in rejected.columns]
    if not who:
        return pl.DataFrame(schema=PAIR_SCHEMA)
    entity = pl.coalesce([pl.col(c).cast(pl.String) for c in who]).str.strip_chars()
    return (
        rejected.select(
            entity.replace_strict(target.ids, default=None, return_dtype=pl.Int64).alias(
                "enterprise_id"
            ),
            pl.col("period").cast(pl.String).str.strip_chars(),
        )
        .drop_nulls()
        .unique()
    )


def _rejected_pairs(
    chunks: Iterable[CheckedChunk], target: _Target, prior: _Collected | None
) -> pl.DataFrame:
    """First pass of a partial import: every pair with a rejected row."""
    found = [_pairs_of(f, target) for f in (prior.rejected if prior else [])]
    for chunk in chunks:
        _, _, rejected = target.resolve(chunk)
        found += [_pairs_of(chunk.rejected, target), _pairs_of(rejected, target)]
    return pl.concat(found).unique() if found else pl.DataFrame(schema=PAIR_SCHEMA)


def _hold_back(
    mapped: pl.DataFrame, pairs: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """``(kept records, errors, rejected rows)``: the valid rows of a pair with a rejected row
    are set aside with it, as a row the uploader can fix and send again (quantity in the
    standard unit, which is named)."""
    if pairs.is_empty() or mapped.is_empty():
        return mapped, pl.DataFrame(), pl.DataFrame()
    held = mapped.join(pairs, on=["enterprise_id", "period"], how="semi")
    if held.is_empty():
        return mapped, pl.DataFrame(), pl.DataFrame()
    errors = held.select(
        "row",
        pl.lit("period").alias("column"),
        pl.concat_str(["entity_id", "period"], separator=" ").alias("value"),
        pl.lit("held_back").alias("code"),
        pl.lit(None, pl.String).alias("detail"),
    ).cast(dict(ERROR_SCHEMA))  # type: ignore[arg-type]
    units = data.energy_catalogue().select("energy_code", "unit")
    rows = held.join(units, on="energy_code", how="left").select(
        "row",
        "entity_id",
        "period",
        "energy_code",
        pl.col("quantity").cast(pl.String),
        "unit",
        pl.col("purpose").cast(pl.String),
    )
    kept = mapped.join(pairs, on=["enterprise_id", "period"], how="anti")
    return kept, errors, with_reasons(rows, errors)


def _import(
    request: _Request,
    chunks: Callable[[], Iterable[CheckedChunk]],
    *,
    progress: Progress | None,
    total: int,
    prior: _Collected | None = None,
) -> ImportOutcome:
    """Write the chunks as one import in one transaction; raises on rejection."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                batch = DataImport.objects.create(
                    kind="energy",
                    source=request.source[:300],
                    sha256=request.sha256,
                    rows=0,
                    actor_label=request.actor.label,
                )
        except IntegrityError:
            # The same content was imported by someone else meanwhile.
            return ImportOutcome(status=UploadStatus.UNCHANGED, source=request.source)
        target = _Target.load(request.enterprise)
        writer = _Writer(batch)
        held = _rejected_pairs(chunks(), target, prior) if request.partial else None
        collected = prior or _Collected()
        rows_read = 0
        for chunk in chunks():
            rows_read += chunk.rows
            mapped, errors, rejected = target.resolve(chunk)
            collected.add(chunk.errors, chunk.rejected)
            collected.add(errors, rejected)
            if held is not None:
                mapped, errors, rejected = _hold_back(mapped, held)
                collected.add(errors, rejected)
            if request.partial or not collected.error_count:
                writer.write(mapped)
            if progress is not None:
                progress(chunk.bytes_done, total)
        if collected.error_count and not request.partial:
            raise EnergyImportRejectedError(
                errors_from_frame(request.source, pl.concat(collected.errors)),
                collected.error_count,
            )
        if collected.rejected_rows > QUARANTINE_LIMIT:
            msg = f"{collected.rejected_rows} rows rejected: too many to set aside, fix the file"
            raise ImportRejectedError(msg)
        writer.finish()
        pairs = writer.superseded_pairs() if writer.superseded_imports else 0
        kept: DataImport | None = batch
        if writer.rows:
            batch.rows = writer.rows
            batch.save(update_fields=["rows"])
            status = UploadStatus.PARTIAL if collected.rejected_rows else UploadStatus.IMPORTED
        else:
            # Nothing written: no import to remember, so the same file is not "already
            # imported" later; the upload row keeps the attempt and its quarantine.
            batch.delete()
            kept = None
            status = UploadStatus.QUARANTINED if collected.rejected_rows else UploadStatus.IMPORTED
        upload = _upload_row(
            request,
            status=status,
            rows_read=rows_read,
            rows_imported=writer.rows,
            rows_quarantined=collected.rejected_rows,
            pairs_superseded=pairs,
            data_import=kept,
        )
        if collected.rejected:
            _quarantine(upload, pl.concat(collected.rejected, how="diagonal_relaxed"))
        after = {
            "source": request.source,
            "sha256": request.sha256,
            "rows": writer.rows,
            "quarantined": collected.rejected_rows,
            "upload": upload.pk,
        }
        if kept is not None:
            record(request.actor, "energy.import", "DataImport", batch.pk, after=after)
        else:
            record(request.actor, "energy.import", "EnergyUpload", upload.pk, after=after)
        if writer.superseded_imports:
            record(
                request.actor,
                "energy.supersede",
                "DataImport",
                batch.pk,
                before={
                    "imports": sorted(writer.superseded_imports),
                    "records": writer.superseded_records,
                },
                after={"import": batch.pk, "enterprise_periods": pairs},
            )
        if writer.rows:
            inputs_changed(writer.years, actor=request.actor)
    return ImportOutcome(
        status=upload.status,
        source=request.source,
        rows_read=rows_read,
        rows_imported=writer.rows,
        rows_quarantined=collected.rejected_rows,
        pairs_superseded=pairs,
        upload=upload,
        warnings=request.warnings,
    )


def _upload_row(request: _Request, **outcome: object) -> EnergyUpload:
    """The upload row of this import: the pending one the page made, or a new one."""
    fields = {
        "source": request.source[:300],
        "sha256": request.sha256,
        "file_format": request.file_format,
        "warnings": request.warnings[:1000],
        "uploaded_by": request.uploaded_by,
        "enterprise": request.enterprise,
        "actor_label": request.actor.label,
        **outcome,
    }
    upload = request.upload
    if upload is None:
        return EnergyUpload.objects.create(**fields)
    for name, value in fields.items():
        setattr(upload, name, value)
    upload.save(update_fields=list(fields))
    return upload


REASON_COLUMNS: Final = ("error_columns", "error_codes", "reason_zh", "reason_en")


def _quarantine(upload: EnergyUpload, rejected: pl.DataFrame) -> None:
    fields = [c for c in rejected.columns if c not in ("row", *REASON_COLUMNS)]
    # PostgreSQL stores no NUL in text or JSON: a NUL read from a file is shown as U+FFFD.
    rows = rejected.sort("row").with_columns(
        pl.col(fields).cast(pl.String).str.replace_all("\x00", "\ufffd", literal=True)
    )
    QuarantinedRow.objects.bulk_create(
        (
            QuarantinedRow(
                upload=upload,
                row=r["row"],
                fields=[[f, r[f]] for f in fields],  # a list keeps the column order
                error_columns=(r["error_columns"] or "")[:300],
                error_codes=(r["error_codes"] or "")[:300],
                reason_zh=r["reason_zh"] or "",
                reason_en=r["reason_en"] or "",
            )
            for r in rows.iter_rows(named=True)
        ),
        batch_size=2000,
    )


def do_import_energy_file(
    path: Path,
    *,
    actor: Actor,
    partial: bool = False,
    enterprise: Enterprise | None = None,
    uploaded_by: User | None = None,
    source: str | None = None,
    encoding: str | None = None,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    progress: Progress | None = None,
    upload: EnergyUpload | None = None,
) -> ImportOutcome:
    """Import a canonical energy CSV (``entity_id`` may be the platform's entity id or the
    USCC). ``enterprise``: the uploader is that enterprise and may bring in its own records
    only. ``upload``: the pending upload row to fill in (else one is made). Raises
    ``InputFileError`` (file unreadable), ``EnergyImportRejectedError`` (all-or-nothing with
    bad rows) or ``ImportRejectedError``."""
    name = source or path.name
    text = open_energy_file(path, encoding=encoding, chunk_bytes=chunk_bytes)
    sha = file_sha256(path)
    if DataImport.objects.filter(kind="energy", sha256=sha).exists():
        return ImportOutcome(status=UploadStatus.UNCHANGED, source=name)
    request = _Request(actor, name, sha, "csv", partial, enterprise, uploaded_by, [], upload)
    try:
        return _import(
            request,
            lambda: prefetched(checked_chunks(text)),
            progress=progress,
            total=text.size,
        )
    except _DuplicateKeysError:
        errors, rejected = duplicates(text)
        if errors.is_empty():
            msg = "another import wrote records for the same enterprises meanwhile; try again"
            raise ImportRejectedError(msg) from None
        if not partial:
            raise EnergyImportRejectedError(
                errors_from_frame(name, errors), errors.height
            ) from None
        prior = _Collected()
        prior.add(errors, rejected)
        skip = errors["row"]
        return _import(
            request,
            lambda: prefetched(checked_chunks(text, skip_rows=skip)),
            progress=progress,
            total=text.size,
            prior=prior,
        )


def do_import_energy_records(
    checked: CheckedChunk,
    *,
    actor: Actor,
    source: str,
    sha256: str,
    file_format: str,
    partial: bool = False,
    enterprise: Enterprise | None = None,
    uploaded_by: User | None = None,
    warnings: list[str] | None = None,
    upload: EnergyUpload | None = None,
) -> ImportOutcome:
    """Import records already read and checked (a 205-1 form, a generated frame) as one
    import keyed by ``sha256``. Same rules as ``do_import_energy_file``."""
    if DataImport.objects.filter(kind="energy", sha256=sha256).exists():
        return ImportOutcome(status=UploadStatus.UNCHANGED, source=source)
    repeated = pl.struct(KEY_COLUMNS).is_duplicated()
    dup = checked.records.filter(repeated)
    prior = _Collected()
    if dup.height:
        errors = dup.select(
            "row",
            pl.lit("entity_id").alias("column"),
            pl.concat_str([pl.col(k).cast(pl.String) for k in KEY_COLUMNS], separator="|").alias(
                "value"
            ),
            pl.lit("duplicate_key").alias("code"),
            pl.lit(None, pl.String).alias("detail"),
        ).cast(dict(ERROR_SCHEMA))  # type: ignore[arg-type]
        prior.add(
            errors,
            with_reasons(dup.with_columns(pl.col(pl.Float64, pl.Enum).cast(pl.String)), errors),
        )
        checked = CheckedChunk(
            records=checked.records.filter(~repeated),
            rejected=checked.rejected,
            errors=checked.errors,
            rows=checked.rows,
            bytes_done=checked.bytes_done,
        )
    request = _Request(
        actor, source, sha256, file_format, partial, enterprise, uploaded_by, warnings or [], upload
    )
    try:
        return _import(request, lambda: [checked], progress=None, total=0, prior=prior)
    except _DuplicateKeysError:
        msg = "another import wrote records for the same enterprises meanwhile; try again"
        raise ImportRejectedError(msg) from None


def _previous_months(forms: list[Form205]) -> pl.DataFrame:
    """Stored records of the month before each monthly form, keyed by the form's USCC, for
    the month-on-month check."""
    wanted: set[tuple[str, str]] = set()
    for form in forms:
        if len(form.period) == 7 and form.period[4] == "-":
            year, month = int(form.period[:4]), int(form.period[5:])
            year, month = (year - 1, 12) if month == 1 else (year, month - 1)
            wanted.add((form.uscc, f"{year}-{month:02d}"))
    stored = EnergyRecord.objects.filter(
        enterprise__uscc__in={u for u, _ in wanted}, period__in={p for _, p in wanted}
    ).values_list("enterprise__uscc", "period", "energy_code", "quantity")
    return pl.DataFrame(
        [row for row in stored if (row[0], row[1]) in wanted],
        schema={
            "entity_id": pl.String,
            "period": pl.String,
            "energy_code": pl.String,
            "quantity": pl.Float64,
        },
        orient="row",
    )


def _form_chunk(
    path: Path, forms: list[Form205], options: CheckOptions
) -> tuple[CheckedChunk, list[str]]:
    """The records of a workbook's forms as one checked chunk, and its warnings as text."""
    batch = form205.checked_batch(forms, options)
    issues = form205.with_reasons(batch.issues)
    records = batch.records
    stored = _previous_months(forms)
    if stored.height:
        jumps = form205.check_jumps(
            pl.concat([records.select(stored.columns), stored]), options.jump_factor
        ).join(records.select("period").unique(), on="period", how="semi")
        warnings_extra = [
            f"{j['entity_id']} {j['energy_code']} {j['previous_period']}→{j['period']}: "
            f"{j['previous_quantity']:g} → {j['quantity']:g} (×{j['ratio']:.2f}) "
            "环比变化超出阈值 / month-on-month change beyond the factor"
            for j in jumps.iter_rows(named=True)
        ]
    else:
        warnings_extra = []
    warnings = [
        form205.render_issue(i)
        for i in issues.filter(pl.col("level") == form205.WARNING).iter_rows(named=True)
    ] + warnings_extra
    errors = issues.filter(pl.col("level") == form205.ERROR)
    where = pl.concat_str(
        [
            pl.when(pl.col("sheet") != "").then(pl.col("sheet") + "!").otherwise(pl.lit("")),
            pl.col("cell").fill_null(""),
            pl.lit(" "),
            pl.coalesce(pl.col("label"), pl.col("column"), pl.lit("")),
        ]
    ).str.strip_chars()
    error_frame = errors.select(
        "row",
        where.alias("column"),
        "value",
        "code",
        "detail",
    ).cast(dict(ERROR_SCHEMA))  # type: ignore[arg-type]
    whole_form = errors.filter(pl.col("row") == 0).select("sheet").unique()
    bad = errors.select("sheet", "row").unique()
    kept = records.join(bad, on=["sheet", "row"], how="anti").join(
        whole_form, on="sheet", how="anti"
    )
    items = pl.concat(
        [
            f.items.select(
                "row",
                pl.lit(f.sheet).alias("sheet"),
                pl.lit(f.uscc).alias("uscc"),
                pl.lit(f.period).alias("period"),
                pl.all().exclude("row").cast(pl.String),
            )
            for f in forms
        ],
        how="diagonal_relaxed",
    )
    rejected_items = items.join(bad, on=["sheet", "row"], how="semi").select(
        [c for c in items.columns if not c.endswith("_cell")]
    )
    rejected = (
        rejected_items.join(
            errors.group_by("sheet", "row").agg(
                pl.col("column").fill_null("").str.join("; ").alias("error_columns"),
                pl.col("code").str.join("; ").alias("error_codes"),
                pl.col("reason_zh").str.join("; "),
                pl.col("reason_en").str.join("; "),
            ),
            on=["sheet", "row"],
            how="left",
        )
        if rejected_items.height
        else pl.DataFrame()
    )
    chunk = CheckedChunk(
        records=kept.select(RECORD_COLUMNS),
        rejected=rejected,
        errors=error_frame,
        rows=int(items.height),
        bytes_done=path.stat().st_size,
    )
    return chunk, warnings


def do_import_form_file(
    path: Path,
    *,
    actor: Actor,
    partial: bool = False,
    enterprise: Enterprise | None = None,
    uploaded_by: User | None = None,
    source: str | None = None,
    options: CheckOptions | None = None,
    upload: EnergyUpload | None = None,
) -> ImportOutcome:
    """Import a 205-1 form file (every sheet of it that is a form) as one import: records
    by the form's USCC, purposes fuel / feedstock / non_industrial. Errors of a form row reject
    the file, or with ``partial`` quarantine that row; warnings (coefficients, month-on-month
    jumps, also against the stored month before) are kept on the upload. Raises
    ``InputFileError`` when the file is not a readable form."""
    name = source or path.name
    options = options or CheckOptions()
    forms = form205.read_form_sheets(path)
    sha = forms[0].sha256
    if DataImport.objects.filter(kind="energy", sha256=sha).exists():
        return ImportOutcome(status=UploadStatus.UNCHANGED, source=name)
    chunk, warnings = _form_chunk(path, forms, options)
    return do_import_energy_records(
        chunk,
        actor=actor,
        source=name,
        sha256=sha,
        file_format="form205",
        partial=partial,
        enterprise=enterprise,
        uploaded_by=uploaded_by,
        warnings=warnings,
        upload=upload,
    )


def is_canonical_csv(path: Path) -> bool:
    """Whether ``path`` is a CSV whose first line names the canonical energy columns."""
    return path.suffix.lower() == ".csv" and not canonical_csv_problems(path)


def canonical_csv_problems(path: Path) -> list[RowError]:
    """Why the CSV ``path`` is not a canonical energy CSV: one error per missing column (on
    the header, row 1), naming the columns the file has; empty when it is one."""
    try:
        text = TextFile(path)
        header = text.header()
        check_header(header, text.name, REQUIRED_COLUMNS)
    except InputFileError as exc:
        if not any(e.code == "missing_column" for e in exc.errors):
            return exc.errors
        found = ", ".join(check_header(header, text.name, ()))
        return [
            RowError(path.name, 1, e.column, "not_canonical_csv", detail=found) for e in exc.errors
        ]
    return []


def import_uploaded_file(
    path: Path,
    *,
    source: str,
    actor: Actor,
    partial: bool = False,
    enterprise: Enterprise | None = None,
    uploaded_by: User | None = None,
    upload: EnergyUpload | None = None,
) -> ImportOutcome:
    """Import one file: a canonical energy CSV, or a 205-1 form (.xlsx, .xls, or a CSV whose
    first line is not the canonical header). ``upload``: the pending upload row to fill in.
    A CSV that is neither is refused with the canonical columns it lacks."""
    if is_canonical_csv(path):
        return do_import_energy_file(
            path,
            actor=actor,
            partial=partial,
            enterprise=enterprise,
            uploaded_by=uploaded_by,
            source=source,
            upload=upload,
        )
    try:
        return do_import_form_file(
            path,
            actor=actor,
            partial=partial,
            enterprise=enterprise,
            uploaded_by=uploaded_by,
            source=source,
            upload=upload,
        )
    except InputFileError as exc:
        not_a_form = all(e.code == "form_not_found" for e in exc.errors)
        if path.suffix.lower() != ".csv" or not not_a_form:
            raise
        problems = canonical_csv_problems(path)
        if not problems:
            raise
        raise InputFileError([replace(e, file=source) for e in problems]) from exc
