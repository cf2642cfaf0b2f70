"""``citycarbon emissions``: stream an energy CSV through validation and the accounting engine.

Memory stays bounded by the chunk size plus the per-entity partial sums and an 8-byte key
hash per row: each chunk is validated, accounted and reduced to sums per entity and period
(the map step), and the partial sums are added up at the end (the combine step). Duplicate
keys are found from the hashes; only when some exist is the file read a second time, to
confirm them and to recompute the entities they touch.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
import polars as pl

from citycarbon.core.accounting import partial_emissions, sum_emissions
from citycarbon.core.factors import FactorSet
from citycarbon.core.periods import Grain
from citycarbon.core.schemas import ENERGY_RECORDS, METHOD_VERSION
from citycarbon.io.energy_csv import (
    Reference,
    confirm_duplicates,
    key_hash,
)
from citycarbon.io.energy_import import COLUMNS, checked_chunks, open_energy_file
from citycarbon.io.errors import RowError, errors_from_frame
from citycarbon.io.limits import Limits
from citycarbon.io.textfile import DEFAULT_CHUNK_BYTES, TextFile

MAX_KEPT_ERRORS: Final = 100_000
"""Errors kept for the report; more are counted, not kept."""

Progress = Callable[[int, int], None]


@dataclass
class EmissionsRun:
    """What one run produced: results, rejected rows and the provenance of both."""

    emissions: pl.DataFrame
    errors: list[RowError]
    error_count: int
    rejected: pl.DataFrame
    rows_read: int
    rows_used: int
    input_sha256: str
    encoding: str
    factor_set: str
    factor_set_hash: str
    grain: Grain

    def provenance(self, input_path: Path) -> dict[str, object]:
        return {
            "method_version": METHOD_VERSION,
            "factor_set": self.factor_set,
            "factor_set_sha256": self.factor_set_hash,
            "input": input_path.name,
            "input_sha256": self.input_sha256,
            "input_encoding": self.encoding,
            "period_grain": self.grain,
            "rows_read": self.rows_read,
            "rows_used": self.rows_used,
            "rows_rejected": self.rows_read - self.rows_used,
            "synthetic": False,
        }

    def provenance_json(self, input_path: Path) -> str:
        return json.dumps(self.provenance(input_path), ensure_ascii=False, indent=2)


def _records(valid: pl.DataFrame) -> pl.LazyFrame:
    return valid.lazy().select(ENERGY_RECORDS.names())


def run_emissions(
    path: Path,
    factors: FactorSet,
    grain: Grain = "year",
    *,
    skip_invalid: bool = False,
    detail: bool = False,
    encoding: str | None = None,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    progress: Progress | None = None,
    limits: Limits | None = None,
) -> EmissionsRun:
    """Validate and account one energy CSV.

    Without ``skip_invalid`` any rejected row makes the run fail: ``emissions`` is empty and
    ``errors`` says why. With it, rejected rows are set aside in ``rejected`` (original
    fields plus reasons) and the rest are accounted. Raises ``InputFileError`` when the file
    as a whole cannot be read or is over ``limits`` (default: those of the environment).
    """
    text = open_energy_file(path, encoding=encoding, chunk_bytes=chunk_bytes, limits=limits)
    ref = Reference()
    partials: list[pl.DataFrame] = []
    hashes: list[np.ndarray] = []
    error_frames: list[pl.DataFrame] = []
    rejected_frames: list[pl.DataFrame] = []
    error_count = rows_read = 0
    failing = False

    for chunk in checked_chunks(text, grain=grain, ref=ref):
        rows_read += chunk.rows
        valid, errors = chunk.records, chunk.errors
        if not errors.is_empty():
            error_count += errors.height
            if sum(f.height for f in error_frames) < MAX_KEPT_ERRORS:
                error_frames.append(errors)
            if skip_invalid:
                rejected_frames.append(chunk.rejected)
            else:
                failing = True
        hashes.append(valid.select(key_hash()).to_series().to_numpy())
        if not failing:
            partials.append(
                partial_emissions(_records(valid), factors, grain, detail=detail).collect()
            )
        if progress is not None:
            progress(chunk.bytes_done, text.size)

    dup_errors, fixed = _duplicates(
        text, hashes, grain, ref, factors, detail=detail, recompute=skip_invalid and not failing
    )
    if not dup_errors.is_empty():
        error_count += dup_errors.height
        error_frames.append(dup_errors)
        if skip_invalid:
            rejected_frames.append(fixed.rejected)
        else:
            failing = True

    all_errors = errors_from_frame(text.name, pl.concat(error_frames)) if error_frames else []
    rejected = (
        pl.concat(rejected_frames, how="diagonal_relaxed").sort("row")
        if rejected_frames
        else pl.DataFrame()
    )
    if failing:
        result = pl.DataFrame()
        used = 0
    else:
        combined = (
            pl.concat(partials)
            if partials
            else partial_emissions(
                pl.LazyFrame(schema=ENERGY_RECORDS), factors, grain, detail=detail
            ).collect()
        )
        if fixed.entities is not None:
            combined = pl.concat(
                [
                    combined.filter(~pl.col("entity_id").is_in(fixed.entities.implode())),
                    fixed.emissions,
                ]
            )
        result = sum_emissions(combined.lazy(), factors, detail=detail).collect()
        used = rows_read - rejected.height
    return EmissionsRun(
        emissions=result,
        errors=all_errors,
        error_count=error_count,
        rejected=rejected,
        rows_read=rows_read,
        rows_used=used,
        input_sha256=text.sha256,
        encoding=text.encoding,
        factor_set=factors.label,
        factor_set_hash=factors.content_hash,
        grain=grain,
    )


@dataclass
class _Fix:
    entities: pl.Series | None = None
    emissions: pl.DataFrame = field(default_factory=pl.DataFrame)
    rejected: pl.DataFrame = field(default_factory=pl.DataFrame)


def _duplicates(
    text: TextFile,
    hashes: list[np.ndarray],
    grain: Grain,
    ref: Reference,
    factors: FactorSet,
    *,
    detail: bool,
    recompute: bool,
) -> tuple[pl.DataFrame, _Fix]:
    """Confirm duplicate keys among valid rows; optionally recompute the entities they touch."""
    errors, rejected, dup = confirm_duplicates(text, hashes, grain, ref, COLUMNS)
    fix = _Fix()
    if errors.is_empty():
        return errors, fix
    fix.rejected = rejected
    if recompute:
        affected = dup.get_column("entity_id").unique()
        keep: list[pl.DataFrame] = []
        dup_rows = errors.get_column("row").implode()
        for chunk in checked_chunks(text, grain=grain, ref=ref):
            keep.append(
                chunk.records.filter(
                    pl.col("entity_id").is_in(affected.implode()) & ~pl.col("row").is_in(dup_rows)
                )
            )
        fix.entities = affected
        fix.emissions = partial_emissions(
            _records(pl.concat(keep)), factors, grain, detail=detail
        ).collect()
    return errors, fix


def read_entity_records(
    path: Path, entity_id: str, year: int, *, encoding: str | None = None
) -> pl.DataFrame:
    """Validated records (``ENERGY_RECORDS``) of one entity and year, read chunk by chunk."""
    parts = []
    for chunk in checked_chunks(open_energy_file(path, encoding=encoding)):
        parts.append(
            chunk.records.filter(
                (pl.col("entity_id") == entity_id) & pl.col("period").str.starts_with(str(year))
            ).select(ENERGY_RECORDS.names())
        )
    return pl.concat(parts) if parts else pl.DataFrame(schema=ENERGY_RECORDS)
