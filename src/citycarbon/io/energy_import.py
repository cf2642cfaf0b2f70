"""Reading a canonical energy CSV for import into the platform, chunk by chunk.

Each chunk comes out checked: valid records (``ENERGY_RECORDS`` plus ``row``), the rows that
failed with their reasons, and the errors. The importer decides what to do with them
(all-or-nothing or partial with quarantine); duplicate keys across chunks are left to the
database's unique key, and ``duplicates`` finds them when it objects.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from queue import Full, Queue
from typing import Final, TypeVar, cast

import polars as pl

from citycarbon.core.periods import Grain
from citycarbon.core.schemas import ENERGY_RECORDS
from citycarbon.io.csvtable import check_header, parse_chunk
from citycarbon.io.energy_csv import (
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    Reference,
    confirm_duplicates,
    key_hash,
    validate,
)
from citycarbon.io.errors import ERROR_SCHEMA, with_reasons
from citycarbon.io.limits import Limits
from citycarbon.io.textfile import DEFAULT_CHUNK_BYTES, TextFile

COLUMNS: Final = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
RECORD_COLUMNS: Final = ("row", *ENERGY_RECORDS.names())
T = TypeVar("T")


@dataclass(frozen=True)
class CheckedChunk:
    """One chunk of an energy file after the checks."""

    records: pl.DataFrame
    """Valid rows: ``row`` plus the ``ENERGY_RECORDS`` columns, quantities in standard units."""
    rejected: pl.DataFrame
    """Failed rows as read (text columns and ``row``) with ``error_columns``, ``error_codes``,
    ``reason_zh``, ``reason_en``."""
    errors: pl.DataFrame
    """``ERROR_SCHEMA`` rows, one per failed check."""
    rows: int
    bytes_done: int


def file_sha256(path: Path, block: int = 8 * 1024 * 1024) -> str:
    """SHA-256 of the file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while data := f.read(block):
            digest.update(data)
    return digest.hexdigest()


def open_energy_file(
    path: Path,
    *,
    encoding: str | None = None,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    limits: Limits | None = None,
) -> TextFile:
    """The file opened for chunked reading, its header checked (raises ``InputFileError``);
    ``limits`` default to those of the environment."""
    text = TextFile(path, encoding=encoding, chunk_bytes=chunk_bytes, limits=limits)
    check_header(text.header(), text.name, REQUIRED_COLUMNS)
    return text


def checked_chunks(
    text: TextFile,
    *,
    grain: Grain = "year",
    skip_rows: pl.Series | None = None,
    ref: Reference | None = None,
) -> Iterator[CheckedChunk]:
    """Every chunk of ``text`` checked for results at ``grain``; rows in ``skip_rows`` (line
    numbers) are left out of the records (they were rejected by an earlier pass)."""
    ref = ref or Reference()
    skip = skip_rows.implode() if skip_rows is not None and skip_rows.len() else None
    for header, chunk in text.chunks():
        parsed = parse_chunk(header, chunk, text.name, COLUMNS)
        valid, errors = validate(parsed, grain, ref)
        if skip is not None:
            valid = valid.filter(~pl.col("row").is_in(skip))
        rejected = (
            with_reasons(
                parsed.filter(pl.col("row").is_in(errors["row"].unique().implode())), errors
            )
            if errors.height
            else pl.DataFrame()
        )
        yield CheckedChunk(
            records=valid.select(RECORD_COLUMNS),
            rejected=rejected,
            errors=errors,
            rows=parsed.height,
            bytes_done=chunk.bytes_done,
        )


def duplicates(text: TextFile) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Rows of ``text`` whose key (entity, period, code, purpose) is repeated among its valid
    rows: ``(errors, rejected rows with reasons)``; both empty when there are none."""
    ref = Reference()
    hashes = [
        c.records.select(key_hash()).to_series().to_numpy() for c in checked_chunks(text, ref=ref)
    ]
    errors, rejected, _ = confirm_duplicates(text, hashes, "year", ref, COLUMNS)
    return errors.cast(dict(ERROR_SCHEMA)), rejected  # type: ignore[arg-type]


_DONE: Final = object()


def prefetched(items: Iterator[T], depth: int = 2) -> Iterator[T]:
    """``items`` produced by a background thread, at most ``depth`` ahead of the consumer, so
    that reading and checking the next chunk (Polars, which releases the GIL) overlaps with
    writing the current one to the database. Errors in the producer are raised here."""
    queue: Queue[object] = Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        queue.put(item, timeout=0.1)
                        break
                    except Full:
                        continue
                if stop.is_set():
                    return
            queue.put(_DONE)
        except BaseException as exc:  # handed to the consumer, raised there
            queue.put(exc)

    thread = threading.Thread(target=produce, name="prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item = queue.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield cast("T", item)
    finally:
        stop.set()
        thread.join(timeout=5)
